/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scoring an identified hot set against the truth of one time window:
 * precision, recall and F1 against the true top-K pages, and access
 * coverage (accesses that hit the hot set / accesses to the true top-K).
 * Shared by vtier-replay and the accuracy benchmark.
 */
#ifndef VTIER_SCORE_H
#define VTIER_SCORE_H

#include <stddef.h>
#include <stdint.h>

/* Page -> access count, open addressing; grows as needed. */
struct cmap {
	uint64_t *key;		/* pfn + 1; 0 marks an empty slot */
	double *val;
	size_t cap, n;
};

int cmap_add(struct cmap *m, uint64_t pfn, double count);
double cmap_get(const struct cmap *m, uint64_t pfn);
void cmap_clear(struct cmap *m);
void cmap_free(struct cmap *m);

struct score {
	double precision, recall, f1, coverage;
	size_t k;		/* size of the true top-K actually used */
	size_t hot;		/* size of the scored hot set */
};

/* A window's truth ranked once, then scored against many hot sets. */
struct ranked {
	struct cmap rank;	/* pfn -> rank + 1 (1 = most accessed) */
	double *count;		/* count[rank], descending */
	double *prefix;		/* prefix[i] = sum of count[0..i) */
	size_t n;
};

int rank_truth(const struct cmap *truth, struct ranked *r);
void ranked_free(struct ranked *r);

/* Score hot[0..nhot) against the top-K of r (K capped at r->n). */
void score_hot(const struct ranked *r, size_t k, const uint64_t *hot,
	       size_t nhot, struct score *out);

/* rank_truth() + score_hot() + ranked_free(); 0 or -1 (out of memory). */
int score_window(const struct cmap *truth, size_t k, const uint64_t *hot,
		 size_t nhot, struct score *out);

#endif
