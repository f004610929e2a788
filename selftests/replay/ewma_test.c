// SPDX-License-Identifier: GPL-2.0
/*
 * The EWMA reference predictor (tools/replay/ewma.c) on a tiny stream
 * whose scores are worked out by hand: each window end halves the old
 * score and adds half the window's samples; the hot set is the top K by
 * score, equal scores by ascending frame number, never a page unsampled.
 */
#include "kselftest_harness.h"

#include "ewma.h"

/* The harness prints numbers as integers: show a wrong score as it is. */
#define EXPECT_SCORE(want, e, pfn) do {					\
	double got_ = ewma_score(e, pfn);				\
									\
	if (got_ != (want))						\
		TH_LOG("page %d: score %g, expected %g", pfn, got_,	\
		       (double)(want));					\
	EXPECT_TRUE(got_ == (want));					\
} while (0)

static void feed(struct __test_metadata *_metadata, struct ewma *e,
		 uint64_t pfn, int times)
{
	while (times--)
		ASSERT_EQ(0, ewma_sample(e, pfn));
}

TEST(scores_and_top_k_by_hand)
{
	struct ewma e = { 0 };
	uint64_t top[8];
	size_t n;

	/* window 0: 10 x4, 20 x2, 30 x1 -> 2, 1, 0.5 */
	feed(_metadata, &e, 10, 4);
	feed(_metadata, &e, 20, 2);
	feed(_metadata, &e, 30, 1);
	EXPECT_SCORE(0, &e, 10);	/* nothing folded in yet */
	ASSERT_EQ(0, ewma_end_window(&e));
	EXPECT_SCORE(2.0, &e, 10);
	EXPECT_SCORE(1.0, &e, 20);
	EXPECT_SCORE(0.5, &e, 30);
	ASSERT_EQ(0, ewma_top(&e, 2, top, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(10, top[0]);
	EXPECT_EQ(20, top[1]);

	/* window 1: 30 x6, 20 x1 -> 10: 1, 20: 0.5 + 0.5 = 1, 30: 0.25 + 3 */
	feed(_metadata, &e, 30, 6);
	feed(_metadata, &e, 20, 1);
	ASSERT_EQ(0, ewma_end_window(&e));
	EXPECT_SCORE(1.0, &e, 10);
	EXPECT_SCORE(1.0, &e, 20);
	EXPECT_SCORE(3.25, &e, 30);
	/* 10 and 20 tie at 1: the lower frame first */
	ASSERT_EQ(0, ewma_top(&e, 2, top, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(30, top[0]);
	EXPECT_EQ(10, top[1]);

	/* window 2, no samples: the counts were reset, scores only halve */
	ASSERT_EQ(0, ewma_end_window(&e));
	EXPECT_SCORE(0.5, &e, 10);
	EXPECT_SCORE(0.5, &e, 20);
	EXPECT_SCORE(1.625, &e, 30);
	/* K larger than the pages ever sampled: those three, no others */
	ASSERT_EQ(0, ewma_top(&e, 8, top, &n));
	ASSERT_EQ(3, n);
	EXPECT_EQ(30, top[0]);
	EXPECT_EQ(10, top[1]);
	EXPECT_EQ(20, top[2]);
	EXPECT_SCORE(0, &e, 40);
	ewma_free(&e);
}

TEST(top_zero_and_empty)
{
	struct ewma e = { 0 };
	uint64_t top[1] = { 77 };
	size_t n = 5;

	ASSERT_EQ(0, ewma_end_window(&e));
	ASSERT_EQ(0, ewma_top(&e, 1, top, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, ewma_sample(&e, 5));
	ASSERT_EQ(0, ewma_end_window(&e));
	ASSERT_EQ(0, ewma_top(&e, 0, top, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(77, top[0]);
	ewma_free(&e);
}

TEST_HARNESS_MAIN
