// SPDX-License-Identifier: GPL-2.0
/*
 * vtier: the real policy core (build/lib/libvtiercore.a, the code vtier.ko
 * runs) with its quota set to the tier's capacity, fed the sampled records.
 * Its hints are applied as vtierd's placement applies them
 * (docs/placement.md): in batches (every vtier_batch_ns, or after each
 * sample when 0), demotions before promotions; a promotion that does not
 * fit under the quota is deferred, which vtierd does not remember (nor does
 * the module re-hint), so it is lost.  An order-9 hint moves the region's
 * 512 frames; those the trace never touches are not present and cost
 * nothing.  When all 512 are present and all move, the region is charged
 * as one 2 MiB page, else each page at the 4 KiB cost.
 */
#include <stdlib.h>

#include "sim.h"

#define VT_MAX_PAGES	(1ull << 28)	/* 1 TiB of guest RAM: 512 MiB of state */

struct vt {
	struct vtier_policy eng;
	void *mem;
	struct vtier_hint_host *pend;
	uint32_t npend, cap;
	uint64_t next_flush;
	uint32_t ids[SIM_HUGE_PAGES];
};

static int vt_create(struct sim_policy *p)
{
	const struct sim_trace *tr = p->tr;
	uint64_t lo = tr->min_pfn & ~(uint64_t)(SIM_HUGE_PAGES - 1);
	uint64_t hi = (tr->max_pfn | (SIM_HUGE_PAGES - 1)) + 1;
	struct vt *v;

	if (!tr->npages || hi - lo > VT_MAX_PAGES) {
		fprintf(stderr, "vtier-sim: vtier: the trace spans %llu pages (at most %llu)\n",
			tr->npages ? (unsigned long long)(hi - lo) : 0ull,
			(unsigned long long)VT_MAX_PAGES);
		return -1;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -1;
	v->mem = calloc(1, vtier_policy_range_bytes(lo, hi - lo));
	if (!v->mem || vtier_policy_init(&v->eng, &p->par->vtier) ||
	    vtier_policy_add_range(&v->eng, lo, hi - lo, v->mem)) {
		free(v->mem);
		free(v);
		return -1;
	}
	vtier_policy_set_quota(&v->eng, p->tier.cap);
	p->priv = v;
	return 0;
}

/* Move the engine's queued hints to the pending batch. */
static void vt_collect(struct vt *v)
{
	uint32_t got;

	do {
		if (v->npend + 64 > v->cap) {
			uint32_t ncap = v->cap ? 2 * v->cap : 1024;
			void *n = realloc(v->pend, ncap * sizeof(*v->pend));

			if (!n)
				return;	/* the hints stay queued in the engine */
			v->pend = n;
			v->cap = ncap;
		}
		got = vtier_policy_pop_hints(&v->eng, v->pend + v->npend, 64);
		v->npend += got;
	} while (got);
}

static void vt_apply_one(struct sim_policy *p, struct vt *v,
			 const struct vtier_hint_host *h)
{
	int to_fast = h->action == VTIER_HINT_PROMOTE;
	uint32_t n = 0, i, npf = h->order ? SIM_HUGE_PAGES : 1, in_target = 0;
	int64_t id;

	for (i = 0; i < npf; i++) {
		id = sim_trace_id(p->tr, h->gpfn + i);
		if (id < 0)
			continue;
		v->ids[n++] = (uint32_t)id;
		in_target += p->tier.fast[id] == to_fast;
	}
	if (n)
		sim_tier_move(&p->tier, v->ids, n, to_fast,
			      h->order && n == SIM_HUGE_PAGES && !in_target);
}

static void vt_apply(struct sim_policy *p, struct vt *v)
{
	uint32_t i;

	for (i = 0; i < v->npend; i++)
		if (v->pend[i].action != VTIER_HINT_PROMOTE)
			vt_apply_one(p, v, &v->pend[i]);
	for (i = 0; i < v->npend; i++)
		if (v->pend[i].action == VTIER_HINT_PROMOTE)
			vt_apply_one(p, v, &v->pend[i]);
	v->npend = 0;
}

static void vt_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct vt *v = p->priv;

	vtier_policy_sample(&v->eng, p->tr->pfn[id], ts,
			    write ? VTIER_SAMPLE_IS_WRITE : 0);
	vt_collect(v);
	if (!p->par->vtier_batch_ns)
		vt_apply(p, v);
}

static void vt_tick(struct sim_policy *p, uint64_t now)
{
	struct vt *v = p->priv;
	uint64_t step = p->par->vtier_batch_ns ? p->par->vtier_batch_ns : 1000000;

	if (now < v->next_flush)
		return;
	/* The engine's clock runs on samples; move it so its sweep goes on. */
	if (v->eng.clock_started)
		vtier_policy_advance(&v->eng, now);
	vt_collect(v);
	vt_apply(p, v);
	v->next_flush = now + step;
}

static void vt_set_quota(struct sim_policy *p, uint64_t pages)
{
	struct vt *v = p->priv;

	vtier_policy_set_quota(&v->eng, pages);
}

const struct vtier_policy *sim_vtier_engine(const struct sim_policy *p)
{
	return p->ops == &sim_vtier_ops ? &((struct vt *)p->priv)->eng : NULL;
}

static void vt_destroy(struct sim_policy *p)
{
	struct vt *v = p->priv;

	free(v->pend);
	free(v->mem);
	free(v);
}

const struct sim_policy_ops sim_vtier_ops = {
	.name = "vtier", .create = vt_create, .sample = vt_sample,
	.tick = vt_tick, .set_quota = vt_set_quota, .destroy = vt_destroy,
};
