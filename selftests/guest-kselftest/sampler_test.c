// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler vtier.ko runs: named consistently, chosen as sampler= asks
 * (with auto, every sampler passed over says why), and taking samples of
 * memory this test touches.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vtier_ksft.h"

#define TOUCH_BYTES	(64ul << 20)
#define SAMPLES_WANTED	100
#define WAIT_MS		60000

/* Probe order of sampler=auto (docs/samplers.md). */
static const char *const probe_order[] = { "pebs", "ibs", "abit" };

/* The harness of 6.1 sets a test's timeout only through a fixture. */
FIXTURE(sampler) {
	int unused;
};
FIXTURE_SETUP(sampler) { }
FIXTURE_TEARDOWN(sampler) { }

TEST_F(sampler, sampler_as_asked)
{
	char param[32], running[32], active[32], want[64];
	unsigned int i;

	ASSERT_EQ(0, vk_read_line(VK_PARAMS "/sampler", param, sizeof(param)));
	ASSERT_EQ(0, vk_read_line(VK_SYSFS "/sampler", running, sizeof(running)));
	ASSERT_EQ(0, vk_read_line(VK_SYSFS "/samplers/active", active,
				  sizeof(active)));
	EXPECT_STREQ(running, active);
	if (strcmp(param, "auto")) {
		/* A forced sampler that cannot run fails the load. */
		EXPECT_STREQ(param, running);
		return;
	}
	/* auto falls back to replay only when none of the three can run. */
	for (i = 0; i < 3 && strcmp(probe_order[i], running); i++) {
		char path[] = VK_SYSFS "/samplers/refused", line[256];
		FILE *f = fopen(path, "r");
		bool said = false;

		ASSERT_NE(NULL, f);
		snprintf(want, sizeof(want), "%s: ", probe_order[i]);
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, want, strlen(want)) &&
			    strlen(line) > strlen(want) + 1)
				said = true;
		fclose(f);
		EXPECT_TRUE(said)
			TH_LOG("auto passed over %s without a reason in samplers/refused",
			       probe_order[i]);
	}
	if (i == 3)
		EXPECT_STREQ("replay", running);
}

TEST_F_TIMEOUT(sampler, sampler_takes_samples, 120)
{
	long long start, before, engine_before, t0;
	volatile unsigned char *p;
	char running[32], pids[128];
	size_t off;

	ASSERT_EQ(0, vk_read_line(VK_SYSFS "/sampler", running, sizeof(running)));
	if (!strcmp(running, "replay"))
		SKIP(return, "no hardware or accessed-bit sampler runs here");
	if (!strcmp(running, "abit") &&
	    !vk_read_line(VK_PARAMS "/abit_pids", pids, sizeof(pids)) && pids[0])
		SKIP(return, "abit scans only abit_pids=%s", pids);
	p = mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)p);
	before = vk_number(VK_SYSFS "/samplers", "samples");
	engine_before = vk_stat("samples");
	ASSERT_LE(0, before);
	start = vk_now_ms();
	do {
		/* Touch every page, then look again. */
		t0 = vk_now_ms();
		while (vk_now_ms() - t0 < 200)
			for (off = 0; off < TOUCH_BYTES; off += 4096)
				p[off]++;
	} while (vk_number(VK_SYSFS "/samplers", "samples") - before < SAMPLES_WANTED &&
		 vk_now_ms() - start < WAIT_MS);
	EXPECT_LE(before + SAMPLES_WANTED, vk_number(VK_SYSFS "/samplers", "samples"))
		TH_LOG("%s took too few samples in %d s", running, WAIT_MS / 1000);
	/* The drain hands them to the engine (drain_ms later at most). */
	vk_sleep_ms(1000);
	EXPECT_LT(engine_before, vk_stat("samples"));
	TH_LOG("%s: %lld samples in %lld ms", running,
	       vk_number(VK_SYSFS "/samplers", "samples") - before,
	       vk_now_ms() - start);
	munmap((void *)p, TOUCH_BYTES);
}

TEST_HARNESS_MAIN
