// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "score.h"

static size_t slot(const struct cmap *m, uint64_t pfn)
{
	return (size_t)(((pfn + 1) * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
}

static int grow(struct cmap *m)
{
	struct cmap big = { .cap = m->cap ? m->cap * 2 : 1024 };
	size_t i;

	big.key = calloc(big.cap, sizeof(*big.key));
	big.val = calloc(big.cap, sizeof(*big.val));
	if (!big.key || !big.val) {
		free(big.key);
		free(big.val);
		return -1;
	}
	for (i = 0; i < m->cap; i++)
		if (m->key[i] && cmap_add(&big, m->key[i] - 1, m->val[i]))
			return -1;
	free(m->key);
	free(m->val);
	*m = big;
	return 0;
}

int cmap_add(struct cmap *m, uint64_t pfn, double count)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -1;
	for (i = slot(m, pfn); m->key[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->key[i] == pfn + 1) {
			m->val[i] += count;
			return 0;
		}
	}
	m->key[i] = pfn + 1;
	m->val[i] = count;
	m->n++;
	return 0;
}

double cmap_get(const struct cmap *m, uint64_t pfn)
{
	size_t i;

	if (!m->cap)
		return 0;
	for (i = slot(m, pfn); m->key[i]; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == pfn + 1)
			return m->val[i];
	return 0;
}

void cmap_clear(struct cmap *m)
{
	if (m->cap) {
		memset(m->key, 0, m->cap * sizeof(*m->key));
		memset(m->val, 0, m->cap * sizeof(*m->val));
	}
	m->n = 0;
}

void cmap_free(struct cmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

struct pc {
	uint64_t pfn;
	double count;
};

/* Most accesses first; ties by frame number so results are repeatable. */
static int by_count(const void *a, const void *b)
{
	const struct pc *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

int rank_truth(const struct cmap *truth, struct ranked *r)
{
	struct pc *all = malloc((truth->n + 1) * sizeof(*all));
	size_t i, n = 0;

	memset(r, 0, sizeof(*r));
	if (!all)
		return -1;
	for (i = 0; i < truth->cap; i++)
		if (truth->key[i] && truth->val[i] > 0)
			all[n++] = (struct pc){ truth->key[i] - 1, truth->val[i] };
	qsort(all, n, sizeof(*all), by_count);
	r->count = malloc((n + 1) * sizeof(*r->count));
	r->prefix = malloc((n + 1) * sizeof(*r->prefix));
	if (!r->count || !r->prefix)
		goto fail;
	r->prefix[0] = 0;
	for (i = 0; i < n; i++) {
		r->count[i] = all[i].count;
		r->prefix[i + 1] = r->prefix[i] + all[i].count;
		if (cmap_add(&r->rank, all[i].pfn, (double)(i + 1)))
			goto fail;
	}
	r->n = n;
	free(all);
	return 0;
fail:
	free(all);
	ranked_free(r);
	return -1;
}

void ranked_free(struct ranked *r)
{
	cmap_free(&r->rank);
	free(r->count);
	free(r->prefix);
	memset(r, 0, sizeof(*r));
}

void score_hot(const struct ranked *r, size_t k, const uint64_t *hot,
	       size_t nhot, struct score *out)
{
	double hit_acc = 0, rank;
	size_t i, inter = 0;

	if (k > r->n)
		k = r->n;
	for (i = 0; i < nhot; i++) {
		rank = cmap_get(&r->rank, hot[i]);
		if (rank <= 0)
			continue;
		inter += rank <= (double)k;
		hit_acc += r->count[(size_t)rank - 1];
	}
	memset(out, 0, sizeof(*out));
	out->k = k;
	out->hot = nhot;
	out->precision = nhot ? (double)inter / (double)nhot : 0;
	out->recall = k ? (double)inter / (double)k : 0;
	if (out->precision + out->recall > 0)
		out->f1 = 2 * out->precision * out->recall /
			  (out->precision + out->recall);
	out->coverage = r->prefix[k] > 0 ? hit_acc / r->prefix[k] : 0;
}

int score_window(const struct cmap *truth, size_t k, const uint64_t *hot,
		 size_t nhot, struct score *out)
{
	struct ranked r;

	if (rank_truth(truth, &r))
		return -1;
	score_hot(&r, k, hot, nhot, out);
	ranked_free(&r);
	return 0;
}
