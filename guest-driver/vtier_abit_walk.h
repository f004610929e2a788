/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accessed-bit scanner's page-table walk (vtier_abit_walk.c), called
 * by the scanner's thread, process list and rate control (vtier_abit.c).
 */
#ifndef VTIER_ABIT_WALK_H
#define VTIER_ABIT_WALK_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "vtier_core.h"

#define ABIT_BATCH	512	/* frames of one PMD range */

/**
 * struct abit_walk - work and findings of the walk, over one round
 * @core: the core, whose sampler rings take the samples
 * @budget: entries the walk may still check
 * @entries: PTEs and PMD leaves checked
 * @pages: frames those entries cover
 * @young: frames found accessed (samples)
 * @wait_ns: time spent waiting for the consumer to drain, not ours
 * @since_sync: samples pushed since the consumer last drained
 * @nbatch: frames in @batch
 * @young_range: called for each PMD-sized range with accessed frames
 * @batch: young frames of the current range
 */
struct abit_walk {
	struct vtier_ctx *core;
	u64 budget;
	u64 entries;
	u64 pages;
	u64 young;
	u64 wait_ns;
	u32 since_sync;
	u32 nbatch;
	void (*young_range)(struct abit_walk *w, unsigned long addr);
	u64 batch[ABIT_BATCH];
};

/*
 * Check and clear the accessed bits of [start, end) in mm, whose mmap lock
 * the caller holds for reading, and push every accessed frame as a sample.
 * Visits VMAs that may hold ordinary pages only.  Stops early once
 * w->budget is used up.  Returns the address reached (end when done).
 */
unsigned long abit_walk_range(struct abit_walk *w, struct mm_struct *mm,
			      unsigned long start, unsigned long end);

#endif /* VTIER_ABIT_WALK_H */
