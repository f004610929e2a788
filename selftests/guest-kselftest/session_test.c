// SPDX-License-Identifier: GPL-2.0
/*
 * The session with vtierd on the host: vtier.ko connects, the host's
 * WELCOME gave it a capability, the connection stays up, and a page made
 * hot through the debugfs replay file enters the hot set, is hinted to the
 * host and the host acknowledges it.  Needs vtierd serving this VM.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vtier_ksft.h"

#define CONNECT_MS	60000	/* the first connect may wait out a backoff */
#define STEADY_MS	3000	/* three REPORTs at the default report_ms */
#define HINT_MS		10000
#define RECORDS		64
#define PM_PRESENT	(1ull << 63)
#define PM_PFN		((1ull << 55) - 1)

/* The harness of 6.1 sets a test's timeout only through a fixture. */
FIXTURE(session) {
	int unused;
};
FIXTURE_SETUP(session) { }
FIXTURE_TEARDOWN(session) { }

static bool connected_within(long long ms)
{
	long long start = vk_now_ms();
	char state[32];

	do {
		if (!vk_read_line(VK_SYSFS "/state", state, sizeof(state)) &&
		    !strcmp(state, "connected"))
			return true;
		vk_sleep_ms(100);
	} while (vk_now_ms() - start < ms);
	return false;
}

TEST_F_TIMEOUT(session, connects_and_stays, 120)
{
	long long reconnects, bad, caps;
	char state[32];

	ASSERT_TRUE(connected_within(CONNECT_MS))
		TH_LOG("no connection to vtierd (cid %lld, port %lld) in %d s",
		       vk_number(VK_PARAMS, "cid"), vk_number(VK_PARAMS, "port"),
		       CONNECT_MS / 1000);
	/* WELCOME says whether the host moves memory or only observes. */
	caps = vk_stat("host_caps");
	EXPECT_TRUE(caps == 1 || caps == 2)
		TH_LOG("host_caps %lld", caps);
	reconnects = vk_stat("reconnects");
	bad = vk_stat("bad_frames");
	vk_sleep_ms(STEADY_MS);
	ASSERT_EQ(0, vk_read_line(VK_SYSFS "/state", state, sizeof(state)));
	EXPECT_STREQ("connected", state);
	EXPECT_EQ(reconnects, vk_stat("reconnects"));
	EXPECT_EQ(bad, vk_stat("bad_frames"));
}

/* Guest frame of the page at p (pagemap; root only), or 0. */
static uint64_t frame_of(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t ent = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)p / 4096 * 8)) !=
	    sizeof(ent))
		ent = 0;
	close(fd);
	return ent & PM_PRESENT ? ent & PM_PFN : 0;
}

static bool hint_queued(uint64_t gpfn)
{
	char line[64], buf[128];
	FILE *f = fopen(VK_DEBUGFS "/hints", "r");
	bool found = false;

	if (!f)
		return false;
	snprintf(line, sizeof(line), "promote %llx ", (unsigned long long)gpfn);
	while (!found && fgets(buf, sizeof(buf), f))
		found = !strncmp(buf, line, strlen(line));
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(session, hot_page_hinted_and_acked, 180)
{
	char rec[RECORDS * 48], hex[32];
	long long sent0, sent1, start;
	struct timespec now;
	unsigned char *page;
	uint64_t gpfn;
	size_t len = 0;
	int fd, i;

	if (access(VK_DEBUGFS "/replay", W_OK))
		SKIP(return, "no %s (debugfs not mounted?)", VK_DEBUGFS "/replay");
	ASSERT_TRUE(connected_within(CONNECT_MS));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memset(page, 0x5a, 4096);
	ASSERT_EQ(0, mlock(page, 4096));
	gpfn = frame_of(page);
	if (!gpfn)
		SKIP(return, "no frame numbers in /proc/self/pagemap (not root?)");

	/* Sample time is CLOCK_MONOTONIC, as the samplers' ktime_get_ns(). */
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < RECORDS; i++)
		len += snprintf(rec + len, sizeof(rec) - len, "%llu %llx %c\n",
				(unsigned long long)now.tv_sec * 1000000000ull +
				now.tv_nsec + i * 1000ull,
				(unsigned long long)gpfn << 12, i & 1 ? 'W' : 'R');
	sent0 = vk_stat("hints_sent");
	fd = open(VK_DEBUGFS "/replay", O_WRONLY);
	ASSERT_LE(0, fd);
	/* When write() returns, the engine has seen every record. */
	ASSERT_EQ((ssize_t)len, write(fd, rec, len));
	close(fd);

	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)gpfn);
	EXPECT_TRUE(vk_has_line(VK_DEBUGFS "/hot", hex))
		TH_LOG("frame %s is not in the hot set", hex);
	start = vk_now_ms();
	while ((hint_queued(gpfn) || vk_stat("hints_sent") == sent0) &&
	       vk_now_ms() - start < HINT_MS)
		vk_sleep_ms(50);
	EXPECT_FALSE(hint_queued(gpfn))
		TH_LOG("the promote hint for %s was not sent in %d s", hex,
		       HINT_MS / 1000);
	sent1 = vk_stat("hints_sent");
	EXPECT_LT(sent0, sent1);
	/* Every hint sent so far, ours among them, is answered by an ACK. */
	start = vk_now_ms();
	while (vk_stat("hints_acked") + vk_stat("hints_rejected") +
	       vk_stat("hints_deferred") < sent1 &&
	       vk_now_ms() - start < HINT_MS)
		vk_sleep_ms(50);
	EXPECT_LE(sent1, vk_stat("hints_acked") + vk_stat("hints_rejected") +
		  vk_stat("hints_deferred"));
	/* For the host to look the frame up in `vtierctl pages`. */
	TH_LOG("hinted frame 0x%llx", (unsigned long long)gpfn);
	munlock(page, 4096);
	munmap(page, 4096);
}

TEST_HARNESS_MAIN
