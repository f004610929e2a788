// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user transport alone (host-backend/vhost_user.c), linked
 * without the daemon and without a vsock device: a vu_dev with recording
 * device ops runs its epoll loop in a thread, the test frontend speaks
 * vhost-user to it over a socketpair the way QEMU 7.2 does.
 */
#include <endian.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vhost_user.h"
#include "vu_frontend.h"

#define CID		9
#define WAIT_MS		2000

/* What the device above was told; written by the loop thread. */
struct events {
	int kicks[VU_RINGS], enables[VU_RINGS];
	int resets, unmaps, maps, disconnects;
	unsigned int regions;	/* of the memory table at mem_mapped */
	uint64_t top;
};

struct devtest {
	struct vu_dev dev;
	struct events ev;
};

#define BUMP(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define READ(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)

static struct events *ev_of(struct vu_dev *dev)
{
	return &((struct devtest *)dev)->ev;	/* dev is the first member */
}

static void on_kick(struct vu_dev *dev, unsigned int ring)
{
	BUMP(ev_of(dev)->kicks[ring]);
}

static void on_enabled(struct vu_dev *dev, unsigned int ring)
{
	BUMP(ev_of(dev)->enables[ring]);
}

static void on_reset(struct vu_dev *dev)
{
	BUMP(ev_of(dev)->resets);
}

static void on_unmap(struct vu_dev *dev)
{
	BUMP(ev_of(dev)->unmaps);
}

static void on_mapped(struct vu_dev *dev)
{
	struct events *e = ev_of(dev);

	__atomic_store_n(&e->regions, dev->mem.n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&e->top, memtab_top(&dev->mem), __ATOMIC_SEQ_CST);
	BUMP(e->maps);
}

static void on_disconnected(struct vu_dev *dev)
{
	BUMP(ev_of(dev)->disconnects);
}

static const struct vu_dev_ops rec_ops = {
	.kick = on_kick, .enabled = on_enabled, .reset = on_reset,
	.mem_unmap = on_unmap, .mem_mapped = on_mapped,
	.disconnected = on_disconnected,
};

FIXTURE(vu) {
	struct loop loop;
	struct vlog log;
	struct devtest dt;
	struct vu_fe fe;
	pthread_t thread;
	int stop;
};

static void *run_loop(void *arg)
{
	FIXTURE_DATA(vu) *self = arg;

	while (!READ(self->stop))
		if (loop_run_once(&self->loop, 20))
			break;
	return NULL;
}

FIXTURE_SETUP(vu)
{
	uint64_t cid = htole64(CID);
	int sv[2];

	self->log = (struct vlog){ .name = "vm0" };
	ASSERT_EQ(0, loop_init(&self->loop));
	memset(&self->dt.ev, 0, sizeof(self->dt.ev));
	vu_dev_init(&self->dt.dev, &self->log, &self->loop, &rec_ops);
	self->dt.dev.ring_name[0] = "rx";
	self->dt.dev.ring_name[1] = "tx";
	memcpy(self->dt.dev.config, &cid, sizeof(cid));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	vu_attach(&self->dt.dev, sv[0]);
	ASSERT_EQ(0, vu_fe_adopt(&self->fe, sv[1]));
	self->stop = 0;
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, run_loop, self));
}

FIXTURE_TEARDOWN(vu)
{
	__atomic_store_n(&self->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(self->thread, NULL);
	if (self->dt.dev.conn_fd >= 0)
		vu_detach(&self->dt.dev);
	vu_fe_close(&self->fe);
	loop_close(&self->loop);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until *v reaches want (the loop thread works asynchronously). */
static int wait_count(int *v, int want)
{
	long end = now_ms() + WAIT_MS;

	while (READ(*v) < want && now_ms() < end)
		usleep(1000);
	return READ(*v);
}

TEST_F(vu, realize_offers_the_fixed_features_and_the_config_space)
{
	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	EXPECT_TRUE(self->fe.features & (1ull << 32));	/* VERSION_1 */
	EXPECT_TRUE(self->fe.features & (1ull << 30));	/* PROTOCOL_FEATURES */
	EXPECT_TRUE(self->fe.features & (1ull << 29));	/* EVENT_IDX */
	EXPECT_TRUE(self->fe.features & (1ull << 28));	/* INDIRECT_DESC */
	/* REPLY_ACK and CONFIG offered, so QEMU kept them. */
	EXPECT_TRUE(self->fe.protocol_features & (1ull << 3));
	EXPECT_TRUE(self->fe.protocol_features & (1ull << 9));
	EXPECT_EQ(CID, self->fe.cid);
	/* Nothing was mapped or started. */
	EXPECT_EQ(0, READ(self->dt.ev.maps));
	EXPECT_EQ(0, READ(self->dt.ev.kicks[0]) + READ(self->dt.ev.kicks[1]));
}

TEST_F(vu, driver_ok_maps_guest_ram_and_starts_both_rings)
{
	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe));
	EXPECT_EQ(1, READ(self->dt.ev.maps));
	EXPECT_EQ(2, READ(self->dt.ev.regions));
	EXPECT_EQ(FE_RAM_SIZE, READ(self->dt.ev.top));
	/* Each ring started at its kick fd, and enabled. */
	EXPECT_EQ(1, READ(self->dt.ev.kicks[0]));
	EXPECT_EQ(1, READ(self->dt.ev.kicks[1]));
	EXPECT_EQ(1, READ(self->dt.ev.enables[0]));
	EXPECT_EQ(1, READ(self->dt.ev.enables[1]));
	EXPECT_TRUE(self->dt.dev.vq[1].started);
	EXPECT_FALSE(self->dt.dev.broken);

	/* A guest kick on the tx ring reaches the device, once. */
	vu_fe_kick(&self->fe, FE_TX);
	EXPECT_EQ(2, wait_count(&self->dt.ev.kicks[1], 2));
	EXPECT_EQ(1, READ(self->dt.ev.kicks[0]));
}

TEST_F(vu, a_bad_memory_table_is_refused_and_breaks_started_rings)
{
	struct {
		uint32_t n, pad;
		uint64_t r[2][4];
	} mt = { .n = 2, .r = {
		{ 0, 0x200000, (uint64_t)(uintptr_t)self->fe.mem, 0 },
		/* overlaps the first in guest-physical space */
		{ 0x100000, 0x200000,
		  (uint64_t)(uintptr_t)(self->fe.mem + 0x400000), 0x400000 },
	} };
	int fds[2] = { self->fe.memfd, self->fe.memfd };
	uint64_t ack = 0;

	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe));
	ASSERT_EQ(0, vu_fe_request(&self->fe, 5, 0x8, &mt, sizeof(mt), fds, 2));
	ASSERT_EQ(0, vu_fe_reply(&self->fe, 5, &ack, sizeof(ack)));
	EXPECT_NE(0, ack);
	/* The old table went away first, and no new one came. */
	EXPECT_EQ(2, READ(self->dt.ev.unmaps));	/* before each table */
	EXPECT_EQ(1, READ(self->dt.ev.maps));
	EXPECT_EQ(0, self->dt.dev.mem.n);
	/* The rings pointed into it: the device is broken and reset. */
	EXPECT_TRUE(self->dt.dev.broken);
	EXPECT_LE(1, READ(self->dt.ev.resets));
	EXPECT_NE(NULL, strstr(self->log.last_error, "device broken: rx ring"));
	/* The connection stays. */
	EXPECT_EQ(0, vu_fe_request(&self->fe, 1, 0, NULL, 0, NULL, 0));
	EXPECT_EQ(0, vu_fe_reply(&self->fe, 1, &ack, sizeof(ack)));
}

TEST_F(vu, get_vring_base_resets_the_device_and_returns_last_avail)
{
	uint32_t base[2] = { 99, 99 };
	int resets;

	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe));
	resets = READ(self->dt.ev.resets);
	ASSERT_EQ(0, vu_fe_reset(&self->fe, base));
	EXPECT_EQ(0, base[0]);
	EXPECT_EQ(0, base[1]);
	EXPECT_EQ(resets + 2, READ(self->dt.ev.resets));	/* one per ring */
	EXPECT_FALSE(self->dt.dev.vq[0].started);
	EXPECT_FALSE(self->dt.dev.vq[1].started);
	/* A reset clears a broken state. */
	EXPECT_FALSE(self->dt.dev.broken);
}

TEST_F(vu, an_unknown_request_is_refused_and_the_connection_stays)
{
	uint64_t ack = 0;

	ASSERT_EQ(0, vu_fe_request(&self->fe, 99, 0x8, NULL, 0, NULL, 0));
	ASSERT_EQ(0, vu_fe_reply(&self->fe, 99, &ack, sizeof(ack)));
	EXPECT_EQ(1, ack);
	EXPECT_NE(NULL, strstr(self->log.last_error, "unsupported request 99"));
	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	EXPECT_EQ(0, READ(self->dt.ev.disconnects));
}

TEST_F(vu, the_vmm_going_away_drops_everything_and_tells_the_device)
{
	ASSERT_EQ(0, vu_fe_realize(&self->fe));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe));
	close(self->fe.sock);
	self->fe.sock = -1;
	EXPECT_EQ(1, wait_count(&self->dt.ev.disconnects, 1));
	EXPECT_EQ(-1, READ(self->dt.dev.conn_fd));
	EXPECT_LE(2, READ(self->dt.ev.unmaps));
	EXPECT_EQ(0, self->dt.dev.mem.n);
	EXPECT_EQ(0, self->dt.dev.vmm_pid);
	EXPECT_FALSE(self->dt.dev.vq[0].started);
}

TEST_F(vu, a_truncated_message_ends_the_connection)
{
	uint32_t hdr[3] = { 1, 0x1, 4096 + 1 };	/* payload too large */

	ASSERT_EQ(sizeof(hdr), (size_t)write(self->fe.sock, hdr, sizeof(hdr)));
	EXPECT_EQ(1, wait_count(&self->dt.ev.disconnects, 1));
	EXPECT_NE(NULL, strstr(self->log.last_error, "too large"));
}

TEST_HARNESS_MAIN
