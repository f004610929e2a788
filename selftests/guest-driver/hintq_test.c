// SPDX-License-Identifier: GPL-2.0
/*
 * The core's hint queue (guest-driver/vtier_hintq.c, the file vtier.ko is
 * built from; shim/ stands in for the kernel's spinlock, atomic64 and
 * kvcalloc): hints come out oldest first, a full queue drops its oldest
 * and counts each, and a batch the sender peeked is committed correctly
 * even when the producer dropped part of it meanwhile.
 */
#include "kselftest_harness.h"

#include "vtier_hintq.h"

static struct vtier_hint_host hint(u64 gpfn)
{
	struct vtier_hint_host h = {
		.gpfn = gpfn, .order = 0, .action = VTIER_HINT_PROMOTE,
		.hotness = 1,
	};

	return h;
}

FIXTURE(q) {
	struct vtier_hintq q;
	atomic64_t dropped;
};

FIXTURE_SETUP(q)
{
	self->dropped.counter = 0;
	ASSERT_EQ(0, vtier_hintq_init(&self->q, 8, &self->dropped));
}

FIXTURE_TEARDOWN(q)
{
	vtier_hintq_free(&self->q);
}

static void push(struct vtier_hintq *q, u64 from, u64 to)
{
	struct vtier_hint_host h;

	for (; from < to; from++) {
		h = hint(from);
		vtier_hintq_push(q, &h);
	}
}

TEST_F(q, oldest_first_and_peek_keeps)
{
	struct vtier_hint_host out[8];
	u64 pos;

	push(&self->q, 100, 105);
	EXPECT_EQ(5, vtier_hintq_len(&self->q));
	ASSERT_EQ(3, vtier_hintq_peek(&self->q, out, 3, &pos));
	EXPECT_EQ(100, out[0].gpfn);
	EXPECT_EQ(102, out[2].gpfn);
	/* Peeking removes nothing; commit does. */
	EXPECT_EQ(5, vtier_hintq_len(&self->q));
	vtier_hintq_commit(&self->q, pos, 3);
	EXPECT_EQ(2, vtier_hintq_len(&self->q));
	ASSERT_EQ(2, vtier_hintq_peek(&self->q, out, 8, &pos));
	EXPECT_EQ(103, out[0].gpfn);
	EXPECT_EQ(0, atomic64_read(&self->dropped));
}

TEST_F(q, full_queue_drops_the_oldest_and_counts)
{
	struct vtier_hint_host h;

	push(&self->q, 0, 11);
	EXPECT_EQ(8, vtier_hintq_len(&self->q));
	EXPECT_EQ(3, atomic64_read(&self->dropped));
	ASSERT_TRUE(vtier_hintq_at(&self->q, 0, &h));
	EXPECT_EQ(3, h.gpfn);
	ASSERT_TRUE(vtier_hintq_at(&self->q, 7, &h));
	EXPECT_EQ(10, h.gpfn);
	EXPECT_FALSE(vtier_hintq_at(&self->q, 8, &h));
}

/* The sender peeked 4, the producer then dropped 2 of them: commit 4. */
TEST_F(q, commit_after_the_producer_dropped_part_of_the_batch)
{
	struct vtier_hint_host out[8], h;
	u64 pos;

	push(&self->q, 0, 8);
	ASSERT_EQ(4, vtier_hintq_peek(&self->q, out, 4, &pos));
	push(&self->q, 8, 10);			/* drops 0 and 1 */
	EXPECT_EQ(2, atomic64_read(&self->dropped));
	vtier_hintq_commit(&self->q, pos, 4);
	/* 2 and 3 were sent; 4..9 wait, none twice, none lost. */
	EXPECT_EQ(6, vtier_hintq_len(&self->q));
	ASSERT_TRUE(vtier_hintq_at(&self->q, 0, &h));
	EXPECT_EQ(4, h.gpfn);
}

/* The producer dropped the whole batch and more: nothing new is lost. */
TEST_F(q, commit_of_a_batch_dropped_whole)
{
	struct vtier_hint_host out[8], h;
	u64 pos;

	push(&self->q, 0, 8);
	ASSERT_EQ(2, vtier_hintq_peek(&self->q, out, 2, &pos));
	push(&self->q, 8, 13);			/* drops 0..4 */
	vtier_hintq_commit(&self->q, pos, 2);
	EXPECT_EQ(8, vtier_hintq_len(&self->q));
	ASSERT_TRUE(vtier_hintq_at(&self->q, 0, &h));
	EXPECT_EQ(5, h.gpfn);
}

TEST_HARNESS_MAIN
