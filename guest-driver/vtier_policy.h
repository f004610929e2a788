/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier identification engine (the policy core): per-page hotness with
 * cooling, a hot set sized to the fast-memory quota, promotion and demotion
 * hints at 4 KiB and 2 MiB granularity.  docs/identification.md explains
 * the algorithm and its parameters.
 *
 * Plain C with no kernel calls and no allocation: the caller hands in the
 * memory for each RAM range, so the same files build into vtier.ko and into
 * build/lib/libvtiercore.a for tests, benchmarks and vtier-replay.  Types
 * come from the protocol's compat header, the only build difference.
 *
 * Not thread-safe: the caller serialises every call (in the module, the
 * core's lock).
 */
#ifndef VTIER_POLICY_H
#define VTIER_POLICY_H

#include "vtier_proto.h"

/* Per-page state, one u16 per 4 KiB page: heat and two flags. */
#define VTIER_HEAT_MASK		0x0fffu	/* saturating sampled-access score */
#define VTIER_PAGE_HOT		0x4000u	/* in the engine's hot set */
#define VTIER_PAGE_HINTED	0x8000u	/* the host was told "promote" */

#define VTIER_FINE_BUCKETS	48	/* internal quarter-octave histogram */
#define VTIER_MAX_RANGES	64	/* RAM ranges (holes split them) */
#define VTIER_HINT_QUEUE	1024	/* hints waiting for the caller */
#define VTIER_REGION_SHIFT	9	/* 2 MiB = 512 pages of 4 KiB */
#define VTIER_REGION_PAGES	BIT(VTIER_REGION_SHIFT)
#define VTIER_REGION_HUGE	0x8000u	/* region hinted as one order-9 page */

#define VTIER_SAMPLE_IS_WRITE	1u	/* flag for vtier_policy_record() */

/* Tunables; docs/identification.md gives the reasoning for each default. */
struct vtier_policy_params {
	u32 epoch_ms;		/* one full cooling sweep per epoch (sample time) */
	u32 cooling_pct;	/* heat removed per epoch, percent (1..100) */
	u32 hysteresis_pct;	/* demote below threshold * (100 - this) / 100 */
	u32 rate_limit_pps;	/* hinted pages per second; 0: unlimited */
	u32 huge_pct;		/* hot subpages (percent) for an order-9 hint */
	u32 min_heat;		/* the hot threshold never goes below this */
	u32 default_quota_pct;	/* quota 0 (unknown): hot set holds this % of heat */
	/*
	 * The epoch adapts to the evidence: from epoch_ms up to max_epoch_ms
	 * (0: fixed), doubled after an epoch that left the budget-th hottest
	 * page below target_heat samples, halved after one at 4x that.
	 */
	u32 max_epoch_ms;
	u32 target_heat;
};

/* The defaults, defined once: vtier_policy_default_params() and vtier.ko. */
#define VTIER_DEFAULT_EPOCH_MS		1000
#define VTIER_DEFAULT_COOLING_PCT	50
#define VTIER_DEFAULT_HYSTERESIS_PCT	50
#define VTIER_DEFAULT_RATE_LIMIT_PPS	65536	/* 256 MiB/s of hinted memory */
#define VTIER_DEFAULT_HUGE_PCT		60
#define VTIER_DEFAULT_MIN_HEAT		1
#define VTIER_DEFAULT_QUOTA_PCT		95
#define VTIER_DEFAULT_MAX_EPOCH_MS	16000
#define VTIER_DEFAULT_TARGET_HEAT	8

/*
 * Where hints go as they are made.  Without one they wait in the policy's
 * own queue for vtier_policy_pop_hints() (the userspace tools); vtier.ko
 * gives its hint queue, so a hint is queued once.
 */
typedef void (*vtier_hint_sink_fn)(void *arg, const struct vtier_hint_host *h);

struct vtier_region {
	u16 nhot;		/* subpages with VTIER_PAGE_HOT */
	u16 flags;		/* VTIER_REGION_HUGE */
};

/* One contiguous range of guest RAM; nothing is kept for holes. */
struct vtier_range {
	u64 start;		/* first pfn */
	u64 npages;
	u64 region0;		/* start >> VTIER_REGION_SHIFT */
	u16 *page;		/* npages entries */
	struct vtier_region *region;
};

/* The state REPORT frames and sysfs show. */
struct vtier_policy_summary {
	u64 epochs;		/* cooling sweeps completed */
	u64 samples;		/* samples in the last completed epoch */
	u64 epoch_ns;		/* length of that epoch, sample time */
	u64 pages;		/* working-set estimate: pages with heat > 0 */
	u64 hot;		/* pages in the hot set now */
	u64 huge_regions;	/* regions hinted as order 9 now */
	u64 tracked;		/* pages of RAM tracked */
	u64 threshold;		/* current hot threshold (heat) */
	u64 budget;		/* hot-set size the threshold aims for */
	u64 untracked;		/* samples outside every range, ever */
	u64 hints_limited;	/* hint attempts deferred by the rate limit */
	u64 hist[VTIER_HIST_BUCKETS];	/* pages per log2 heat bucket */
};

struct vtier_policy {
	struct vtier_policy_params par;
	struct vtier_range range[VTIER_MAX_RANGES];
	u32 nranges;
	u32 last_range;		/* lookup cache: most samples hit one range */
	u64 tracked;		/* total pages over all ranges */
	u64 quota;		/* from WELCOME/QUOTA; 0: unknown */
	u64 budget;		/* hot-set target derived from quota */
	u32 thresh;		/* promote at heat >= thresh */
	u32 demote_below;	/* demote at heat < demote_below */
	u64 n_hot;
	u64 n_huge;
	u64 huge_extra;		/* pages fast only by order-9 hints (not hot) */
	u64 waiting;		/* promotions refused at a full hot set, this epoch */
	u64 fine[VTIER_FINE_BUCKETS];	/* pages per fine heat bucket */
	u64 hfine[VTIER_FINE_BUCKETS];	/* the same, hot pages only */

	/* Sample clock and the incremental cooling sweep. */
	u64 epoch_ns;		/* the current epoch's length (adapted) */
	u32 epoch_evidence;	/* budget-th hottest page's heat at the last epoch end */
	int clock_started;
	u64 clock_ns;		/* latest sample time seen */
	u64 epoch_start_ns;
	u64 swept;		/* pages swept so far this epoch */
	u32 sweep_range;	/* cursor: range index and offset */
	u64 sweep_off;
	u64 next_thresh_ns;	/* when the threshold is recomputed next */
	u64 thresh_samples;	/* samples at the last sample-path recompute */

	/* Token bucket for the hint rate limit, in pages. */
	u64 tokens;
	u64 token_rem;
	u64 token_ns;

	/* Hints go to sink, or wait here for vtier_policy_pop_hints(). */
	vtier_hint_sink_fn sink;
	void *sink_arg;
	struct vtier_hint_host q[VTIER_HINT_QUEUE];
	u32 q_head, q_len;

	/* Counters. */
	u64 samples;
	u64 epoch_samples;
	u64 untracked;
	u64 hints_limited;
	u64 promotions;		/* promote hints queued (any order) */
	u64 demotions;
	u64 epochs;
	u64 last_epoch_samples;
	u64 last_epoch_ns;
};

void vtier_policy_default_params(struct vtier_policy_params *par);

/* NULL if the parameters are usable, else why not. */
const char *vtier_policy_check_params(const struct vtier_policy_params *par);

/* Returns 0 or -EINVAL (bad parameters). */
int vtier_policy_init(struct vtier_policy *p,
		      const struct vtier_policy_params *par);

/* Bytes of zeroed memory vtier_policy_add_range() needs for a range. */
size_t vtier_policy_range_bytes(u64 start_pfn, u64 npages);

/*
 * Track npages of RAM from start_pfn (boot RAM or hot-added), in `mem`:
 * vtier_policy_range_bytes() zeroed bytes, 8-byte aligned, which must
 * outlive the policy.  -EEXIST if it overlaps a tracked range, -EINVAL
 * for a bad range, -ENOSPC when VTIER_MAX_RANGES are in use.
 */
int vtier_policy_add_range(struct vtier_policy *p, u64 start_pfn, u64 npages,
			   void *mem);

/* Send every later hint to sink(arg, hint) instead of the own queue. */
void vtier_policy_set_sink(struct vtier_policy *p, vtier_hint_sink_fn sink,
			   void *arg);

/* The host's fast-memory quota in 4 KiB pages; 0 means unknown. */
void vtier_policy_set_quota(struct vtier_policy *p, u64 quota_pages);

/*
 * Move the sample clock to now_ns: runs the due part of the cooling sweep
 * (which finds demotion candidates) and refreshes the threshold.  Small
 * backward steps are ignored; a large one (a new trace) restarts the clock.
 */
void vtier_policy_advance(struct vtier_policy *p, u64 now_ns);

/*
 * Count one sampled access (O(1), no allocation).  Returns the number of
 * hints it queued (promotion of the page and maybe of its region).
 */
int vtier_policy_record(struct vtier_policy *p, u64 pfn, u32 flags);

/* advance() then record(): what a sampler's consumer calls. */
static inline int vtier_policy_sample(struct vtier_policy *p, u64 pfn,
				      u64 now_ns, u32 flags)
{
	vtier_policy_advance(p, now_ns);
	return vtier_policy_record(p, pfn, flags);
}

/* Move up to max queued hints, oldest first, to out; returns how many. */
u32 vtier_policy_pop_hints(struct vtier_policy *p, struct vtier_hint_host *out,
			   u32 max);

void vtier_policy_summarize(const struct vtier_policy *p,
			    struct vtier_policy_summary *s);

/* Samples per second over the last completed epoch. */
u32 vtier_policy_sample_rate(const struct vtier_policy_summary *s);

/* The page's state word, or 0 for an untracked pfn. */
u16 vtier_policy_page(const struct vtier_policy *p, u64 pfn);

/* The first hot pfn >= from, or U64 max if none (a scan, for tools). */
u64 vtier_policy_next_hot(const struct vtier_policy *p, u64 from);

/* Log2 bucket of REPORT for a heat value: 0 for 0, else fls(heat). */
static inline u32 vtier_heat_bucket(u32 heat)
{
	return heat ? 32 - (u32)__builtin_clz(heat) : 0;
}

#endif /* VTIER_POLICY_H */
