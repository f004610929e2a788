// SPDX-License-Identifier: GPL-2.0
/*
 * vtier: the real policy core (build/lib/libvtiercore.a, the code vtier.ko
 * runs) with its quota set to the tier's capacity, fed the sampled records.
 * Its hints are applied as vtierd's placement applies them
 * (docs/placement.md): in batches (every vtier_batch_ns, or after each
 * sample when 0), demotions before promotions.  A promotion that does not
 * fit under the quota (or the pool) is deferred and remembered, as vtierd
 * does, with vtierd's own code (host-backend/deferred.c): after each
 * batch's demotions the deferred ones are retried oldest first while room
 * exists, each only if the guest still wants it fast (no demote hint and
 * no host reclaim since) and it is still slow.  An order-9 hint moves the region's
 * 512 frames; those the trace never touches are not present and cost
 * nothing.  When all 512 are present and all move, the region is charged
 * as one 2 MiB page, else each page at the 4 KiB cost.
 *
 * From a first-touch start the fast tier is full of pages the guest never
 * asked for.  A promotion without room first evicts the oldest of them
 * (fast, not wanted fast), one per page it needs, as vtierd does
 * (docs/placement.md): a first-touched page leaves only for a page the
 * guest found hotter.  Only when none is left is the promotion deferred.
 */
#include <stdlib.h>

#include "deferred.h"
#include "sim.h"

#define VT_MAX_PAGES	(1ull << 28)	/* 1 TiB of guest RAM: 512 MiB of state */

struct vt {
	struct vtier_policy eng;
	void *mem;
	struct vtier_hint_host *pend;
	uint32_t npend, cap;
	uint64_t next_flush;
	uint64_t lo;		/* first pfn of the engine's range */
	struct deferred def;	/* by pfn - lo */
	struct sim_policy *p;
	uint32_t ids[SIM_HUGE_PAGES];
	uint32_t victims[SIM_HUGE_PAGES];
	/* Fast pages the guest does not want fast, oldest first (lazily checked). */
	uint32_t *unw;
	uint8_t *in_unw;
	uint64_t uhead, ulen;
};

static void unw_push(struct vt *v, uint32_t id)
{
	uint64_t n = v->p->tr->npages;

	if (v->in_unw[id])
		return;		/* keeps its older place */
	v->in_unw[id] = 1;
	v->unw[(v->uhead + v->ulen++) % n] = id;
}

static int vt_unwanted(struct sim_policy *p, struct vt *v, uint32_t id)
{
	return p->tier.fast[id] &&
	       !deferred_wanted(&v->def, p->tr->pfn[id] - v->lo, 0);
}

static void vt_reclaimed(void *ctx, uint32_t id)
{
	struct vt *v = ctx;

	deferred_want(&v->def, v->p->tr->pfn[id] - v->lo, 0, false);
}

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
	v->unw = malloc(tr->npages * sizeof(*v->unw));
	v->in_unw = calloc(tr->npages, 1);
	if (!v->mem || !v->unw || !v->in_unw || vtier_policy_init(&v->eng, &p->par->vtier) ||
	    vtier_policy_add_range(&v->eng, lo, hi - lo, v->mem) ||
	    deferred_attach(&v->def, hi - lo, p->par->vtier_deferred_max)) {
		deferred_detach(&v->def);
		free(v->unw);
		free(v->in_unw);
		free(v->mem);
		free(v);
		return -1;
	}
	v->lo = lo;
	v->p = p;
	p->tier.reclaimed = vt_reclaimed;
	p->tier.reclaimed_ctx = v;
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

/* The trace's pages of a hint into v->ids; *in_target: already there. */
static uint32_t vt_ids(struct sim_policy *p, struct vt *v, uint64_t gpfn,
		       unsigned int order, int to_fast, uint32_t *in_target)
{
	uint32_t n = 0, i, npf = order ? SIM_HUGE_PAGES : 1;
	int64_t id;

	*in_target = 0;
	for (i = 0; i < npf; i++) {
		id = sim_trace_id(p->tr, gpfn + i);
		if (id < 0)
			continue;
		v->ids[n++] = (uint32_t)id;
		*in_target += p->tier.fast[id] == to_fast;
	}
	return n;
}

/*
 * Room for need more fast pages, by evicting the oldest fast pages the
 * guest does not want fast (ids are in first-touch order).  All or
 * nothing: 0, or -1 when too few such pages are left.
 */
static int vt_evict(struct sim_policy *p, struct vt *v, uint64_t need)
{
	struct sim_tier *t = &p->tier;
	uint64_t room = t->nfast < t->cap ? t->cap - t->nfast : 0;
	uint64_t n = p->tr->npages;
	uint32_t k = 0, i, id;

	if (t->pool && t->pool->cap - t->pool->used < room)
		room = t->pool->cap - t->pool->used;
	if (room >= need)
		return 0;
	need -= room;
	while (k < need && v->ulen) {
		id = v->unw[v->uhead];
		v->uhead = (v->uhead + 1) % n;
		v->ulen--;
		v->in_unw[id] = 0;
		if (vt_unwanted(p, v, id))
			v->victims[k++] = id;
	}
	if (k < need) {		/* all or nothing: put them back, in order */
		while (k--) {
			v->uhead = (v->uhead + n - 1) % n;
			v->unw[v->uhead] = v->victims[k];
			v->in_unw[v->victims[k]] = 1;
			v->ulen++;
		}
		return -1;
	}
	for (i = 0; i < k; i++)
		sim_tier_move(t, &v->victims[i], 1, 0, 0);
	t->evicted += k;
	return 0;
}

/* First touch put a page fast that nobody asked for: a victim. */
static void vt_placed(struct sim_policy *p, uint32_t id)
{
	unw_push(p->priv, id);
}

/* One hint; a promotion without room evicts or is remembered. */
static void vt_apply_one(struct sim_policy *p, struct vt *v,
			 const struct vtier_hint_host *h)
{
	int to_fast = h->action == VTIER_HINT_PROMOTE;
	uint32_t i, in_target, n = vt_ids(p, v, h->gpfn, h->order, to_fast,
					 &in_target);

	deferred_want(&v->def, h->gpfn - v->lo, h->order, to_fast);
	if (to_fast && n > in_target)
		vt_evict(p, v, n - in_target);
	if (!to_fast && p->par->vtier_lazy_demote) {
		/* Stays fast until a promotion needs the room. */
		for (i = 0; i < n; i++)
			if (p->tier.fast[v->ids[i]])
				unw_push(v, v->ids[i]);
		return;
	}
	if (n && sim_tier_move(&p->tier, v->ids, n, to_fast,
			       h->order && n == SIM_HUGE_PAGES && !in_target) < 0)
		deferred_push(&v->def, h->gpfn - v->lo, h->order);
}

/* A remembered promotion, still wanted: promote it if it fits now. */
static enum deferred_try vt_retry_one(void *ctx, uint64_t off,
				      unsigned int order)
{
	struct sim_policy *p = ctx;
	struct vt *v = p->priv;
	struct sim_tier *t = &p->tier;
	uint32_t in_target, n = vt_ids(p, v, v->lo + off, order, 1, &in_target);
	uint64_t need = n - in_target;

	if (!need)
		return DEF_DONE;
	if (t->nfast + need > t->cap ||
	    (t->pool && t->pool->used + need > t->pool->cap))
		return DEF_STOP;	/* vtierd's check, before the move */
	sim_tier_move(t, v->ids, n, 1, order && n == SIM_HUGE_PAGES && !in_target);
	t->retried += need;
	return DEF_DONE;
}

static void vt_apply(struct sim_policy *p, struct vt *v)
{
	uint32_t i;

	for (i = 0; i < v->npend; i++)
		if (v->pend[i].action != VTIER_HINT_PROMOTE)
			vt_apply_one(p, v, &v->pend[i]);
	/* Room made by the demotions (or elsewhere): the oldest go first. */
	deferred_retry(&v->def, vt_retry_one, p);
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
	/* A smaller quota: the pages nobody wants fast go first. */
	while (p->tier.nfast > pages && !vt_evict(p, v, 1))
		;
}

const struct vtier_policy *sim_vtier_engine(const struct sim_policy *p)
{
	return p->ops == &sim_vtier_ops ? &((struct vt *)p->priv)->eng : NULL;
}

static void vt_destroy(struct sim_policy *p)
{
	struct vt *v = p->priv;

	deferred_detach(&v->def);
	free(v->unw);
	free(v->in_unw);
	free(v->pend);
	free(v->mem);
	free(v);
}

const struct sim_policy_ops sim_vtier_ops = {
	.name = "vtier", .create = vt_create, .sample = vt_sample,
	.tick = vt_tick, .set_quota = vt_set_quota, .destroy = vt_destroy,
	.migrates = 1, .placed = vt_placed,
};
