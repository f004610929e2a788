/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference predictor the accuracy figures are measured against: per
 * page an exponentially weighted moving average of sampled accesses per
 * window, with unlimited metadata (a hash entry for every page ever
 * sampled).  At each window end score = (1 - EWMA_ALPHA) * score +
 * EWMA_ALPHA * samples in the window; its hot set is the K pages of
 * highest score.  Shared by vtier-replay (--ewma) and bench_accuracy.
 */
#ifndef VTIER_EWMA_H
#define VTIER_EWMA_H

#include <stddef.h>
#include <stdint.h>

#include "score.h"

#define EWMA_ALPHA	0.5	/* weight of the window just ended */

struct ewma {
	struct cmap score;	/* pfn -> score, as of the last window end */
	struct cmap count;	/* pfn -> samples in the current window */
};

/* Count one sampled access; 0 or -1 (out of memory). */
int ewma_sample(struct ewma *e, uint64_t pfn);

/* The window is over: fold its counts into the scores; 0 or -1. */
int ewma_end_window(struct ewma *e);

double ewma_score(const struct ewma *e, uint64_t pfn);

/*
 * The (at most) k pages of highest score > 0 into out (room for k),
 * highest first, equal scores by ascending frame number; how many into
 * *n.  0 or -1 (out of memory).
 */
int ewma_top(const struct ewma *e, size_t k, uint64_t *out, size_t *n);

void ewma_free(struct ewma *e);

#endif
