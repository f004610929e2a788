// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer algorithm (host-backend/balancer.c) on its own: access
 * curves from REPORT histograms, the utility split against brute force,
 * limits, damping, dead band, stale reports and the three policies.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "balancer.h"

#define MIB 256			/* pages */

static struct bal_vm vm_with(uint64_t min, uint64_t max, uint32_t weight,
			     uint64_t quota)
{
	struct bal_vm v;

	memset(&v, 0, sizeof(v));
	v.min_pages = min;
	v.max_pages = max;
	v.weight = weight;
	v.quota_pages = quota;
	return v;
}

/* A fresh REPORT: `hot` pages in bucket hb, `warm` in bucket wb. */
static void report(struct bal_vm *v, uint64_t hot, int hb, uint64_t warm,
		   int wb, uint32_t rate)
{
	memset(&v->rep, 0, sizeof(v->rep));
	v->fresh = true;
	v->rep.sample_rate = rate;
	v->rep.epoch_ms = 1000;
	v->rep.hist[hb] += hot;
	v->rep.hist[wb] += warm;
	v->rep.hist[0] = 5000;
	v->rep.wss_pages = hot + warm;
}

static void random_report(struct bal_vm *v, unsigned int *seed, int maxpages)
{
	int b;

	memset(&v->rep, 0, sizeof(v->rep));
	v->fresh = true;
	v->rep.sample_rate = 1 + rand_r(seed) % 100000;
	for (b = 0; b < VTIER_HIST_BUCKETS; b++)
		v->rep.hist[b] = rand_r(seed) % 3 ? 0 : rand_r(seed) % (maxpages + 1);
	for (b = 1; b < VTIER_HIST_BUCKETS; b++)
		v->rep.wss_pages += v->rep.hist[b];
}

static uint64_t sum_targets(const struct bal_vm *v, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i].target_pages;
	return s;
}

/* Run plans, feeding targets back as quotas, like vtierd does. */
static int settle(const struct bal_params *p, struct bal_vm *v, size_t n,
		  int periods, int *changes)
{
	int t, i;

	*changes = 0;
	for (t = 0; t < periods; t++) {
		if (balancer_plan(p, v, n))
			return -1;
		for (i = 0; i < (int)n; i++) {
			*changes += v[i].changed;
			v[i].quota_pages = v[i].target_pages;
		}
	}
	return 0;
}

TEST(curve_is_concave_and_sums_to_the_sample_rate)
{
	unsigned int seed = 1;
	int k;

	for (k = 0; k < 200; k++) {
		struct bal_vm v = vm_with(0, 0, 1, 0);
		uint64_t s, top = 0;
		double prev = 1e300;
		int b;

		random_report(&v, &seed, 50);
		for (b = 1; b < VTIER_HIST_BUCKETS; b++)
			top += v.rep.hist[b];
		ASSERT_EQ(0, bal_curve(&v.rep, 0));
		for (s = 0; s < top + 5; s++) {
			double m = bal_marginal(&v.rep, s);
			double du = bal_curve(&v.rep, s + 1) - bal_curve(&v.rep, s);

			ASSERT_LE(m, prev + 1e-9);	/* slopes never rise */
			ASSERT_LT(du - m, 1e-6);
			ASSERT_GT(du - m, -1e-6);
			prev = m;
		}
		/* Flat beyond the pages with heat, at the sample rate. */
		ASSERT_EQ(0, bal_marginal(&v.rep, top));
		if (top) {
			ASSERT_LT(bal_curve(&v.rep, top) - v.rep.sample_rate, 1e-6 * v.rep.sample_rate);
			ASSERT_GT(bal_curve(&v.rep, top) - v.rep.sample_rate, -1e-6 * v.rep.sample_rate);
		}
	}
}

TEST(hotter_buckets_serve_more_per_page)
{
	struct bal_vm v = vm_with(0, 0, 1, 0);

	report(&v, 100, 10, 1000, 3, 10000);
	/* Representative heats 767.5 and 5.5: the hot pages come first. */
	EXPECT_GT(bal_marginal(&v.rep, 0), 100 * bal_marginal(&v.rep, 100));
	/*
	 * Heat 100 x 767.5 + 1000 x 5.5 = 82250; 95% of it needs the hot
	 * pages and ceil((78137.5 - 76750) / 5.5) = 253 warm ones.
	 */
	EXPECT_EQ(353, bal_demand(&v.rep));
}

/* Best sum of weight x U over all splits, by enumeration (3 VMs). */
static double brute(const struct bal_vm *v, uint64_t total)
{
	double best = -1;
	uint64_t a, b, c;

	for (a = v[0].min_pages; a <= v[0].max_pages && a <= total; a++)
		for (b = v[1].min_pages; b <= v[1].max_pages && a + b <= total; b++)
			for (c = v[2].min_pages; c <= v[2].max_pages && a + b + c <= total; c++) {
				double u = v[0].weight * bal_curve(&v[0].rep, a) +
					   v[1].weight * bal_curve(&v[1].rep, b) +
					   v[2].weight * bal_curve(&v[2].rep, c);

				if (u > best)
					best = u;
			}
	return best;
}

TEST(utility_equals_the_brute_force_optimum)
{
	struct bal_params p = { BAL_UTILITY, 0, 0, 0 };
	unsigned int seed = 7;
	int k, i;

	for (k = 0; k < 300; k++) {
		struct bal_vm v[3];
		double got = 0, best;

		p.total_pages = 1 + rand_r(&seed) % 24;
		for (i = 0; i < 3; i++) {
			uint64_t min = rand_r(&seed) % 3, max = min + rand_r(&seed) % 12;

			v[i] = vm_with(min, max, 1 + rand_r(&seed) % 4, min);
			random_report(&v[i], &seed, 6);
		}
		if (v[0].min_pages + v[1].min_pages + v[2].min_pages > p.total_pages)
			continue;
		ASSERT_EQ(0, balancer_plan(&p, v, 3));
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(v[i].optimum_pages, v[i].target_pages);
			got += v[i].weight * bal_curve(&v[i].rep, v[i].target_pages);
		}
		best = brute(v, p.total_pages);
		ASSERT_LT(best - got, 1e-6 * (best + 1));
		ASSERT_LE(sum_targets(v, 3), p.total_pages);
	}
}

TEST(limits_and_total_hold_for_every_policy_and_damping)
{
	enum bal_policy pol[] = { BAL_UTILITY, BAL_PROPORTIONAL, BAL_STATIC };
	unsigned int seed = 11;
	int k, i, t;

	for (k = 0; k < 300; k++) {
		struct bal_params p = { pol[k % 3], 2000 + rand_r(&seed) % 6000,
					rand_r(&seed) % 800, rand_r(&seed) % 100 };
		struct bal_vm v[4];

		for (i = 0; i < 4; i++) {
			uint64_t min = rand_r(&seed) % 400;

			v[i] = vm_with(min, min + rand_r(&seed) % 5000,
				       1 + rand_r(&seed) % 5, min);
			random_report(&v[i], &seed, 500);
			v[i].fresh = rand_r(&seed) % 4 != 0;
		}
		for (t = 0; t < 12; t++) {
			ASSERT_EQ(0, balancer_plan(&p, v, 4));
			ASSERT_LE(sum_targets(v, 4), p.total_pages);
			for (i = 0; i < 4; i++) {
				uint64_t d = v[i].target_pages > v[i].quota_pages ?
					     v[i].target_pages - v[i].quota_pages :
					     v[i].quota_pages - v[i].target_pages;

				ASSERT_GE(v[i].target_pages, v[i].min_pages);
				ASSERT_LE(v[i].target_pages, v[i].max_pages);
				if (p.step_pages)
					ASSERT_LE(d, p.step_pages);
				if (v[i].changed)
					ASSERT_NE(0, v[i].reason[0]);
				v[i].quota_pages = v[i].target_pages;
				if (t == 6)	/* the input changes midway */
					random_report(&v[i], &seed, 500);
			}
		}
	}
}

TEST(weights_favour_the_heavier_vm)
{
	struct bal_params p = { BAL_UTILITY, 1000, 0, 0 };
	struct bal_vm v[2] = { vm_with(0, 4000, 3, 0), vm_with(0, 4000, 1, 0) };

	report(&v[0], 800, 8, 0, 1, 1000);
	report(&v[1], 800, 8, 0, 1, 1000);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(800, v[0].target_pages);
	EXPECT_EQ(200, v[1].target_pages);
	EXPECT_NE(NULL, strstr(v[0].reason, "utility: +800 pages, marginal"));
	EXPECT_NE(NULL, strstr(v[0].reason, "acc/s per MiB vs"));
}

TEST(the_small_very_hot_set_wins_over_the_large_flat_one)
{
	struct bal_params p = { BAL_UTILITY, 40 * MIB, 0, 0 };
	struct bal_vm v[2] = { vm_with(0, 64 * MIB, 1, 0),
			       vm_with(0, 64 * MIB, 1, 0) };

	report(&v[0], 8 * MIB, 12, 0, 1, 20000);	/* small, very hot */
	report(&v[1], 60 * MIB, 3, 0, 1, 20000);	/* large, flat */
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(8 * MIB, v[0].target_pages);
	EXPECT_EQ(32 * MIB, v[1].target_pages);
}

TEST(steady_input_settles_without_oscillation)
{
	struct bal_params p = { BAL_UTILITY, 64 * MIB, 4 * MIB, MIB };
	struct bal_vm v[3] = { vm_with(MIB, 64 * MIB, 1, MIB),
			       vm_with(MIB, 64 * MIB, 1, MIB),
			       vm_with(MIB, 64 * MIB, 2, MIB) };
	int changes, t, i;

	report(&v[0], 30 * MIB, 9, 20 * MIB, 2, 30000);
	report(&v[1], 10 * MIB, 11, 40 * MIB, 1, 30000);
	report(&v[2], 20 * MIB, 6, 0, 1, 5000);
	/* 61 MiB to move at 4 MiB per period per VM: at most 16 periods. */
	ASSERT_EQ(0, settle(&p, v, 3, 16, &changes));
	for (t = 0; t < 50; t++) {
		ASSERT_EQ(0, balancer_plan(&p, v, 3));
		for (i = 0; i < 3; i++) {
			ASSERT_FALSE(v[i].changed);
			ASSERT_EQ(v[i].optimum_pages, v[i].target_pages);
		}
	}
	EXPECT_EQ(64 * MIB, sum_targets(v, 3));
}

TEST(step_bounds_each_change)
{
	struct bal_params p = { BAL_UTILITY, 100 * MIB, 2 * MIB, 0 };
	struct bal_vm v[2] = { vm_with(0, 100 * MIB, 1, 90 * MIB),
			       vm_with(0, 100 * MIB, 1, 10 * MIB) };

	report(&v[0], 10 * MIB, 3, 0, 1, 1000);
	report(&v[1], 90 * MIB, 10, 0, 1, 100000);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(88 * MIB, v[0].target_pages);
	EXPECT_EQ(12 * MIB, v[1].target_pages);
	EXPECT_NE(NULL, strstr(v[1].reason, "(step)"));
}

TEST(grows_wait_for_shrinks)
{
	/* The shrink is step-bound, so the grow gets only what it frees. */
	struct bal_params p = { BAL_UTILITY, 100 * MIB, 2 * MIB, 0 };
	struct bal_vm v[2] = { vm_with(0, 100 * MIB, 1, 100 * MIB),
			       vm_with(0, 100 * MIB, 1, 0) };

	report(&v[0], 10 * MIB, 3, 0, 1, 1000);
	report(&v[1], 90 * MIB, 10, 0, 1, 100000);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(98 * MIB, v[0].target_pages);
	EXPECT_EQ(2 * MIB, v[1].target_pages);
}

TEST(changes_within_the_dead_band_are_not_made)
{
	struct bal_params p = { BAL_UTILITY, 100 * MIB, 0, 2 * MIB };
	struct bal_vm v[2] = { vm_with(0, 100 * MIB, 1, 50 * MIB),
			       vm_with(0, 100 * MIB, 1, 50 * MIB) };

	/* The optimum is 51/49 MiB: 1 MiB away, inside the band. */
	report(&v[0], 51 * MIB, 8, 0, 1, 1000);
	report(&v[1], 49 * MIB, 8, 0, 1, 1000);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(51 * MIB, v[0].optimum_pages);
	EXPECT_FALSE(v[0].changed);
	EXPECT_FALSE(v[1].changed);
	/* 3 MiB away: outside the band, moved. */
	report(&v[0], 53 * MIB, 8, 0, 1, 1000);
	report(&v[1], 47 * MIB, 8, 0, 1, 1000);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(53 * MIB, v[0].target_pages);
	EXPECT_EQ(47 * MIB, v[1].target_pages);
}

TEST(a_stale_report_keeps_the_quota_and_a_new_vm_starts_at_min)
{
	struct bal_params p = { BAL_UTILITY, 100 * MIB, 0, 0 };
	struct bal_vm v[3] = { vm_with(0, 100 * MIB, 1, 30 * MIB),
			       vm_with(0, 100 * MIB, 1, 20 * MIB),
			       vm_with(5 * MIB, 100 * MIB, 1, 5 * MIB) };
	int changes;

	report(&v[0], 90 * MIB, 10, 0, 1, 100000);
	report(&v[1], 90 * MIB, 10, 0, 1, 100000);
	v[1].fresh = false;			/* no fresh REPORT */
	/* v[2] is new: quota at its min, no REPORT yet */
	ASSERT_EQ(0, settle(&p, v, 3, 3, &changes));
	EXPECT_EQ(20 * MIB, v[1].target_pages);
	EXPECT_EQ(5 * MIB, v[2].target_pages);
	EXPECT_EQ(75 * MIB, v[0].target_pages);
	/* Its first REPORT: it takes part. */
	report(&v[2], 90 * MIB, 11, 0, 1, 100000);
	ASSERT_EQ(0, settle(&p, v, 3, 1, &changes));
	EXPECT_GT(v[2].target_pages, 5 * MIB);
	EXPECT_EQ(20 * MIB, v[1].target_pages);
}

TEST(a_stale_vm_gives_back_only_for_others_minimums)
{
	struct bal_params p = { BAL_UTILITY, 100 * MIB, MIB, 0 };
	struct bal_vm v[2] = { vm_with(0, 100 * MIB, 1, 90 * MIB),
			       vm_with(30 * MIB, 100 * MIB, 1, 10 * MIB) };

	/* v[1]'s min was raised to 30 MiB (vtierctl quota). */
	v[0].fresh = false;
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(70 * MIB, v[0].target_pages);
	EXPECT_EQ(30 * MIB, v[1].target_pages);
	EXPECT_NE(NULL, strstr(v[0].reason, "min of others"));
}

TEST(proportional_splits_by_working_set)
{
	struct bal_params p = { BAL_PROPORTIONAL, 2000, 0, 0 };
	struct bal_vm v[3] = { vm_with(0, 4000, 1, 0), vm_with(0, 4000, 1, 0),
			       vm_with(0, 300, 1, 0) };

	report(&v[0], 1000, 3, 0, 1, 100);
	report(&v[1], 3000, 3, 0, 1, 100);
	report(&v[2], 4000, 3, 0, 1, 100);
	ASSERT_EQ(0, balancer_plan(&p, v, 3));
	/* v[2] is capped at its max; the rest split 1:3. */
	EXPECT_EQ(300, v[2].target_pages);
	EXPECT_EQ(425, v[0].target_pages);
	EXPECT_EQ(1275, v[1].target_pages);
	EXPECT_NE(NULL, strstr(v[0].reason, "proportional: +425 pages, wss 1000 of 8000"));
}

TEST(static_splits_by_weight_only)
{
	struct bal_params p = { BAL_STATIC, 4000, 0, 0 };
	struct bal_vm v[2] = { vm_with(0, 8000, 1, 0), vm_with(0, 8000, 3, 0) };

	/* Reports do not matter, fresh or not. */
	report(&v[0], 3000, 12, 0, 1, 100000);
	v[1].fresh = false;
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_EQ(1000, v[0].target_pages);
	EXPECT_EQ(3000, v[1].target_pages);
	EXPECT_NE(NULL, strstr(v[1].reason, "static: +3000 pages, weight 3 of 4"));
}

TEST(unusable_limits_change_nothing)
{
	struct bal_params p = { BAL_UTILITY, 100, 0, 0 };
	struct bal_vm v[2] = { vm_with(60, 100, 1, 60), vm_with(60, 100, 1, 40) };

	EXPECT_EQ(-1, balancer_plan(&p, v, 2));	/* minimums: 120 > 100 */
	EXPECT_EQ(60, v[0].target_pages);
	EXPECT_EQ(40, v[1].target_pages);
	v[1] = vm_with(60, 50, 1, 40);		/* min above max */
	v[0].min_pages = 0;
	EXPECT_EQ(-1, balancer_plan(&p, v, 2));
	v[1] = vm_with(0, 50, 0, 40);		/* weight 0 */
	EXPECT_EQ(-1, balancer_plan(&p, v, 2));
	EXPECT_FALSE(v[1].changed);
}

TEST(hostile_reports_stay_within_bounds)
{
	struct bal_params p = { BAL_UTILITY, 1000, 100, 10 };
	struct bal_vm v[2] = { vm_with(0, 1000, 1, 0), vm_with(0, 1000, 1, 0) };
	int b;

	for (b = 0; b < VTIER_HIST_BUCKETS; b++)
		v[0].rep.hist[b] = UINT64_MAX;
	v[0].rep.sample_rate = UINT32_MAX;
	v[0].rep.wss_pages = UINT64_MAX;
	v[0].fresh = true;
	report(&v[1], 10, 15, 0, 1, UINT32_MAX);
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_LE(sum_targets(v, 2), 1000);
	p.policy = BAL_PROPORTIONAL;
	ASSERT_EQ(0, balancer_plan(&p, v, 2));
	EXPECT_LE(sum_targets(v, 2), 1000);
}

TEST(policy_names)
{
	enum bal_policy p;

	ASSERT_EQ(0, bal_policy_parse("proportional", &p));
	EXPECT_EQ(BAL_PROPORTIONAL, p);
	EXPECT_STREQ("utility", bal_policy_name(BAL_UTILITY));
	EXPECT_EQ(-1, bal_policy_parse("greedy", &p));
}

TEST_HARNESS_MAIN
