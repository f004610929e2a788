// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-sim's multi-VM mode (issue 7): VMs sharing one fast tier, their
 * quotas moved by vtierd's balancer.  The splits of the static and global
 * oracle modes are computed by hand; utility must beat the static split on
 * a skewed mix; the shared total is never exceeded; the host takes pages
 * back from a VM over its quota; --vm and --balance are parsed strictly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sim_multi.h"

static char bindir[1024], dir[64];

static void setup_dirs(void)
{
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);

	bindir[n > 0 ? n : 0] = '\0';
	*strrchr(bindir, '/') = '\0';
	strcpy(dir, "/tmp/vtier-sim-multi.XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

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

/* count records per page for pages base.., 1 ms apart, round robin */
static int write_trace(const char *name, int pages, int rounds, int hot_only)
{
	char path[1200];
	FILE *f;
	int r, p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (r = 0; r < rounds; r++)
		for (p = 0; p < pages; p++) {
			/* hot_only: page 0 every time, the others in round 0 */
			int pg = hot_only && r ? 0 : p;

			fprintf(f, "%llu %x R\n", t, (0x40000 + pg) << 12);
			t += 1000000;
		}
	return fclose(f);
}

TEST(hand_computed_splits)
{
	char cmd[4096], *out;

	setup_dirs();
	ASSERT_NE(0, dir[0]);
	/* VM a: 4 pages x 10 accesses; VM b: 4 pages x 1. */
	ASSERT_EQ(0, write_trace("a.tr", 4, 10, 0));
	ASSERT_EQ(0, write_trace("b.tr", 4, 1, 0));
	/*
	 * 4 fast pages.  Static, weights 1:1: 2 and 2.  Global oracle: a's
	 * 4 pages (10 accesses each) before any of b's (1 each): a 4, b 0;
	 * hits 40 of 44; time a 40 x 80 = 3200, b 4 x 170 = 680 ns.
	 */
	snprintf(cmd, sizeof(cmd), "cd %s && %s/vtier-sim --quiet --label m "
		 "--vm a.tr,label=a --vm b.tr,label=b --fast-pages 4 "
		 "--balance static,oracle --bw-fast 0 --bw-slow 0 --csv o.csv "
		 ">out.txt && cat o.csv out.txt", dir, bindir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "m,static,a,4,2,2.0,40,"));
	EXPECT_NE(NULL, strstr(out, "m,static,b,4,2,2.0,4,"));
	EXPECT_NE(NULL, strstr(out, "m,oracle,a,4,4,4.0,40,40,1.000000,3200,3200,1.000000,0,0,"));
	EXPECT_NE(NULL, strstr(out, "m,oracle,b,4,0,0.0,4,0,0.000000,680,320,2.125000,0,0,"));
	EXPECT_NE(NULL, strstr(out, "m,oracle,all,4,4,4.0,44,40,"));
	EXPECT_NE(NULL, strstr(out, "most fast pages held at once (total 4): static "));
	free(out);
	/* weight=3 for a: the static split is 3 and 1. */
	snprintf(cmd, sizeof(cmd), "cd %s && %s/vtier-sim --quiet --label w "
		 "--vm a.tr,label=a,weight=3 --vm b.tr,label=b --fast-pages 4 "
		 "--balance static --csv o.csv >/dev/null && cat o.csv", dir, bindir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "w,static,a,4,3,3.0,"));
	EXPECT_NE(NULL, strstr(out, "w,static,b,4,1,1.0,"));
	free(out);
	/* min=3 for b: the oracle gives b its 3 first, a the one left. */
	snprintf(cmd, sizeof(cmd), "cd %s && %s/vtier-sim --quiet --label n "
		 "--vm a.tr,label=a --vm b.tr,label=b,min=3 --fast-pages 4 "
		 "--balance oracle --csv o.csv >/dev/null && cat o.csv", dir, bindir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "n,oracle,a,4,1,1.0,40,10,"));
	EXPECT_NE(NULL, strstr(out, "n,oracle,b,4,3,3.0,4,3,"));
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

/* The number after `key` in text, or -1. */
static double after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtod(p + strlen(key), NULL) : -1;
}

TEST(utility_beats_static_on_a_skewed_mix)
{
	char cmd[4096], *out;
	double u, s;

	setup_dirs();
	ASSERT_NE(0, dir[0]);
	/*
	 * 20 s each, one access per ms.  VM a cycles over 64 pages (all
	 * equally hot); VM b touches 64 pages once, then only its page 0.
	 * 64 fast pages: the static split gives a 32 (about half of its
	 * accesses hit), b 32 (it needs 1).  The utility balancer sees b's
	 * curve flat beyond one page and moves the rest to a.
	 */
	ASSERT_EQ(0, write_trace("a.tr", 64, 312, 0));
	ASSERT_EQ(0, write_trace("b.tr", 64, 312, 1));
	snprintf(cmd, sizeof(cmd), "cd %s && %s/vtier-sim --quiet --label s "
		 "--vm a.tr,label=a --vm b.tr,label=b --fast-pages 64 "
		 "--balance static,utility --csv o.csv >out.txt && cat out.txt o.csv",
		 dir, bindir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	s = after(out, "s,static,all,64,");
	u = after(out, "s,utility,all,64,");
	/* quota_end of all: never more than the total */
	EXPECT_GE(64, s);
	EXPECT_GE(64, u);
	s = after(out, "(total 64): static ");
	u = after(out, " utility ");
	EXPECT_GE(64, s);
	EXPECT_GE(64, u);
	EXPECT_LT(0, u);
	/* hits: the 8th column of the "all" rows */
	{
		const char *ps = strstr(out, "s,static,all,"), *pu = strstr(out, "s,utility,all,");
		double hs, hu;
		int i;

		ASSERT_NE(NULL, ps);
		ASSERT_NE(NULL, pu);
		for (i = 0; i < 7; i++) {
			ps = strchr(ps, ',') + 1;
			pu = strchr(pu, ',') + 1;
		}
		hs = strtod(ps, NULL);
		hu = strtod(pu, NULL);
		printf("# fast hits: static %.0f, utility %.0f of 39936\n", hs, hu);
		fflush(stdout);
		EXPECT_LT(hs * 1.1, hu);
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

/*
 * A lying VM (lie=1: its REPORTs claim every page red hot) beside an
 * honest one that can use the whole pool.  The liar needs one page.
 * utility believes it and starves the honest VM below its share; fair
 * keeps the honest VM its weighted share (half), whatever the liar says.
 */
TEST(a_lying_vm_gains_nothing_under_fair)
{
	char cmd[4096], *out;
	unsigned long long u, f;

	setup_dirs();
	ASSERT_NE(0, dir[0]);
	ASSERT_EQ(0, write_trace("a.tr", 64, 312, 0));
	ASSERT_EQ(0, write_trace("b.tr", 64, 312, 1));
	snprintf(cmd, sizeof(cmd), "cd %s && %s/vtier-sim --quiet --label s "
		 "--vm a.tr,label=a --vm b.tr,label=b,lie=1 --fast-pages 64 "
		 "--balance utility,fair --csv o.csv >out.txt && cat o.csv",
		 dir, bindir);
	out = run_cmd(cmd);
	ASSERT_NE(NULL, out);
	u = after(out, "s,utility,a,64,");
	f = after(out, "s,fair,a,64,");
	printf("# honest VM's quota at the end: utility %llu, fair %llu of 64\n",
	       u, f);
	fflush(stdout);
	EXPECT_GT(32, u);	/* the lie pays under utility */
	EXPECT_LE(32, f);	/* not under fair */
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

TEST(host_reclaims_over_quota)
{
	struct sim_params par;
	struct sim_pool pool = { .cap = 4 };
	struct sim_tier t;
	uint32_t id;

	sim_default_params(&par);
	ASSERT_EQ(0, sim_tier_init(&t, &par, 8, 8, "t"));
	t.pool = &pool;
	for (id = 0; id < 6; id++)
		sim_tier_place(&t, id);
	/* The pool holds 4: pages 4 and 5 found no room. */
	EXPECT_EQ(4, t.nfast);
	EXPECT_EQ(4, pool.used);
	id = 7;
	EXPECT_EQ(-1, sim_tier_move(&t, &id, 1, 1, 0));
	/* Quota cut to 2: the host takes back the first touched, 0 and 1. */
	t.cap = 2;
	sim_tier_reclaim(&t, t.nfast - t.cap);
	EXPECT_EQ(2, t.nfast);
	EXPECT_EQ(2, pool.used);
	EXPECT_EQ(0, t.fast[0]);
	EXPECT_EQ(0, t.fast[1]);
	EXPECT_EQ(1, t.fast[2]);
	sim_tier_end_epoch(&t, 0, 1000000000ull);
	EXPECT_EQ(2, t.demoted);
	EXPECT_EQ(4, pool.max_used);
	sim_tier_free(&t);
}

TEST(options)
{
	struct sim_vm_spec vm;
	unsigned int m;

	ASSERT_EQ(0, sim_vm_parse("x.tr,label=hot,weight=3,min=10,max=20,scale=100", &vm));
	EXPECT_STREQ("x.tr", vm.trace);
	EXPECT_STREQ("hot", vm.label);
	EXPECT_EQ(3, vm.weight);
	EXPECT_EQ(10, vm.min);
	EXPECT_EQ(20, vm.max);
	EXPECT_EQ(100, vm.scale);
	ASSERT_EQ(0, sim_vm_parse("y.tr", &vm));
	EXPECT_STREQ("y.tr", vm.label);
	EXPECT_EQ(1, vm.weight);
	EXPECT_EQ(-1, sim_vm_parse("z.tr,weight=0", &vm));
	EXPECT_EQ(-1, sim_vm_parse("z.tr,min=-1", &vm));
	EXPECT_EQ(-1, sim_vm_parse("z.tr,colour=red", &vm));
	EXPECT_EQ(-1, sim_vm_parse("z.tr,min", &vm));
	ASSERT_EQ(0, sim_vm_parse("l.tr,lie=1", &vm));
	EXPECT_EQ(1, vm.lie);
	EXPECT_EQ(-1, sim_vm_parse("l.tr,lie=2", &vm));
	ASSERT_EQ(0, sim_modes_parse("utility,oracle", &m));
	EXPECT_EQ(1u << SIM_UTILITY | 1u << SIM_ORACLE, m);
	EXPECT_EQ(-1, sim_modes_parse("utility,best", &m));
	ASSERT_EQ(0, sim_modes_parse("all", &m));
	EXPECT_EQ((1u << SIM_NMODES) - 1, m);
}

TEST_HARNESS_MAIN
