/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which guest frames of a VM hold fast memory, and in which order they
 * became fast, so that vtierd can take fast memory back from a guest that
 * stays over its quota, oldest promotion first (docs/balancer.md).
 *
 * struct fast_order is the order alone: a list of promoted frames, newest
 * last, where a frame's stale entries (demoted since, or promoted again
 * later) are dropped lazily.  Placement keeps one next to its bitmap; in
 * observe-only mode struct residency adds the bitmap of the frames the
 * guest's translated hints made logically fast.
 */
#ifndef VTIERD_RESIDENCY_H
#define VTIERD_RESIDENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deferred.h"

/* Is gpfn fast now?  The owner's bitmap answers. */
typedef bool (*fast_fn)(const void *ctx, uint64_t gpfn);

struct fast_order {
	uint64_t *g;		/* gpfns in promotion order, oldest first */
	size_t len, cap;
	bool lost;		/* an entry could not be stored (no memory) */
};

/* gpfn became fast; held is the owner's count of fast frames. */
void fast_order_push(struct fast_order *o, uint64_t gpfn, uint64_t held,
		     uint64_t max_pfn, fast_fn is_fast, const void *ctx);
/* Up to n fast frames, oldest promotion first; returns how many. */
size_t fast_order_oldest(struct fast_order *o, uint64_t max_pfn,
			 fast_fn is_fast, const void *ctx, uint64_t *out,
			 size_t n);
void fast_order_free(struct fast_order *o);

struct residency {
	uint64_t *bits;
	uint64_t max_pfn, held;
	struct fast_order order;
	struct deferred def;	/* promotions waiting for room */
};

/*
 * 0, or -ENOMEM (then nothing is tracked).  defer_cap: deferred
 * promotions remembered (--deferred-max).
 */
int residency_attach(struct residency *r, uint64_t max_pfn,
		     uint32_t defer_cap);
void residency_detach(struct residency *r);
bool residency_fast(const struct residency *r, uint64_t gpfn);
/* A translated hint: its 2^order frames become fast (promote) or not. */
void residency_hint(struct residency *r, uint64_t gpfn, unsigned int order,
		    bool promote);
/* Frames of a hint not fast yet: what promoting it would add. */
uint64_t residency_new_frames(const struct residency *r, uint64_t gpfn,
			      unsigned int order);
/* Take n frames back, oldest promotion first (no longer wanted fast). */
uint64_t residency_demote_oldest(struct residency *r, uint64_t n);

#endif
