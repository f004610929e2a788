// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-sim's accounting on small traces computed by hand, one or more per
 * policy: fast-tier hits, estimated time, pages promoted and demoted,
 * bytes migrated.  Unless a case says otherwise: latency 80 ns fast and
 * 170 ns slow, no bandwidth limit (no queueing term), 1200 ns per 4 KiB
 * page moved, every record sampled, one 1 s epoch.  A, B, C are pages
 * 0x40000, 0x40001, 0x40002.  cli_test.c runs build/bin/vtier-sim.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sim.h"
#include "vtier_abit_defs.h"

#define A	0x40000ull
#define B	0x40001ull
#define C	0x40002ull
#define D	0x40003ull
#define MS	1000000ull
#define S	1000000000ull

struct rec {
	uint64_t ts, pfn;
	int write;
};

static void hand_params(struct sim_params *par)
{
	sim_default_params(par);
	/*
	 * The hand-computed cases start all slow and sample for free;
	 * first-touch start and tracking costs have their own cases.
	 */
	par->initial_slow = 1;
	par->pebs_sample_ns = 0;
	par->vtier_lazy_demote = 0;	/* demote_case() covers lazy */
	par->bw_gbs[SIM_FAST] = 0;
	par->bw_gbs[SIM_SLOW] = 0;
	par->epoch_ns = S;
}

static int load(struct sim_trace *tr, const struct rec *r, size_t n)
{
	size_t i;

	sim_trace_init(tr);
	for (i = 0; i < n; i++)
		if (sim_trace_add(tr, r[i].ts, r[i].pfn, r[i].write))
			return -1;
	return 0;
}

/* Run one policy with capacity cap over r; the caller destroys p. */
static int run1(struct sim_policy *p, const struct sim_policy_ops *ops,
		struct sim_trace *tr, const struct sim_params *par,
		const struct rec *r, size_t n, uint64_t cap)
{
	if (load(tr, r, n) || sim_policy_create(p, ops, tr, par, cap))
		return -1;
	sim_run(tr, par, p, 1, 0);
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct rec abc[] = {
	{ 0, A, 0 }, { 1, B, 0 }, { 2, C, 0 }, { 3, A, 0 }, { 4, C, 0 },
	{ 5, B, 0 }, { 6, C, 0 },
};

TEST(all_fast)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	ASSERT_EQ(0, run1(&p, &sim_all_fast_ops, &tr, &par, abc, N(abc), 1));
	/* 7 accesses, all at 80 ns, whatever the capacity asked for. */
	EXPECT_EQ(7, p.tier.accesses);
	EXPECT_EQ(7, p.tier.hits);
	EXPECT_EQ(560, (long)p.tier.time_ns);
	EXPECT_EQ(0, p.tier.promoted + p.tier.demoted + p.tier.mig_bytes);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(first_touch)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	ASSERT_EQ(0, run1(&p, &sim_first_touch_ops, &tr, &par, abc, N(abc), 2));
	/*
	 * A and B fill the 2 fast pages on first touch, C stays slow:
	 * hits A,B,A,B = 4; C x3 slow.  Time 4 x 80 + 3 x 170 = 830.
	 */
	EXPECT_EQ(3, tr.npages);
	EXPECT_EQ(4, p.tier.hits);
	EXPECT_EQ(830, (long)p.tier.time_ns);
	EXPECT_EQ(0, p.tier.promoted + p.tier.demoted + p.tier.mig_bytes);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(first_touch_weight)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.weight = 10;
	ASSERT_EQ(0, run1(&p, &sim_first_touch_ops, &tr, &par, abc, N(abc), 2));
	/* Each record is 10 accesses: 40 hits of 70, time 8300 ns. */
	EXPECT_EQ(70, p.tier.accesses);
	EXPECT_EQ(40, p.tier.hits);
	EXPECT_EQ(8300, (long)p.tier.time_ns);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(oracle)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	ASSERT_EQ(0, run1(&p, &sim_oracle_ops, &tr, &par, abc, N(abc), 1));
	/*
	 * Counts A 2, B 2, C 3: C alone is fast from the start, nothing
	 * moves.  Hits 3; time 3 x 80 + 4 x 170 = 920.
	 */
	EXPECT_EQ(3, p.tier.hits);
	EXPECT_EQ(920, (long)p.tier.time_ns);
	EXPECT_EQ(3, sim_oracle_hits(&tr, 1, 1));
	/* Two fast pages: C, then A (tie with B, A touched first). */
	EXPECT_EQ(5, sim_oracle_hits(&tr, 2, 1));
	EXPECT_EQ(0, p.tier.promoted + p.tier.demoted);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(hemem)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	struct rec r[29];
	size_t n = 0;
	int i;

	hand_params(&par);
	/*
	 * 0..7 ms: A read 8 times (slow): hot at the 8th sample, queued.
	 * The policy runs at the first record at or after 10, 20, 30 ... ms
	 * after the first record.
	 * 20 ms: the run promotes A into free space; A at 20, 21 ms hits.
	 * 22..39 ms: B written 18 times (slow).  Hot at its 4th write
	 * (25 ms), queued; the run at 30 ms finds A still hot (10 reads):
	 * no victim, B waits.  B's 18th write ticks the cooling clock: B
	 * halves to 9 writes (still hot).
	 * 40 ms: A is read; the run first cools A (10 -> 5 reads: cold),
	 * demotes it and promotes B; then A's access is slow.
	 * Hits 2 of 29; time 2 x 80 + 27 x 170 + 3 x 1200 = 8350 ns;
	 * promoted 2 (A, B), demoted 1 (A), 3 x 4 KiB moved.
	 */
	for (i = 0; i < 8; i++)
		r[n++] = (struct rec){ i * MS, A, 0 };
	r[n++] = (struct rec){ 20 * MS, A, 0 };
	r[n++] = (struct rec){ 21 * MS, A, 0 };
	for (i = 0; i < 18; i++)
		r[n++] = (struct rec){ (22 + i) * MS, B, 1 };
	r[n++] = (struct rec){ 40 * MS, A, 0 };
	ASSERT_EQ(29, n);
	ASSERT_EQ(0, run1(&p, &sim_hemem_ops, &tr, &par, r, n, 1));
	EXPECT_EQ(29, p.tier.accesses);
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(8350, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(1, p.tier.demoted);
	EXPECT_EQ(3 * 4096, p.tier.mig_bytes);
	EXPECT_EQ(1, p.tier.nfast);
	EXPECT_EQ(1, p.tier.fast[1]);	/* B (id 1) */
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(memtis)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	struct rec r[15];
	size_t n = 0;
	int i;

	hand_params(&par);
	par.memtis_cool = 20;	/* threshold re-chosen every sample; 14 < 20: no halving */
	/*
	 * A at 0,1,2 ms (count 3, bin 2), B at 3 ms (count 1, bin 1):
	 * one page fits, so the threshold is bin 2.
	 * 600 ms: the run due at 500 ms promotes A (bin 2); A hits.
	 * A is now count 4 (bin 3).  B at 700..707 ms: count 9 (bin 4);
	 * the threshold becomes bin 4.
	 * 1100 ms: the run due at 1000 ms demotes A (bin 3 < 4), promotes
	 * B; B hits.
	 * Hits 2 of 14; time 2 x 80 + 12 x 170 + 3 x 1200 = 5800 ns over
	 * two epochs; promoted 2, demoted 1.
	 */
	for (i = 0; i < 3; i++)
		r[n++] = (struct rec){ i * MS, A, 0 };
	r[n++] = (struct rec){ 3 * MS, B, 0 };
	r[n++] = (struct rec){ 600 * MS, A, 0 };
	for (i = 0; i < 8; i++)
		r[n++] = (struct rec){ (700 + i) * MS, B, 0 };
	r[n++] = (struct rec){ 1100 * MS, B, 0 };
	ASSERT_EQ(0, run1(&p, &sim_memtis_ops, &tr, &par, r, n, 1));
	EXPECT_EQ(14, p.tier.accesses);
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(5800, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(1, p.tier.demoted);
	EXPECT_EQ(3 * 4096, p.tier.mig_bytes);
	EXPECT_EQ(2, p.tier.epoch);
	EXPECT_EQ(1, p.tier.fast[1]);	/* B */
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(memtis_demotes_only_for_room)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	struct rec r[22];
	size_t n = 0;
	int i;

	hand_params(&par);
	par.memtis_cool = 20;
	/*
	 * Capacity 2.  A at 0 ms; C at 600 ms: the run due at 500 ms
	 * promotes A (count 1, threshold bin 1); C's access is slow.
	 * B at 700..717 ms: the 20th sample halves every count: A and C
	 * drop to 0 (bin 0, below the threshold), B to 9.  B at 1100 ms:
	 * the run due at 1000 ms promotes B into the free page and keeps A
	 * (nothing needs its room); B hits.  A at 1200 ms hits.
	 * Hits 2 of 22: 2 x 80 + 20 x 170 + 2 x 1200 = 5960 ns; no demotion.
	 */
	r[n++] = (struct rec){ 0, A, 0 };
	r[n++] = (struct rec){ 600 * MS, C, 0 };
	for (i = 0; i < 18; i++)
		r[n++] = (struct rec){ (700 + i) * MS, B, 0 };
	r[n++] = (struct rec){ 1100 * MS, B, 0 };
	r[n++] = (struct rec){ 1200 * MS, A, 0 };
	ASSERT_EQ(0, run1(&p, &sim_memtis_ops, &tr, &par, r, n, 2));
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(5960, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(0, p.tier.demoted);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(tpp)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 500 * MS, A, 0 }, { 600 * MS, A, 0 },
		{ 700 * MS, B, 0 }, { 2000 * MS, B, 0 }, { 2500 * MS, B, 0 },
		{ 2600 * MS, B, 0 }, { 2700 * MS, A, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.tpp_wmark_pct = 0;
	/*
	 * A at 0 ms: first fault, recorded.  A at 500 ms: second within
	 * 1000 ms: promoted (the access itself was slow).  A at 600: hit.
	 * B at 700 ms, then 2000 ms: 1300 ms apart, not promoted.  B at
	 * 2500 ms: 500 ms after: the fast tier is full, the LRU tail A is
	 * demoted, B promoted.  B at 2600: hit.  A at 2700 ms: slow; it
	 * forgot its faults on demotion, so it is not promoted.
	 * Hits 2 of 8: 2 x 80 + 6 x 170 + 3 x 1200 = 4780 ns.
	 */
	ASSERT_EQ(0, run1(&p, &sim_tpp_ops, &tr, &par, r, N(r), 1));
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(4780, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(1, p.tier.demoted);
	EXPECT_EQ(3 * 4096, p.tier.mig_bytes);
	EXPECT_EQ(1, p.tier.fast[1]);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(tpp_scan_faults)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 100 * MS, A, 0 }, { 1100 * MS, A, 0 },
		{ 1200 * MS, A, 0 }, { 2050 * MS, A, 0 }, { 2100 * MS, A, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.tpp_wmark_pct = 0;
	par.tpp_scan_ns = 1000 * MS;
	/*
	 * A (page id 0: unmapped at 0, 1, 2 s) faults at its first access
	 * of each scan round: 0 ms (recorded), 1100 ms (1100 ms after the
	 * last fault: recorded, not promoted), 2050 ms (950 ms after:
	 * promoted in the fault path, so this access is fast).  The other
	 * accesses of a round do not fault.  Hits 2 (2050, 2100) of 6:
	 * 2 x 80 + 4 x 170 + 1200 = 2040 ns.
	 */
	ASSERT_EQ(0, run1(&p, &sim_tpp_ops, &tr, &par, r, N(r), 1));
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(2040, (long)p.tier.time_ns);
	EXPECT_EQ(1, p.tier.promoted);
	EXPECT_EQ(0, p.tier.demoted);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(tpp_watermark)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1, A, 0 }, { 2, B, 0 }, { 3, B, 0 },
		{ 4, B, 0 }, { 5, A, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.tpp_wmark_pct = 50;
	/*
	 * Capacity 2, half kept free: A promoted at its 2nd fault (1 fast
	 * page); B promoted at its 2nd (2 fast > 1): kswapd demotes the LRU
	 * tail A.  B at 4 hits; A at 5 is slow (first fault again).
	 * Hits 1 of 6: 80 + 5 x 170 + 3 x 1200 = 4530 ns.
	 */
	ASSERT_EQ(0, run1(&p, &sim_tpp_ops, &tr, &par, r, N(r), 2));
	EXPECT_EQ(1, p.tier.hits);
	EXPECT_EQ(4530, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(1, p.tier.demoted);
	EXPECT_EQ(1, p.tier.nfast);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(vtier_region)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	struct rec r[1024];
	size_t i;

	hand_params(&par);
	par.vtier_batch_ns = 0;	/* hints applied right after each sample */
	/*
	 * The 512 pages of one 2 MiB region touched in order, 1 us apart,
	 * then again; quota 512.  Each first sample makes its page hot
	 * (threshold 1): pages 1..307 are promoted at order 0 after their
	 * (slow) access.  The 308th hot page makes the region 60% hot: one
	 * order-9 promotion, which moves the 205 pages not yet fast (at the
	 * 4 KiB cost: 307 of them were already fast, so it is not a whole
	 * 2 MiB move).  Pages 309..512 then hit on first touch (204), and
	 * all 512 in the second pass.  Hits 716, slow 308; promoted 512
	 * pages, 2 MiB; time 716 x 80 + 308 x 170 + 512 x 1200 = 724040 ns.
	 */
	for (i = 0; i < 1024; i++)
		r[i] = (struct rec){ i * 1000, A + i % 512, 0 };
	ASSERT_EQ(0, run1(&p, &sim_vtier_ops, &tr, &par, r, 1024, 512));
	EXPECT_EQ(716, p.tier.hits);
	EXPECT_EQ(724040, (long)p.tier.time_ns);
	EXPECT_EQ(512, p.tier.promoted);
	EXPECT_EQ(0, p.tier.demoted);
	EXPECT_EQ(2 * 1048576, p.tier.mig_bytes);
	EXPECT_EQ(0, p.tier.deferred);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

/*
 * From a first-touch start (quota 2): A and B land fast on first touch,
 * unclaimed.  With min_heat 3 only C's third sample (at 4 us) makes a page
 * hot; its promotion finds no room and evicts the oldest unclaimed fast
 * page, A.  Hits: A@0, B@1, B@6, C@7 = 4; slow: C x3, A@5 = 4.
 * Time 4 x 80 + 4 x 170 + 2 moves x 1200 = 3400 ns.
 */
TEST(vtier_first_touch_evicts_oldest_unclaimed)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1000, B, 0 }, { 2000, C, 0 }, { 3000, C, 0 },
		{ 4000, C, 0 }, { 5000, A, 0 }, { 6000, B, 0 }, { 7000, C, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.initial_slow = 0;
	par.vtier_batch_ns = 0;
	par.vtier.min_heat = 3;
	ASSERT_EQ(0, run1(&p, &sim_vtier_ops, &tr, &par, r, N(r), 2));
	EXPECT_EQ(4, p.tier.hits);
	EXPECT_EQ(3400, (long)p.tier.time_ns);
	EXPECT_EQ(1, p.tier.promoted);
	EXPECT_EQ(1, p.tier.demoted);
	EXPECT_EQ(1, p.tier.evicted);
	EXPECT_EQ(0, p.tier.deferred);
	EXPECT_EQ(0, p.tier.fast[0]);	/* A */
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

/*
 * Then C cools (10 ms epochs: heat 3 -> 1 -> 0 by 25 ms) and is hinted
 * demote, and D turns hot at 25 ms.  Eager: C moves slow at once, D takes
 * its room, C@26 ms is slow: hits A, B = 2 of 9.  Lazy: C stays fast
 * until a promotion needs room; D evicts the oldest unclaimed page, B
 * (queued at first touch, before C), and C@26 ms hits: 3 of 9.
 * Both: 4 moves x 1200 ns.
 */
static void demote_case(struct __test_metadata *_metadata, int lazy,
			uint64_t hits, long time_ns, uint64_t evicted)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1000, B, 0 }, { 2000, C, 0 }, { 3000, C, 0 },
		{ 4000, C, 0 }, { 25 * MS, D, 0 }, { 25 * MS + 1000, D, 0 },
		{ 25 * MS + 2000, D, 0 }, { 26 * MS, C, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.initial_slow = 0;
	par.vtier_batch_ns = 0;
	par.vtier.min_heat = 3;
	par.vtier.epoch_ms = 10;
	par.vtier_lazy_demote = lazy;
	ASSERT_EQ(0, run1(&p, &sim_vtier_ops, &tr, &par, r, N(r), 2));
	EXPECT_EQ(hits, p.tier.hits);
	EXPECT_EQ(time_ns, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(2, p.tier.demoted);
	EXPECT_EQ(evicted, p.tier.evicted);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(vtier_demote_eager)
{
	demote_case(_metadata, 0, 2, 2 * 80 + 7 * 170 + 4 * 1200, 1);
}

TEST(vtier_demote_lazy)
{
	demote_case(_metadata, 1, 3, 3 * 80 + 6 * 170 + 4 * 1200, 2);
}

static void count_emit(void *ctx, uint32_t id)
{
	((uint32_t *)ctx)[id]++;
}

/*
 * The abit front end: A and B (one 2 MiB range) touched before the first
 * round at 200 ms give one sample each, at 2 entries x 430 ns; B again
 * before the second round gives one more.  The range is on the hot list
 * then, and the cold walk, which covers all ranges within its budget,
 * checks it again (as the module's cursor does): 4 entries.
 */
TEST(abit_rounds)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1 * MS, B, 0 }, { 150 * MS, A, 0 },
		{ 300 * MS, B, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_abit ab;
	uint32_t got[2] = { 0 };
	int i;

	hand_params(&par);
	par.abit_entry_ns = 430;
	ASSERT_EQ(0, load(&tr, r, N(r)));
	ASSERT_EQ(0, sim_abit_init(&ab, &tr, &par, 0));
	EXPECT_EQ(200 * MS, ab.next_round_ns);
	sim_abit_access(&ab, 0);
	sim_abit_access(&ab, 1);
	sim_abit_access(&ab, 0);
	EXPECT_EQ(860, (long)sim_abit_round(&ab, 200 * MS, 2, count_emit, got));
	EXPECT_EQ(1, got[0]);
	EXPECT_EQ(1, got[1]);
	EXPECT_EQ(1, ab.nhot);
	/* 860 ns is under half of 1% of 200 ms: the interval stays at its floor. */
	EXPECT_EQ(400 * MS, ab.next_round_ns);
	sim_abit_access(&ab, 1);
	EXPECT_EQ(1720, (long)sim_abit_round(&ab, 400 * MS, 2, count_emit, got));
	EXPECT_EQ(1, got[0]);
	EXPECT_EQ(2, got[1]);
	EXPECT_EQ(3, ab.samples);
	/* Quiet rounds: the range stays listed ABIT_HOT_AGE visits, then leaves. */
	for (i = 0; i < ABIT_HOT_AGE - 1; i++) {
		sim_abit_round(&ab, (600 + 200 * i) * MS, 2, count_emit, got);
		EXPECT_EQ(1, ab.nhot);
	}
	sim_abit_round(&ab, (600 + 200 * i) * MS, 2, count_emit, got);
	EXPECT_EQ(0, ab.nhot);
	EXPECT_EQ(3, ab.samples);
	sim_abit_free(&ab);
	sim_trace_free(&tr);
}

/*
 * Tracking cost: every sample a migrating policy takes costs
 * pebs_sample_ns of guest CPU; first-touch samples nothing and pays
 * nothing.  abc has 7 records, all sampled.
 */
TEST(tracking_cost)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.pebs_sample_ns = 100;
	ASSERT_EQ(0, run1(&p, &sim_memtis_ops, &tr, &par, abc, N(abc), 1));
	EXPECT_EQ(700, (long)p.tier.track_ns);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
	ASSERT_EQ(0, run1(&p, &sim_first_touch_ops, &tr, &par, abc, N(abc), 1));
	EXPECT_EQ(0, (long)p.tier.track_ns);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(vtier_full_hot_set_waits)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1000, A, 0 }, { 2000, B, 0 }, { 3000, B, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.vtier_batch_ns = 0;
	/*
	 * Quota 1.  A's sample promotes it; A then hits.  B's sample lifts
	 * B to the threshold, but the engine's hot set is full: it does
	 * not promote B (B waits for room; docs/identification.md), so
	 * nothing reaches the full tier to be deferred.  Hits 1 of 4:
	 * 80 + 3 x 170 + 1200 = 1790 ns; promoted 1, deferred 0.
	 */
	ASSERT_EQ(0, run1(&p, &sim_vtier_ops, &tr, &par, r, N(r), 1));
	EXPECT_EQ(1, p.tier.hits);
	EXPECT_EQ(1790, (long)p.tier.time_ns);
	EXPECT_EQ(1, p.tier.promoted);
	EXPECT_EQ(0, p.tier.deferred);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

/* Quota 2, but a pool (the other VMs' use) with room for one page. */
static void deferred_run(struct sim_policy *p, struct sim_trace *tr,
			 const struct sim_params *par, int other_vm_shrinks)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1000, A, 0 }, { 2000, B, 0 }, { 3000, B, 0 },
		{ 4000, B, 0 }, { 5000, B, 0 },
	};
	struct sim_pool pool = { .cap = 1 };
	struct sim_runner run;

	if (load(tr, r, N(r)) || sim_policy_create(p, &sim_vtier_ops, tr, par, 2))
		return;
	p->tier.pool = &pool;
	sim_runner_init(&run, tr, par, p, 1, 0);
	sim_runner_until(&run, 3500);
	if (other_vm_shrinks)
		pool.cap = 2;
	sim_runner_finish(&run);
	p->tier.pool = NULL;
}

TEST(vtier_deferred_promotion_is_retried)
{
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	par.vtier_batch_ns = 0;
	/*
	 * A's sample promotes it (the pool's one page); A hits at 1000.
	 * B's sample at 2000 makes it hot and the engine (1 of 2 quota
	 * pages used) promotes it, but the pool is full: deferred.  The
	 * engine counts B as fast and never hints it again.  At 3500 the
	 * other VM gives a page back; the apply after B's sample at 4000
	 * retries the deferred promotion, and B hits at 5000.  Hits 2 of
	 * 6: 2 x 80 + 4 x 170 + 2 x 1200 = 3240 ns.
	 */
	deferred_run(&p, &tr, &par, 1);
	EXPECT_EQ(2, p.tier.hits);
	EXPECT_EQ(3240, (long)p.tier.time_ns);
	EXPECT_EQ(2, p.tier.promoted);
	EXPECT_EQ(1, p.tier.deferred);
	EXPECT_EQ(1, p.tier.retried);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
	/* The pool stays full: B waits, slow, and is not counted twice. */
	deferred_run(&p, &tr, &par, 0);
	EXPECT_EQ(1, p.tier.hits);
	EXPECT_EQ(80 + 5 * 170 + 1200, (long)p.tier.time_ns);
	EXPECT_EQ(1, p.tier.deferred);
	EXPECT_EQ(0, p.tier.retried);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(huge_move_cost)
{
	struct sim_params par;
	struct sim_tier t;
	uint32_t ids[SIM_HUGE_PAGES], i;

	hand_params(&par);
	ASSERT_EQ(0, sim_tier_init(&t, &par, SIM_HUGE_PAGES, SIM_HUGE_PAGES, "t"));
	for (i = 0; i < SIM_HUGE_PAGES; i++)
		ids[i] = i;
	/* One 2 MiB page: 190 us, 2 MiB, 512 pages counted. */
	EXPECT_EQ(512, sim_tier_move(&t, ids, SIM_HUGE_PAGES, 1, 1));
	/* Already there: nothing moves, nothing is charged. */
	EXPECT_EQ(0, sim_tier_move(&t, ids, SIM_HUGE_PAGES, 1, 1));
	sim_tier_end_epoch(&t, 0, S);
	EXPECT_EQ(190000, (long)t.time_ns);
	EXPECT_EQ(512, t.promoted);
	EXPECT_EQ(2 * 1048576, t.mig_bytes);
	/* Over the capacity: refused whole, counted as deferred. */
	t.cap = 511;
	EXPECT_EQ(512, sim_tier_move(&t, ids, SIM_HUGE_PAGES, 0, 0));
	EXPECT_EQ(-1, sim_tier_move(&t, ids, SIM_HUGE_PAGES, 1, 0));
	EXPECT_EQ(512, t.deferred);
	EXPECT_EQ(0, t.nfast);
	sim_tier_free(&t);
}

TEST(queueing_term)
{
	static const struct rec r[] = { { 0, A, 0 }, { 999, A, 0 } };
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;

	hand_params(&par);
	/*
	 * The last epoch lasts 1000 ns (first to last record); 128 bytes
	 * against 0.256 GB/s x 1000 ns = 256 bytes: rho 0.5, latency x
	 * (1 + 0.5 / (2 x 0.5)) = 1.5: 2 x 80 x 1.5 = 240 ns.
	 */
	par.bw_gbs[SIM_FAST] = 0.256;
	ASSERT_EQ(0, run1(&p, &sim_all_fast_ops, &tr, &par, r, N(r), 1));
	EXPECT_EQ(240, (long)(p.tier.time_ns + 0.5));
	/* Saturation is capped at rho 0.95: factor 10.5. */
	EXPECT_EQ(10500, (long)(sim_queue_factor(3.0) * 1000 + 0.5));
	EXPECT_EQ(1000, (long)(sim_queue_factor(0) * 1000 + 0.5));
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(sampling_coin)
{
	uint64_t rng = 1 * 0x9E3779B97F4A7C15ull + 1, i, hits = 0;

	/* N = 1: every record; N = 4: about a quarter (fixed seed). */
	EXPECT_EQ(1, sim_coin(&rng, 1));
	for (i = 0; i < 40000; i++)
		hits += sim_coin(&rng, 4);
	EXPECT_LT(9600, hits);
	EXPECT_GT(10400, hits);
}

TEST(sampled_policy_sees_fewer)
{
	static struct rec r[400];
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	size_t i;

	hand_params(&par);
	par.tpp_wmark_pct = 0;
	/*
	 * A touched 400 times, 1 ms apart.  Unsampled, TPP promotes A at
	 * its 2nd access: 398 hits.  Sampled 1 in 100, A is promoted only
	 * after two samples, so there are fewer hits but still some, and
	 * the accounting still counts all 400 accesses.
	 */
	for (i = 0; i < 400; i++)
		r[i] = (struct rec){ i * MS, A, 0 };
	ASSERT_EQ(0, run1(&p, &sim_tpp_ops, &tr, &par, r, 400, 1));
	EXPECT_EQ(398, p.tier.hits);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
	par.sample_n = 100;
	ASSERT_EQ(0, run1(&p, &sim_tpp_ops, &tr, &par, r, 400, 1));
	EXPECT_EQ(400, p.tier.accesses);
	EXPECT_GT(398, p.tier.hits);
	EXPECT_LT(0, p.tier.hits);
	EXPECT_EQ(1, p.tier.promoted);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST(epoch_rows)
{
	static const struct rec r[] = {
		{ 0, A, 0 }, { 1500 * MS, A, 0 }, { 1600 * MS, B, 0 },
		{ 5500 * MS, A, 0 },
	};
	struct sim_params par;
	struct sim_trace tr;
	struct sim_policy p;
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	ASSERT_NE(NULL, f);
	hand_params(&par);
	ASSERT_EQ(0, load(&tr, r, N(r)));
	ASSERT_EQ(0, sim_policy_create(&p, &sim_first_touch_ops, &tr, &par, 1));
	p.tier.epoch_csv = f;
	p.tier.name = "w,1:4,first-touch";
	sim_run(&tr, &par, &p, 1, 0);
	fclose(f);
	/*
	 * Epoch 0: A (hit); epoch 1 from 1 s: A hit, B slow (250 ns);
	 * epochs 2..4 are empty (no rows); epoch 5 from 5 s: A hit.
	 */
	EXPECT_STREQ("w,1:4,first-touch,0,0,1,1,0,0,0.000000,80\n"
		     "w,1:4,first-touch,1,1000000000,2,1,0,0,0.000000,250\n"
		     "w,1:4,first-touch,5,5000000000,1,1,0,0,0.000000,80\n", buf);
	EXPECT_EQ(6, p.tier.epoch);
	sim_policy_destroy(&p);
	sim_trace_free(&tr);
}

TEST_HARNESS_MAIN
