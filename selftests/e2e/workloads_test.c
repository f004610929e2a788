// SPDX-License-Identifier: GPL-2.0
/*
 * The real guest workloads (docs/workloads.md) run to completion inside the
 * TCG guest under the ground-truth plugin, at their QUICK sizes, through
 * the same command a user runs:
 *
 *   scripts/eval-guest.sh WORKLOAD --quick --out DIR
 *
 * Each test checks what the workload itself reports (redis-benchmark
 * completed every request and every GET hit; the SQL answers equal values
 * recomputed here from the closed-form generator; zstd's output decompresses
 * to the input; sort's output is sorted and as long as its input; the
 * graph's BFS and PageRank pass their checks), and that the plugin wrote a
 * ground truth with windows whose page counts sum to more than zero, a
 * sampled trace and a summary.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define WL_TIMEOUT_S	600	/* generous: QEMU shares 2 cores with others */
#define LINE_MAX_WL	4096

struct wl_run {
	char dir[256];
	char meta[LINE_MAX_WL];		/* the whole .meta file */
};

/* Value of KEY in a "k=v k=v" list (or a "key=value" line list), or NULL. */
static const char *kv_get(const char *list, const char *key, char *buf,
			  size_t len)
{
	size_t kl = strlen(key);
	const char *p = list;

	while ((p = strstr(p, key))) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\n' ||
			     p[-1] == '=';

		if (start && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " \n");

			if (n >= len)
				return NULL;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
		p += kl;
	}
	return NULL;
}

/* The number after KEY= in the .meta (params= and results= included). */
static long long meta_num(const struct wl_run *r, const char *key)
{
	char buf[64], *end;
	long long v;

	if (!kv_get(r->meta, key, buf, sizeof(buf)))
		return -1;
	v = strtoll(buf, &end, 10);
	return *end ? -1 : v;
}

static const char *meta_str(const struct wl_run *r, const char *key,
			    char *buf, size_t len)
{
	return kv_get(r->meta, key, buf, len);
}

static void dump_file(const char *path, int last_lines)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "tail -n %d '%s' | sed 's/^/# /' >&2",
		 last_lines, path);
	if (system(cmd) != 0)
		fprintf(stderr, "# (cannot show %s)\n", path);
}

/* Run eval-guest.sh; its progress lines become TAP comments.  rc or -1. */
static int run_workload(struct wl_run *r, const char *name)
{
	char cmd[1024], line[LINE_MAX_WL], path[300];
	size_t n;
	FILE *p, *f;
	int st;

	snprintf(r->dir, sizeof(r->dir), "/tmp/vtier-wl-%s.XXXXXX", name);
	if (!mkdtemp(r->dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s/scripts/eval-guest.sh' %s --quick "
		 "--out '%s' 2>&1", E2E_ROOT, name, r->dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		fprintf(stderr, "# %s", line);
	st = pclose(p);
	snprintf(path, sizeof(path), "%s/%s.meta", r->dir, name);
	f = fopen(path, "r");
	n = f ? fread(r->meta, 1, sizeof(r->meta) - 1, f) : 0;
	r->meta[n] = '\0';
	if (f)
		fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct truth_stats {
	long long windows, records, sum;
};

/* Ground-truth format of docs/trace-format.md: "window N", "pfn count". */
static int read_truth(const char *path, struct truth_stats *t)
{
	char line[256];
	FILE *f = fopen(path, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pfn, count;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "window ", 7)) {
			t->windows++;
		} else if (sscanf(line, "%llx %llu", &pfn, &count) == 2) {
			t->records++;
			t->sum += (long long)count;
		} else {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void cleanup(struct wl_run *r, const char *name, bool passed)
{
	char cmd[400], path[300];

	if (passed && !getenv("VTIER_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", r->dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.log", r->dir, name);
	fprintf(stderr, "# kept %s; last console lines:\n", r->dir);
	dump_file(path, 40);
}

/* Runs the workload and checks the plugin's files; the test body checks
 * the workload's own results in r->meta. */
#define RUN_WORKLOAD(name, r) do {					\
	char _p[300];							\
	struct truth_stats _t;						\
	struct stat _st;						\
	char _res[16];							\
									\
	ASSERT_EQ(0, run_workload(&(r), name));				\
	ASSERT_NE(NULL, meta_str(&(r), "result", _res, sizeof(_res)));	\
	EXPECT_STREQ("ok", _res);					\
	snprintf(_p, sizeof(_p), "%s/%s.truth", (r).dir, name);		\
	ASSERT_EQ(0, read_truth(_p, &_t)) TH_LOG("bad truth %s", _p);	\
	TH_LOG("%s: %lld windows, %lld page records, %lld accesses",	\
	       name, _t.windows, _t.records, _t.sum);			\
	EXPECT_GE(_t.windows, 1);					\
	EXPECT_GT(_t.records, 0);					\
	EXPECT_GT(_t.sum, 0);						\
	snprintf(_p, sizeof(_p), "%s/%s.trace.gz", (r).dir, name);	\
	ASSERT_EQ(0, stat(_p, &_st)) TH_LOG("no %s", _p);		\
	EXPECT_GT(_st.st_size, 20);					\
	snprintf(_p, sizeof(_p), "%s/%s.summary", (r).dir, name);	\
	ASSERT_EQ(0, stat(_p, &_st)) TH_LOG("no %s", _p);		\
	EXPECT_GT(_st.st_size, 0);					\
} while (0)

FIXTURE(wl) {
	struct wl_run r;
	const char *name;
};
FIXTURE_SETUP(wl)
{
	memset(&self->r, 0, sizeof(self->r));
	self->name = NULL;
}
FIXTURE_TEARDOWN(wl)
{
	if (self->name && self->r.dir[0])
		cleanup(&self->r, self->name, _metadata->passed);
}

TEST_F_TIMEOUT(wl, redis_benchmark_completes_and_every_get_hits, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;

	self->name = "redis";
	RUN_WORKLOAD("redis", *r);
	ASSERT_GT(meta_num(r, "OPS"), 0);
	EXPECT_EQ(meta_num(r, "OPS"), meta_num(r, "set_completed"));
	EXPECT_EQ(meta_num(r, "OPS"), meta_num(r, "get_completed"));
	EXPECT_EQ(meta_num(r, "KEYS"), meta_num(r, "dbsize"));
	EXPECT_EQ(meta_num(r, "OPS"), meta_num(r, "keyspace_hits"));
	EXPECT_EQ(0, meta_num(r, "keyspace_misses"));
}

/* The answers of the SQL in tools/guestwl/guest-wl.sh, from its formulas. */
struct sql_expect {
	long long q1c, q1s, q2c, q2s, q3c, q3s, q4, q5c, q5s;
};

static void sql_expected(long long items, long long orders, long long lookups,
			 struct sql_expect *e)
{
#define CAT(x)   (((x) * 7919) % 1000)
#define PRICE(x) (((x) * 104729) % 10007)
	long long total = 0;

	memset(e, 0, sizeof(*e));
	for (long long x = 1; x <= items; x++) {
		if (CAT(x) >= 100 && CAT(x) <= 149) {
			e->q1c++;
			e->q1s += PRICE(x);
		}
		if (CAT(x) >= 500 && CAT(x) <= 509)
			e->q5c++;
		total += PRICE(x);
	}
	e->q5s = total + e->q5c;	/* each updated price grew by one */
	for (long long x = 1; x <= lookups; x++) {
		e->q2c++;
		e->q2s += PRICE(1 + (x * 69069) % items);
	}
	for (long long o = 1; o <= orders; o++) {
		long long item = 1 + (o * 48271) % items, qty = 1 + o % 7;

		if (CAT(item) == 7) {
			e->q3c++;
			e->q3s += qty * PRICE(item);
		}
		e->q4 += (CAT(item) % 10) * qty;
	}
#undef CAT
#undef PRICE
}

TEST_F_TIMEOUT(wl, sqlite_answers_equal_recomputed_values, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	struct sql_expect e;
	char buf[128], want[128];

	self->name = "sqlite";
	RUN_WORKLOAD("sqlite", *r);
	ASSERT_GT(meta_num(r, "ITEMS"), 0);
	sql_expected(meta_num(r, "ITEMS"), meta_num(r, "ORDERS"),
		     meta_num(r, "LOOKUPS"), &e);
#define CHECK_Q(key, fmt, ...) do {					\
	snprintf(want, sizeof(want), fmt, __VA_ARGS__);			\
	ASSERT_NE(NULL, meta_str(r, key, buf, sizeof(buf)))		\
		TH_LOG("no %s in the results", key);			\
	EXPECT_STREQ(want, buf);					\
} while (0)
	CHECK_Q("q1", "%lld,%lld", e.q1c, e.q1s);
	CHECK_Q("q2", "%lld,%lld", e.q2c, e.q2s);
	CHECK_Q("q3", "%lld,%lld", e.q3c, e.q3s);
	CHECK_Q("q4", "%lld", e.q4);
	CHECK_Q("q5", "%lld,%lld", e.q5c, e.q5s);
#undef CHECK_Q
}

TEST_F_TIMEOUT(wl, zstd_output_decompresses_to_the_input, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	char buf[16];

	self->name = "zstd";
	RUN_WORKLOAD("zstd", *r);
	ASSERT_GT(meta_num(r, "MIB"), 0);
	EXPECT_GE(meta_num(r, "input_bytes"), meta_num(r, "MIB") << 20);
	EXPECT_GT(meta_num(r, "compressed_bytes"), 0);
	EXPECT_LT(meta_num(r, "compressed_bytes"), meta_num(r, "input_bytes"));
	ASSERT_NE(NULL, meta_str(r, "roundtrip_md5_equal", buf, sizeof(buf)));
	EXPECT_STREQ("yes", buf);
}

TEST_F_TIMEOUT(wl, sort_output_is_sorted_and_complete, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	char buf[16];

	self->name = "sort";
	RUN_WORKLOAD("sort", *r);
	ASSERT_GT(meta_num(r, "MIB"), 0);
	EXPECT_GE(meta_num(r, "bytes_in"), meta_num(r, "MIB") << 20);
	EXPECT_EQ(meta_num(r, "bytes_in"), meta_num(r, "bytes_out"));
	EXPECT_GT(meta_num(r, "lines_in"), 0);
	EXPECT_EQ(meta_num(r, "lines_in"), meta_num(r, "lines_out"));
	ASSERT_NE(NULL, meta_str(r, "sorted", buf, sizeof(buf)));
	EXPECT_STREQ("yes", buf);
}

TEST_F_TIMEOUT(wl, graph_bfs_and_pagerank_pass_their_checks, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	long long v, d;
	char buf[32];

	self->name = "graph";
	RUN_WORKLOAD("graph", *r);
	v = meta_num(r, "VERTICES");
	d = meta_num(r, "DEGREE");
	ASSERT_GT(v, 0);
	EXPECT_EQ(v, meta_num(r, "vertices"));
	/* Out-degrees are uniform in 1..2*DEGREE-1: mean DEGREE. */
	EXPECT_GT(meta_num(r, "edges"), v * d * 9 / 10);
	EXPECT_LT(meta_num(r, "edges"), v * d * 11 / 10);
	/* Vertex 0 is the most linked-to vertex: BFS reaches most. */
	EXPECT_GT(meta_num(r, "bfs_reached"), v / 2);
	ASSERT_NE(NULL, meta_str(r, "pr_sum", buf, sizeof(buf)));
	EXPECT_LT(fabs(strtod(buf, NULL) - 1.0), 1e-6);
}

TEST_HARNESS_MAIN
