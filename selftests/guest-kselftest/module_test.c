// SPDX-License-Identifier: GPL-2.0
/*
 * vtier.ko is loaded and sane: live, in a known connection state, every
 * parameter readable, and counters that are numbers and agree with each
 * other.  Runs in any guest with the module loaded (modules-load.d).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vtier_ksft.h"

static const char *const counters[] = {
	"samples", "samples_dropped", "samples_not_ram", "hints_sent",
	"hints_acked", "hints_rejected", "hints_deferred", "hints_dropped",
	"hints_pending", "hot_pages", "replay_bad_lines", "quota_pages",
	"reconnects", "host_caps", "bad_frames",
};

TEST(module_is_live)
{
	char line[64];

	ASSERT_EQ(0, vk_read_line("/sys/module/vtier/initstate", line,
				  sizeof(line)));
	EXPECT_STREQ("live", line);
	ASSERT_EQ(0, vk_read_line(VK_SYSFS "/state", line, sizeof(line)));
	/* "stopped" is only seen while loading or unloading. */
	EXPECT_TRUE(!strcmp(line, "connecting") || !strcmp(line, "connected") ||
		    !strcmp(line, "backoff"))
		TH_LOG("state is '%s'", line);
}

TEST(parameters_readable)
{
	char path[PATH_MAX], line[256];
	struct dirent *d;
	DIR *dir = opendir(VK_PARAMS);
	int n = 0;

	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), VK_PARAMS "/%s", d->d_name);
		EXPECT_EQ(0, vk_read_line(path, line, sizeof(line)))
			TH_LOG("cannot read parameter %s", d->d_name);
		n++;
	}
	closedir(dir);
	EXPECT_LT(10, n);
	ASSERT_EQ(0, vk_read_line(VK_PARAMS "/sampler", line, sizeof(line)));
	EXPECT_TRUE(!strcmp(line, "auto") || !strcmp(line, "pebs") ||
		    !strcmp(line, "ibs") || !strcmp(line, "abit") ||
		    !strcmp(line, "replay"))
		TH_LOG("sampler=%s", line);
	EXPECT_LT(0, vk_number(VK_PARAMS, "port"));
	EXPECT_LT(0, vk_number(VK_PARAMS, "cid"));
}

TEST(counters_agree)
{
	long long v[sizeof(counters) / sizeof(counters[0])];
	unsigned int i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		v[i] = vk_stat(counters[i]);
		EXPECT_LE(0, v[i])
			TH_LOG("%s is not a number", counters[i]);
	}
	/* Not-RAM samples are counted among the samples. */
	EXPECT_LE(vk_stat("samples_not_ram"), vk_stat("samples"));
	EXPECT_LE(vk_stat("hints_pending"),
		  vk_number(VK_PARAMS, "hint_queue_len"));
	/* An ACK never covers more hints than were sent. */
	EXPECT_LE(vk_stat("hints_acked") + vk_stat("hints_rejected") +
		  vk_stat("hints_deferred"), vk_stat("hints_sent"));
	EXPECT_LE(vk_stat("host_caps"), 3);
}

TEST_HARNESS_MAIN
