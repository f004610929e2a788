/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier-sim: a trace-driven tiered-memory simulator (docs/simulator.md).
 *
 * A trace (trace v1) is loaded once into memory with dense page ids; then
 * one pass over its records drives every policy at once.  Each policy owns
 * a sim_tier: which pages are in the fast tier, its capacity (the fast
 * pages, or a VM's quota), and the accounting (hits, migrations, time per
 * epoch).  The record loop, the sampling coin and the epoch clock are
 * shared, so all policies see the same accesses and the same samples.
 *
 * Several VMs (docs/simulator.md, "Multi-VM") are several (trace, policy,
 * tier) triples whose capacities are changed by a balancer between
 * periods; sim_policy_set_quota() is the hook.
 */
#ifndef VTIER_SIM_H
#define VTIER_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "sim_abit.h"
#include "vtier_policy.h"

#define SIM_PAGE_BYTES	4096u
#define SIM_HUGE_PAGES	512u	/* 4 KiB pages per 2 MiB page */
#define SIM_LINE_BYTES	64u	/* bytes one access moves */

enum { SIM_FAST, SIM_SLOW };

/* What the policies learn accesses from (docs/simulator.md, "Samplers"). */
enum sim_sampler {
	SIM_SAMPLER_PEBS,	/* 1 in N records, as a PMU samples */
	SIM_SAMPLER_ABIT,	/* accessed-bit scan rounds (sim_abit.c) */
};

/* ---- the trace, in memory (sim_trace.c) ---- */

struct sim_trace {
	uint64_t n, cap;	/* records */
	uint64_t *ts;		/* time of record i, ns (made monotonic) */
	uint32_t *idw;		/* page id << 1 | write */
	uint64_t npages, pcap;	/* footprint: distinct pages */
	uint64_t *pfn;		/* page id -> pfn */
	uint64_t *count;	/* page id -> records */
	uint64_t *hkey;		/* pfn + 1 -> id, open addressing */
	uint32_t *hval;
	uint64_t hcap;
	uint64_t min_pfn, max_pfn;
	uint64_t bad_lines;
};

void sim_trace_init(struct sim_trace *t);
/* Append a record; 0 or -1 (out of memory, or 2^31 pages). */
int sim_trace_add(struct sim_trace *t, uint64_t ts, uint64_t pfn, int write);
/* Load a trace v1 file (plain or gzip, "-" = stdin); 0 or -1. */
int sim_trace_load(struct sim_trace *t, const char *path, int progress);
/*
 * Repeat the records from from_ns (after the first record) to the end,
 * times more times, each copy after the previous one: a steady phase
 * looped to reach a longer run (docs/simulator.md).  0 or -1 (out of
 * memory, or no record from there on).
 */
int sim_trace_loop(struct sim_trace *t, uint64_t from_ns, uint64_t times);
/* The page id of pfn, or -1 if the trace never touches it. */
int64_t sim_trace_id(const struct sim_trace *t, uint64_t pfn);
void sim_trace_free(struct sim_trace *t);

static inline uint64_t sim_trace_span_ns(const struct sim_trace *t)
{
	return t->n ? t->ts[t->n - 1] - t->ts[0] : 0;
}

/* ---- parameters (sim_main.c sets them from options) ---- */

struct sim_params {
	double lat_ns[2];	/* unloaded load latency per tier */
	double bw_gbs[2];	/* bandwidth per tier, GB/s; 0: unlimited */
	double mig_4k_ns;	/* cost of moving one 4 KiB page */
	double mig_2m_ns;	/* cost of moving one 2 MiB page */
	uint64_t epoch_ns;	/* accounting epoch */
	uint64_t weight;	/* accesses one record stands for */
	enum sim_sampler sampler;
	uint64_t sample_n;	/* pebs: 1 in N records reach the policies */
	double pebs_sample_ns;	/* pebs: guest CPU per sample */
	uint64_t abit_interval_ns;	/* abit: shortest round interval */
	uint32_t abit_budget_permille;	/* abit: CPU budget of one vCPU */
	uint32_t abit_hot_ranges;	/* abit: ranges revisited each round */
	double abit_entry_ns;		/* abit: cost of one entry checked */
	uint32_t warmup_pct;	/* the steady state starts after this % of the run */
	uint64_t seed;
	uint64_t fast_pages;	/* F */
	/*
	 * Migrating policies start from first-touch placement (a page goes
	 * fast on its first access while the tier has room), as a VMM's pages
	 * land on a real host; initial_slow: every page starts slow instead
	 * (vtierd's --initial slow).
	 */
	int initial_slow;
	/* policy knobs */
	uint64_t vtier_batch_ns;	/* hints applied in batches; 0: at once */
	uint32_t vtier_deferred_max;	/* vtierd's --deferred-max */
	int vtier_lazy_demote;		/* a demote hint only makes a page evictable */
	struct vtier_policy_params vtier;
	uint64_t hemem_period_ns;
	uint64_t memtis_period_ns;
	uint64_t memtis_cool;	/* samples between halvings; 0: 1 s worth */
	uint64_t tpp_window_ns;
	uint64_t tpp_scan_ns;	/* hint faults from a scan of this period; 0: samples */
	uint32_t tpp_wmark_pct;	/* free headroom kept by demotion */
};

void sim_default_params(struct sim_params *par);

/* ---- the fast tier of one policy run, and its accounting (sim_tier.c) ---- */

struct sim_epoch_stats {
	uint64_t acc[2];	/* weighted accesses per tier */
	uint64_t prom, dem;	/* pages */
	uint64_t mig_bytes;
	double mig_ns;
	double track_ns;	/* the sampler's guest CPU (migrating policies) */
};

/* Fast memory shared by several tiers (VMs): never above cap. */
struct sim_pool {
	uint64_t cap, used, max_used;
};

struct sim_tier {
	const struct sim_params *par;
	struct sim_pool *pool;	/* shared limit, or NULL */
	uint64_t npages;
	uint8_t *fast;		/* page id -> 1 if in the fast tier */
	uint64_t cap, nfast;
	/* totals */
	uint64_t accesses, hits;	/* weighted */
	uint64_t promoted, demoted, mig_bytes;
	uint64_t deferred;	/* pages of promotions deferred at least once */
	uint64_t retried;	/* of those, pages promoted on a later retry */
	uint64_t evicted;	/* first-touched pages demoted to make room */
	double mig_ns, track_ns, time_ns;
	/* the steady state: epochs from steady_from_ns on (runner sets it) */
	uint64_t steady_from_ns;
	uint64_t steady_accesses, steady_hits;
	double steady_time_ns;
	/* the epoch in progress */
	struct sim_epoch_stats e;
	uint64_t epoch;
	FILE *epoch_csv;	/* per-epoch rows, or NULL */
	/* Called for each page the host takes back (sim_tier_reclaim). */
	void (*reclaimed)(void *ctx, uint32_t id);
	void *reclaimed_ctx;
	const char *name;
};

int sim_tier_init(struct sim_tier *t, const struct sim_params *par,
		  uint64_t npages, uint64_t cap, const char *name);
void sim_tier_free(struct sim_tier *t);

/* One record's accesses, charged to the page's tier. */
static inline void sim_tier_access(struct sim_tier *t, uint32_t id)
{
	int slow = !t->fast[id];

	t->e.acc[slow] += t->par->weight;
}

/* Put a page in the fast tier without a migration (allocation). */
int sim_tier_place(struct sim_tier *t, uint32_t id);
/*
 * Migrate n pages to the fast tier (to_fast) or to the slow one.  Pages
 * already there are skipped; a promotion that would exceed the capacity
 * moves nothing and returns -1.  huge: the n pages are one 2 MiB page,
 * moved at the 2 MiB cost.  Returns the pages moved.
 */
int sim_tier_move(struct sim_tier *t, const uint32_t *ids, uint32_t n,
		  int to_fast, int huge);
/*
 * The host takes n fast pages back, first touched first (a VM over quota);
 * the owner hears of each page through t->reclaimed.
 */
void sim_tier_reclaim(struct sim_tier *t, uint64_t n);
/* Close the epoch [start, start + len): charge its time, write its row. */
void sim_tier_end_epoch(struct sim_tier *t, uint64_t start_ns, uint64_t len_ns);
/* The M/D/1-style inflation of latency at utilisation rho (exported for tests). */
double sim_queue_factor(double rho);

/* ---- policies (sim_pol_*.c) ---- */

struct sim_policy;

struct sim_policy_ops {
	const char *name;
	int (*create)(struct sim_policy *p);
	/* every record, before it is charged (allocation, page faults); may be NULL */
	void (*touch)(struct sim_policy *p, uint32_t id, uint64_t ts);
	/* sampled records; may be NULL */
	void (*sample)(struct sim_policy *p, uint32_t id, uint64_t ts, int write);
	/* time moves to now: periodic work that is due; may be NULL */
	void (*tick)(struct sim_policy *p, uint64_t now);
	/* the capacity (quota) changed; may be NULL */
	void (*set_quota)(struct sim_policy *p, uint64_t pages);
	void (*destroy)(struct sim_policy *p);
	/*
	 * A migrating policy: under first-touch start the record loop places
	 * each page fast on its first access while there is room, and tells
	 * the policy through placed() (may be NULL).
	 */
	int migrates;
	void (*placed)(struct sim_policy *p, uint32_t id);
};

struct sim_policy {
	const struct sim_policy_ops *ops;
	const struct sim_trace *tr;
	const struct sim_params *par;
	struct sim_tier tier;
	void *priv;
};

extern const struct sim_policy_ops sim_vtier_ops, sim_hemem_ops,
	sim_memtis_ops, sim_tpp_ops, sim_first_touch_ops, sim_all_fast_ops,
	sim_oracle_ops;

/* All policies in their output order; NULL-terminated. */
extern const struct sim_policy_ops *const sim_policies[];
const struct sim_policy_ops *sim_policy_find(const char *name);

/* cap: fast-tier capacity (quota) in pages.  0 or -1. */
int sim_policy_create(struct sim_policy *p, const struct sim_policy_ops *ops,
		      const struct sim_trace *tr, const struct sim_params *par,
		      uint64_t cap);
void sim_policy_destroy(struct sim_policy *p);
/* A new quota (a balancer's decision): the tier's capacity, and the policy's. */
void sim_policy_set_quota(struct sim_policy *p, uint64_t pages);
/* The real engine behind a vtier policy (for its REPORT), else NULL. */
const struct vtier_policy *sim_vtier_engine(const struct sim_policy *p);

/* Ids of the top-k pages by records, most accessed first (ties: lower id). */
uint32_t *sim_top_pages(const struct sim_trace *tr, uint64_t k);
/* Weighted accesses the static oracle with k fast pages serves. */
uint64_t sim_oracle_hits(const struct sim_trace *tr, uint64_t k, uint64_t w);

/* ---- the record loop (sim_run.c) ---- */

/*
 * Run the trace through n policies at once: the sampling coin, the epoch
 * clock, then each policy's tick, touch, access and sample.  progress:
 * print a line on stderr every 10% of the records.
 */
int sim_run(const struct sim_trace *tr, const struct sim_params *par,
	    struct sim_policy *pols, int n, int progress);

/* Open a CSV file for appending; the header if it is new or empty. */
FILE *sim_open_csv(const char *path, const char *header);

/* The same loop in steps, for several VMs sharing a fast tier. */
struct sim_runner {
	const struct sim_trace *tr;
	const struct sim_params *par;
	struct sim_policy *pols;
	int n, progress;
	struct sim_abit abit;	/* with the abit sampler */
	uint64_t round_ns;	/* the abit round being delivered */
	uint64_t i, rng, t0, start, end, mark;	/* next record, clocks */
	uint64_t seen;		/* pages touched so far (ids are in first-touch order) */
	double w0;
};

/* 0, or -1 without memory. */
int sim_runner_init(struct sim_runner *r, const struct sim_trace *tr,
		    const struct sim_params *par, struct sim_policy *pols,
		    int n, int progress);
/* Run the records less than until_ns after the trace's first. */
void sim_runner_until(struct sim_runner *r, uint64_t until_ns);
/* The rest of the records, then close the last epoch and free the runner. */
void sim_runner_finish(struct sim_runner *r);

/* The 1-in-N coin (xorshift64*, as vtier-replay's --sample). */
static inline int sim_coin(uint64_t *rng, uint64_t n)
{
	if (n <= 1)
		return 1;
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return (*rng * 0x2545F4914F6CDD1Dull) % n == 0;
}

#endif
