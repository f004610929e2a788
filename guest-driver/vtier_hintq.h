/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one queue of hints waiting for the host: filled by the policy's sink
 * in the consumer worker, emptied by the channel thread.
 */
#ifndef VTIER_HINTQ_H
#define VTIER_HINTQ_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "vtier_proto.h"

/**
 * struct vtier_hintq - bounded queue of hints, oldest dropped when full
 * @lock: guards all fields below
 * @buf: @cap hints
 * @cap: capacity
 * @head: position of the oldest queued hint
 * @tail: next free position
 * @dropped: counts hints dropped to make room
 *
 * Positions are free-running counters so the single sender can peek a
 * batch, send it, and only then commit it, even if the producer dropped
 * entries meanwhile.
 */
struct vtier_hintq {
	spinlock_t lock;		/* guards the rest */
	struct vtier_hint_host *buf;
	u32 cap;
	u64 head;
	u64 tail;
	atomic64_t *dropped;
};

int vtier_hintq_init(struct vtier_hintq *q, u32 cap, atomic64_t *dropped);
void vtier_hintq_free(struct vtier_hintq *q);
void vtier_hintq_push(struct vtier_hintq *q, const struct vtier_hint_host *h);
u32 vtier_hintq_peek(struct vtier_hintq *q, struct vtier_hint_host *out,
		     u32 max, u64 *pos);
void vtier_hintq_commit(struct vtier_hintq *q, u64 pos, u32 n);
bool vtier_hintq_at(struct vtier_hintq *q, u64 i, struct vtier_hint_host *out);
u32 vtier_hintq_len(struct vtier_hintq *q);

#endif /* VTIER_HINTQ_H */
