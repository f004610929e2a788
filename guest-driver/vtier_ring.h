/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU single-producer/single-consumer sample rings.
 *
 * Each producer (the running sampler, the replay file) has one ring set and
 * pushes only into the ring of the CPU it runs on, with preemption (or
 * interrupts, for NMI samplers) disabled, so each ring has exactly one
 * producer.  The core's consumer worker is the single consumer of all.  The producer never
 * blocks or allocates: a full ring drops the sample and counts it.
 */
#ifndef VTIER_RING_H
#define VTIER_RING_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/cache.h>

/*
 * One sampled access: all the policy uses (it weighs reads and writes
 * alike, docs/identification.md), so all a producer writes.
 */
struct vtier_sample {
	u64 pfn;		/* guest page frame number */
	u64 ts_ns;		/* sample time, in the sampler's clock */
};

struct vtier_ring {
	u32 mask;			/* slots - 1; slots is a power of two */
	u32 head ____cacheline_aligned;	/* next slot to fill; producer only */
	u64 dropped;			/* full-ring drops; producer only */
	u32 tail ____cacheline_aligned;	/* next slot to read; consumer only */
	struct vtier_sample slot[] ____cacheline_aligned;
};

struct vtier_ringset {
	struct vtier_ring **ring;	/* indexed by CPU, possible CPUs only */
	u32 slots;
};

int vtier_ringset_init(struct vtier_ringset *rs, u32 slots);
void vtier_ringset_free(struct vtier_ringset *rs);

/* Producer side: call with preemption disabled.  False if dropped. */
bool vtier_ring_push(struct vtier_ringset *rs, const struct vtier_sample *s);

/* Consumer side: the caller guarantees a single consumer at a time. */
bool vtier_ring_pop(struct vtier_ring *r, struct vtier_sample *s);

/* Sum of drops over all rings of the set. */
u64 vtier_ringset_dropped(struct vtier_ringset *rs);

#endif /* VTIER_RING_H */
