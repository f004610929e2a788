// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gen and vtier-replay (build/bin, next to this test) run as a user
 * would: a generated trace with its ground truth is scored, the hot-set
 * files and the hint stream are written and agree with the totals, gzip
 * input is read, malformed lines are counted and skipped, and on a tiny
 * trace the next-window coverage and the EWMA reference's scores are the
 * ones worked out by hand.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

static char bindir[PATH_MAX], tmp[] = "/tmp/vtier-replay-test.XXXXXX";

/* Run a shell command; return its stdout (malloc'd) or NULL. */
static char *run(const char *fmt, ...)
{
	char cmd[4096], *out = calloc(1, 1 << 20);
	size_t n = 0, r;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f || !out) {
		free(out);
		return NULL;
	}
	while ((r = fread(out + n, 1, (1 << 20) - 1 - n, f)) > 0)
		n += r;
	if (pclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The number after `key ` on vtier-replay's "total" line, or -1. */
static double field(const char *text, const char *key)
{
	const char *p = strstr(text, "total ");
	char k[64];

	snprintf(k, sizeof(k), " %s ", key);
	p = p ? strstr(p, k) : NULL;
	return p ? strtod(p + strlen(k), NULL) : -1;
}

/* The number after `key ` on the line of window w, or -1. */
static double wfield(const char *text, int w, const char *key)
{
	char head[64], k[64];
	const char *p, *end = NULL;

	snprintf(head, sizeof(head), "window %d ", w);
	for (p = text; p && strncmp(p, head, strlen(head)); p = end ? end + 1 : NULL)
		end = strchr(p, '\n');
	if (!p)
		return -1;
	end = strchr(p, '\n');
	snprintf(k, sizeof(k), " %s ", key);
	p = strstr(p, k);
	return p && (!end || p < end) ? strtod(p + strlen(k), NULL) : -1;
}

static long count_lines(const char *path, const char *word)
{
	char line[256];
	long n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !word || strstr(line, word) != NULL;
	fclose(f);
	return n;
}

FIXTURE(tool) {
	int unused;
};

FIXTURE_SETUP(tool)
{
	char *slash;
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);

	ASSERT_LT(0, n);
	bindir[n] = '\0';
	slash = strrchr(bindir, '/');
	*slash = '\0';
	if (access(strcat(strcpy((char[PATH_MAX]){ 0 }, bindir), "/vtier-replay"), X_OK))
		SKIP(return, "vtier-replay not built");
	ASSERT_NE(NULL, mkdtemp(tmp));
}

FIXTURE_TEARDOWN(tool)
{
	char *o = run("rm -rf %s", tmp);

	free(o);
}

/* Zipf 1.2 sampled 1 in 100: the hot set covers the hot accesses. */
TEST_F(tool, scores_generated_trace_against_truth)
{
	char *out, path[PATH_MAX];
	long hot3, promote, demote;

	free(run("%s/vtier-gen zipf1.2 --pages 8192 --seconds 4 --sample 100 "
		 "--truth %s/gt > %s/tr", bindir, tmp, tmp));
	out = run("%s/vtier-replay --quota 1024 --truth %s/gt --hints %s/hints "
		  "--hot-prefix %s/hot %s/tr", bindir, tmp, tmp, tmp, tmp);
	ASSERT_NE(NULL, out);
	TH_LOG("%s", out);
	EXPECT_EQ(4, field(out, "windows"));
	EXPECT_EQ(400000, field(out, "samples"));
	EXPECT_EQ(0, field(out, "bad_lines"));
	EXPECT_LE(0.9, field(out, "mean_coverage"));
	EXPECT_LE(0.5, field(out, "mean_f1"));
	/*
	 * One hot-set file per window.  Past the first window (warm-up, the
	 * threshold still rising) the hot set fits the quota within 5%.
	 */
	snprintf(path, sizeof(path), "%s/hot.0", tmp);
	EXPECT_LT(100, count_lines(path, NULL));
	snprintf(path, sizeof(path), "%s/hot.3", tmp);
	hot3 = count_lines(path, NULL);
	EXPECT_LT(900, hot3);
	EXPECT_GE(1075, hot3);
	snprintf(path, sizeof(path), "%s/hot.4", tmp);
	EXPECT_EQ(-1, count_lines(path, NULL));
	/*
	 * The hint stream is what the totals say.  Both sides are -1 when
	 * missing (no hints file, no such total), so the stream must also
	 * hold promotions.
	 */
	snprintf(path, sizeof(path), "%s/hints", tmp);
	promote = count_lines(path, " promote ");
	demote = count_lines(path, " demote ");
	EXPECT_LT(0, promote);
	EXPECT_EQ(field(out, "promotions"), promote);
	EXPECT_EQ(field(out, "demotions"), demote);
	free(out);
}

TEST_F(tool, full_trace_sampled_and_gzip)
{
	char *out;

	free(run("%s/vtier-gen zipf1.0 --pages 4096 --seconds 2 --rate 400000 "
		 "--sample 1 | gzip -c > %s/full.gz", bindir, tmp));
	out = run("%s/vtier-replay --quota 512 --sample 10 --full %s/full.gz",
		  bindir, tmp);
	ASSERT_NE(NULL, out);
	TH_LOG("%s", out);
	EXPECT_EQ(800000, field(out, "records"));
	/* 1 in 10, at random: within 2% of 80000. */
	EXPECT_LE(78400, field(out, "samples"));
	EXPECT_GE(81600, field(out, "samples"));
	EXPECT_LE(0.8, field(out, "mean_coverage"));
	free(out);
}

TEST_F(tool, malformed_lines_counted_and_skipped)
{
	char *out;
	FILE *f;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bad.tr", tmp);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "# trace\n100 1000 R\nbogus line\n200 1000 W\n300 zz R\n"
		"400 1000 X\n500 1000 R extra\n");
	for (int i = 0; i < 300; i++)
		fputc('7', f);
	fprintf(f, "\n600 1000 R\n");
	fclose(f);
	out = run("%s/vtier-replay --quota 16 %s 2>/dev/null", bindir, path);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(3, field(out, "records"));
	EXPECT_EQ(5, field(out, "bad_lines"));
	EXPECT_EQ(1, field(out, "promotions"));
	free(out);
}

/*
 * Pages A-D = 0x100-0x103, quota 2, windows of 1000 ns.  Samples: window
 * 0 A x3, B; window 1 C x5; window 2 A x4, D x4.  Truth file: window 0
 * A 3, B 1; window 1 C 5, D 2, A 1; window 2 D 4, A 4.
 */
static void write_tiny(struct __test_metadata *_metadata)
{
	static const char *const trace =
		"1000 100000 R\n1100 100000 R\n1200 100000 R\n1300 101000 R\n"
		"2000 102000 R\n2100 102000 R\n2200 102000 R\n2300 102000 R\n"
		"2400 102000 R\n"
		"3000 100000 R\n3100 103000 R\n3200 100000 R\n3300 103000 R\n"
		"3400 100000 R\n3500 103000 R\n3600 100000 R\n3700 103000 W\n";
	static const char *const truth =
		"window 0\n100 3\n101 1\nwindow 1\n102 5\n103 2\n100 1\n"
		"window 2\n103 4\n100 4\n";
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tiny.tr", tmp);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs(trace, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tiny.gt", tmp);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs(truth, f);
	fclose(f);
}

/*
 * Next-window coverage: the hot set held at the end of window i, scored
 * on window i + 1's truth.  EWMA (alpha 0.5), top 2 by score: after
 * window 0 A 1.5, B 0.5: {A, B}; after 1 A .75, B .25, C 2.5: {C, A};
 * after 2 A 2.375, C 1.25, D 2, B .125: {A, D}.
 */
TEST_F(tool, next_window_coverage_and_ewma_by_hand)
{
	char *out, *quiet, path[PATH_MAX];

	write_tiny(_metadata);
	out = run("%s/vtier-replay --quota 2 --window 1000 --ewma --truth "
		  "%s/tiny.gt --hot-prefix %s/hot %s/tiny.tr", bindir, tmp, tmp,
		  tmp);
	ASSERT_NE(NULL, out);
	TH_LOG("%s", out);
	/* The engine, its two pages free, holds A and B after window 0. */
	snprintf(path, sizeof(path), "%s/hot.0", tmp);
	ASSERT_EQ(2, count_lines(path, NULL));
	ASSERT_EQ(1, count_lines(path, "100\n"));
	ASSERT_EQ(1, count_lines(path, "101\n"));
	EXPECT_EQ(1.0, wfield(out, 0, "coverage"));
	/* window 1's top 2 {C 5, D 2}: {A, B} hits A's 1 of 7 */
	EXPECT_EQ(0.143, wfield(out, 0, "next_coverage"));
	EXPECT_EQ(1.0, wfield(out, 0, "ewma_coverage"));
	EXPECT_EQ(0.143, wfield(out, 0, "ewma_next_coverage"));
	/* EWMA {C, A} in window 1: 6 of 7, F1 0.5; in window 2: A's 4 of 8 */
	EXPECT_EQ(0.857, wfield(out, 1, "ewma_coverage"));
	EXPECT_EQ(0.5, wfield(out, 1, "ewma_f1"));
	EXPECT_EQ(0.5, wfield(out, 1, "ewma_next_coverage"));
	EXPECT_EQ(2, wfield(out, 2, "ewma_hot"));
	EXPECT_EQ(1.0, wfield(out, 2, "ewma_coverage"));
	/* The last window has no next one. */
	EXPECT_EQ(-1, wfield(out, 2, "next_coverage"));
	EXPECT_EQ(-1, wfield(out, 2, "ewma_next_coverage"));
	/* (1/7 + 1/2) / 2 and (1 + 6/7 + 1) / 3 */
	EXPECT_EQ(0.321, field(out, "ewma_mean_next_coverage"));
	EXPECT_EQ(0.952, field(out, "ewma_mean_coverage"));
	quiet = run("%s/vtier-replay --quota 2 --window 1000 --ewma --truth "
		    "%s/tiny.gt --quiet %s/tiny.tr", bindir, tmp, tmp);
	ASSERT_NE(NULL, quiet);
	EXPECT_EQ(NULL, strstr(quiet, "window "));
	EXPECT_EQ(field(out, "mean_next_coverage"),
		  field(quiet, "mean_next_coverage"));
	EXPECT_LE(0, field(quiet, "mean_next_coverage"));
	free(quiet);
	free(out);
}

/*
 * --full: the truth is the trace itself, window 1 only C (K capped at 1):
 * {A, B} covers none of it; EWMA {C, A} covers A's 4 of window 2's 8.
 */
TEST_F(tool, next_window_coverage_full_trace)
{
	char *out;

	write_tiny(_metadata);
	out = run("%s/vtier-replay --quota 2 --window 1000 --ewma --full "
		  "%s/tiny.tr", bindir, tmp);
	ASSERT_NE(NULL, out);
	TH_LOG("%s", out);
	EXPECT_EQ(0.0, wfield(out, 0, "ewma_next_coverage"));
	EXPECT_EQ(1.0, wfield(out, 1, "ewma_coverage"));
	EXPECT_EQ(0.5, wfield(out, 1, "ewma_next_coverage"));
	EXPECT_EQ(0.25, field(out, "ewma_mean_next_coverage"));
	free(out);
}

TEST_HARNESS_MAIN
