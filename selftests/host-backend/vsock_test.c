// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd through a test frontend: vhost-user set-up, vsock connections,
 * the vtier session (HELLO, HINTS -> ACK, pages table), invalid frames and
 * credit.  Two VMs are served; the second one proves isolation.
 */
#include <sys/types.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

FIXTURE(vtierd) {
	struct vtierd_child d;
	struct vu_fe fe0;
};

FIXTURE_SETUP(vtierd)
{
	static const char *const extra[] = { NULL, ",cid=5" };

	ASSERT_EQ(0, vtierd_start(&self->d, 2, extra));
	ASSERT_EQ(0, fe_up(&self->fe0, self->d.sock[0]));
}

FIXTURE_TEARDOWN(vtierd)
{
	vu_fe_close(&self->fe0);
	EXPECT_EQ(0, vtierd_stop(&self->d));
	vtierd_cleanup(&self->d);
}

TEST_F(vtierd, config_reports_each_vms_cid)
{
	struct vu_fe fe1;

	EXPECT_EQ(3, self->fe0.cid);
	ASSERT_EQ(0, fe_up(&fe1, self->d.sock[1]));
	EXPECT_EQ(5, fe1.cid);
	/* the features QEMU 7.2 needs */
	EXPECT_TRUE(self->fe0.features & (1ull << 32));
	EXPECT_TRUE(self->fe0.features & (1ull << 30));
	EXPECT_TRUE(self->fe0.protocol_features & (1ull << 9));
	vu_fe_close(&fe1);
}

TEST_F(vtierd, connect_to_vtier_port_gets_response)
{
	struct fe_conn c;

	EXPECT_EQ(VSOCK_OP_RESPONSE,
		  fe_conn_open(&self->fe0, &c, 50000, VTIER_DEFAULT_PORT));
	EXPECT_GT(c.peer_buf_alloc, 0);
}

TEST_F(vtierd, connect_to_other_port_gets_rst)
{
	struct fe_conn c;

	EXPECT_EQ(VSOCK_OP_RST, fe_conn_open(&self->fe0, &c, 50001, 1234));
	/* and the device still works */
	EXPECT_EQ(VSOCK_OP_RESPONSE,
		  fe_conn_open(&self->fe0, &c, 50002, VTIER_DEFAULT_PORT));
}

TEST_F(vtierd, direct_descriptors_work_too)
{
	struct vtier_msg w;
	struct fe_conn c;

	self->fe0.use_indirect = false;
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50003, &w));
}

TEST_F(vtierd, hello_gets_welcome)
{
	struct vtier_msg w;
	struct fe_conn c;
	json_t *root, *vm;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50004, &w));
	EXPECT_EQ(VTIER_PROTO_VERSION, w.welcome.proto_version);
	EXPECT_EQ(VTIER_CAP_OBSERVE, w.welcome.caps);
	EXPECT_EQ(0, w.welcome.quota_pages);
	EXPECT_EQ(VTIER_MAX_HINTS, w.welcome.max_hints);
	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_TRUE(json_is_true(json_object_get(vm, "vhost_connected")));
	EXPECT_TRUE(json_is_true(json_object_get(vm, "guest_connected")));
	EXPECT_TRUE(json_is_true(json_object_get(vm, "observe_only")));
	EXPECT_STREQ("replay", jstr(vm, "sampler"));
	json_decref(root);
	EXPECT_TRUE(log_contains(&self->d, "observe-only"));
}

TEST_F(vtierd, event_idx_avail_event_published)
{
	struct vtier_msg w;
	struct fe_conn c;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50005, &w));
	/* vtierd asked to be kicked at the next tx buffer */
	EXPECT_EQ(self->fe0.avail_idx[FE_TX],
		  vu_fe_avail_event(&self->fe0, FE_TX));
	/* and a second exchange still works (kicks did not stop) */
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50006, &w));
}

static json_t *find_page(json_t *pages, long long gpfn)
{
	json_t *p;
	size_t i;

	json_array_foreach(pages, i, p)
		if (jint(p, "gpfn") == gpfn)
			return p;
	return NULL;
}

TEST_F(vtierd, hints_are_translated_acked_and_listed)
{
	struct vtier_hint_host h[4] = {
		{ .gpfn = 0x10, .order = 0, .action = VTIER_HINT_PROMOTE },
		{ .gpfn = 0x500, .order = 0, .action = VTIER_HINT_DEMOTE },
		{ .gpfn = 0xa0, .order = 0, .action = VTIER_HINT_PROMOTE },
		{ .gpfn = 0x600, .order = 9, .action = VTIER_HINT_PROMOTE },
	};
	char pattern[64], back[64];
	uint8_t buf[256];
	struct vtier_msg w, ack;
	struct fe_conn c;
	json_t *root, *pages, *p, *vm;
	int n;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50007, &w));
	snprintf(pattern, sizeof(pattern), "frame 0x500 written by the test");
	memcpy(self->fe0.mem + 0x500000, pattern, sizeof(pattern));
	n = vtier_enc_hints(buf, sizeof(buf), 2, h, 4);
	ASSERT_GT(n, 0);
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, buf, (uint32_t)n));
	ASSERT_EQ(0, recv_msg(&self->fe0, &c, &ack));
	ASSERT_EQ(VTIER_MSG_ACK, ack.type);
	EXPECT_EQ(2, ack.ack.batch_seq);
	EXPECT_EQ(3, ack.ack.applied);	/* 0xa0 is in the VGA hole */
	EXPECT_EQ(1, ack.ack.rejected);
	EXPECT_EQ(0, ack.ack.deferred);

	root = vtierctl_json(&self->d, "pages vm0");
	ASSERT_NE(NULL, root);
	EXPECT_STREQ("vm0", jstr(root, "vm"));
	EXPECT_EQ(getpid(), jint(root, "vmm_pid"));
	pages = json_object_get(root, "pages");
	EXPECT_EQ(1 + 1 + 512, json_array_size(pages));
	EXPECT_EQ(NULL, find_page(pages, 0xa0));

	p = find_page(pages, 0x10);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x10000, jint(p, "gpa"));
	EXPECT_EQ(0, jint(p, "region"));
	EXPECT_EQ(0, jint(p, "region_gpa"));
	EXPECT_EQ(0x10000, jint(p, "mmap_offset"));
	EXPECT_EQ((long long)(uintptr_t)(self->fe0.mem + 0x10000), jint(p, "vmm_addr"));
	EXPECT_STREQ("promote", jstr(p, "last_action"));

	p = find_page(pages, 0x500);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(1, jint(p, "region"));
	EXPECT_EQ(FE_HOLE_END, jint(p, "region_gpa"));
	EXPECT_EQ(0x500000, jint(p, "mmap_offset"));
	EXPECT_EQ(1, jint(p, "hints"));
	EXPECT_STREQ("demote", jstr(p, "last_action"));
	/* the frame vtierd named holds what the guest wrote */
	ASSERT_EQ(sizeof(back), pread(self->fe0.memfd, back, sizeof(back),
				      jint(p, "mmap_offset")));
	EXPECT_EQ(0, memcmp(pattern, back, sizeof(back)));

	p = find_page(pages, 0x600 + 511);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x600000 + 511 * 4096, jint(p, "mmap_offset"));
	json_decref(root);

	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(4, jint(vm, "hints_received"));
	EXPECT_EQ(3, jint(vm, "hints_translated"));
	EXPECT_EQ(1, jint(vm, "hints_rejected"));
	EXPECT_EQ(1, jint(vm, "batches"));
	EXPECT_EQ(514, jint(vm, "would_move_pages"));
	EXPECT_EQ(0, jint(vm, "frames_rejected"));
	json_decref(root);
}

TEST_F(vtierd, report_is_counted)
{
	uint64_t hist[VTIER_HIST_BUCKETS] = { 1, 2, 3 };
	struct vtier_msg w;
	struct fe_conn c;
	uint8_t buf[256];
	json_t *root, *vm;
	int n;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50008, &w));
	n = vtier_enc_report(buf, sizeof(buf), 2, 1000, 1000, 100, 5000, hist);
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, buf, (uint32_t)n));
	/* a second HELLO-less frame pair: HINTS after REPORT still works */
	n = vtier_enc_hints(buf, sizeof(buf), 3,
			    &(struct vtier_hint_host){ .gpfn = 0x300,
						       .action = VTIER_HINT_PROMOTE }, 1);
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, buf, (uint32_t)n));
	ASSERT_EQ(0, recv_msg(&self->fe0, &c, &w));
	EXPECT_EQ(VTIER_MSG_ACK, w.type);
	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(1, jint(vm, "reports"));
	json_decref(root);
}

TEST_F(vtierd, invalid_frame_closes_only_that_connection)
{
	uint8_t junk[16] = "not a vtier hdr";
	struct vtier_msg w, bye;
	struct fe_conn c, c2, c1;
	struct vu_fe fe1;
	json_t *root, *vm;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50009, &w));
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, junk, sizeof(junk)));
	ASSERT_EQ(0, recv_msg(&self->fe0, &c, &bye));
	EXPECT_EQ(VTIER_MSG_BYE, bye.type);
	EXPECT_EQ(VTIER_BYE_PROTOCOL, bye.bye.reason);
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&self->fe0, &c, WAIT_MS));
	EXPECT_TRUE(log_contains(&self->d,
		"vtierd: vm0: rejected frame: bad magic; closing connection"));

	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(1, jint(vm, "frames_rejected"));
	EXPECT_STREQ("rejected frame: bad magic", jstr(vm, "last_error"));
	json_decref(root);

	/* the same VM takes a new connection, another VM is untouched */
	ASSERT_EQ(0, vtier_hello(&self->fe0, &c2, 50010, &w));
	ASSERT_EQ(0, fe_up(&fe1, self->d.sock[1]));
	ASSERT_EQ(0, vtier_hello(&fe1, &c1, 50011, &w));
	vu_fe_close(&fe1);
}

TEST_F(vtierd, hints_before_hello_are_rejected)
{
	struct vtier_hint_host h = { .gpfn = 1, .action = VTIER_HINT_PROMOTE };
	struct fe_conn c;
	uint8_t buf[64];
	int n;

	ASSERT_EQ(VSOCK_OP_RESPONSE,
		  fe_conn_open(&self->fe0, &c, 50012, VTIER_DEFAULT_PORT));
	n = vtier_enc_hints(buf, sizeof(buf), 1, &h, 1);
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, buf, (uint32_t)n));
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&self->fe0, &c, WAIT_MS));
	EXPECT_TRUE(log_contains(&self->d, "rejected frame: HINTS before HELLO"));
}

TEST_F(vtierd, hint_past_max_pfn_is_rejected)
{
	struct vtier_hint_host h = { .gpfn = FE_MAX_PFN, .action = VTIER_HINT_PROMOTE };
	struct vtier_msg w;
	struct fe_conn c;
	uint8_t buf[64];
	int n;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50013, &w));
	n = vtier_enc_hints(buf, sizeof(buf), 2, &h, 1);
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, buf, (uint32_t)n));
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&self->fe0, &c, WAIT_MS));
	EXPECT_TRUE(log_contains(&self->d, "rejected frame: frame number past guest RAM"));
}

TEST_F(vtierd, sending_past_credit_gets_rst)
{
	static uint8_t big[40000];
	struct fe_conn c;

	ASSERT_EQ(VSOCK_OP_RESPONSE,
		  fe_conn_open(&self->fe0, &c, 50014, VTIER_DEFAULT_PORT));
	ASSERT_LT(c.peer_buf_alloc, sizeof(big));
	ASSERT_EQ(0, fe_conn_send(&self->fe0, &c, big, sizeof(big)));
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&self->fe0, &c, WAIT_MS));
	EXPECT_TRUE(log_contains(&self->d, "bytes of credit; resetting connection"));
}

TEST_F(vtierd, guest_shutdown_gets_rst)
{
	struct vtier_msg w;
	struct fe_conn c;

	ASSERT_EQ(0, vtier_hello(&self->fe0, &c, 50015, &w));
	ASSERT_EQ(0, fe_conn_send_op(&self->fe0, &c, VSOCK_OP_SHUTDOWN, 3));
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&self->fe0, &c, WAIT_MS));
}

TEST_HARNESS_MAIN
