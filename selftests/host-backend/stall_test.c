// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing a VMM or guest does may block or spin vtierd's one loop, or
 * flood its log: a call eventfd at its maximum count, a call fd that is a
 * full pipe, a hung-up kick fd, a VMM that sends its messages a byte at a
 * time, a flood of bad packets.  During each, another VM is served within
 * 2x of its idle round trip.  And a VM's socket is 0600 whatever the umask.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "log.h"
#include "probe.h"
#include "test_common.h"

#define FLOOD 5000

FIXTURE(stall) {
	struct vtierd_child d;
	struct vu_fe fe0, fe1;
	struct fe_conn c1;
	struct rtt idle;
};

FIXTURE_SETUP(stall)
{
	static const char *const extra[] = { NULL, ",cid=7" };
	struct vtier_msg w;

	ASSERT_EQ(0, vtierd_start(&self->d, 2, extra));
	ASSERT_EQ(0, fe_up(&self->fe0, self->d.sock[0]));
	ASSERT_EQ(0, fe_up(&self->fe1, self->d.sock[1]));
	ASSERT_EQ(0, vtier_hello(&self->fe1, &self->c1, 42000, &w));
	ASSERT_EQ(0, rtt_probe(&self->fe1, &self->c1, 20, &self->idle));
}

FIXTURE_TEARDOWN(stall)
{
	vu_fe_close(&self->fe0);
	vu_fe_close(&self->fe1);
	EXPECT_EQ(0, vtierd_stop(&self->d));
	vtierd_cleanup(&self->d);
}

/* vtierd alive and vm1 served within 2x of idle during the attack. */
static void others_fine(struct __test_metadata *_metadata,
			FIXTURE_DATA(stall) *self, const char *attack)
{
	struct rtt r;

	ASSERT_TRUE(vtierd_alive(&self->d));
	ASSERT_EQ(0, rtt_probe(&self->fe1, &self->c1, 20, &r));
	TH_LOG("%s: vm1 round trip %.0f us, max %.0f us (idle %.0f us)",
	       attack, r.median_us, r.max_us, self->idle.median_us);
	EXPECT_TRUE(rtt_within(&r, &self->idle));
}

/* Both rings' call fd replaced by fd; a HELLO makes vtierd signal both. */
static void call_fds_then_hello(struct __test_metadata *_metadata,
				FIXTURE_DATA(stall) *self, int fd)
{
	struct vtier_msg w;
	struct fe_conn c;
	uint64_t q;

	for (q = 0; q < 2; q++)
		ASSERT_EQ(0, vu_fe_request(&self->fe0, 13, 0, &q, sizeof(q), &fd, 1));
	/* the frontend sees used entries without the call fd */
	EXPECT_EQ(0, vtier_hello(&self->fe0, &c, 42001, &w));
	EXPECT_EQ(0, vtier_hello(&self->fe0, &c, 42002, &w));
}

TEST_F(stall, call_eventfd_at_its_maximum_count)
{
	uint64_t max = 0xfffffffffffffffeull;
	int fd = eventfd(0, EFD_CLOEXEC);	/* blocking, as a VMM may pass */

	ASSERT_EQ(sizeof(max), write(fd, &max, sizeof(max)));
	call_fds_then_hello(_metadata, self, fd);
	others_fine(_metadata, self, "call eventfd at max");
	close(fd);
}

TEST_F(stall, call_fd_that_is_a_full_pipe)
{
	char buf[4096] = { 0 };
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK | O_CLOEXEC));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	ASSERT_EQ(0, fcntl(p[1], F_SETFL, 0));	/* blocking again */
	call_fds_then_hello(_metadata, self, p[1]);
	others_fine(_metadata, self, "call fd a full pipe");
	close(p[0]);
	close(p[1]);
}

/* utime + stime of a process, seconds. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

TEST_F(stall, hung_up_kick_fd_does_not_spin)
{
	uint64_t q = FE_TX;
	double before;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, vu_fe_request(&self->fe0, 12, 0, &q, sizeof(q), &p[0], 1));
	close(p[0]);
	close(p[1]);			/* the kick fd hangs up */
	before = cpu_s(self->d.pid);
	others_fine(_metadata, self, "hung-up kick fd");
	poll(NULL, 0, 1000);
	TH_LOG("vtierd CPU over 1 s with a hung-up kick fd: %.2f s",
	       cpu_s(self->d.pid) - before);
	EXPECT_LT(cpu_s(self->d.pid) - before, 0.2);
	EXPECT_TRUE(log_contains(&self->d, "tx ring kick fd hung up"));
}

/*
 * A VMM sends GET_FEATURES one byte every 100 ms.  vtierd must not wait
 * for the rest: vm1 is probed between the bytes, and the VMM still gets
 * its answer at the end.
 */
TEST_F(stall, vmm_sending_one_byte_at_a_time)
{
	uint32_t hdr[3] = { 1, 1, 0 };	/* GET_FEATURES, version 1 */
	const uint8_t *b = (const uint8_t *)hdr;
	struct rtt r, worst = { 0 };
	struct vu_fe slow;
	uint64_t feat = 0;
	unsigned int i;

	vu_fe_close(&self->fe0);	/* vm0's socket takes a new VMM */
	poll(NULL, 0, 100);
	ASSERT_EQ(0, vu_fe_open(&slow, self->d.sock[0]));
	for (i = 0; i < sizeof(hdr); i++) {
		ASSERT_EQ(1, write(slow.sock, b + i, 1));
		ASSERT_EQ(0, rtt_probe(&self->fe1, &self->c1, 5, &r));
		if (r.median_us > worst.median_us || r.lost)
			worst = r;
		poll(NULL, 0, 100);
	}
	TH_LOG("slow VMM: vm1 round trip %.0f us (idle %.0f us)",
	       worst.median_us, self->idle.median_us);
	EXPECT_TRUE(rtt_within(&worst, &self->idle));
	ASSERT_EQ(0, vu_fe_reply(&slow, 1, &feat, sizeof(feat)));
	EXPECT_NE(0, feat & (1ull << 32));	/* VERSION_1 */
	vu_fe_close(&slow);
	ASSERT_EQ(0, vu_fe_open(&self->fe0, self->d.sock[0]));	/* for teardown */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Lines of the log holding s; *sum: the numbers just before n_before. */
static long count_lines(struct vtierd_child *d, const char *s, const char *n_before,
			long *sum)
{
	char line[768];
	long n = 0;
	FILE *f = fopen(d->log, "r");

	*sum = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, n_before);

		if (strstr(line, s))
			n++;
		if (p) {
			while (p > line && p[-1] != ' ' && p[-1] != ':')
				p--;
			*sum += strtol(p, NULL, 10);
		}
	}
	if (f)
		fclose(f);
	return n;
}

/*
 * Post n packets with a wrong source or (every other one) destination
 * CID, each dropped and logged: no two lines in a row are the same.
 */
static void flood_bad_packets(struct __test_metadata *_metadata,
			      FIXTURE_DATA(stall) *self, int n)
{
	struct vsock_hdr h = {
		.src_cid = 99, .dst_cid = 2, .src_port = 42003,
		.dst_port = VTIER_DEFAULT_PORT, .type = 1, .op = 1,
	};
	int i, t;

	for (i = 0; i < n; i++) {
		h.dst_cid = i % 2 ? 5 : 2;
		h.src_cid = i % 2 ? self->fe0.cid : 99;
		vu_fe_send_pkt(&self->fe0, &h, NULL);
		if (i % 32 != 31 && i != n - 1)
			continue;
		for (t = 0; t < 500 && vu_fe_used_idx(&self->fe0, FE_TX) !=
					self->fe0.avail_idx[FE_TX]; t++)
			poll(NULL, 0, 2);
		ASSERT_EQ(self->fe0.avail_idx[FE_TX], vu_fe_used_idx(&self->fe0, FE_TX));
	}
}

/*
 * A flood of bad packets: a handful of lines, then counts of the lines
 * held back; the lines written and the counts add up to the flood.
 */
TEST_F(stall, flood_of_bad_packets_is_rate_limited)
{
	long written, repeated, suppressed;
	struct rtt r, during = { 0 };
	double t[FLOOD / 250];
	int i;

	/* vm1 probed between bursts of 250, while the lines pile up */
	for (i = 0; i < FLOOD / 250; i++) {
		flood_bad_packets(_metadata, self, 250);
		ASSERT_EQ(0, rtt_probe(&self->fe1, &self->c1, 3, &r));
		t[i] = r.median_us;
		during.lost += r.lost;
		if (r.max_us > during.max_us)
			during.max_us = r.max_us;
	}
	qsort(t, FLOOD / 250, sizeof(t[0]), cmp_double);
	during.median_us = t[FLOOD / 500];
	TH_LOG("during the flood: vm1 round trip %.0f us, max %.0f us (idle %.0f us)",
	       during.median_us, during.max_us, self->idle.median_us);
	EXPECT_TRUE(rtt_within(&during, &self->idle));
	others_fine(_metadata, self, "after the bad-packet flood");
	poll(NULL, 0, 1100);		/* a new window: the counts come out */
	flood_bad_packets(_metadata, self, 2);
	written = count_lines(&self->d, "dropped packet: ", " times", &repeated);
	count_lines(&self->d, "\n\n", " lines suppressed", &suppressed);
	TH_LOG("%d bad packets: %ld lines written, %ld repeats and %ld lines counted",
	       FLOOD + 2, written, repeated, suppressed);
	EXPECT_LE(written, 3 * VLOG_BURST);
	EXPECT_EQ(FLOOD + 2, written + repeated + suppressed);
}

TEST(vm_socket_is_0600_whatever_the_umask)
{
	struct vtierd_child d;
	struct stat st;
	mode_t old = umask(0);

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	umask(old);
	ASSERT_EQ(0, stat(d.sock[0], &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST_HARNESS_MAIN
