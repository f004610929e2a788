// SPDX-License-Identifier: GPL-2.0
/*
 * The session with vtierd on the host: vtier.ko connects, the host's
 * WELCOME gave it a capability, the connection stays up, and a page kept
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
#define HOT_MS		40000	/* a few epochs, which may lengthen to 16 s */
#define FEED_MS		200	/* between bursts of accesses */
#define RECORDS		64
#define CANDIDATES	32768	/* 128 MiB of shmem to find a quiet frame in */
#define HOT_MAX		(1 << 20)
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

/* The hot set (debugfs `hot`: ascending hex frames); count or -1. */
static int read_hot(uint64_t *hot, int max)
{
	FILE *f = fopen(VK_DEBUGFS "/hot", "r");
	unsigned long long v;
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fscanf(f, "%llx", &v) == 1)
		hot[n++] = v;
	fclose(f);
	return n;
}

/* Is any frame of gpfn's 2 MiB region in the (ascending) hot set? */
static bool region_hot(const uint64_t *hot, int n, uint64_t gpfn)
{
	uint64_t lo = gpfn & ~511ull;
	int a = 0, b = n;

	while (a < b) {		/* first hot frame >= lo */
		int m = (a + b) / 2;

		if (hot[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < n && hot[a] < lo + 512;
}

/*
 * A frame the engine has no reason to hint yet: shmem pages of a memfd,
 * mapped only long enough to read their frames (so the samplers do not
 * see them afterwards), whose whole 2 MiB region is outside the hot set.
 * Frames that earlier tests or programs made hot, or that sit in a region
 * already hinted as one order-9 page, would not be hinted again.
 */
static uint64_t quiet_frame(void)
{
	static uint64_t hot[HOT_MAX], frames[CANDIDATES];
	int fd = memfd_create("vtier-ksft", 0), pm, n, i;
	uint64_t ent, gpfn = 0;
	unsigned char *p;

	if (fd < 0 || ftruncate(fd, CANDIDATES * 4096L) ||
	    fallocate(fd, 0, 0, CANDIDATES * 4096L))
		return 0;
	p = mmap(NULL, CANDIDATES * 4096L, PROT_READ, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	pm = open("/proc/self/pagemap", O_RDONLY);
	for (i = 0; p != MAP_FAILED && pm >= 0 && i < CANDIDATES; i++) {
		off_t off = (off_t)((uintptr_t)(p + i * 4096L) / 4096 * 8);

		frames[i] = pread(pm, &ent, 8, off) == 8 && ent & PM_PRESENT ?
			    ent & PM_PFN : 0;
	}
	if (pm >= 0)
		close(pm);
	if (p != MAP_FAILED)
		munmap(p, CANDIDATES * 4096L);
	/* A sampler round that saw the mapping shows in the hot set by now. */
	vk_sleep_ms(1000);
	n = read_hot(hot, HOT_MAX);
	for (i = 0; n >= 0 && n < HOT_MAX && i < CANDIDATES && !gpfn; i++)
		if (frames[i] && !region_hot(hot, n, frames[i]))
			gpfn = frames[i];
	/* The memfd stays open: its pages stay allocated until exit. */
	return gpfn;
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

/*
 * RECORDS accesses to gpfn through the replay file, stamped now: sample
 * time is CLOCK_MONOTONIC, as the samplers' ktime_get_ns().  When write()
 * returns, the engine has seen every record.  0 or -1.
 */
static int replay_burst(uint64_t gpfn)
{
	char rec[RECORDS * 48];
	struct timespec now;
	size_t len = 0;
	ssize_t done;
	int fd, i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < RECORDS; i++)
		len += snprintf(rec + len, sizeof(rec) - len, "%llu %llx %c\n",
				(unsigned long long)now.tv_sec * 1000000000ull +
				now.tv_nsec + i * 1000ull,
				(unsigned long long)gpfn << 12, i & 1 ? 'W' : 'R');
	fd = open(VK_DEBUGFS "/replay", O_WRONLY);
	if (fd < 0)
		return -1;
	done = write(fd, rec, len);
	close(fd);
	return done == (ssize_t)len ? 0 : -1;
}

/*
 * A hot page is accessed again and again: a burst every FEED_MS while the
 * test waits (last: when the previous one was written).  One burst is not
 * lasting evidence when other pages compete for the quota: the page may
 * wait for room (with a quota, a full hot set admits no page until a sweep
 * makes room, and the page enters at its next sample), or leave again
 * when the threshold rises past it (vtier_policy.c).  0 or -1.
 */
static int keep_hot(uint64_t gpfn, long long *last)
{
	if (vk_now_ms() - *last < FEED_MS)
		return 0;
	*last = vk_now_ms();
	return replay_burst(gpfn);
}

TEST_F_TIMEOUT(session, hot_page_hinted_and_acked, 180)
{
	long long sent0, sent1, start, last = 0;
	uint64_t gpfn;
	char hex[32];
	bool hot;
	int bursts = 0;

	if (access(VK_DEBUGFS "/replay", W_OK))
		SKIP(return, "no %s (debugfs not mounted?)", VK_DEBUGFS "/replay");
	ASSERT_TRUE(connected_within(CONNECT_MS));
	sent0 = vk_stat("hints_sent");
	gpfn = quiet_frame();
	ASSERT_NE(0, gpfn)
		TH_LOG("no frame outside hot 2 MiB regions among %d shmem pages (or no frame numbers in pagemap: not root?)",
		       CANDIDATES);
	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)gpfn);

	start = vk_now_ms();
	do {
		ASSERT_EQ(0, replay_burst(gpfn));
		last = vk_now_ms();
		bursts++;
		hot = vk_has_line(VK_DEBUGFS "/hot", hex);
		if (!hot && bursts == 1)
			TH_LOG("frame %s waits: %lld hot pages, quota %lld pages",
			       hex, vk_stat("hot_pages"), vk_stat("quota_pages"));
		if (!hot)
			vk_sleep_ms(FEED_MS);
	} while (!hot && vk_now_ms() - start < HOT_MS);
	ASSERT_TRUE(hot)
		TH_LOG("frame %s is not in the hot set after %d s of accesses",
		       hex, HOT_MS / 1000);
	TH_LOG("frame %s in the hot set after %d bursts of %d accesses",
	       hex, bursts, RECORDS);
	start = vk_now_ms();
	while ((hint_queued(gpfn) || vk_stat("hints_sent") == sent0) &&
	       vk_now_ms() - start < HINT_MS) {
		ASSERT_EQ(0, keep_hot(gpfn, &last));
		vk_sleep_ms(50);
	}
	EXPECT_FALSE(hint_queued(gpfn))
		TH_LOG("the promote hint for %s was not sent in %d s", hex,
		       HINT_MS / 1000);
	sent1 = vk_stat("hints_sent");
	EXPECT_LT(sent0, sent1);
	/* Every hint sent so far, ours among them, is answered by an ACK. */
	start = vk_now_ms();
	while (vk_stat("hints_acked") + vk_stat("hints_rejected") +
	       vk_stat("hints_deferred") < sent1 &&
	       vk_now_ms() - start < HINT_MS) {
		ASSERT_EQ(0, keep_hot(gpfn, &last));
		vk_sleep_ms(50);
	}
	/* Still hot after the exchange: the host's last word is "promote". */
	ASSERT_EQ(0, replay_burst(gpfn));
	EXPECT_TRUE(vk_has_line(VK_DEBUGFS "/hot", hex))
		TH_LOG("frame %s left the hot set", hex);
	EXPECT_LE(sent1, vk_stat("hints_acked") + vk_stat("hints_rejected") +
		  vk_stat("hints_deferred"));
	/* For the host to look the frame up in `vtierctl pages`. */
	TH_LOG("hinted frame 0x%llx", (unsigned long long)gpfn);
}

TEST_HARNESS_MAIN
