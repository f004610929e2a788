// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded queue of hints waiting for the host.  Filled by the consumer
 * worker, emptied by the channel thread.  It never grows: when full, the oldest
 * hint makes room and is counted in hints_dropped, because a fresh hint is
 * worth more than a stale one.
 */
#include <linux/minmax.h>
#include <linux/slab.h>

#include "vtier_hintq.h"

int vtier_hintq_init(struct vtier_hintq *q, u32 cap, atomic64_t *dropped)
{
	spin_lock_init(&q->lock);
	q->buf = kvcalloc(cap, sizeof(*q->buf), GFP_KERNEL);
	if (!q->buf)
		return -ENOMEM;
	q->cap = cap;
	q->dropped = dropped;
	q->head = 0;
	q->tail = 0;
	return 0;
}

void vtier_hintq_free(struct vtier_hintq *q)
{
	kvfree(q->buf);
	q->buf = NULL;
}

void vtier_hintq_push(struct vtier_hintq *q, const struct vtier_hint_host *h)
{
	spin_lock(&q->lock);
	if (q->tail - q->head >= q->cap) {
		q->head++;
		atomic64_inc(q->dropped);
	}
	q->buf[q->tail % q->cap] = *h;
	q->tail++;
	spin_unlock(&q->lock);
}

/*
 * Copy up to max of the oldest hints without removing them; *pos tells
 * vtier_hintq_commit() where the batch started.  Single consumer only.
 */
u32 vtier_hintq_peek(struct vtier_hintq *q, struct vtier_hint_host *out,
		     u32 max, u64 *pos)
{
	u32 i, n;

	spin_lock(&q->lock);
	n = (u32)min_t(u64, max, q->tail - q->head);
	for (i = 0; i < n; i++)
		out[i] = q->buf[(q->head + i) % q->cap];
	*pos = q->head;
	spin_unlock(&q->lock);
	return n;
}

/* Remove a batch returned by vtier_hintq_peek() once it has been sent. */
void vtier_hintq_commit(struct vtier_hintq *q, u64 pos, u32 n)
{
	spin_lock(&q->lock);
	/* The producer may have dropped some of the batch already. */
	if (pos + n > q->head)
		q->head = min(pos + n, q->tail);
	spin_unlock(&q->lock);
}

/* Copy the hint i places from the oldest; false if there is none. */
bool vtier_hintq_at(struct vtier_hintq *q, u64 i, struct vtier_hint_host *out)
{
	bool ok;

	spin_lock(&q->lock);
	ok = i < q->tail - q->head;
	if (ok)
		*out = q->buf[(q->head + i) % q->cap];
	spin_unlock(&q->lock);
	return ok;
}

u32 vtier_hintq_len(struct vtier_hintq *q)
{
	u32 n;

	spin_lock(&q->lock);
	n = (u32)(q->tail - q->head);
	spin_unlock(&q->lock);
	return n;
}
