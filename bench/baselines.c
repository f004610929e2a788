// SPDX-License-Identifier: GPL-2.0
/*
 * vtier's engine and two baselines for the accuracy benchmark.
 *
 * HeMem-style (SOSP'21, `pebs.h`): per page read and write counts; a page
 * is hot at >= 8 reads or >= 4 writes; when a page's count reaches 18 a
 * global cooling clock ticks and every page's counts are halved (lazily,
 * on its next access, as HeMem does; pages are also cooled when scored).
 * Hot pages go to fast memory while there is room; a cold page in fast
 * memory is evicted (second chance FIFO) to make room for a hot one.
 *
 * MEMTIS-style (SOSP'23): per page count, a 16-bin log2 histogram, counts
 * halved every `cool` samples, and the hot threshold re-chosen every
 * cool/20 samples as the lowest bin whose pages from there up fit the
 * quota.  MEMTIS cools every 2M samples at its own sampling rates; here
 * `cool` is one second of samples, the same memory vtier's engine gets
 * from its 1 s epoch, so that the comparison is of the algorithms.
 */
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "vtier_policy.h"

/* ---- vtier ---- */

struct vt {
	struct vtier_policy p;
	void *mem;
	uint64_t lo, hi;
};

static void *vt_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct vtier_policy_params par;
	struct vt *v = calloc(1, sizeof(*v));

	(void)sps;
	if (!v)
		return NULL;
	vtier_policy_default_params(&par);
	v->mem = calloc(1, vtier_policy_range_bytes(lo, hi - lo));
	if (!v->mem || vtier_policy_init(&v->p, &par) ||
	    vtier_policy_add_range(&v->p, lo, hi - lo, v->mem)) {
		free(v->mem);
		free(v);
		return NULL;
	}
	vtier_policy_set_quota(&v->p, k);
	v->lo = lo;
	v->hi = hi;
	return v;
}

static void vt_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct vt *v = e;
	struct vtier_hint_host h[64];

	vtier_policy_sample(&v->p, pfn, t, write ? VTIER_SAMPLE_IS_WRITE : 0);
	while (vtier_policy_pop_hints(&v->p, h, 64))
		;
}

static size_t vt_hot(void *e, uint64_t *out)
{
	struct vt *v = e;
	uint64_t pfn = v->lo;
	size_t n = 0;

	while ((pfn = vtier_policy_next_hot(&v->p, pfn)) != ~0ull)
		out[n++] = pfn++;
	return n;
}

static void vt_destroy(void *e)
{
	struct vt *v = e;

	free(v->mem);
	free(v);
}

const struct engine_ops vtier_engine = {
	"vtier", vt_create, vt_sample, vt_hot, vt_destroy,
};

/* ---- HeMem-style ---- */

struct hm_page {
	uint16_t reads, writes;
	uint32_t clock;		/* global clock value last applied */
	uint8_t fast;
};

struct hm {
	struct hm_page *pg;
	uint64_t lo, n, k, nfast;
	uint32_t clock;
	uint64_t *fifo;		/* pages in fast memory, oldest first */
	uint64_t head, len;
};

static void hm_cool(struct hm *h, struct hm_page *p)
{
	uint32_t d = h->clock - p->clock;

	if (d > 16)
		d = 16;
	p->reads >>= d;
	p->writes >>= d;
	p->clock = h->clock;
}

static int hm_is_hot(const struct hm_page *p)
{
	return p->reads >= HEMEM_HOT_READS || p->writes >= HEMEM_HOT_WRITES;
}

static void *hm_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct hm *h = calloc(1, sizeof(*h));

	(void)sps;
	if (!h)
		return NULL;
	h->lo = lo;
	h->n = hi - lo;
	h->k = k;
	h->pg = calloc(h->n, sizeof(*h->pg));
	h->fifo = calloc(k + 1, sizeof(*h->fifo));
	if (!h->pg || !h->fifo) {
		free(h->pg);
		free(h->fifo);
		free(h);
		return NULL;
	}
	return h;
}

/* Make room for one page: evict the first cold page, second chance. */
static int hm_evict(struct hm *h)
{
	uint64_t tries;

	for (tries = 0; tries < h->len; tries++) {
		uint64_t i = h->fifo[h->head];
		struct hm_page *p = &h->pg[i];

		h->head = (h->head + 1) % (h->k + 1);
		h->len--;
		hm_cool(h, p);
		if (!hm_is_hot(p)) {
			p->fast = 0;
			h->nfast--;
			return 1;
		}
		h->fifo[(h->head + h->len) % (h->k + 1)] = i;
		h->len++;
	}
	return 0;
}

static void hm_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct hm *h = e;
	struct hm_page *p;

	(void)t;
	if (pfn - h->lo >= h->n)
		return;
	p = &h->pg[pfn - h->lo];
	hm_cool(h, p);
	if (write)
		p->writes++;
	else
		p->reads++;
	if (p->reads >= HEMEM_COOL_AT || p->writes >= HEMEM_COOL_AT) {
		h->clock++;
		hm_cool(h, p);
	}
	if (!p->fast && hm_is_hot(p) && (h->nfast < h->k || hm_evict(h))) {
		p->fast = 1;
		h->nfast++;
		h->fifo[(h->head + h->len) % (h->k + 1)] = pfn - h->lo;
		h->len++;
	}
}

static size_t hm_hot(void *e, uint64_t *out)
{
	struct hm *h = e;
	size_t n = 0;
	uint64_t i;

	for (i = 0; i < h->n; i++)
		if (h->pg[i].fast)
			out[n++] = h->lo + i;
	return n;
}

static void hm_destroy(void *e)
{
	struct hm *h = e;

	free(h->pg);
	free(h->fifo);
	free(h);
}

const struct engine_ops hemem_engine = {
	"hemem", hm_create, hm_sample, hm_hot, hm_destroy,
};

/* ---- MEMTIS-style ---- */

#define MT_BINS	MEMTIS_BINS

struct mt {
	uint16_t *cnt;
	uint64_t lo, n, k;
	uint64_t hist[MT_BINS];
	uint64_t samples, cool, adapt;
	uint32_t thresh_bin;
};

static uint32_t mt_bin(uint32_t c)
{
	uint32_t b = c ? 32 - (uint32_t)__builtin_clz(c) : 0;

	return b < MT_BINS ? b : MT_BINS - 1;
}

static void *mt_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct mt *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->lo = lo;
	m->n = hi - lo;
	m->k = k;
	m->cnt = calloc(m->n, sizeof(*m->cnt));
	if (!m->cnt) {
		free(m);
		return NULL;
	}
	m->hist[0] = m->n;
	m->cool = sps > 20 ? (uint64_t)sps : 20;
	m->adapt = m->cool / 20;
	m->thresh_bin = 1;
	return m;
}

static void mt_adapt(struct mt *m)
{
	uint64_t cum = 0;
	int b;

	for (b = MT_BINS - 1; b >= 1; b--) {
		if (cum + m->hist[b] > m->k)
			break;
		cum += m->hist[b];
	}
	m->thresh_bin = (uint32_t)(b + 1 < MT_BINS ? b + 1 : MT_BINS - 1);
	if (m->thresh_bin < 1)
		m->thresh_bin = 1;
}

static void mt_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct mt *m = e;
	uint16_t *c;
	uint64_t i;

	(void)write;
	(void)t;
	if (pfn - m->lo >= m->n)
		return;
	c = &m->cnt[pfn - m->lo];
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
		mt_adapt(m);
}

static size_t mt_hot(void *e, uint64_t *out)
{
	struct mt *m = e;
	size_t n = 0;
	uint64_t i;

	for (i = 0; i < m->n && n < m->k; i++)
		if (mt_bin(m->cnt[i]) >= m->thresh_bin)
			out[n++] = m->lo + i;
	return n;
}

static void mt_destroy(void *e)
{
	struct mt *m = e;

	free(m->cnt);
	free(m);
}

const struct engine_ops memtis_engine = {
	"memtis", mt_create, mt_sample, mt_hot, mt_destroy,
};
