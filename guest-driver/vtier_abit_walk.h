/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Accessed-bit scanner internals shared by vtier_abit.c (thread, process
 * list, rate control) and vtier_abit_walk.c (the page-table walk).
 */
#ifndef VTIER_ABIT_H
#define VTIER_ABIT_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "vtier_ring.h"

#define ABIT_BATCH	512	/* frames of one PMD range */

/* Work and findings of the walk, accumulated over one round. */
struct abit_walk {
	struct vtier_ringset *rs;
	u64 budget;		/* entries the walk may still check */
	u64 entries;		/* PTEs and PMD leaves checked */
	u64 pages;		/* frames those entries cover */
	u64 young;		/* frames found accessed (samples) */
	u64 drain_ns;		/* time spent draining rings, not ours */
	u32 since_drain;	/* samples pushed since the last drain */
	u32 nbatch;
	/* Called for each PMD-sized range where accessed frames were found. */
	void (*young_range)(struct abit_walk *w, unsigned long addr);
	u64 batch[ABIT_BATCH];	/* young frames of the current range */
};

/*
 * Check and clear the accessed bits of [start, end) in mm, whose mmap lock
 * the caller holds for reading, and push every accessed frame as a sample.
 * Visits VMAs that may hold ordinary pages only.  Stops early once
 * w->budget is used up.  Returns the address reached (end when done).
 */
unsigned long abit_walk_range(struct abit_walk *w, struct mm_struct *mm,
			      unsigned long start, unsigned long end);

#endif /* VTIER_ABIT_H */
