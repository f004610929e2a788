/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deferred promotions, remembered and retried.  A promotion that finds no
 * room under the VM's quota or the host's fast-memory pool is not lost:
 * it waits in a bounded FIFO, and is retried oldest first whenever room
 * may have appeared (docs/placement.md).  The guest module hints a page
 * once, so without this a deferred page would stay slow for good.
 *
 * Next to the FIFO is the "wanted fast" bitmap (same indexing as the fast
 * bitmap: guest frame numbers): set by a promote hint, cleared by a demote
 * hint or a host demotion.  A FIFO entry whose frames are no longer all
 * wanted is stale and is dropped without a move.  Used by vtierd's
 * placement, by observe-only logical residency and by the simulator's
 * model of vtierd (bench/sim_pol_vtier.c), so the rule is written once.
 */
#ifndef VTIERD_DEFERRED_H
#define VTIERD_DEFERRED_H

#include <stdbool.h>
#include <stdint.h>

#define DEFERRED_DEFAULT_MAX	65536	/* entries per VM (--deferred-max) */

struct deferred_ent {
	uint64_t gpfn;
	uint8_t order;
};

struct deferred {
	uint64_t *want;		/* bitmap: the guest asked for these fast */
	uint64_t max_pfn;
	struct deferred_ent *q;	/* FIFO ring, oldest at head */
	uint32_t cap, head, len;
	uint64_t deferred;	/* promotions queued (deferred at least once) */
	uint64_t retried;	/* pages promoted on retry */
	uint64_t dropped;	/* oldest entries dropped from a full FIFO */
};

/* 0, or -ENOMEM (then nothing is remembered). */
int deferred_attach(struct deferred *d, uint64_t max_pfn, uint32_t cap);
void deferred_detach(struct deferred *d);
/* A hint's 2^order frames are wanted fast (promote) or not any more. */
void deferred_want(struct deferred *d, uint64_t gpfn, unsigned int order,
		   bool on);
/* Every frame of the range is still wanted fast. */
bool deferred_wanted(const struct deferred *d, uint64_t gpfn,
		     unsigned int order);
/* Remember a deferred promotion; a full FIFO drops its oldest entry. */
void deferred_push(struct deferred *d, uint64_t gpfn, unsigned int order);
/* The oldest entry, or NULL if none. */
const struct deferred_ent *deferred_head(const struct deferred *d);
void deferred_pop(struct deferred *d);

/* What a retry of one entry came to (see deferred_retry()). */
enum deferred_try { DEF_DONE, DEF_STOP };

/*
 * Retry oldest first: entries no longer wanted are dropped; each live one
 * goes to try(), which promotes it (DEF_DONE: the entry leaves) or finds
 * no room or no budget yet (DEF_STOP: it stays at the head, and so does
 * everything behind it, so the order holds).  Returns true if it stopped
 * with entries left.
 */
bool deferred_retry(struct deferred *d,
		    enum deferred_try (*try)(void *ctx, uint64_t gpfn,
					     unsigned int order),
		    void *ctx);

#endif
