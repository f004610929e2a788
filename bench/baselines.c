// SPDX-License-Identifier: GPL-2.0
/*
 * vtier's engine and two baselines for the accuracy benchmark.
 *
 * HeMem-style (SOSP'21): identification by hemem_core.c (read and write
 * counts, hot at 8 reads or 4 writes, lazily halved by a cooling clock,
 * also when a page is checked for eviction).  Hot pages go to fast
 * memory while there is room; a cold page in fast memory is evicted
 * (second chance FIFO) to make room for a hot one.
 *
 * MEMTIS-style (SOSP'23): identification by memtis_core.c (per page count,
 * 16 log2 bins, halving, a threshold fitted to the quota); the hot set is
 * the pages at or above the threshold, at most the quota.  MEMTIS cools
 * every 2M samples at its own sampling rates; here `cool` is one second
 * of samples, the same memory vtier's engine gets from its 1 s epoch, so
 * that the comparison is of the algorithms.
 *
 * EWMA reference (tools/replay/ewma.c): per-page EWMA of the samples per
 * window, unlimited metadata, the top K by score.  Its windows are the
 * benchmark's: hot() is asked once at every window end, and folds the
 * window in first.
 */
#include <stdio.h>
#include <stdlib.h>

#include "baselines.h"
#include "ewma.h"
#include "hemem_core.h"
#include "memtis_core.h"
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

/* ---- HeMem-style (identification: hemem_core.c) ---- */

struct hm {
	struct hemem_core c;
	uint8_t *fast;		/* per page: in fast memory */
	uint64_t lo, k, nfast;
	uint64_t *fifo;		/* pages in fast memory, oldest first */
	uint64_t head, len;
	/*
	 * A full second-chance pass found no cold page at this cooling clock.
	 * Pages only get hotter until the clock moves (and new ones enter
	 * hot), and a full pass leaves the FIFO's order as it was, so every
	 * pass fails until then: skipping them changes nothing but the time.
	 */
	int none_cold;
	uint32_t none_cold_clock;
};

static void *hm_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct hm *h = calloc(1, sizeof(*h));

	(void)sps;
	if (!h)
		return NULL;
	h->lo = lo;
	h->k = k;
	h->fast = calloc(hi - lo + 1, sizeof(*h->fast));
	h->fifo = calloc(k + 1, sizeof(*h->fifo));
	if (!h->fast || !h->fifo || hemem_core_init(&h->c, hi - lo)) {
		free(h->fast);
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

	if (h->none_cold && h->none_cold_clock == h->c.clock)
		return 0;
	for (tries = 0; tries < h->len; tries++) {
		uint64_t i = h->fifo[h->head];

		h->head = (h->head + 1) % (h->k + 1);
		h->len--;
		if (!hemem_core_hot(&h->c, i)) {
			h->fast[i] = 0;
			h->nfast--;
			return 1;
		}
		h->fifo[(h->head + h->len) % (h->k + 1)] = i;
		h->len++;
	}
	h->none_cold = 1;
	h->none_cold_clock = h->c.clock;
	return 0;
}

static void hm_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct hm *h = e;
	uint64_t i = pfn - h->lo;

	(void)t;
	if (i >= h->c.n)
		return;
	if (hemem_core_sample(&h->c, i, write) && !h->fast[i] &&
	    (h->nfast < h->k || hm_evict(h))) {
		h->fast[i] = 1;
		h->nfast++;
		h->fifo[(h->head + h->len) % (h->k + 1)] = i;
		h->len++;
	}
}

static size_t hm_hot(void *e, uint64_t *out)
{
	struct hm *h = e;
	size_t n = 0;
	uint64_t i;

	for (i = 0; i < h->c.n; i++)
		if (h->fast[i])
			out[n++] = h->lo + i;
	return n;
}

static void hm_destroy(void *e)
{
	struct hm *h = e;

	hemem_core_free(&h->c);
	free(h->fast);
	free(h->fifo);
	free(h);
}

const struct engine_ops hemem_engine = {
	"hemem", hm_create, hm_sample, hm_hot, hm_destroy,
};

/* ---- MEMTIS-style (identification: memtis_core.c) ---- */

struct mt {
	struct memtis_core c;
	uint64_t lo, k;
};

static void *mt_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct mt *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->lo = lo;
	m->k = k;
	/* one second of samples between halvings (see the top) */
	if (memtis_core_init(&m->c, hi - lo,
			     sps > MEMTIS_MIN_COOL ? (uint64_t)sps : 0)) {
		free(m);
		return NULL;
	}
	return m;
}

static void mt_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct mt *m = e;

	(void)write;
	(void)t;
	if (pfn - m->lo >= m->c.n)
		return;
	memtis_core_sample(&m->c, pfn - m->lo, m->k);
}

static size_t mt_hot(void *e, uint64_t *out)
{
	struct mt *m = e;
	size_t n = 0;
	uint64_t i;

	for (i = 0; i < m->c.n && n < m->k; i++)
		if (memtis_core_hot(&m->c, i))
			out[n++] = m->lo + i;
	return n;
}

static void mt_destroy(void *e)
{
	struct mt *m = e;

	memtis_core_free(&m->c);
	free(m);
}

const struct engine_ops memtis_engine = {
	"memtis", mt_create, mt_sample, mt_hot, mt_destroy,
};

/* ---- EWMA reference (tools/replay/ewma.c) ---- */

struct ew {
	struct ewma m;
	uint64_t lo, hi, k;
};

/* sample() and hot() cannot fail in engine_ops; the benchmark stops. */
static void ew_oom(void)
{
	fprintf(stderr, "ewma: out of memory\n");
	exit(1);
}

static void *ew_create(uint64_t lo, uint64_t hi, uint64_t k, double sps)
{
	struct ew *w = calloc(1, sizeof(*w));

	(void)sps;
	if (!w)
		return NULL;
	w->lo = lo;
	w->hi = hi;
	w->k = k;
	return w;
}

static void ew_sample(void *e, uint64_t pfn, int write, uint64_t t)
{
	struct ew *w = e;

	(void)write;
	(void)t;
	if (pfn >= w->lo && pfn < w->hi && ewma_sample(&w->m, pfn))
		ew_oom();
}

static size_t ew_hot(void *e, uint64_t *out)
{
	struct ew *w = e;
	size_t n;

	if (ewma_end_window(&w->m) || ewma_top(&w->m, w->k, out, &n))
		ew_oom();
	return n;
}

static void ew_destroy(void *e)
{
	struct ew *w = e;

	ewma_free(&w->m);
	free(w);
}

const struct engine_ops ewma_engine = {
	"ewma", ew_create, ew_sample, ew_hot, ew_destroy,
};
