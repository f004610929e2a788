// SPDX-License-Identifier: GPL-2.0
/*
 * tcgplugin_opts_test: vtier-gt's option parser and marker decoder, on the host
 * (tools/tcgplugin/gt_opts.c).  What QEMU would pass after `-plugin
 * vtier-gt.so,` must give the documented settings, and every mistake a
 * user can make must be refused with a message that names it.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "gt.h"

static int parse(struct gt_opts *o, char *err, const char *a0, const char *a1,
		 const char *a2)
{
	char *argv[3] = { (char *)a0, (char *)a1, (char *)a2 };
	int argc = !a0 ? 0 : !a1 ? 1 : !a2 ? 2 : 3;

	return gt_parse_opts(o, argc, argv, err, 256);
}

TEST(defaults)
{
	struct gt_opts o;
	char err[256];

	ASSERT_EQ(0, parse(&o, err, "out=/tmp/x", NULL, NULL));
	EXPECT_STREQ("/tmp/x", o.out);
	EXPECT_EQ(1000000000ULL, o.window_ns);
	EXPECT_EQ(0, o.sample);
	EXPECT_TRUE(o.jitter);
	EXPECT_EQ(GT_NO_MARKER, o.arm);
	EXPECT_EQ(GT_NO_MARKER, o.stop);
	EXPECT_EQ(0, o.nremap);
}

TEST(all_options)
{
	char *argv[] = { "out=p", "window_ms=250", "sample=1000", "jitter=off",
			 "seed=7", "arm=1", "stop=0x2", "remap=2G:4G:2G",
			 "remap=0x40000000:512M:512m" };
	struct gt_opts o;
	char err[256];

	ASSERT_EQ(0, gt_parse_opts(&o, 9, argv, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(250000000ULL, o.window_ns);
	EXPECT_EQ(1000, o.sample);
	EXPECT_FALSE(o.jitter);
	EXPECT_EQ(7, o.seed);
	EXPECT_EQ(1, o.arm);
	EXPECT_EQ(2, o.stop);
	ASSERT_EQ(2, o.nremap);
	EXPECT_EQ(2ULL << 30, o.remap[0].from);
	EXPECT_EQ(4ULL << 30, o.remap[0].to);
	EXPECT_EQ(2ULL << 30, o.remap[0].len);
	/* Above the PCI hole: 2 GiB low in 7.2, pitfall 2 of the reference. */
	EXPECT_EQ((4ULL << 30) + 0x1000, gt_remap_addr(&o, (2ULL << 30) + 0x1000));
	EXPECT_EQ(512ULL << 20, gt_remap_addr(&o, 1ULL << 30));
	EXPECT_EQ(0x1000, gt_remap_addr(&o, 0x1000));
	EXPECT_EQ((6ULL << 30) - 1, gt_remap_addr(&o, (4ULL << 30) - 1));
	EXPECT_EQ(4ULL << 30, gt_remap_addr(&o, 4ULL << 30));	/* past the end */
}

/* Each refused with a message naming the argument. */
TEST(refused)
{
	static const struct { const char *arg, *says; } bad[] = {
		{ "bogus=1", "unknown option 'bogus'" },
		{ "out", "expected key=value" },
		{ "out=", "empty prefix" },
		{ "window_ms=0", "window_ms=0" },
		{ "window_ms=-5", "window_ms=-5" },
		{ "window_ms=1x", "window_ms=1x" },
		{ "sample=0", "sample=0" },
		{ "sample=abc", "sample=abc" },
		{ "jitter=maybe", "jitter=maybe" },
		{ "arm=65536", "arm=65536" },
		{ "stop=-1", "stop=-1" },
		{ "remap=1G:2G", "remap=1G:2G" },
		{ "remap=1G:2G:0", "remap=1G:2G:0" },
		{ "remap=1G:2G:1Q", "remap=1G:2G:1Q" },
		{ "remap=0xffffffffffffffff:0:2", "remap=0xff" },
	};
	struct gt_opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(-1, parse(&o, err, "out=x", bad[i].arg, NULL))
			TH_LOG("accepted %s", bad[i].arg);
		EXPECT_NE(NULL, strstr(err, bad[i].says))
			TH_LOG("%s: message '%s'", bad[i].arg, err);
	}
	EXPECT_EQ(-1, parse(&o, err, "sample=5", NULL, NULL));
	EXPECT_NE(NULL, strstr(err, "out=PREFIX is required"));
	EXPECT_EQ(-1, parse(&o, err, "out=x", "arm=3", "stop=3"));
	EXPECT_NE(NULL, strstr(err, "same marker"));
	EXPECT_EQ(-1, parse(&o, err, "out=x", "remap=1G:0:1G", "remap=1536M:8G:1G"));
	EXPECT_NE(NULL, strstr(err, "overlap"));
}

TEST(too_many_remaps)
{
	char *argv[GT_MAX_REMAP + 2], buf[GT_MAX_REMAP + 1][32];
	struct gt_opts o;
	char err[256];

	argv[0] = "out=x";
	for (int i = 0; i <= GT_MAX_REMAP; i++) {
		snprintf(buf[i], sizeof(buf[i]), "remap=%dG:0:1G", i);
		argv[i + 1] = buf[i];
	}
	EXPECT_EQ(0, gt_parse_opts(&o, GT_MAX_REMAP + 1, argv, err, sizeof(err)));
	EXPECT_EQ(-1, gt_parse_opts(&o, GT_MAX_REMAP + 2, argv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "at most"));
}

TEST(marker)
{
	const uint8_t m[] = { 0x0f, 0x1f, 0x84, 0x00, 0x34, 0x12, 0x54, 0x47 };
	const uint8_t plain[] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };

	EXPECT_EQ(0x1234, gt_marker_code(m, sizeof(m)));
	EXPECT_EQ(-1, gt_marker_code(m, 7));
	EXPECT_EQ(-1, gt_marker_code(plain, sizeof(plain)));	/* gcc's own padding */
}

TEST(sizes)
{
	uint64_t v;

	EXPECT_EQ(0, gt_parse_size("4k", &v));
	EXPECT_EQ(4096, v);
	EXPECT_EQ(0, gt_parse_size("0xb", &v));
	EXPECT_EQ(11, v);
	EXPECT_EQ(0, gt_parse_size("1T", &v));
	EXPECT_EQ(1ULL << 40, v);
	EXPECT_EQ(-1, gt_parse_size("", &v));
	EXPECT_EQ(-1, gt_parse_size("G", &v));
	EXPECT_EQ(-1, gt_parse_size("99999999999T", &v));
}

TEST_HARNESS_MAIN
