// SPDX-License-Identifier: GPL-2.0
/*
 * HeMem-style policy (SOSP'21; constants of its pebs.h, shared with the
 * identification baseline through baselines.h).
 *
 * Per page, sampled read and write counts.  A page is hot at >= 8 reads or
 * >= 4 writes.  When a page's count reaches 18 the global cooling clock
 * ticks: every count is halved, lazily, when its page is next looked at
 * (as HeMem does).  A slow page that becomes hot is queued; the policy
 * runs every hemem_period_ns (10 ms) and, for each queued page still hot
 * and slow, in the order they became hot: promote it into free space, or
 * else demote a cold fast page (second-chance FIFO: a fast page found hot
 * goes to the back) and promote; when no fast page is cold, stop and keep
 * the rest queued.  At most 10 GB move per run (HeMem's limit).
 */
#include <stdlib.h>

#include "baselines.h"
#include "sim.h"

#define HM_MAX_PAGES_PER_RUN	(10ull * 1000 * 1000 * 1000 / SIM_PAGE_BYTES)

struct hm_page {
	uint16_t reads, writes;
	uint32_t clock;		/* global clock value last applied */
	uint8_t queued;
};

struct hm {
	struct hm_page *pg;
	uint32_t clock;
	uint32_t *fifo, *q;	/* fast pages; hot slow pages; rings of n + 1 */
	uint64_t n, fhead, flen, qhead, qlen;
	uint64_t next_run;
	int started;
};

static int hm_create(struct sim_policy *p)
{
	struct hm *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	h->n = p->tr->npages + 1;
	h->pg = calloc(h->n, sizeof(*h->pg));
	h->fifo = malloc(h->n * sizeof(*h->fifo));
	h->q = malloc(h->n * sizeof(*h->q));
	if (!h->pg || !h->fifo || !h->q) {
		free(h->pg);
		free(h->fifo);
		free(h->q);
		free(h);
		return -1;
	}
	p->priv = h;
	return 0;
}

static void hm_cool(struct hm *h, struct hm_page *pg)
{
	uint32_t d = h->clock - pg->clock;

	if (d > 16)
		d = 16;
	pg->reads >>= d;
	pg->writes >>= d;
	pg->clock = h->clock;
}

static int hm_hot(const struct hm_page *pg)
{
	return pg->reads >= HEMEM_HOT_READS || pg->writes >= HEMEM_HOT_WRITES;
}

static void hm_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct hm *h = p->priv;
	struct hm_page *pg = &h->pg[id];

	(void)ts;
	hm_cool(h, pg);
	if (write)
		pg->writes++;
	else
		pg->reads++;
	if (pg->reads >= HEMEM_COOL_AT || pg->writes >= HEMEM_COOL_AT) {
		h->clock++;
		hm_cool(h, pg);
	}
	if (hm_hot(pg) && !p->tier.fast[id] && !pg->queued) {
		pg->queued = 1;
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
		hm_cool(h, &h->pg[id]);
		if (!hm_hot(&h->pg[id]))
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
		struct hm_page *pg = &h->pg[id];
		int64_t v;

		hm_cool(h, pg);
		if (!hm_hot(pg) || p->tier.fast[id]) {
			h->qhead = (h->qhead + 1) % h->n;
			h->qlen--;
			pg->queued = 0;
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
		pg->queued = 0;
		moved++;
	}
}

static void hm_tick(struct sim_policy *p, uint64_t now)
{
	struct hm *h = p->priv;
	uint64_t per = p->par->hemem_period_ns;

	if (!h->started) {
		h->started = 1;
		h->next_run = now + per;
		return;
	}
	if (now < h->next_run)
		return;
	while (h->next_run <= now)
		h->next_run += per;
	hm_run(p, h);
}

static void hm_destroy(struct sim_policy *p)
{
	struct hm *h = p->priv;

	free(h->pg);
	free(h->fifo);
	free(h->q);
	free(h);
}

const struct sim_policy_ops sim_hemem_ops = {
	.name = "hemem", .create = hm_create, .sample = hm_sample,
	.tick = hm_tick, .destroy = hm_destroy,
};
