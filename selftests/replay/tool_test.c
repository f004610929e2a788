// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gen and vtier-replay (build/bin, next to this test) run as a user
 * would: a generated trace with its ground truth is scored, the hot-set
 * files and the hint stream are written and agree with the totals, gzip
 * input is read, and malformed lines are counted and skipped.
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

TEST_HARNESS_MAIN
