/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier policy core: per-epoch page access counts and promotion hints.
 *
 * Plain C with no kernel calls and no allocation: the caller hands in the
 * count table, so the same code builds into vtier.ko and into userspace
 * tests and simulators.  Types come from the protocol's compat header.
 */
#ifndef VTIER_POLICY_H
#define VTIER_POLICY_H

#include "vtier_proto.h"

/* One slot of the open-addressing count table. */
struct vtier_policy_slot {
	u64 pfn;		/* key; valid only if count != 0 */
	u32 count;		/* accesses seen this epoch, saturating */
	u32 hinted;		/* promotion hint already emitted this epoch */
};

/* What a finished epoch looked like; the source of REPORT frames. */
struct vtier_policy_summary {
	u64 epochs;		/* epochs completed so far */
	u64 samples;		/* samples counted in the epoch */
	u64 pages;		/* distinct pages seen: working-set estimate */
	u64 hot;		/* pages that reached the promotion threshold */
	u64 untracked;		/* samples lost because the table was full */
	u64 epoch_ns;		/* length of the epoch in sample time */
	u64 hist[VTIER_HIST_BUCKETS];	/* pages per log2 bucket, as REPORT */
};

struct vtier_policy {
	struct vtier_policy_slot *table;
	u32 slots;		/* power of two */
	u32 used;		/* occupied slots */
	u32 promote_threshold;
	u64 epoch_len_ns;
	u64 epoch_start_ns;
	int epoch_started;
	u64 epoch_samples;
	u64 epoch_untracked;
	struct vtier_policy_summary last;	/* last completed epoch */
};

/* Bytes the caller must provide for a table of `slots` entries. */
static inline size_t vtier_policy_table_bytes(u32 slots)
{
	return (size_t)slots * sizeof(struct vtier_policy_slot);
}

/*
 * Set up a policy over a caller-provided table of `slots` entries (a power
 * of two, at least 16).  Returns 0 or -EINVAL.
 */
int vtier_policy_init(struct vtier_policy *p, struct vtier_policy_slot *table,
		      u32 slots, u32 promote_threshold, u64 epoch_len_ns);

/*
 * Count one access to `pfn` at sample time `now_ns`.  Ends the current
 * epoch first if `now_ns` lies past it.  Returns 1 and fills *hint when
 * this access makes the page reach the promotion threshold (once per page
 * per epoch), else 0.
 */
int vtier_policy_record(struct vtier_policy *p, u64 pfn, u64 now_ns,
			struct vtier_hint_host *hint);

/* End the epoch if `now_ns` lies past it; returns 1 if it ended. */
int vtier_policy_advance(struct vtier_policy *p, u64 now_ns);

/* Close the current epoch now: summarise it and clear the counts. */
void vtier_policy_end_epoch(struct vtier_policy *p, u64 now_ns);

/* Samples per second over a summarised epoch. */
u32 vtier_policy_sample_rate(const struct vtier_policy_summary *s);

#endif /* VTIER_POLICY_H */
