// SPDX-License-Identifier: GPL-2.0
/*
 * HeMem-style policy (SOSP'21).
 *
 * Identification is hemem_core.c, the very code of the accuracy benchmark's
 * baseline: per page sampled read and write counts, hot at >= 8 reads or
 * >= 4 writes, lazily halved by a global cooling clock.  Placement, here:
 * a slow page that becomes hot is queued; the policy runs every
 * hemem_period_ns (10 ms) and, for each queued page still hot and slow, in
 * the order they became hot: promote it into free space, or else demote a
 * cold fast page (second-chance FIFO: a fast page found hot goes to the
 * back) and promote; when no fast page is cold, stop and keep the rest
 * queued.  At most 10 GB move per run (HeMem's limit).
 */
#include <stdlib.h>

#include "hemem_core.h"
#include "sim.h"
#include "sim_period.h"

#define HM_MAX_PAGES_PER_RUN	(10ull * 1000 * 1000 * 1000 / SIM_PAGE_BYTES)

struct hm {
	struct hemem_core c;
	uint8_t *queued;	/* per page: in q */
	uint32_t *fifo, *q;	/* fast pages; hot slow pages; rings of n */
	uint64_t n, fhead, flen, qhead, qlen;	/* n: pages + 1 */
	struct sim_period period;
};

static int hm_create(struct sim_policy *p)
{
	struct hm *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	h->n = p->tr->npages + 1;
	h->queued = calloc(h->n, sizeof(*h->queued));
	h->fifo = malloc(h->n * sizeof(*h->fifo));
	h->q = malloc(h->n * sizeof(*h->q));
	if (!h->queued || !h->fifo || !h->q ||
	    hemem_core_init(&h->c, p->tr->npages)) {
		free(h->queued);
		free(h->fifo);
		free(h->q);
		free(h);
		return -1;
	}
	p->priv = h;
	return 0;
}

static void hm_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct hm *h = p->priv;

	(void)ts;
	if (hemem_core_sample(&h->c, id, write) && !p->tier.fast[id] &&
	    !h->queued[id]) {
		h->queued[id] = 1;
		h->q[(h->qhead + h->qlen++) % h->n] = id;
	}
}

/* The first cold fast page, second chance; -1 if every one is hot. */
static int64_t hm_victim(struct hm *h)
{
	uint64_t tries, len = h->flen;

	for (tries = 0; tries < len; tries++) {
		uint32_t id = h->fifo[h->fhead];

		h->fhead = (h->fhead + 1) % h->n;
		h->flen--;
		if (!hemem_core_hot(&h->c, id))
			return id;
		h->fifo[(h->fhead + h->flen++) % h->n] = id;
	}
	return -1;
}

static void hm_run(struct sim_policy *p, struct hm *h)
{
	uint64_t moved = 0;

	while (h->qlen && moved < HM_MAX_PAGES_PER_RUN) {
		uint32_t id = h->q[h->qhead];
		int64_t v;

		if (!hemem_core_hot(&h->c, id) || p->tier.fast[id]) {
			h->qhead = (h->qhead + 1) % h->n;
			h->qlen--;
			h->queued[id] = 0;
			continue;
		}
		if (p->tier.nfast >= p->tier.cap) {
			uint32_t vid;

			v = hm_victim(h);
			if (v < 0)
				return;		/* keep the queue for later */
			vid = (uint32_t)v;
			sim_tier_move(&p->tier, &vid, 1, 0, 0);
			moved++;
		}
		if (sim_tier_move(&p->tier, &id, 1, 1, 0) != 1)
			return;
		h->fifo[(h->fhead + h->flen++) % h->n] = id;
		h->qhead = (h->qhead + 1) % h->n;
		h->qlen--;
		h->queued[id] = 0;
		moved++;
	}
}

static void hm_tick(struct sim_policy *p, uint64_t now)
{
	struct hm *h = p->priv;

	if (sim_period_due(&h->period, now, p->par->hemem_period_ns))
		hm_run(p, h);
}

/* A first-touched fast page enters the FIFO of fast pages. */
static void hm_placed(struct sim_policy *p, uint32_t id)
{
	struct hm *h = p->priv;

	h->fifo[(h->fhead + h->flen++) % h->n] = id;
}

static void hm_destroy(struct sim_policy *p)
{
	struct hm *h = p->priv;

	hemem_core_free(&h->c);
	free(h->queued);
	free(h->fifo);
	free(h->q);
	free(h);
}

const struct sim_policy_ops sim_hemem_ops = {
	.name = "hemem", .create = hm_create, .sample = hm_sample,
	.tick = hm_tick, .destroy = hm_destroy,
	.migrates = 1, .placed = hm_placed,
};
