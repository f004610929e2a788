// SPDX-License-Identifier: GPL-2.0
/*
 * tcgplugin_cache_test: vtier-gt's llc= filter (tools/tcgplugin/gt_cache.c) and
 * its options.  A buffer that fits is missed once per line and then hits;
 * one larger than the cache, walked in order, misses every time (LRU);
 * bytes of one line share its fate; bad sizes are refused.
 */
#include "kselftest_harness.h"
#include "gt.h"

#define KIB 1024ULL

static uint64_t misses(struct gt_cache *c, uint64_t bytes, int passes,
		       uint64_t stride)
{
	uint64_t n = 0, a;
	int p;

	for (p = 0; p < passes; p++)
		for (a = 0; a < bytes; a += stride)
			n += !gt_cache_access(c, 0x100000 + a);
	return n;
}

TEST(fitting_buffer_misses_once_per_line)
{
	struct gt_cache c;

	ASSERT_EQ(0, gt_cache_init(&c, 64 * KIB, 16));
	/* 32 KiB in 8-byte steps: 512 lines missed once, 3 passes. */
	EXPECT_EQ(512, misses(&c, 32 * KIB, 3, 8));
	gt_cache_free(&c);
}

TEST(larger_buffer_walked_in_order_always_misses)
{
	struct gt_cache c;

	ASSERT_EQ(0, gt_cache_init(&c, 64 * KIB, 16));
	/* 128 KiB, one access per line: LRU evicts each line before reuse. */
	EXPECT_EQ(3 * 2048, misses(&c, 128 * KIB, 3, 64));
	gt_cache_free(&c);
}

TEST(recently_used_line_survives)
{
	struct gt_cache c;
	uint64_t i;

	ASSERT_EQ(0, gt_cache_init(&c, 4 * KIB, 4));	/* 16 sets x 4 ways */
	EXPECT_FALSE(gt_cache_access(&c, 0));
	/* Touch line 0 between every new line: it stays most recent. */
	for (i = 1; i < 1000; i++) {
		gt_cache_access(&c, i * 64);
		EXPECT_TRUE(gt_cache_access(&c, 0));
	}
	gt_cache_free(&c);
}

TEST(sizes_and_options)
{
	char *ok[] = { "out=p", "llc=4M", "llc_ways=16" };
	char *bad_sets[] = { "out=p", "llc=3M" };
	char *bad_ways[] = { "out=p", "llc=4M", "llc_ways=65" };
	struct gt_opts o;
	struct gt_cache c;
	char err[256];

	EXPECT_EQ(-1, gt_cache_init(&c, 3 * 1024 * KIB, 16));
	EXPECT_EQ(-1, gt_cache_init(&c, 64, 16));
	ASSERT_EQ(0, gt_parse_opts(&o, 3, ok, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(4096 * KIB, o.llc);
	EXPECT_EQ(16, o.llc_ways);
	ASSERT_EQ(0, gt_parse_opts(&o, 1, ok, err, sizeof(err)));
	EXPECT_EQ(0, o.llc);
	EXPECT_EQ(GT_LLC_WAYS, o.llc_ways);
	EXPECT_EQ(-1, gt_parse_opts(&o, 2, bad_sets, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "power of two"));
	EXPECT_EQ(-1, gt_parse_opts(&o, 3, bad_ways, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "llc_ways"));
}

TEST_HARNESS_MAIN
