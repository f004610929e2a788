// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile rings: a guest that writes garbage into its virtqueues.  Each
 * case must mark that VM's device broken with the reason, leave vtierd
 * alive and serving another VM, and recover at the guest's next device
 * reset.
 */
#include <poll.h>
#include <string.h>

#include "kselftest_harness.h"
#include "test_common.h"

#define DESC_NEXT 1
#define DESC_WRITE 2
#define DESC_INDIRECT 4
#define SCRATCH FE_SCRATCH_GPA

FIXTURE(hostile) {
	struct vtierd_child d;
	struct vu_fe fe0, fe1;
};

FIXTURE_SETUP(hostile)
{
	static const char *const extra[] = { NULL, ",cid=7" };

	ASSERT_EQ(0, vtierd_start(&self->d, 2, extra));
	ASSERT_EQ(0, fe_up(&self->fe0, self->d.sock[0]));
	ASSERT_EQ(0, fe_up(&self->fe1, self->d.sock[1]));
}

FIXTURE_TEARDOWN(hostile)
{
	vu_fe_close(&self->fe0);
	vu_fe_close(&self->fe1);
	EXPECT_EQ(0, vtierd_stop(&self->d));
	vtierd_cleanup(&self->d);
}

/* Wait (bounded) until vm0 reports a broken device; its last_error. */
static bool wait_broken(struct vtierd_child *d, char *err, size_t cap)
{
	json_t *root, *vm;
	bool broken = false;
	int i;

	for (i = 0; i < 250 && !broken; i++) {
		vm = vm_status(d, "vm0", &root);
		broken = vm && json_is_true(json_object_get(vm, "device_broken"));
		if (broken)
			snprintf(err, cap, "%s", jstr(vm, "last_error"));
		json_decref(root);
		if (!broken)
			poll(NULL, 0, 20);
	}
	return broken;
}

/* The common tail: broken for the right reason, others fine, recovery. */
static void check_broken(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hostile) *self, const char *reason)
{
	struct vtier_msg w;
	struct fe_conn c;
	char err[256] = "";

	ASSERT_TRUE(wait_broken(&self->d, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, reason)) {
		TH_LOG("last_error: %s", err);
	}
	EXPECT_TRUE(log_contains(&self->d, reason));
	EXPECT_TRUE(vtierd_alive(&self->d));
	/* another VM keeps working */
	ASSERT_EQ(0, vtier_hello(&self->fe1, &c, 40000, &w));
	/* a device reset brings vm0 back */
	ASSERT_EQ(0, vu_fe_reset(&self->fe0, NULL));
	ASSERT_EQ(0, vu_fe_driver_ok(&self->fe0));
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 40001, &w));
}

TEST_F(hostile, descriptor_index_out_of_range)
{
	vu_fe_post(&self->fe0, FE_TX, 200);	/* ring has 128 entries */
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "descriptor index 200 out of range");
}

TEST_F(hostile, descriptor_loop)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 16, DESC_NEXT, 1);
	vu_fe_set_desc(&self->fe0, FE_TX, 1, SCRATCH, 16, DESC_NEXT, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "a loop?");
}

TEST_F(hostile, descriptor_loop_of_empty_buffers)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 0, DESC_NEXT, 1);
	vu_fe_set_desc(&self->fe0, FE_TX, 1, SCRATCH, 0, DESC_NEXT, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "descriptor chain 0 loops");
}

TEST_F(hostile, next_index_out_of_range)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 16, DESC_NEXT, 4000);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "next descriptor index 4000 out of range");
}

TEST_F(hostile, indirect_table_bad_length)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 17, DESC_INDIRECT, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "indirect table bad length 17");
}

TEST_F(hostile, indirect_table_nested)
{
	uint64_t addr = SCRATCH + 0x100;
	uint32_t len = 16;
	uint16_t flags = DESC_INDIRECT, next = 0;
	uint8_t *t = self->fe0.mem + SCRATCH;

	memcpy(t, &addr, 8);
	memcpy(t + 8, &len, 4);
	memcpy(t + 12, &flags, 2);
	memcpy(t + 14, &next, 2);
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 16, DESC_INDIRECT, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "indirect descriptor not at chain 0 head");
}

TEST_F(hostile, buffer_in_memory_hole)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, FE_HOLE_START + 0x100, 64, 0, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "outside guest RAM");
}

TEST_F(hostile, buffer_past_end_of_ram)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, FE_RAM_SIZE - 8, 64, 0, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "outside guest RAM");
}

TEST_F(hostile, buffer_address_wraps)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, ~0ull - 15, 64, 0, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "outside guest RAM");
}

TEST_F(hostile, writable_buffer_in_tx_ring)
{
	vu_fe_set_desc(&self->fe0, FE_TX, 0, SCRATCH, 64, DESC_WRITE, 0);
	vu_fe_post(&self->fe0, FE_TX, 0);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "writable descriptor in transmit chain");
}

TEST_F(hostile, avail_index_jump)
{
	vu_fe_set_avail_idx(&self->fe0, FE_TX, self->fe0.avail_idx[FE_TX] + 200);
	vu_fe_kick(&self->fe0, FE_TX);
	check_broken(_metadata, self, "avail index jumped by 200");
}

TEST_F(hostile, read_only_buffer_in_rx_ring)
{
	struct fe_conn c;

	/* the first rx buffer vtierd will take is descriptor 0 */
	vu_fe_set_desc(&self->fe0, FE_RX, 0, 0x200000, FE_RX_BUF_SIZE, 0, 0);
	fe_conn_open(&self->fe0, &c, 40002, VTIER_DEFAULT_PORT);
	check_broken(_metadata, self, "read-only descriptor in receive chain");
}

TEST_F(hostile, rx_buffer_smaller_than_header)
{
	struct fe_conn c;

	vu_fe_set_desc(&self->fe0, FE_RX, 0, 0x200000, 20, DESC_WRITE, 0);
	fe_conn_open(&self->fe0, &c, 40003, VTIER_DEFAULT_PORT);
	check_broken(_metadata, self, "receive buffer smaller than a vsock header");
}

TEST_F(hostile, packet_with_wrong_source_cid_is_dropped)
{
	struct vsock_hdr h = {
		.src_cid = 99, .dst_cid = 2, .src_port = 40004,
		.dst_port = VTIER_DEFAULT_PORT, .type = 1, .op = 1,
	};
	struct vtier_msg w;
	struct fe_conn c;

	vu_fe_send_pkt(&self->fe0, &h, NULL);
	/* dropped, not answered; the device carries on */
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 40005, &w));
	EXPECT_TRUE(log_contains(&self->d, "dropped packet: source CID is not the guest's"));
}

TEST_F(hostile, overlapping_memory_table_is_refused)
{
	struct {
		uint32_t n, pad;
		uint64_t r[2][4];
	} mt = { .n = 2, .r = {
		{ 0, 0x200000, (uint64_t)(uintptr_t)self->fe0.mem, 0 },
		{ 0x100000, 0x200000,
		  (uint64_t)(uintptr_t)(self->fe0.mem + 0x400000), 0x400000 },
	} };
	int fds[2] = { self->fe0.memfd, self->fe0.memfd };
	uint64_t ack = 0;

	ASSERT_EQ(0, vu_fe_request(&self->fe0, 5, 0x8, &mt, sizeof(mt), fds, 2));
	ASSERT_EQ(0, vu_fe_reply(&self->fe0, 5, &ack, sizeof(ack)));
	EXPECT_NE(0, ack);
	EXPECT_TRUE(log_contains(&self->d, "memory regions overlap"));
	EXPECT_TRUE(vtierd_alive(&self->d));
}

/*
 * A refused memory table leaves no mapping behind: started rings must not
 * keep pointing at the old one.  The next kick finds the device broken
 * (rings outside guest RAM) instead of crashing vtierd.
 */
TEST_F(hostile, kick_after_refused_memory_table)
{
	struct {
		uint32_t n, pad;
		uint64_t r[2][4];
	} mt = { .n = 2, .r = {
		{ 0, 0x200000, (uint64_t)(uintptr_t)self->fe0.mem, 0 },
		{ 0x100000, 0x200000,
		  (uint64_t)(uintptr_t)(self->fe0.mem + 0x400000), 0x400000 },
	} };
	int fds[2] = { self->fe0.memfd, self->fe0.memfd };
	uint64_t ack = 0;

	ASSERT_EQ(0, vu_fe_request(&self->fe0, 5, 0x8, &mt, sizeof(mt), fds, 2));
	ASSERT_EQ(0, vu_fe_reply(&self->fe0, 5, &ack, sizeof(ack)));
	EXPECT_NE(0, ack);
	vu_fe_kick(&self->fe0, 1);
	vu_fe_kick(&self->fe0, 0);
	check_broken(_metadata, self, "outside guest RAM");
}

/*
 * The ring size may change only on a stopped ring: growing a started one
 * would let the guest index past the memory vtierd checked.  The request
 * is refused, so an avail index jump beyond the real size still breaks
 * the device.
 */
TEST_F(hostile, set_vring_num_on_started_ring)
{
	struct { uint32_t index, num; } st = { 1, 32768 };
	uint64_t ack = 0;

	ASSERT_EQ(0, vu_fe_request(&self->fe0, 8, 0x8, &st, sizeof(st), NULL, 0));
	ASSERT_EQ(0, vu_fe_reply(&self->fe0, 8, &ack, sizeof(ack)));
	EXPECT_NE(0, ack);
	EXPECT_TRUE(log_contains(&self->d, "SET_VRING_NUM on started vring 1"));
	vu_fe_set_avail_idx(&self->fe0, 1, 20000);
	vu_fe_kick(&self->fe0, 1);
	check_broken(_metadata, self, "avail index jumped");
}

TEST_HARNESS_MAIN
