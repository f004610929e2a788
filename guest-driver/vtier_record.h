/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record path of the PMU samplers: one hardware sample record (an
 * address, and for IBS a physical address) becomes a frame, is checked
 * against the RAM table and pushed into the per-CPU ring, or is counted
 * as the reason it was not.
 *
 * It runs in NMI context, so it takes no lock, allocates nothing and
 * prints nothing.  It is plain C over vtier_ring.h: the userspace unit
 * tests (selftests/guest-driver/) build this file and vtier_ring.c unchanged
 * and feed synthetic records through vtier_record_push(), the function the
 * overflow handlers call.  Translating a linear address needs the kernel
 * (page tables, __pa), so it comes in as two callbacks.
 */
#ifndef VTIER_RECORD_H
#define VTIER_RECORD_H

#include "vtier_ring.h"

#define VTIER_RAM_RANGES	64

/* Sorted, non-overlapping, non-adjacent [start, end) frame ranges. */
struct vtier_ram_table {
	u32 n;
	struct {
		u64 start, end;
	} r[VTIER_RAM_RANGES];
};

#define VTIER_REC_ADDR		BIT(0)	/* addr holds a linear address */
#define VTIER_REC_PHYS		BIT(1)	/* phys holds a physical address */
#define VTIER_REC_USER		BIT(2)	/* addr is a user address */

/* One sample as the overflow handler read it from perf_sample_data. */
struct vtier_record {
	u64 addr;
	u64 phys;
	u64 ts_ns;
	u32 flags;		/* VTIER_REC_* */
};

/* Why records did not become samples; one set per CPU, owner-written. */
struct vtier_record_stats {
	u64 records;
	u64 pushed;
	u64 no_addr;		/* neither address valid */
	u64 no_frame;		/* address not mapped (or not translatable) */
	u64 not_ram;		/* frame outside the RAM table */
	u64 dropped;		/* ring full */
	u64 watched;		/* pushed with a frame in the watch range */
};

/* Address to frame: returns false when there is no frame. */
typedef bool (*vtier_xlate_fn)(u64 addr, u64 *pfn);

struct vtier_record_ctx {
	const struct vtier_ram_table *ram;
	struct vtier_ringset *rs;
	vtier_xlate_fn user_pfn;	/* lockless walk of current->mm */
	vtier_xlate_fn kernel_pfn;	/* __pa() of a direct-map address */
	/* Frames [watch_lo, watch_hi) are counted: the PEBS self-test. */
	u64 watch_lo, watch_hi;
};

/* Add [start, end) to the table, merging; -1 when the table is full. */
int vtier_ram_add(struct vtier_ram_table *t, u64 start, u64 end);
bool vtier_ram_has(const struct vtier_ram_table *t, u64 pfn);

/*
 * The whole record path; call with interrupts (or preemption) off on the
 * CPU whose ring and stats these are.  True if a sample was pushed.
 */
bool vtier_record_push(const struct vtier_record_ctx *ctx,
		       const struct vtier_record *rec,
		       struct vtier_record_stats *st);

#endif /* VTIER_RECORD_H */
