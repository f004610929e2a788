// SPDX-License-Identifier: GPL-2.0
/*
 * The real guest workloads (docs/workloads.md) run to completion inside the
 * TCG guest under the ground-truth plugin, at their QUICK sizes, through
 * the same command a user runs:
 *
 *   scripts/eval-guest.sh WORKLOAD --quick --out DIR
 *
 * Each test checks what the workload itself reports (redis-benchmark
 * completed every request of every round and every GET hit; the SQL answers
 * equal values recomputed here from the closed-form generator, in every
 * round; zstd's output decompresses to the input; sort's output is sorted
 * and as long as its input; the graph's BFS and PageRank pass their checks;
 * every memcached read returned the record's last value and memcached's
 * stats agree; every XSBench-like lookup's searches found their interval
 * and the sampled lookups equal their linear-scan recomputation), and that
 * the plugin wrote a ground truth with windows whose page counts sum to
 * more than zero, a sampled trace, a summary, and the steady phase's start
 * (steady_ns, from marker 3) inside the counted run.
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
	check_phases(_metadata, &(r));					\
} while (0)

/* The load phase comes first, then the steady phase (marker 3), both on
 * the plugin's clock; the data set is reported. */
static void check_phases(struct __test_metadata *_metadata,
			 const struct wl_run *r)
{
	char buf[64];
	double plugin_s, steady_s, load_s;
	long long steady_ns = meta_num(r, "steady_ns");

	ASSERT_NE(NULL, meta_str(r, "plugin_s", buf, sizeof(buf)));
	plugin_s = strtod(buf, NULL);
	ASSERT_NE(NULL, meta_str(r, "steady_s", buf, sizeof(buf)));
	steady_s = strtod(buf, NULL);
	ASSERT_NE(NULL, meta_str(r, "load_s", buf, sizeof(buf)));
	load_s = strtod(buf, NULL);
	TH_LOG("plugin %.3f s: load %.3f s, steady %.3f s from %lld ns; "
	       "data set %lld MiB", plugin_s, load_s, steady_s, steady_ns,
	       meta_num(r, "dataset_mib"));
	EXPECT_GT(steady_ns, 0);
	EXPECT_GT(load_s, 0);
	EXPECT_GT(steady_s, 0);
	EXPECT_LT(fabs(load_s + steady_s - plugin_s), 0.002);
	EXPECT_LT(fabs(steady_ns / 1e9 - load_s), 0.001);
	EXPECT_GT(meta_num(r, "dataset_mib"), 0);
}

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

	long long ops;

	self->name = "redis";
	RUN_WORKLOAD("redis", *r);
	ASSERT_GT(meta_num(r, "OPS"), 0);
	ASSERT_GT(meta_num(r, "ROUNDS"), 1);
	EXPECT_EQ(meta_num(r, "ROUNDS"), meta_num(r, "rounds"));
	ops = meta_num(r, "OPS") * meta_num(r, "ROUNDS");
	EXPECT_EQ(ops, meta_num(r, "set_completed"));
	EXPECT_EQ(ops, meta_num(r, "get_completed"));
	EXPECT_EQ(meta_num(r, "KEYS"), meta_num(r, "dbsize"));
	EXPECT_EQ(ops, meta_num(r, "keyspace_hits"));
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
	EXPECT_EQ(meta_num(r, "ITERS"), meta_num(r, "pr_iters"));
}

TEST_F_TIMEOUT(wl, memcached_reads_return_the_last_update, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	long long ops, records, reads, updates;

	self->name = "memcached";
	RUN_WORKLOAD("memcached", *r);
	ops = meta_num(r, "OPS");
	records = meta_num(r, "RECORDS");
	reads = meta_num(r, "reads");
	updates = meta_num(r, "updates");
	ASSERT_GT(ops, 0);
	EXPECT_EQ(records, meta_num(r, "records"));
	EXPECT_EQ(ops, reads + updates);
	/* 5% updates: 1000 of 20000 expected, sd about 31. */
	EXPECT_GT(updates * 100, ops * 4);
	EXPECT_LT(updates * 100, ops * 6);
	EXPECT_EQ(0, meta_num(r, "misses"));
	EXPECT_EQ(0, meta_num(r, "mismatches"));
	/* memcached's own counters */
	EXPECT_EQ(reads, meta_num(r, "get_hits"));
	EXPECT_EQ(records + updates, meta_num(r, "cmd_set"));
	EXPECT_EQ(records, meta_num(r, "curr_items"));
	EXPECT_EQ(0, meta_num(r, "evictions"));
}

TEST_F_TIMEOUT(wl, xsbench_lookups_equal_their_recomputation, WL_TIMEOUT_S)
{
	struct wl_run *r = &self->r;
	long long lookups, iso, gp;
	char buf[64];

	self->name = "xsbench";
	RUN_WORKLOAD("xsbench", *r);
	lookups = meta_num(r, "LOOKUPS");
	iso = meta_num(r, "ISOTOPES");
	gp = meta_num(r, "GRIDPOINTS");
	ASSERT_GT(lookups, 0);
	EXPECT_EQ(lookups, meta_num(r, "lookups"));
	EXPECT_EQ(iso, meta_num(r, "isotopes"));
	EXPECT_EQ(gp, meta_num(r, "gridpoints"));
	/* Every 4096th lookup, from the first, was recomputed and equal. */
	EXPECT_EQ((lookups + 4095) / 4096, meta_num(r, "verified"));
	/* 48 bytes per grid point */
	EXPECT_EQ((iso * gp * 48) >> 20, meta_num(r, "mib"));
	ASSERT_NE(NULL, meta_str(r, "checksum", buf, sizeof(buf)));
	EXPECT_GT(strtod(buf, NULL), 0);
}

TEST_HARNESS_MAIN
