// SPDX-License-Identifier: GPL-2.0
/*
 * MEMTIS-style policy (SOSP'23).
 *
 * Per page a sampled-access count and a 16-bin log2 histogram of the
 * counts (bin 0: count 0, bin b: count in [2^(b-1), 2^b), the last bin
 * open).  Every memtis_cool samples all counts are halved (MEMTIS: 2M
 * samples at its own sampling periods; default here: one second's worth
 * of this trace's samples, as the identification baseline does, so that
 * the comparison is of the algorithms).  Every cool/20 samples (MEMTIS:
 * 100k) the hot threshold is re-chosen: the lowest bin >= 1 from which the
 * pages up fit the fast tier.  Every memtis_period_ns (500 ms, kmigraterd)
 * slow pages at or above it are promoted into the free space, hottest bin
 * first (lower page id first within a bin); when they do not fit, fast
 * pages below the threshold are demoted first, coldest bin first, as many
 * as the promotions need (MEMTIS demotes under memory pressure: free fast
 * memory is not emptied for nothing).  Huge-page splitting is not
 * modelled: the trace has 4 KiB pages only.
 */
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "sim.h"

struct mt {
	uint16_t *cnt;
	uint64_t n;
	uint64_t hist[MEMTIS_BINS];
	uint64_t samples, cool, adapt;
	uint32_t thresh;
	uint64_t next_run;
	int started;
	uint32_t *ids;		/* scratch: candidates of a run */
};

static uint32_t mt_bin(uint32_t c)
{
	uint32_t b = c ? 32 - (uint32_t)__builtin_clz(c) : 0;

	return b < MEMTIS_BINS ? b : MEMTIS_BINS - 1;
}

static int mt_create(struct sim_policy *p)
{
	const struct sim_trace *tr = p->tr;
	struct mt *m = calloc(1, sizeof(*m));
	double span_s = sim_trace_span_ns(tr) / 1e9;

	if (!m)
		return -1;
	m->n = tr->npages;
	m->cnt = calloc(m->n + 1, sizeof(*m->cnt));
	m->ids = malloc((m->n + 1) * sizeof(*m->ids));
	if (!m->cnt || !m->ids) {
		free(m->cnt);
		free(m->ids);
		free(m);
		return -1;
	}
	m->hist[0] = m->n;
	m->cool = p->par->memtis_cool;
	if (!m->cool)
		m->cool = span_s > 0 ? (uint64_t)(tr->n / span_s / p->par->sample_n) : 0;
	if (m->cool < 20)
		m->cool = 20;
	m->adapt = m->cool / 20;
	m->thresh = 1;
	p->priv = m;
	return 0;
}

static void mt_adapt(struct mt *m, uint64_t cap)
{
	uint64_t cum = 0;
	int b;

	for (b = MEMTIS_BINS - 1; b >= 1; b--) {
		if (cum + m->hist[b] > cap)
			break;
		cum += m->hist[b];
	}
	m->thresh = (uint32_t)(b + 1 < MEMTIS_BINS ? b + 1 : MEMTIS_BINS - 1);
}

static void mt_sample(struct sim_policy *p, uint32_t id, uint64_t ts, int write)
{
	struct mt *m = p->priv;
	uint16_t *c = &m->cnt[id];
	uint64_t i;

	(void)ts;
	(void)write;
	if (*c < 0xffff) {
		m->hist[mt_bin(*c)]--;
		(*c)++;
		m->hist[mt_bin(*c)]++;
	}
	if (++m->samples % m->cool == 0) {
		memset(m->hist, 0, sizeof(m->hist));
		for (i = 0; i < m->n; i++) {
			m->cnt[i] >>= 1;
			m->hist[mt_bin(m->cnt[i])]++;
		}
	}
	if (m->samples % m->adapt == 0)
		mt_adapt(m, p->tier.cap);
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

	for (i = 0; i < m->n; i++) {
		b = (int)mt_bin(m->cnt[i]);
		if (p->tier.fast[i] == fast && ((uint32_t)b < m->thresh) == below)
			start[b]++;
	}
	for (i = 0; i < MEMTIS_BINS; i++) {
		uint64_t nb;

		b = below ? (int)i : MEMTIS_BINS - 1 - (int)i;
		nb = start[b];
		start[b] = k;
		k += nb;
	}
	for (i = 0; i < m->n; i++) {
		b = (int)mt_bin(m->cnt[i]);
		if (p->tier.fast[i] == fast && ((uint32_t)b < m->thresh) == below)
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
	uint64_t per = p->par->memtis_period_ns;

	if (!m->started) {
		m->started = 1;
		m->next_run = now + per;
		return;
	}
	if (now < m->next_run)
		return;
	while (m->next_run <= now)
		m->next_run += per;
	mt_run(p, m);
}

static void mt_destroy(struct sim_policy *p)
{
	struct mt *m = p->priv;

	free(m->cnt);
	free(m->ids);
	free(m);
}

const struct sim_policy_ops sim_memtis_ops = {
	.name = "memtis", .create = mt_create, .sample = mt_sample,
	.tick = mt_tick, .destroy = mt_destroy,
};
