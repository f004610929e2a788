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
 * @skipped: upper-level entries (PUD, PMD) found not accessed, whose
 *	ranges were skipped
 * @listed: young PTE tables the cold walk listed instead of walking
 * @cleared: upper-level accessed bits cleared (the TLB needs a flush)
 * @wait_ns: time spent waiting for the consumer to drain, not ours
 * @since_sync: samples pushed since the consumer last drained
 * @nbatch: frames in @batch
 * @cold: the cold walk (cursor): may skip 1 GiB ranges by their PUD bit
 *	and list young 2 MiB ranges it has no budget left to walk
 * @missed: the walk left accessed bits behind under a PUD it cleared
 * @young_range: called for each PMD-sized range with accessed frames, or
 *	listed unwalked; false when the list is full
 * @on_hot_list: the cold walk: whether the range at addr is one the hot
 *	pass checked this round (the cold walk leaves it to the next)
 * @batch: young frames of the current range
 */
struct abit_walk {
	struct vtier_ctx *core;
	u64 budget;
	u64 entries;
	u64 pages;
	u64 young;
	u64 skipped;
	u64 listed;
	u64 cleared;
	u64 wait_ns;
	u32 since_sync;
	u32 nbatch;
	bool cold;
	bool missed;
	bool (*young_range)(struct abit_walk *w, unsigned long addr);
	bool (*on_hot_list)(struct abit_walk *w, unsigned long addr);
	u64 batch[ABIT_BATCH];
};

/*
 * Check and clear the accessed bits of [start, end) in mm, whose mmap lock
 * the caller holds for reading, and push every accessed frame as a sample.
 * Visits VMAs that may hold ordinary pages only.  A PTE table whose PMD
 * entry has not been used since the walk last cleared it is skipped for
 * one entry, and so, in the cold walk, is a 1 GiB range whose PUD entry
 * has not.  Stops early once w->budget is used up.  Returns the address
 * reached (end when done).
 */
unsigned long abit_walk_range(struct abit_walk *w, struct mm_struct *mm,
			      unsigned long start, unsigned long end);

#endif /* VTIER_ABIT_WALK_H */
