// SPDX-License-Identifier: GPL-2.0
/*
 * TPP-style policy (ASPLOS'23 and upstream NUMA balancing in tiering mode,
 * numa_balancing=2).
 *
 * Promotion happens in the fault path: a sampled access to a slow page is
 * a hint fault; the page is promoted at once if its previous hint fault
 * was at most tpp_window_ns before (hot_threshold_ms, default 1000), i.e.
 * it is touched twice within the window (TPP's "on the active LRU" check),
 * else its time is recorded.  Fast pages are kept on an LRU list ordered
 * by their sampled accesses.  A promotion into a full fast tier first
 * demotes the LRU tail (reclaim); afterwards, demotion (kswapd) keeps
 * tpp_wmark_pct of the fast tier free by demoting from the tail.  A
 * demoted page forgets its last fault (it lands on the inactive list), so
 * it needs two touches again.
 *
 * Hint faults come from the sampled records by default.  With
 * tpp_scan_ns (--tpp-scan-ms) they come, as in Linux, from a scanner that
 * unmaps every page once per scan period (each page at its own phase in
 * the period): the first access to a slow page after its unmapping faults,
 * whether sampled or not, and a promotion in the fault path serves that
 * access from the fast tier.  The LRU then follows every access (accessed
 * bits).
 */
#include <stdlib.h>

#include "sim.h"

#define TPP_NONE	UINT32_MAX

struct tpp {
	uint64_t *last;		/* time of the last hint fault + 1; 0: none */
	uint64_t *round;	/* scan round of the last fault + 1 (scan mode) */
	uint64_t t0;		/* time of the first record */
	uint32_t *prev, *next;	/* LRU of fast pages, head = most recent */
	uint32_t head, tail;
};

static int tpp_create(struct sim_policy *p)
{
	uint64_t n = p->tr->npages + 1;
	struct tpp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->last = calloc(n, sizeof(*t->last));
	t->round = calloc(n, sizeof(*t->round));
	t->prev = malloc(n * sizeof(*t->prev));
	t->next = malloc(n * sizeof(*t->next));
	if (!t->last || !t->round || !t->prev || !t->next) {
		free(t->last);
		free(t->round);
		free(t->prev);
		free(t->next);
		free(t);
		return -1;
	}
	t->head = t->tail = TPP_NONE;
	t->t0 = p->tr->n ? p->tr->ts[0] : 0;
	p->priv = t;
	return 0;
}

static void lru_del(struct tpp *t, uint32_t id)
{
	if (t->prev[id] != TPP_NONE)
		t->next[t->prev[id]] = t->next[id];
	else
		t->head = t->next[id];
	if (t->next[id] != TPP_NONE)
		t->prev[t->next[id]] = t->prev[id];
	else
		t->tail = t->prev[id];
}

static void lru_push(struct tpp *t, uint32_t id)
{
	t->prev[id] = TPP_NONE;
	t->next[id] = t->head;
	if (t->head != TPP_NONE)
		t->prev[t->head] = id;
	else
		t->tail = id;
	t->head = id;
}

/* Demote the LRU tail; 0 if the fast tier is empty. */
static int tpp_demote_tail(struct sim_policy *p, struct tpp *t)
{
	uint32_t id = t->tail;

	if (id == TPP_NONE)
		return 0;
	lru_del(t, id);
	sim_tier_move(&p->tier, &id, 1, 0, 0);
	t->last[id] = 0;
	return 1;
}

/* A hint fault on slow page id at ts. */
static void tpp_fault(struct sim_policy *p, struct tpp *t, uint32_t id,
		      uint64_t ts)
{
	struct sim_tier *tier = &p->tier;
	uint64_t keep;

	if (!t->last[id] || ts - (t->last[id] - 1) > p->par->tpp_window_ns) {
		t->last[id] = ts + 1;
		return;
	}
	t->last[id] = ts + 1;
	if (tier->nfast >= tier->cap && !tpp_demote_tail(p, t)) {
		tier->deferred++;	/* capacity 0 */
		return;
	}
	if (sim_tier_move(tier, &id, 1, 1, 0) != 1)
		return;
	lru_push(t, id);
	keep = tier->cap - tier->cap * p->par->tpp_wmark_pct / 100;
	while (tier->nfast > keep && tpp_demote_tail(p, t))
		;
}

static void tpp_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct tpp *t = p->priv;

	(void)write;
	if (p->par->tpp_scan_ns)
		return;		/* faults come from the scan */
	if (p->tier.fast[id]) {
		lru_del(t, id);
		lru_push(t, id);
		return;
	}
	tpp_fault(p, t, id, ts);
}

static void tpp_touch(struct sim_policy *p, uint32_t id, uint64_t ts)
{
	struct tpp *t = p->priv;
	uint64_t per = p->par->tpp_scan_ns, round;

	if (!per)
		return;
	if (p->tier.fast[id]) {
		lru_del(t, id);
		lru_push(t, id);
		return;
	}
	/* Page id is unmapped at phase + k x per; spread the phases. */
	round = (ts - t->t0 + id * 0x9E3779B1ull % per) / per;
	if (t->round[id] == round + 1)
		return;
	t->round[id] = round + 1;
	tpp_fault(p, t, id, ts);
}

/* A first-touched fast page joins the LRU as the most recent. */
static void tpp_placed(struct sim_policy *p, uint32_t id)
{
	lru_push(p->priv, id);
}

static void tpp_destroy(struct sim_policy *p)
{
	struct tpp *t = p->priv;

	free(t->last);
	free(t->round);
	free(t->prev);
	free(t->next);
	free(t);
}

const struct sim_policy_ops sim_tpp_ops = {
	.name = "tpp", .create = tpp_create, .touch = tpp_touch, .sample = tpp_sample,
	.destroy = tpp_destroy,
	.migrates = 1, .placed = tpp_placed,
};
