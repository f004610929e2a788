// SPDX-License-Identifier: GPL-2.0
/*
 * The trace v1 line parser shared by the module's replay file and the
 * tools: good records parse, anything malformed is refused with a reason
 * (the module counts it in replay_bad_lines and goes on).
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vtier_trace.h"

static int parse(const char *s, struct vtier_trace_rec *r, const char **why)
{
	return vtier_trace_parse(s, strlen(s), r, why);
}

TEST(good_records)
{
	struct vtier_trace_rec r;
	const char *why;

	ASSERT_EQ(1, parse("1000 1234abc R", &r, &why));
	EXPECT_EQ(1000, r.ts_ns);
	EXPECT_EQ(0x1234abc, r.gpa);
	EXPECT_EQ(0, r.write);
	ASSERT_EQ(1, parse("  \t5 0xFFF000 W  # trailing comment", &r, &why));
	EXPECT_EQ(5, r.ts_ns);
	EXPECT_EQ(0xfff000, r.gpa);
	EXPECT_EQ(1, r.write);
	ASSERT_EQ(1, parse("18446744073709551615 ffffffffffffffff R\r", &r, &why));
	EXPECT_EQ(~0ull, r.ts_ns);
}

TEST(blank_and_comment_lines_carry_nothing)
{
	struct vtier_trace_rec r;
	const char *why;

	EXPECT_EQ(0, parse("", &r, &why));
	EXPECT_EQ(0, parse("   \t ", &r, &why));
	EXPECT_EQ(0, parse("# vtier trace v1", &r, &why));
	EXPECT_EQ(0, parse("   # 1 2 R", &r, &why));
}

TEST(malformed_lines_refused)
{
	static const char *const bad[] = {
		"1000", "1000 abc", "1000 abc X", "1000 abc r", "1000 abc RW",
		"10x0 abc R", "-5 abc R", "1000 xyz R", "1000 0x R",
		"1000 abc R extra", "18446744073709551616 0 R",
		"1 10000000000000000 R", "1000 abc W W",
	};
	struct vtier_trace_rec r;
	const char *why;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		EXPECT_EQ(-EINVAL, parse(bad[i], &r, &why)) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, why);
	}
}

TEST(nul_and_overlong_lines_refused)
{
	char buf[VTIER_TRACE_LINE_MAX + 2];
	struct vtier_trace_rec r;
	const char *why;

	EXPECT_EQ(-EINVAL, vtier_trace_parse("1 2\0R", 5, &r, &why));
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "1 2 R", 5);
	EXPECT_EQ(-EINVAL, vtier_trace_parse(buf, sizeof(buf), &r, &why));
	EXPECT_STREQ("line too long", why);
	EXPECT_EQ(1, vtier_trace_parse(buf, VTIER_TRACE_LINE_MAX, &r, &why));
}

/* A damaged file: every bad line is counted, every good one still read. */
TEST(mixed_file_counts_and_skips)
{
	static const char text[] =
		"# header\n1 1000 R\ngarbage\n2 2000 W\n3 3000 Q\n\n4 4000 R\n"
		"5\n6 6000 W extra\n7 7000 R";
	struct vtier_trace_rec r;
	const char *p = text, *nl, *why;
	int good = 0, badn = 0, ret;
	uint64_t sum = 0;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		ret = vtier_trace_parse(p, (size_t)(nl - p), &r, &why);
		if (ret < 0)
			badn++;
		else if (ret == 1) {
			good++;
			sum += r.ts_ns;
		}
		p = *nl ? nl + 1 : nl;
	}
	EXPECT_EQ(4, badn);
	EXPECT_EQ(4, good);
	EXPECT_EQ(1 + 2 + 4 + 7, sum);
}

TEST_HARNESS_MAIN
