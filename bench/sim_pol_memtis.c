// SPDX-License-Identifier: GPL-2.0
/*
 * MEMTIS-style policy (SOSP'23).
 *
 * Identification is memtis_core.c, the very code of the accuracy
 * benchmark's baseline: per page sampled-access counts in 16 log2 bins,
 * halved every memtis_cool samples (default here: one second's worth of
 * this trace's samples, as the baseline does), and a hot threshold
 * re-chosen every cool/20 samples to fit the fast tier.  Placement, here:
 * every memtis_period_ns (500 ms, kmigraterd) slow pages at or above the
 * threshold are promoted into the free space, hottest bin first (lower
 * page id first within a bin); when they do not fit, fast pages below the
 * threshold are demoted first, coldest bin first, as many as the
 * promotions need (MEMTIS demotes under memory pressure: free fast memory
 * is not emptied for nothing).  Huge-page splitting is not modelled: the
 * trace has 4 KiB pages only.
 */
#include <stdlib.h>

#include "memtis_core.h"
#include "sim.h"
#include "sim_period.h"

struct mt {
	struct memtis_core c;
	struct sim_period period;
	uint32_t *ids;		/* scratch: candidates of a run */
};

static int mt_create(struct sim_policy *p)
{
	const struct sim_trace *tr = p->tr;
	struct mt *m = calloc(1, sizeof(*m));
	double span_s = sim_trace_span_ns(tr) / 1e9;
	uint64_t cool = p->par->memtis_cool;

	if (!m)
		return -1;
	if (!cool)
		cool = span_s > 0 ? (uint64_t)(tr->n / span_s / p->par->sample_n) : 0;
	m->ids = malloc((tr->npages + 1) * sizeof(*m->ids));
	if (!m->ids || memtis_core_init(&m->c, tr->npages, cool)) {
		free(m->ids);
		free(m);
		return -1;
	}
	p->priv = m;
	return 0;
}

static void mt_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct mt *m = p->priv;

	(void)ts;
	(void)write;
	memtis_core_sample(&m->c, id, p->tier.cap);
}

/*
 * Ids of the pages in the given tier (fast or slow) whose bin is below
 * (below = 1) or at or above the threshold, sorted by bin (coldest first
 * when below, hottest first otherwise) into m->ids; returns how many.
 */
static uint64_t mt_sorted(struct sim_policy *p, struct mt *m, int fast, int below)
{
	uint64_t start[MEMTIS_BINS] = { 0 }, i, k = 0;
	int b;

	for (i = 0; i < m->c.n; i++) {
		b = (int)memtis_core_bin(&m->c, i);
		if (p->tier.fast[i] == fast && ((uint32_t)b < m->c.thresh) == below)
			start[b]++;
	}
	for (i = 0; i < MEMTIS_BINS; i++) {
		uint64_t nb;

		b = below ? (int)i : MEMTIS_BINS - 1 - (int)i;
		nb = start[b];
		start[b] = k;
		k += nb;
	}
	for (i = 0; i < m->c.n; i++) {
		b = (int)memtis_core_bin(&m->c, i);
		if (p->tier.fast[i] == fast && ((uint32_t)b < m->c.thresh) == below)
			m->ids[start[b]++] = (uint32_t)i;
	}
	return k;
}

static void mt_run(struct sim_policy *p, struct mt *m)
{
	struct sim_tier *t = &p->tier;
	uint64_t want = mt_sorted(p, m, 0, 0), room, i, k;

	/* Demote cold pages only as far as the hot ones need the room. */
	room = t->nfast < t->cap ? t->cap - t->nfast : 0;
	if (want > room || t->nfast > t->cap) {
		uint64_t need = (want > room ? want - room : 0) +
				(t->nfast > t->cap ? t->nfast - t->cap : 0);

		k = mt_sorted(p, m, 1, 1);
		for (i = 0; i < k && i < need; i++)
			sim_tier_move(t, &m->ids[i], 1, 0, 0);
		want = mt_sorted(p, m, 0, 0);
	}
	for (i = 0; i < want && t->nfast < t->cap; i++)
		sim_tier_move(t, &m->ids[i], 1, 1, 0);
}

static void mt_tick(struct sim_policy *p, uint64_t now)
{
	struct mt *m = p->priv;

	if (sim_period_due(&m->period, now, p->par->memtis_period_ns))
		mt_run(p, m);
}

static void mt_destroy(struct sim_policy *p)
{
	struct mt *m = p->priv;

	memtis_core_free(&m->c);
	free(m->ids);
	free(m);
}

const struct sim_policy_ops sim_memtis_ops = {
	.name = "memtis", .create = mt_create, .sample = mt_sample,
	.tick = mt_tick, .destroy = mt_destroy,
	.migrates = 1,	/* finds its fast pages in the tier */
};
