// SPDX-License-Identifier: GPL-2.0
/*
 * build/bin/vtier-sim as a user runs it (next to this test): --ratio gives
 * F, the CSV rows hold hand-computed figures, a second run appends rows
 * only, gzip and stdin are read, a malformed line is skipped, and bad
 * options are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

static char *run_cmd(const char *cmd)
{
	char *out = calloc(1, 1 << 16);
	size_t n = 0, r;
	FILE *f = popen(cmd, "r");

	if (!f || !out) {
		free(out);
		return NULL;
	}
	while ((r = fread(out + n, 1, (1 << 16) - 1 - n, f)) > 0)
		n += r;
	if (pclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

TEST(command_line)
{
	char bindir[1024], dir[] = "/tmp/vtier-sim-test.XXXXXX", cmd[8192];
	char *out, *slash;
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);
	FILE *f;

	ASSERT_LT(0, n);
	bindir[n] = '\0';
	slash = strrchr(bindir, '/');
	*slash = '\0';
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/t.tr", dir);
	f = fopen(cmd, "w");
	ASSERT_NE(NULL, f);
	/* 5 pages; page 0x40004 most accessed; one malformed line. */
	fprintf(f, "# vtier trace v1\n0 40000000 R\n1 40001000 R\n2 40002000 W\n"
		"3 40003000 R\n4 40004000 R\n5 40004000 R\nnonsense\n6 40004000 R\n");
	fclose(f);
	/* 1:4 of 5 pages: F = 1; the oracle keeps 0x40004: 3 hits of 7. */
	snprintf(cmd, sizeof(cmd), "gzip -k %s/t.tr && %s/vtier-sim --quiet --label t "
		 "--ratio 1:4 --bw-fast 0 --bw-slow 0 --policy oracle,first-touch --warmup-pct 0 --csv %s/o.csv "
		 "%s/t.tr.gz 2>/dev/null && cat %s/o.csv", dir, bindir, dir,
		 dir, dir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "label,policy,ratio,fast_pages,footprint,"
			       "accesses,fast_hits,hit_ratio,time_ns,"
			       "time_vs_all_fast,pages_promoted,pages_demoted,"
			       "mb_migrated,migrations_per_s,hits_vs_oracle,deferred,"
			       "retried,sampler,initial,loops,evicted,track_ns,"
			       "steady_hit_ratio,steady_time_ns,"
			       "steady_time_vs_all_fast\n"));
	/*
	 * time 3 x 80 + 4 x 170 = 920; all-fast 560: 1.642857.  With no
	 * warm-up the steady state is the whole run.
	 */
	EXPECT_NE(NULL, strstr(out, "t,oracle,1:4,1,5,7,3,0.428571,920,1.642857,0,0,"
			       "0.000,0.000,1.000000,0,0,pebs,first-touch,0,0,0,"
			       "0.428571,920,1.642857\n"));
	/* first-touch: 0x40000 only: 1 hit, 80 + 6 x 170 = 1100 */
	EXPECT_NE(NULL, strstr(out, "t,first-touch,1:4,1,5,7,1,0.142857,1100,1.964286,"
			       "0,0,0.000,0.000,0.333333,0,0,pebs,first-touch,0,0,0,"
			       "0.142857,1100,1.964286\n"));
	free(out);
	/* 1:2: F = ceil(5/3) = 2; stdin; a second run appends rows only. */
	snprintf(cmd, sizeof(cmd), "%s/vtier-sim --quiet --label t --ratio 1:2 "
		 "--policy oracle --csv %s/o.csv - < %s/t.tr >/dev/null 2>&1 && "
		 "grep -c label %s/o.csv && grep 't,oracle,1:2,2,5,7,4,' %s/o.csv",
		 bindir, dir, dir, dir, dir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, strncmp(out, "1\n", 2));
	free(out);
	/* Bad options are refused. */
	snprintf(cmd, sizeof(cmd), "%s/vtier-sim --policy nosuch %s/t.tr 2>&1; "
		 "%s/vtier-sim --ratio 4 %s/t.tr 2>&1; true", bindir, dir, bindir, dir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "unknown policy 'nosuch'"));
	EXPECT_NE(NULL, strstr(out, "bad value for option: 4"));
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN
