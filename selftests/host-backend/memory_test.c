// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory a VMM controls: regions past the end of their fd, an fd
 * truncated under a running device, a VMM that declares more RAM than the
 * host has, and the mappings of all VMs together.  Each case must leave
 * vtierd alive and another VM served; none may let one VMM make vtierd
 * map or allocate by its word alone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "probe.h"
#include "test_common.h"

#define TIB (1ull << 40)

/* One region; ack of SET_MEM_TABLE (0 accepted), -1 on a transport error. */
static long long send_table(struct vu_fe *fe, uint64_t gpa, uint64_t size,
			    uint64_t offset)
{
	struct { uint32_t n, pad; uint64_t r[4]; } mt = {
		.n = 1, .r = { gpa, size, (uint64_t)(uintptr_t)fe->mem, offset } };
	uint64_t ack = 0;

	if (vu_fe_request(fe, 5, 0x8, &mt, sizeof(mt), &fe->memfd, 1) ||
	    vu_fe_reply(fe, 5, &ack, sizeof(ack)))
		return -1;
	return (long long)ack;
}

/* A field of /proc/<pid>/status in kB, -1 if missing. */
static long long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long long v = -1;
	size_t n = strlen(field);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			sscanf(line + n + 1, "%lld", &v);
	if (f)
		fclose(f);
	return v;
}

/* vm1 answers HELLO and a few HINTS; their round trip in *r. */
static int served(struct vu_fe *fe, uint32_t port, struct rtt *r)
{
	struct vtier_msg w;
	struct fe_conn c;

	if (vtier_hello(fe, &c, port, &w))
		return -1;
	return rtt_probe(fe, &c, 10, r);
}

FIXTURE(memory) {
	struct vtierd_child d;
	struct vu_fe fe0, fe1;
	struct rtt idle;
};

FIXTURE_SETUP(memory)
{
	static const char *const extra[] = { NULL, ",cid=7" };

	ASSERT_EQ(0, vtierd_start(&self->d, 2, extra));
	ASSERT_EQ(0, fe_up(&self->fe1, self->d.sock[1]));
	ASSERT_EQ(0, served(&self->fe1, 41000, &self->idle));
	ASSERT_EQ(0, vu_fe_open(&self->fe0, self->d.sock[0]));
	ASSERT_EQ(0, vu_fe_realize(&self->fe0));
}

FIXTURE_TEARDOWN(memory)
{
	vu_fe_close(&self->fe0);
	vu_fe_close(&self->fe1);
	EXPECT_EQ(0, vtierd_stop(&self->d));
	vtierd_cleanup(&self->d);
}

/* vtierd alive and vm1 served within 2x of idle. */
static void others_fine(struct __test_metadata *_metadata,
			FIXTURE_DATA(memory) *self, const char *attack)
{
	static uint32_t port = 41100;	/* a fresh connection each time */
	struct rtt r;

	ASSERT_TRUE(vtierd_alive(&self->d));
	ASSERT_EQ(0, served(&self->fe1, port++, &r));
	TH_LOG("%s: vm1 round trip %.0f us (idle %.0f us)", attack,
	       r.median_us, self->idle.median_us);
	EXPECT_TRUE(rtt_within(&r, &self->idle));
}

/* The VMM's fd is 8 MiB, the table says 16: the rest would SIGBUS. */
TEST_F(memory, region_past_the_end_of_its_fd_is_refused)
{
	ASSERT_EQ(0, ftruncate(self->fe0.memfd, FE_RAM_SIZE / 2));
	EXPECT_NE(0, vu_fe_driver_ok(&self->fe0));
	EXPECT_TRUE(log_contains(&self->d, "memory region reaches past the end of its fd"));
	EXPECT_EQ(1, send_table(&self->fe0, 0, FE_RAM_SIZE, 0));
	EXPECT_EQ(0, send_table(&self->fe0, 0, FE_RAM_SIZE / 2, 0));
	others_fine(_metadata, self, "region past its fd");
}

/*
 * The fd cannot be sealed (the VMM sealed the seals): truncating it under
 * a started device makes vtierd's next ring access fault.  Only vm0's
 * device goes; vm0 comes back on its next connection.
 */
TEST_F(memory, truncated_unsealable_fd_ends_only_that_device)
{
	struct vu_fe again;
	struct vtier_msg w;
	struct fe_conn c;
	char b;

	ASSERT_EQ(0, fcntl(self->fe0.memfd, F_ADD_SEALS, F_SEAL_SEAL));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe0));
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 41002, &w));
	ASSERT_EQ(0, ftruncate(self->fe0.memfd, 0));
	vu_fe_kick(&self->fe0, FE_TX);	/* vtierd reads the avail ring */
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = self->fe0.sock, .events = POLLIN }, 1, WAIT_MS));
	EXPECT_EQ(0, recv(self->fe0.sock, &b, 1, 0));	/* connection dropped */
	EXPECT_TRUE(log_contains(&self->d, "guest memory vanished"));
	others_fine(_metadata, self, "truncated fd");
	/* vm0 comes back, and the same attack is caught a second time */
	ASSERT_EQ(0, vu_fe_open(&again, self->d.sock[0]));
	ASSERT_EQ(0, fcntl(again.memfd, F_ADD_SEALS, F_SEAL_SEAL));
	ASSERT_EQ(0, vu_fe_realize(&again));
	ASSERT_EQ(0, vu_fe_driver_ok(&again));
	EXPECT_EQ(0, vtier_hello(&again, &c, 41003, &w));
	ASSERT_EQ(0, ftruncate(again.memfd, 0));
	vu_fe_kick(&again, FE_TX);
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = again.sock, .events = POLLIN }, 1, WAIT_MS));
	EXPECT_EQ(0, recv(again.sock, &b, 1, 0));
	vu_fe_close(&again);
	others_fine(_metadata, self, "truncated fd, twice");
}

/* A sealable fd (as QEMU's memfd backend makes) is sealed: no truncation. */
TEST_F(memory, sealable_fd_is_sealed_against_shrinking)
{
	struct vtier_msg w;
	struct fe_conn c;

	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe0));
	EXPECT_NE(0, fcntl(self->fe0.memfd, F_GET_SEALS) & F_SEAL_SHRINK);
	EXPECT_EQ(-1, ftruncate(self->fe0.memfd, 0));
	EXPECT_EQ(0, vtier_hello(&self->fe0, &c, 41004, &w));
	others_fine(_metadata, self, "sealed fd");
}

/*
 * 64 TiB of sparse memfd costs the VMM nothing; vtierd must not map it or
 * size its per-frame tables by it (the host has far less).
 */
TEST_F(memory, a_64_tib_region_is_refused)
{
	long long before = status_kb(self->d.pid, "VmSize"), grew;

	ASSERT_EQ(0, ftruncate(self->fe0.memfd, 64 * TIB));
	EXPECT_EQ(1, send_table(&self->fe0, 0, 64 * TIB, 0));
	EXPECT_TRUE(log_contains(&self->d, "guest RAM larger than --guest-ram-max"));
	/* Relative: ASan reserves terabytes of shadow of its own. */
	grew = status_kb(self->d.pid, "VmSize") - before;
	TH_LOG("vtierd VmSize grew by %lld kB", grew);
	EXPECT_LT(grew, (long long)(TIB >> 10));
	/* A small region high up would size the tables just the same. */
	EXPECT_EQ(1, send_table(&self->fe0, 60 * TIB, FE_RAM_SIZE, 0));
	others_fine(_metadata, self, "64 TiB region");
}

/* Open fds of a process. */
static int fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/*
 * A VMM that connects, starts the device, says HELLO and leaves, 300
 * times: vtierd's fds and RSS after 300 cycles are those after 30.
 */
TEST_F(memory, connect_disconnect_loop_leaks_nothing)
{
	long long rss30 = 0, rss300;
	int i, fds30 = 0, fds300;

	vu_fe_close(&self->fe0);
	for (i = 1; i <= 300; i++) {
		struct vtier_msg w;
		struct fe_conn c;
		struct vu_fe fe;

		ASSERT_EQ(0, fe_up(&fe, self->d.sock[0]));
		ASSERT_EQ(0, vtier_hello(&fe, &c, 43000 + (uint32_t)i, &w));
		vu_fe_close(&fe);
		if (i == 30 || i == 300) {
			poll(NULL, 0, 100);	/* vtierd sees the EOF */
			*(i == 30 ? &fds30 : &fds300) = fd_count(self->d.pid);
			*(i == 30 ? &rss30 : &rss300) = status_kb(self->d.pid, "VmRSS");
		}
	}
	TH_LOG("after 30 cycles: %d fds, RSS %lld kB; after 300: %d fds, RSS %lld kB",
	       fds30, rss30, fds300, rss300);
	EXPECT_EQ(fds30, fds300);
#ifndef __SANITIZE_ADDRESS__
	EXPECT_LT(rss300 - rss30, 1024);
#endif	/* ASan keeps freed memory in quarantine; its leak check runs at exit */
	others_fine(_metadata, self, "connect/disconnect loop");
	ASSERT_EQ(0, vu_fe_open(&self->fe0, self->d.sock[0]));	/* for teardown */
}

/* --guest-ram-max: the administrator's bound on one VM's table. */
TEST(guest_ram_max_bounds_one_vm)
{
	static const char *const args[] = { "--guest-ram-max", "8M", NULL };
	struct vtierd_child d;
	struct vu_fe fe;

	ASSERT_EQ(0, vtierd_start_args(&d, 1, NULL, args));
	ASSERT_EQ(0, vu_fe_open(&fe, d.sock[0]));
	ASSERT_EQ(0, vu_fe_realize(&fe));
	EXPECT_NE(0, vu_fe_driver_ok(&fe));
	EXPECT_TRUE(log_contains(&d, "guest RAM larger than --guest-ram-max"));
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

/* --mapped-max: all VMs together; room comes back when a VMM leaves. */
TEST(mapped_max_bounds_all_vms)
{
	static const char *const args[] = { "--mapped-max", "24M", NULL };
	struct vtierd_child d;
	struct vu_fe fe0, fe1;
	struct vtier_msg w;
	struct fe_conn c;

	ASSERT_EQ(0, vtierd_start_args(&d, 2, NULL, args));
	ASSERT_EQ(0, fe_up(&fe0, d.sock[0]));
	ASSERT_EQ(0, vu_fe_open(&fe1, d.sock[1]));
	ASSERT_EQ(0, vu_fe_realize(&fe1));
	EXPECT_NE(0, vu_fe_driver_ok(&fe1));
	EXPECT_TRUE(log_contains(&d, "guest RAM of all VMs would exceed --mapped-max"));
	vu_fe_close(&fe0);
	poll(NULL, 0, 200);	/* vtierd sees the EOF and unmaps vm0 */
	EXPECT_EQ(0, vu_fe_driver_ok(&fe1));
	EXPECT_EQ(0, vtier_hello(&fe1, &c, 41005, &w));
	vu_fe_close(&fe1);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST_HARNESS_MAIN
