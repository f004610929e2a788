// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_plugin_test: vtier-gt, the ground-truth TCG plugin, against a guest
 * program that touches a known set of pages a known number of times.
 *
 * vtier-touch (selftests/guest/vtier-touch.c) mlocks HOT + COLD pages,
 * prints each page's frame from /proc/self/pagemap, and between guest
 * markers 1 and 2 has THREADS threads touch every hot page HROUNDS times and
 * every cold page CROUNDS times (128 8-byte accesses per touch).  The guest
 * boots with `-plugin vtier-gt-api<N>.so,out=...,arm=1,stop=2,sample=N,window_ms=1`
 * on 2 vCPUs (MTTCG); the test then checks, as a user of the ground truth
 * would:
 *   - every touched frame's count, summed over the windows, equals the
 *     known number exactly (and the run spans several windows, so the
 *     per-window merge is part of what is checked);
 *   - the .truth file is well formed (increasing `window <i>` headers,
 *     `<pfn_hex> <count>` lines);
 *   - the sampled .trace parses as trace v1, its times never go back, it
 *     holds as many records as the summary says, and each hot page got
 *     about count/N samples;
 *   - marker 3, run between the touching and marker 2, is logged in the
 *     summary with a time after the touches and not after marker 2's;
 *   - with no stop marker, a SIGTERM to QEMU still writes complete files;
 *   - a bad option stops QEMU with a message naming it.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S		300	/* generous: TCG on a shared 2-core machine */
#define HOT		64
#define COLD		192
#define HROUNDS		100
#define CROUNDS		2
#define THREADS		2
#define SAMPLE		64
#define TOUCH		128	/* accesses per page per touch */
#define APPEND		"vtier.hot=64 vtier.cold=192 vtier.hrounds=100 " \
			"vtier.crounds=2 vtier.threads=2"

struct page {
	uint64_t pfn;
	bool hot;
	uint64_t count;		/* from .truth, all windows */
	uint64_t samples;	/* from .trace */
};

struct run {
	struct page p[HOT + COLD];
	int n;
	uint64_t expect_hot, expect_cold;
	uint64_t windows;	/* `window` headers in .truth */
	uint64_t trace_records;
	uint64_t last_touch_ns;	/* last sampled access to a touched page */
};

FIXTURE(plugin) {
	struct e2e e;
	char prefix[PATH_MAX + 8];
	char plugin_arg[3 * PATH_MAX];
	struct run r;
};

FIXTURE_SETUP(plugin)
{
	ASSERT_EQ(0, e2e_init(&self->e, "plugin"));
	snprintf(self->prefix, sizeof(self->prefix), "%s/gt", self->e.dir);
	memset(&self->r, 0, sizeof(self->r));
}

FIXTURE_TEARDOWN(plugin)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

/*
 * The vtier-gt build that the QEMU in use loads (one per plugin API level)
 * into so, and that QEMU as a shell command into qemu (both may be NULL),
 * as qemu-configs/platform.sh decides for VTIER_QEMU.
 */
static bool platform_plugin(const struct e2e *e, char *so, size_t so_len,
			    char *qemu, size_t qemu_len)
{
	char cmd[2 * PATH_MAX], l1[PATH_MAX + 32], l2[3 * PATH_MAX];
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd), "ROOT='%s' bash -c '"
		 "BUILD=${VTIER_BUILD:-$ROOT/build}; "
		 ". \"$ROOT/qemu-configs/platform.sh\" && platform_qemu && "
		 "echo \"${GT_PLUGIN:-$GT_PLUGIN_WHY}\" && "
		 "printf \"%%q \" env \"${QEMU_ENV[@]}\" \"$QEMU_BIN\" "
		 "\"${QEMU_DATA_ARGS[@]}\"'", e->root);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fgets(l1, sizeof(l1), p) && fgets(l2, sizeof(l2), p);
	if (pclose(p) != 0)
		ok = false;
	if (!ok)
		return false;
	l1[strcspn(l1, "\n")] = '\0';
	if (access(l1, R_OK) != 0) {
		fprintf(stderr, "# no vtier-gt for this QEMU: %s\n", l1);
		return false;
	}
	if (so)
		snprintf(so, so_len, "%s", l1);
	if (qemu)
		snprintf(qemu, qemu_len, "%s", l2);
	return true;
}

static bool have_plugin(const struct e2e *e, char *so, size_t len)
{
	return platform_plugin(e, so, len, NULL, 0);
}

/* The guest's page lines and expectation into r; pages found or -1. */
static int guest_pages(struct e2e *e, struct run *r)
{
	char **l = NULL;
	int n = e2e_console_lines(e, "VTIER-TOUCH page ", &l);
	int ok = 0;

	r->n = 0;
	for (int i = 0; i < n && r->n < HOT + COLD; i++) {
		unsigned idx;
		char kind[8];
		unsigned long long pfn;

		if (sscanf(l[i], "VTIER-TOUCH page %u %7s %llx", &idx, kind,
			   &pfn) != 3 || idx != (unsigned)r->n)
			break;
		r->p[r->n].pfn = pfn;
		r->p[r->n].hot = !strcmp(kind, "hot");
		r->n++;
	}
	e2e_free_lines(l, n);
	n = e2e_console_lines(e, "VTIER-TOUCH expect ", &l);
	if (n == 1 && sscanf(l[0], "VTIER-TOUCH expect hot=%" SCNu64 " cold=%"
			     SCNu64, &r->expect_hot, &r->expect_cold) == 2)
		ok = 1;
	e2e_free_lines(l, n);
	return ok ? r->n : -1;
}

static struct page *find(struct run *r, uint64_t pfn)
{
	for (int i = 0; i < r->n; i++)
		if (r->p[i].pfn == pfn)
			return &r->p[i];
	return NULL;
}

/* Parse PREFIX.truth into r; 0, or -1 with the reason. */
static int read_truth(const char *prefix, struct run *r)
{
	char path[PATH_MAX + 32], line[256];
	long long win = -1;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s.truth", prefix);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "# no %s\n", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		unsigned long long pfn, cnt, w;
		char extra;
		struct page *p;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "window %llu %c", &w, &extra) == 1) {
			if ((long long)w <= win) {
				fprintf(stderr, "# truth: window %llu after %lld\n", w, win);
				rc = -1;
			}
			win = (long long)w;
			r->windows++;
		} else if (sscanf(line, "%llx %llu %c", &pfn, &cnt, &extra) == 2 &&
			   win >= 0) {
			p = find(r, pfn);
			if (p)
				p->count += cnt;
		} else {
			fprintf(stderr, "# truth: bad line: %s", line);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

/* Parse PREFIX.trace as trace v1; times must not go back.  0 or -1. */
static int read_trace(const char *prefix, struct run *r)
{
	char path[PATH_MAX + 32], line[300];
	uint64_t prev = 0;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s.trace", prefix);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "# no %s\n", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		unsigned long long t, gpa;
		char rw[4], extra;
		struct page *p;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%llu %llx %3s %c", &t, &gpa, rw, &extra) != 3 ||
		    (strcmp(rw, "R") && strcmp(rw, "W"))) {
			fprintf(stderr, "# trace: not trace v1: %s", line);
			rc = -1;
		} else if (t < prev) {
			fprintf(stderr, "# trace: time goes back: %llu after %" PRIu64
				"\n", t, prev);
			rc = -1;
		}
		prev = t;
		r->trace_records++;
		p = find(r, gpa >> 12);
		if (p) {
			p->samples++;
			r->last_touch_ns = t;
		}
	}
	fclose(f);
	return rc;
}

/* A key's value from PREFIX.summary into val; 0 or -1. */
static int summary(const char *prefix, const char *key, char *val, size_t len)
{
	char path[PATH_MAX + 32], line[512];
	size_t kl = strlen(key);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s.summary", prefix);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			snprintf(val, len, "%.*s", (int)strcspn(line + kl + 1, "\n"),
				 line + kl + 1);
			rc = 0;
		}
	fclose(f);
	return rc;
}

static unsigned long long summary_u(const char *prefix, const char *key)
{
	char v[64];

	return summary(prefix, key, v, sizeof(v)) ? ~0ULL : strtoull(v, NULL, 10);
}

/* Counts between the markers are exact; the sampled trace is sound. */
TEST_F_TIMEOUT(plugin, exact_counts_between_markers, 2 * BOOT_S)
{
	char so[PATH_MAX + 32], v[64];
	const char *args[] = { "-plugin", self->plugin_arg, NULL };
	struct e2e_guest_opts o = { .script = "plugin-touch", .append = APPEND,
				    .smp = 2, .mem = "1G", .qemu_args = args };
	struct run *r = &self->r;
	uint64_t hot_samples = 0, hot_total = 0, m2, m3;
	int wrong = 0;

	ASSERT_TRUE(have_plugin(&self->e, so, sizeof(so)));
	snprintf(self->plugin_arg, sizeof(self->plugin_arg),
		 "%s,out=%s,arm=1,stop=2,window_ms=1,sample=%d", so,
		 self->prefix, SAMPLE);
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-TOUCH done", BOOT_S));
	ASSERT_EQ(0, e2e_wait_guest_exit(&self->e, BOOT_S));

	ASSERT_EQ(HOT + COLD, guest_pages(&self->e, r));
	ASSERT_EQ((uint64_t)THREADS * HROUNDS * TOUCH, r->expect_hot);
	ASSERT_EQ((uint64_t)THREADS * CROUNDS * TOUCH, r->expect_cold);

	ASSERT_EQ(0, summary(self->prefix, "status", v, sizeof(v)));
	EXPECT_STREQ("ok", v);
	ASSERT_EQ(0, summary(self->prefix, "end", v, sizeof(v)));
	EXPECT_STREQ("stop marker", v);
	ASSERT_EQ(0, summary(self->prefix, "marker_codes", v, sizeof(v)));
	EXPECT_STREQ("1,2,3", v);
	EXPECT_EQ(0, summary_u(self->prefix, "errors"));
	EXPECT_EQ(0, summary_u(self->prefix, "bad_vcpu"));

	ASSERT_EQ(0, read_truth(self->prefix, r));
	/* ~5 million instructions in 1 ms windows: the merge path ran. */
	EXPECT_GE(r->windows, 2);
	EXPECT_EQ(r->windows, summary_u(self->prefix, "windows"));
	for (int i = 0; i < r->n; i++) {
		uint64_t want = r->p[i].hot ? r->expect_hot : r->expect_cold;

		if (r->p[i].count != want && wrong++ < 10)
			TH_LOG("frame %" PRIx64 " (%s): %" PRIu64 " accesses, "
			       "expected %" PRIu64, r->p[i].pfn,
			       r->p[i].hot ? "hot" : "cold", r->p[i].count, want);
	}
	EXPECT_EQ(0, wrong);

	ASSERT_EQ(0, read_trace(self->prefix, r));
	EXPECT_EQ(r->trace_records, summary_u(self->prefix, "samples"));
	/*
	 * Jittered periods with mean N: a hot page's samples are near
	 * count/N (here 400; the spread is about ±20), all hot pages
	 * together within 10%.
	 */
	for (int i = 0; i < r->n; i++) {
		if (!r->p[i].hot)
			continue;
		hot_samples += r->p[i].samples;
		hot_total += r->p[i].count;
		EXPECT_GE(r->p[i].samples * 2 * SAMPLE, r->p[i].count)
			TH_LOG("frame %" PRIx64 ": %" PRIu64 " samples",
			       r->p[i].pfn, r->p[i].samples);
		EXPECT_LE(r->p[i].samples * 2 * SAMPLE, 3 * r->p[i].count)
			TH_LOG("frame %" PRIx64 ": %" PRIu64 " samples",
			       r->p[i].pfn, r->p[i].samples);
	}
	TH_LOG("%" PRIu64 " samples on hot pages for %" PRIu64 " accesses "
	       "(1 in %d: expected %" PRIu64 ")", hot_samples, hot_total,
	       SAMPLE, hot_total / SAMPLE);
	EXPECT_GE(hot_samples * SAMPLE * 10, hot_total * 9);
	EXPECT_LE(hot_samples * SAMPLE * 10, hot_total * 11);

	/*
	 * Marker 3 ran after the threads were joined and before marker 2:
	 * its logged time lies after the last sampled touch, whichever vCPU
	 * made it (a marker takes the furthest vCPU clock; without that the
	 * clocks of two busy vCPUs drift apart by milliseconds), and not
	 * after the stop marker's.  The arm marker ran before counting.
	 */
	m3 = summary_u(self->prefix, "marker_ns.3");
	m2 = summary_u(self->prefix, "marker_ns.2");
	ASSERT_NE(~0ULL, m3);
	ASSERT_NE(~0ULL, m2);
	EXPECT_EQ(~0ULL, summary_u(self->prefix, "marker_ns.1"));
	TH_LOG("marker 3 at %" PRIu64 " ns, marker 2 at %" PRIu64
	       " ns, last touch sample at %" PRIu64 " ns", m3, m2,
	       r->last_touch_ns);
	EXPECT_GT(r->last_touch_ns, 0);
	EXPECT_GE(m3, r->last_touch_ns);
	EXPECT_LE(m3, m2);
	EXPECT_LE(m2, summary_u(self->prefix, "last_ns") + 1000000);
}

/*
 * Armed but never stopped: SIGTERM to QEMU ends the run, and the files are
 * complete through the atexit path.  Counts include what happens after
 * marker 2 (the pages are freed and may be reused), so they are at least
 * the known numbers.
 */
TEST_F_TIMEOUT(plugin, sigterm_writes_complete_files, 2 * BOOT_S)
{
	char so[PATH_MAX + 32], v[64];
	const char *args[] = { "-plugin", self->plugin_arg, NULL };
	struct e2e_guest_opts o = { .smp = 2, .mem = "1G", .qemu_args = args };
	struct run *r = &self->r;
	int low = 0;

	ASSERT_TRUE(have_plugin(&self->e, so, sizeof(so)));
	snprintf(self->plugin_arg, sizeof(self->plugin_arg),
		 "%s,out=%s,arm=1,sample=1000,jitter=off", so, self->prefix);
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-SHELL", BOOT_S));
	ASSERT_EQ(0, e2e_send_console(&self->e, "vtier-touch 16 16 10 1 1\n"));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-TOUCH done", BOOT_S));
	/* The plugin has written nothing final yet: no stop marker. */
	ASSERT_EQ(0, summary(self->prefix, "status", v, sizeof(v)));
	EXPECT_STREQ("incomplete", v);
	e2e_kill_guest(&self->e);	/* SIGTERM, then waits */
	EXPECT_TRUE(WIFEXITED(self->e.qemu_status))
		TH_LOG("QEMU status 0x%x", self->e.qemu_status);

	ASSERT_EQ(32, guest_pages(&self->e, r));
	ASSERT_EQ(0, summary(self->prefix, "status", v, sizeof(v)));
	EXPECT_STREQ("ok", v);
	ASSERT_EQ(0, summary(self->prefix, "end", v, sizeof(v)));
	EXPECT_STREQ("exit", v);
	ASSERT_EQ(0, read_truth(self->prefix, r));
	EXPECT_EQ(r->windows, summary_u(self->prefix, "windows"));
	for (int i = 0; i < r->n; i++)
		if (r->p[i].count < (r->p[i].hot ? r->expect_hot : r->expect_cold))
			low++;
	EXPECT_EQ(0, low);
	ASSERT_EQ(0, read_trace(self->prefix, r));
	EXPECT_EQ(r->trace_records, summary_u(self->prefix, "samples"));
	EXPECT_GT(r->trace_records, 0);
}

/* An unknown key stops QEMU with a message naming it. */
TEST_F_TIMEOUT(plugin, bad_option_stops_qemu, 60)
{
	char so[PATH_MAX + 32], qemu[3 * PATH_MAX], cmd[8 * PATH_MAX];
	char log[PATH_MAX + 16], line[512];
	bool named = false;
	FILE *f;
	int rc;

	ASSERT_TRUE(platform_plugin(&self->e, so, sizeof(so), qemu, sizeof(qemu)));
	snprintf(log, sizeof(log), "%s/bad.log", self->e.dir);
	snprintf(cmd, sizeof(cmd), "%s -machine q35 -accel tcg "
		 "-m 128M -display none -no-reboot -nic none "
		 "-plugin '%s,out=%s,windw_ms=5' >'%s' 2>&1 </dev/null", qemu,
		 so, self->prefix, log);
	rc = system(cmd);
	EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) != 0) TH_LOG("rc 0x%x", rc);
	f = fopen(log, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		named |= strstr(line, "unknown option 'windw_ms'") != NULL;
	fclose(f);
	EXPECT_TRUE(named);
}

TEST_HARNESS_MAIN
