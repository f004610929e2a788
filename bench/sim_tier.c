// SPDX-License-Identifier: GPL-2.0
/*
 * One policy's fast tier and its accounting.  docs/simulator.md gives the
 * cost model and the source of every default below.
 *
 * Time of an epoch = for each tier, its accesses x its load latency x a
 * queueing factor q(rho), plus the cost of the epoch's migrations.  rho is
 * the tier's utilisation: (64 bytes per access + the bytes migrated, which
 * both tiers carry) / (bandwidth x epoch length); q(rho) = 1 + rho /
 * (2 (1 - rho)) is the M/D/1 mean queueing delay in units of the service
 * time, applied to the unloaded latency, with rho capped at 0.95.
 */
#include <stdlib.h>
#include <string.h>

#include "deferred.h"
#include "sim.h"
#include "vtier_abit_defs.h"

void sim_default_params(struct sim_params *par)
{
	memset(par, 0, sizeof(*par));
	par->lat_ns[SIM_FAST] = 80;	/* MEMTIS htmm.h: DRAM */
	par->lat_ns[SIM_SLOW] = 170;	/* MEMTIS htmm.h: CXL */
	par->bw_gbs[SIM_FAST] = 100;	/* see docs/simulator.md */
	par->bw_gbs[SIM_SLOW] = 32;
	par->mig_4k_ns = 1200;		/* lkml move_pages, 4 KiB */
	par->mig_2m_ns = 190000;	/* lkml move_pages, 2 MiB */
	par->epoch_ns = 100000000ull;
	par->weight = 1;
	par->sampler = SIM_SAMPLER_PEBS;
	par->sample_n = 1;
	par->pebs_sample_ns = 250;	/* ROSS'17: 200-300 ns per PEBS record */
	par->abit_interval_ns = ABIT_DEFAULT_INTERVAL_MS * 1000000ull;
	par->abit_budget_permille = VTIER_DEFAULT_CPU_BUDGET_PERMILLE;
	par->abit_hot_ranges = ABIT_DEFAULT_HOT_RANGES;
	par->abit_entry_ns = 31;	/* measured at 1%, docs/PERFORMANCE.md (TCG, quiet) */
	par->warmup_pct = 20;
	par->seed = 1;
	par->vtier_batch_ns = 10000000ull;
	par->vtier_deferred_max = DEFERRED_DEFAULT_MAX;	/* vtierd's default */
	par->vtier_lazy_demote = 1;			/* vtierd's --demote lazy */
	vtier_policy_default_params(&par->vtier);
	par->hemem_period_ns = 10000000ull;	/* HeMem: policy every 10 ms */
	par->memtis_period_ns = 500000000ull;	/* MEMTIS: promotion every 500 ms */
	par->tpp_window_ns = 1000000000ull;	/* hot_threshold_ms 1000 */
	par->tpp_wmark_pct = 2;
}

int sim_tier_init(struct sim_tier *t, const struct sim_params *par,
		  uint64_t npages, uint64_t cap, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->par = par;
	t->npages = npages;
	t->cap = cap;
	t->name = name;
	t->fast = calloc(npages ? npages : 1, 1);
	return t->fast ? 0 : -1;
}

void sim_tier_free(struct sim_tier *t)
{
	free(t->fast);
	t->fast = NULL;
}

int sim_tier_place(struct sim_tier *t, uint32_t id)
{
	if (t->fast[id])
		return 0;
	if (t->nfast >= t->cap || (t->pool && t->pool->used >= t->pool->cap))
		return -1;
	t->fast[id] = 1;
	t->nfast++;
	if (t->pool && ++t->pool->used > t->pool->max_used)
		t->pool->max_used = t->pool->used;
	return 1;
}

int sim_tier_move(struct sim_tier *t, const uint32_t *ids, uint32_t n,
		  int to_fast, int huge)
{
	uint32_t i, moved = 0;

	for (i = 0; i < n; i++)
		moved += t->fast[ids[i]] != to_fast;
	if (!moved)
		return 0;
	if (to_fast && (t->nfast + moved > t->cap ||
			(t->pool && t->pool->used + moved > t->pool->cap))) {
		t->deferred += moved;
		return -1;
	}
	for (i = 0; i < n; i++)
		t->fast[ids[i]] = (uint8_t)to_fast;
	if (to_fast) {
		t->nfast += moved;
		t->e.prom += moved;
	} else {
		t->nfast -= moved;
		t->e.dem += moved;
	}
	if (t->pool) {
		t->pool->used = to_fast ? t->pool->used + moved :
			       t->pool->used - moved;
		if (t->pool->used > t->pool->max_used)
			t->pool->max_used = t->pool->used;
	}
	if (huge) {
		t->e.mig_bytes += (uint64_t)SIM_HUGE_PAGES * SIM_PAGE_BYTES;
		t->e.mig_ns += t->par->mig_2m_ns;
	} else {
		t->e.mig_bytes += (uint64_t)moved * SIM_PAGE_BYTES;
		t->e.mig_ns += moved * t->par->mig_4k_ns;
	}
	return (int)moved;
}

void sim_tier_reclaim(struct sim_tier *t, uint64_t n)
{
	uint32_t id;

	for (id = 0; n && id < t->npages; id++)
		if (t->fast[id]) {
			sim_tier_move(t, &id, 1, 0, 0);
			if (t->reclaimed)
				t->reclaimed(t->reclaimed_ctx, id);
			n--;
		}
}

double sim_queue_factor(double rho)
{
	if (rho > 0.95)
		rho = 0.95;
	return 1 + rho / (2 * (1 - rho));
}

void sim_tier_end_epoch(struct sim_tier *t, uint64_t start_ns, uint64_t len_ns)
{
	const struct sim_params *par = t->par;
	struct sim_epoch_stats *e = &t->e;
	double time = e->mig_ns + e->track_ns;
	int i;

	if (!len_ns)
		len_ns = 1;
	for (i = SIM_FAST; i <= SIM_SLOW; i++) {
		double q = 1;

		if (par->bw_gbs[i] > 0)	/* GB/s is bytes per ns */
			q = sim_queue_factor((e->acc[i] * (double)SIM_LINE_BYTES +
					      e->mig_bytes) /
					     (par->bw_gbs[i] * len_ns));
		time += e->acc[i] * par->lat_ns[i] * q;
	}
	t->accesses += e->acc[SIM_FAST] + e->acc[SIM_SLOW];
	t->hits += e->acc[SIM_FAST];
	t->promoted += e->prom;
	t->demoted += e->dem;
	t->mig_bytes += e->mig_bytes;
	t->mig_ns += e->mig_ns;
	t->track_ns += e->track_ns;
	t->time_ns += time;
	if (start_ns >= t->steady_from_ns) {
		t->steady_accesses += e->acc[SIM_FAST] + e->acc[SIM_SLOW];
		t->steady_hits += e->acc[SIM_FAST];
		t->steady_time_ns += time;
	}
	if (t->epoch_csv)
		fprintf(t->epoch_csv, "%s,%llu,%llu,%llu,%llu,%llu,%llu,%.6f,%.0f\n",
			t->name, (unsigned long long)t->epoch,
			(unsigned long long)start_ns,
			(unsigned long long)(e->acc[SIM_FAST] + e->acc[SIM_SLOW]),
			(unsigned long long)e->acc[SIM_FAST],
			(unsigned long long)e->prom, (unsigned long long)e->dem,
			e->mig_bytes / 1048576.0, time);
	memset(e, 0, sizeof(*e));
	t->epoch++;
}
