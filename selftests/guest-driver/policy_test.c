// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the identification engine (guest-driver/vtier_policy.c),
 * through its public interface only: what the module and vtier-replay see.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "vtier_policy.h"

#define MS	1000000ull
#define SEC	1000000000ull

struct env {
	struct vtier_policy p;
	void *mem[VTIER_MAX_RANGES];
	int n;
};

static struct env *env_new(const struct vtier_policy_params *par)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vtier_policy_params def;

	if (!par) {
		vtier_policy_default_params(&def);
		par = &def;
	}
	if (!e || vtier_policy_init(&e->p, par)) {
		free(e);
		return NULL;
	}
	return e;
}

static int env_range(struct env *e, uint64_t start, uint64_t n)
{
	void *m = calloc(1, vtier_policy_range_bytes(start, n));
	int err;

	if (!m)
		return -ENOMEM;
	err = vtier_policy_add_range(&e->p, start, n, m);
	if (err)
		free(m);
	else
		e->mem[e->n++] = m;
	return err;
}

static void env_free(struct env *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		free(e->mem[i]);
	free(e);
}

static uint32_t heat(struct env *e, uint64_t pfn)
{
	return vtier_policy_page(&e->p, pfn) & VTIER_HEAT_MASK;
}

static int is_hot(struct env *e, uint64_t pfn)
{
	return !!(vtier_policy_page(&e->p, pfn) & VTIER_PAGE_HOT);
}

/* Pop every queued hint; counts by action and order into c[action][order!=0]. */
static unsigned int drain(struct env *e, unsigned int c[3][2],
			  struct vtier_hint_host *last)
{
	struct vtier_hint_host h[64];
	unsigned int n, i, total = 0;

	while ((n = vtier_policy_pop_hints(&e->p, h, 64))) {
		for (i = 0; i < n; i++) {
			if (c)
				c[h[i].action][h[i].order != 0]++;
			if (last)
				*last = h[i];
		}
		total += n;
	}
	return total;
}

/* Recount everything the engine keeps incrementally, from page states. */
static void check_consistent(struct __test_metadata *_metadata, struct env *e)
{
	struct vtier_policy_summary s;
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 }, hot = 0, warm = 0;
	uint32_t r, b;
	uint64_t i;

	vtier_policy_summarize(&e->p, &s);
	for (r = 0; r < e->p.nranges; r++) {
		const struct vtier_range *rg = &e->p.range[r];

		for (i = 0; i < rg->npages; i++) {
			uint16_t v = rg->page[i];

			hist[vtier_heat_bucket(v & VTIER_HEAT_MASK)]++;
			hot += !!(v & VTIER_PAGE_HOT);
			warm += !!(v & VTIER_HEAT_MASK);
		}
		for (i = 0; i < (rg->npages + 1023) / 512; i++) {
			uint64_t base = (rg->region0 + i) * 512, k, n = 0;

			for (k = base; k < base + 512; k++)
				if (k >= rg->start && k < rg->start + rg->npages)
					n += !!(rg->page[k - rg->start] & VTIER_PAGE_HOT);
			if (base < rg->start + rg->npages)
				ASSERT_EQ(n, rg->region[i].nhot);
		}
	}
	for (b = 0; b < VTIER_HIST_BUCKETS; b++)
		ASSERT_EQ(hist[b], s.hist[b]) TH_LOG("bucket %u", b);
	ASSERT_EQ(hot, s.hot);
	ASSERT_EQ(warm, s.pages);
}

TEST(cooling_halves_heat_each_epoch)
{
	struct env *e = env_new(NULL);
	uint64_t t = 1 * SEC;
	int i;

	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 4096));
	for (i = 0; i < 40; i++)
		vtier_policy_sample(&e->p, 100, t, 0);
	EXPECT_EQ(40, heat(e, 100));
	vtier_policy_advance(&e->p, t + 1000 * MS);
	EXPECT_EQ(20, heat(e, 100));
	vtier_policy_advance(&e->p, t + 2000 * MS);
	EXPECT_EQ(10, heat(e, 100));
	/* A long idle gap cools as many epochs, capped at 16 passes. */
	vtier_policy_advance(&e->p, t + 60 * SEC);
	EXPECT_EQ(0, heat(e, 100));
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(half_epoch_cools_half_the_pages)
{
	struct env *e = env_new(NULL);
	uint64_t i, cooled = 0;

	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 1000));
	vtier_policy_advance(&e->p, 0);
	for (i = 0; i < 1000; i++) {
		vtier_policy_record(&e->p, i, 0);
		vtier_policy_record(&e->p, i, 0);
	}
	vtier_policy_advance(&e->p, 500 * MS);
	for (i = 0; i < 1000; i++)
		cooled += heat(e, i) == 1;
	/* The sweep is incremental: about half of the pages so far. */
	EXPECT_LE(490, cooled);
	EXPECT_GE(510, cooled);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(histogram_consistent_after_random_ops)
{
	struct vtier_policy_params par;
	struct env *e;
	uint64_t t = 0, seed = 12345;
	int i;

	vtier_policy_default_params(&par);
	par.epoch_ms = 50;
	par.rate_limit_pps = 20000;
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0x100, 3000));
	ASSERT_EQ(0, env_range(e, 0x10000, 2048));
	for (i = 0; i < 200000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		switch ((seed >> 60) & 15) {
		case 0:
			t += (seed >> 20) % (20 * MS);
			vtier_policy_advance(&e->p, t);
			break;
		case 1:
			if (((seed >> 24) & 255) == 0)
				vtier_policy_set_quota(&e->p, (seed >> 30) % 6000);
			break;
		case 2:
			drain(e, NULL, NULL);
			break;
		default: {
			uint64_t r = (seed >> 16) % 100, pfn;

			/* Skewed: a hot 2 MiB region, a warm set, the rest. */
			if (r < 40)
				pfn = 0x10000 + (seed >> 32) % 512;
			else if (r < 70)
				pfn = 0x100 + (seed >> 32) % 300;
			else
				pfn = (seed >> 32) % 0x12000;
			vtier_policy_record(&e->p, pfn, 0);
		}
		}
		if (i % 20000 == 0)
			check_consistent(_metadata, e);
	}
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(threshold_fits_quota)
{
	struct env *e = env_new(NULL);
	struct vtier_policy_summary s;
	uint64_t t = 0, seed = 7, i, above;
	int k;

	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 65536));
	vtier_policy_set_quota(&e->p, 1000);
	for (k = 0; k < 300000; k++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		/* Heavy-tailed: page = 65536^u^3, roughly Zipf-like. */
		double u = (double)(seed >> 11) / (double)(1ull << 53);
		uint64_t pfn = (uint64_t)(u * u * u * 65535);

		t += 10000;	/* 100k samples per second */
		vtier_policy_sample(&e->p, pfn, t, 0);
		drain(e, NULL, NULL);
	}
	/* Pages at or above a freshly computed threshold fit the quota. */
	vtier_policy_set_quota(&e->p, 1000);
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ(1000, s.budget);
	for (i = 0, above = 0; i < 65536; i++)
		above += heat(e, i) >= s.threshold;
	EXPECT_GE(1000, above);
	/*
	 * With the hot pages the hysteresis band keeps, within 5%: a rising
	 * threshold leaves some hot pages below its band until the sweep
	 * reaches them.
	 */
	EXPECT_GE(1050, s.hot) TH_LOG("above threshold %lu", (unsigned long)above);
	EXPECT_LE(800, s.hot);
	/*
	 * Quota 0 (unknown): the hottest pages holding 90% of the heat (by
	 * bucket: at least 85% here); the threshold at least 2.
	 */
	vtier_policy_set_quota(&e->p, 0);
	vtier_policy_summarize(&e->p, &s);
	{
		uint64_t mass = 0, hot_mass = 0;

		for (i = 0; i < 65536; i++) {
			mass += heat(e, i);
			if (heat(e, i) >= s.threshold)
				hot_mass += heat(e, i);
		}
		EXPECT_LE(mass * 85 / 100, hot_mass);
		EXPECT_LE(2, s.threshold);
	}
	check_consistent(_metadata, e);
	env_free(e);
}

/*
 * The epoch adapts to the evidence when a quota ranks pages: sparse
 * samples (every page about twice in 1.6 s, so the 10th hottest page is
 * far below target_heat 8) double it each epoch from 100 ms up to
 * max_epoch_ms, 800 ms (epochs end at 100, 300, 700, 1500 ms); then 10
 * pages sampled once per ms each (hundreds of samples: above 4 x 8)
 * halve it back to 100 ms.  A quota that shrinks starts the shortest
 * epoch at once.
 */
TEST(epoch_adapts_to_evidence)
{
	struct vtier_policy_params par;
	struct vtier_policy_summary s;
	struct vtier_hint_host h[64];
	struct env *e;
	uint64_t t;

	vtier_policy_default_params(&par);
	par.epoch_ms = 100;
	par.max_epoch_ms = 800;
	par.target_heat = 8;
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 1000));
	vtier_policy_set_quota(&e->p, 10);
	for (t = 0; t <= 1600 * MS; t += MS) {
		vtier_policy_sample(&e->p, (t / MS * 7) % 1000, t, 0);
		while (vtier_policy_pop_hints(&e->p, h, 64))
			;
	}
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ(4, s.epochs);
	EXPECT_EQ(800 * MS, s.epoch_ns);
	/*
	 * A smaller quota: the epoch that began at 1500 ms is 100 ms long
	 * now, so it ends at the next sample instead of at 2300 ms.
	 */
	vtier_policy_set_quota(&e->p, 8);
	vtier_policy_sample(&e->p, 1, 1601 * MS, 0);
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ(5, s.epochs);
	vtier_policy_set_quota(&e->p, 10);
	for (; t <= 4600 * MS; t += MS / 10) {
		vtier_policy_sample(&e->p, t / (MS / 10) % 10, t, 0);
		while (vtier_policy_pop_hints(&e->p, h, 64))
			;
	}
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ(100 * MS, s.epoch_ns);
	check_consistent(_metadata, e);
	env_free(e);
}

/*
 * The demo's workload with no quota from the host: 90% of accesses on the
 * first 1024 of 16384 pages.  The hot set is that region, and few cold
 * pages are ever hinted.
 */
TEST(no_quota_finds_the_hot_region)
{
	struct env *e = env_new(NULL);
	struct vtier_hint_host h[64];
	uint64_t seed = 99, t = 0, i, cold_hinted = 0, hot_in = 0, n, hints = 0;
	int k;

	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 65536));
	for (k = 0; k < 100000; k++) {
		uint64_t r;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		r = seed >> 33;
		t += 50000;	/* 20000 samples per second, 5 s */
		vtier_policy_sample(&e->p, r % 100 < 90 ? (r >> 8) % 1024 :
				    1024 + (r >> 8) % 15360, t, 0);
		while ((n = vtier_policy_pop_hints(&e->p, h, 64))) {
			hints += n;
			for (i = 0; i < n; i++)
				cold_hinted += h[i].action == VTIER_HINT_PROMOTE &&
					       h[i].gpfn >= 1024;
		}
	}
	for (i = 0; i < 1024; i++)
		hot_in += is_hot(e, i);
	EXPECT_LE(1000, hot_in);
	EXPECT_GE(1024 + 50, e->p.n_hot);
	EXPECT_GE(150, cold_hinted);	/* precision of the hints >= 87% */
	/* No ping-pong: about one hint per hot page, not a stream. */
	EXPECT_GE(1024 * 3 / 2, hints) TH_LOG("%lu hints, %lu cold promoted",
					       (unsigned long)hints,
					       (unsigned long)cold_hinted);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(promotes_on_sample_demotes_below_hysteresis)
{
	struct vtier_policy_params par;
	struct vtier_hint_host last;
	unsigned int c[3][2] = { { 0 } };
	struct env *e;
	int i;

	vtier_policy_default_params(&par);
	par.min_heat = 8;
	par.hysteresis_pct = 50;	/* demote below heat 4 */
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 4096));
	vtier_policy_advance(&e->p, 0);
	for (i = 0; i < 7; i++)
		EXPECT_EQ(0, vtier_policy_record(&e->p, 42, 0));
	EXPECT_EQ(0, is_hot(e, 42));
	/* The 8th sample crosses the threshold: promoted right there. */
	EXPECT_EQ(1, vtier_policy_record(&e->p, 42, 0));
	EXPECT_EQ(1, drain(e, c, &last));
	EXPECT_EQ(42, last.gpfn);
	EXPECT_EQ(VTIER_HINT_PROMOTE, last.action);
	EXPECT_EQ(0, last.order);
	/* Cooled to 4: inside the band, stays hot, no hint. */
	vtier_policy_advance(&e->p, 1000 * MS);
	EXPECT_EQ(4, heat(e, 42));
	EXPECT_EQ(1, is_hot(e, 42));
	EXPECT_EQ(0, drain(e, NULL, NULL));
	/* A sample while in the band does not re-hint. */
	EXPECT_EQ(0, vtier_policy_record(&e->p, 42, 0));
	/* Cooled to 2, below 8 * 50%: demoted by the sweep. */
	vtier_policy_advance(&e->p, 2000 * MS);
	EXPECT_EQ(0, is_hot(e, 42));
	EXPECT_EQ(1, drain(e, c, &last));
	EXPECT_EQ(VTIER_HINT_DEMOTE, last.action);
	EXPECT_EQ(42, last.gpfn);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(mostly_hot_region_is_one_order9_hint)
{
	struct vtier_policy_params par;
	unsigned int c[3][2] = { { 0 } };
	struct vtier_hint_host last;
	struct env *e;
	int i, k;

	vtier_policy_default_params(&par);
	par.min_heat = 2;
	par.huge_pct = 50;
	par.rate_limit_pps = 0;
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 4096));
	vtier_policy_advance(&e->p, 0);
	/* 300 of the 512 subpages of region 1 (pfn 512..1023) get hot. */
	for (i = 0; i < 300; i++)
		for (k = 0; k < 2; k++)
			vtier_policy_record(&e->p, 512 + i, 0);
	drain(e, c, &last);
	/* 255 pages one by one; the 256th (50%) makes it one order-9 hint. */
	EXPECT_EQ(255, c[VTIER_HINT_PROMOTE][0]);
	EXPECT_EQ(1, c[VTIER_HINT_PROMOTE][1]);
	/* Subpages after the region hint say nothing more. */
	EXPECT_EQ(300, e->p.n_hot);
	/* Everything cools: the region is demoted as a whole. */
	memset(c, 0, sizeof(c));
	vtier_policy_advance(&e->p, 5 * SEC);
	drain(e, c, &last);
	EXPECT_EQ(1, c[VTIER_HINT_DEMOTE][1]);
	EXPECT_EQ(0, e->p.n_hot);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(region_across_a_hole_is_never_order9)
{
	struct vtier_policy_params par;
	unsigned int c[3][2] = { { 0 } };
	struct env *e;
	int i, k;

	vtier_policy_default_params(&par);
	par.huge_pct = 10;
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	/* RAM 0x100..0x1ff only: region 0 is half hole. */
	ASSERT_EQ(0, env_range(e, 0x100, 0x100));
	vtier_policy_set_quota(&e->p, 0x100);
	vtier_policy_advance(&e->p, 0);
	for (i = 0; i < 0x100; i++)
		for (k = 0; k < 3; k++)
			vtier_policy_record(&e->p, 0x100 + i, 0);
	drain(e, c, NULL);
	EXPECT_EQ(0x100, c[VTIER_HINT_PROMOTE][0]);
	EXPECT_EQ(0, c[VTIER_HINT_PROMOTE][1]);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(holes_cost_nothing_and_hot_add_works)
{
	struct env *e = env_new(NULL);
	struct vtier_policy_summary s;

	ASSERT_NE(NULL, e);
	/* 1 GiB at 0 and 1 GiB at 4 GiB: the 3 GiB hole costs no memory. */
	EXPECT_GE(vtier_policy_range_bytes(0, 1 << 18), 2u << 18);
	EXPECT_LE(vtier_policy_range_bytes(0, 1 << 18), (2u << 18) + 4096);
	ASSERT_EQ(0, env_range(e, 0, 1 << 18));
	ASSERT_EQ(0, env_range(e, 1 << 20, 1 << 18));
	EXPECT_EQ(-EEXIST, env_range(e, 100, 10));
	EXPECT_EQ(-EINVAL, vtier_policy_add_range(&e->p, 5, 0, e->mem[0]));
	vtier_policy_sample(&e->p, (1 << 18) + 5, 0, 0);	/* in the hole */
	vtier_policy_sample(&e->p, (1 << 20) + 5, 0, 0);
	vtier_policy_sample(&e->p, (1 << 20) + 5, 0, 0);
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ(1, s.untracked);
	EXPECT_EQ(2u << 18, s.tracked);
	EXPECT_EQ(2, heat(e, (1 << 20) + 5));
	/* Hot-added memory: one more range, tracked from then on. */
	ASSERT_EQ(0, env_range(e, 1 << 22, 32768));
	vtier_policy_sample(&e->p, (1 << 22) + 7, 1000, 0);
	EXPECT_EQ(1, heat(e, (1 << 22) + 7));
	vtier_policy_summarize(&e->p, &s);
	EXPECT_EQ((2u << 18) + 32768, s.tracked);
	check_consistent(_metadata, e);
	env_free(e);
}

TEST(rate_limit_bounds_hinted_pages)
{
	struct vtier_policy_params par;
	unsigned int c[3][2] = { { 0 } };
	struct env *e;
	uint64_t t;
	int i;

	vtier_policy_default_params(&par);
	par.rate_limit_pps = 1000;	/* burst: 512 pages (one region) */
	par.huge_pct = 100;
	par.min_heat = 1;
	e = env_new(&par);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, env_range(e, 0, 1 << 16));
	vtier_policy_set_quota(&e->p, 1 << 15);
	vtier_policy_advance(&e->p, 0);
	for (i = 0; i < 3000; i++)
		vtier_policy_record(&e->p, (uint64_t)i * 7, 0);
	EXPECT_EQ(512, drain(e, NULL, NULL));
	EXPECT_EQ(3000, e->p.n_hot);
	/* At any moment: no more than burst + rate * elapsed in all. */
	for (t = 100 * MS; t <= 6000 * MS; t += 100 * MS) {
		vtier_policy_advance(&e->p, t);
		drain(e, c, NULL);
		EXPECT_GE(t / MS, c[VTIER_HINT_PROMOTE][0]);
	}
	/* The sweep retried every held-back page in the end. */
	EXPECT_EQ(3000 - 512, c[VTIER_HINT_PROMOTE][0]);
	EXPECT_LT(0, e->p.hints_limited);
	env_free(e);
}

TEST(bad_params_rejected)
{
	struct vtier_policy_params par;
	struct vtier_policy *p = malloc(sizeof(*p));

	ASSERT_NE(NULL, p);
	vtier_policy_default_params(&par);
	EXPECT_EQ(NULL, vtier_policy_check_params(&par));
	par.cooling_pct = 0;
	EXPECT_EQ(-EINVAL, vtier_policy_init(p, &par));
	vtier_policy_default_params(&par);
	par.epoch_ms = 5;
	EXPECT_NE(NULL, vtier_policy_check_params(&par));
	vtier_policy_default_params(&par);
	par.hysteresis_pct = 95;
	EXPECT_NE(NULL, vtier_policy_check_params(&par));
	free(p);
}

TEST_HARNESS_MAIN
