// SPDX-License-Identifier: GPL-2.0
/* The EWMA reference predictor (ewma.h). */
#include "ewma.h"

int ewma_sample(struct ewma *e, uint64_t pfn)
{
	return cmap_add(&e->count, pfn, 1);
}

int ewma_end_window(struct ewma *e)
{
	size_t i;

	for (i = 0; i < e->score.cap; i++)
		e->score.val[i] *= 1 - EWMA_ALPHA;
	for (i = 0; i < e->count.cap; i++)
		if (e->count.key[i] &&
		    cmap_add(&e->score, e->count.key[i] - 1,
			     EWMA_ALPHA * e->count.val[i]))
			return -1;
	cmap_clear(&e->count);
	return 0;
}

double ewma_score(const struct ewma *e, uint64_t pfn)
{
	return cmap_get(&e->score, pfn);
}

int ewma_top(const struct ewma *e, size_t k, uint64_t *out, size_t *n)
{
	struct ranked r;
	size_t i;
	double rank;

	/* The truth ranking's order: score descending, then frame number. */
	if (rank_truth(&e->score, &r))
		return -1;
	*n = k < r.n ? k : r.n;
	for (i = 0; i < r.rank.cap; i++) {
		if (!r.rank.key[i])
			continue;
		rank = r.rank.val[i];
		if (rank <= (double)*n)
			out[(size_t)rank - 1] = r.rank.key[i] - 1;
	}
	ranked_free(&r);
	return 0;
}

void ewma_free(struct ewma *e)
{
	cmap_free(&e->score);
	cmap_free(&e->count);
}
