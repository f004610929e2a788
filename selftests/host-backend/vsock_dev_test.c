// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-vsock device alone (host-backend/vsock_dev.c, vsock_rx.c),
 * linked without the daemon and without vtier: a fake app behind its ops,
 * real split rings in a memfd, driven by the test frontend's guest driver
 * (selftests/lib/vu_frontend.c) and the device's memory table, in one
 * process.  Each packet the guest posts is processed by vsock_tx_kick().
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vsock_dev.h"
#include "vu_frontend.h"

#define CID		7
#define PORT		9771
#define GUEST_ALLOC	262144u
#define MAX_APP_FLOWS	4

/* The app: keeps each flow's bytes; "BAD" is refused, "ECHO" echoed. */
struct app_flow {
	struct vsock_flow *f;
	uint32_t len;
	uint8_t got[65536];
};

struct app {
	struct vu_fe *fe;
	bool refuse;
	bool hold;	/* keep received bytes (vsock_flow_hold) */
	unsigned int connects, shutdowns, drains, closes;
	uint32_t shut_flags;
	bool flood;	/* each empty RW posts another: a ring never empty */
	unsigned int accepts, recvs, unmaps, maps, disconnects;
	struct app_flow fl[MAX_APP_FLOWS];
};

static void *app_accept(void *ctx, struct vsock_flow *f)
{
	struct app *a = ctx;
	struct app_flow *af;

	if (a->refuse || a->accepts == MAX_APP_FLOWS)
		return NULL;
	af = &a->fl[a->accepts++];
	af->f = f;
	af->len = 0;
	return af;
}

static int app_recv(void *ctx, void *flow, const uint8_t *data, uint32_t len)
{
	struct app_flow *af = flow;
	struct app *a = ctx;

	a->recvs++;
	if (a->flood && !len) {
		struct vsock_hdr h = {
			.src_cid = CID, .dst_cid = VSOCK_HOST_CID,
			.src_port = af->f->guest_port, .dst_port = PORT,
			.type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RW,
			.buf_alloc = GUEST_ALLOC,
		};

		return vu_fe_send_pkt(a->fe, &h, NULL);
	}
	if (len > sizeof(af->got) - af->len)
		return -ENOBUFS;
	memcpy(af->got + af->len, data, len);
	af->len += len;
	if (a->hold)
		vsock_flow_hold(af->f, len);
	if (len >= 3 && !memcmp(data, "BAD", 3))
		return -EPROTO;
	if (len >= 4 && !memcmp(data, "ECHO", 4))
		return vsock_flow_write(af->f, data, len);
	return 0;
}

static void app_mem_unmap(void *ctx)
{
	((struct app *)ctx)->unmaps++;
}

static void app_mem_mapped(void *ctx)
{
	((struct app *)ctx)->maps++;
}

static void app_disconnected(void *ctx)
{
	((struct app *)ctx)->disconnects++;
}

static const struct vsock_app_ops app_ops = {
	.accept = app_accept, .recv = app_recv, .mem_unmap = app_mem_unmap,
	.mem_mapped = app_mem_mapped, .disconnected = app_disconnected,
};

/* A second app, for every other port, as the forwarder is. */
static void fwd_connected(void *ctx, void *flow)
{
	(void)flow;
	((struct app *)ctx)->connects++;
}

static void fwd_shutdown(void *ctx, void *flow, uint32_t flags)
{
	(void)flow;
	((struct app *)ctx)->shutdowns++;
	((struct app *)ctx)->shut_flags |= flags;
}

static void fwd_drained(void *ctx, void *flow)
{
	(void)flow;
	((struct app *)ctx)->drains++;
}

static void fwd_closed(void *ctx, void *flow)
{
	(void)flow;
	((struct app *)ctx)->closes++;
}

static const struct vsock_app_ops fwd_ops = {
	.accept = app_accept, .recv = app_recv, .connected = fwd_connected,
	.shutdown = fwd_shutdown, .drained = fwd_drained, .closed = fwd_closed,
};

FIXTURE(dev) {
	struct loop loop;
	struct vu_fe fe;
	struct vlog log;
	struct app app, fwd;
	struct vsock_dev d;
	struct fe_pkt p;
};

/* What vhost-user would set up after DRIVER_OK, done directly. */
FIXTURE_SETUP(dev)
{
	struct memtab_region_desc d[2] = {
		{ .gpa = 0, .size = FE_HOLE_START, .mmap_offset = 0 },
		{ .gpa = FE_HOLE_END, .size = FE_RAM_SIZE - FE_HOLE_END,
		  .mmap_offset = FE_HOLE_END },
	};
	const char *why = NULL;
	int fds[2], q;

	ASSERT_EQ(0, vu_fe_adopt(&self->fe, -1));
	vu_fe_rings_reset(&self->fe);
	memset(&self->app, 0, sizeof(self->app));
	memset(&self->fwd, 0, sizeof(self->fwd));
	self->app.fe = self->fwd.fe = &self->fe;
	self->log = (struct vlog){ .name = "vm0" };
	ASSERT_EQ(0, loop_init(&self->loop));
	vsock_dev_init(&self->d, &self->log, &self->loop, CID, PORT, &app_ops,
		       &self->app);
	/* The VMM's addresses of the regions: the frontend's mapping. */
	d[0].uaddr = (uint64_t)(uintptr_t)self->fe.mem;
	d[1].uaddr = (uint64_t)(uintptr_t)(self->fe.mem + FE_HOLE_END);
	fds[0] = fds[1] = self->fe.memfd;
	ASSERT_EQ(0, memtab_set(&self->d.vu.mem, d, 2, fds, &why));
	for (q = 0; q < 2; q++) {
		struct vring *vr = &self->d.vu.vq[q];
		uint8_t *base = self->fe.mem + FE_RING_GPA(q);

		vr->num = FE_QSIZE;
		vr->desc_ua = (uint64_t)(uintptr_t)base;
		vr->avail_ua = (uint64_t)(uintptr_t)(base + FE_AVAIL_OFF);
		vr->used_ua = (uint64_t)(uintptr_t)(base + FE_USED_OFF);
		vr->addr_set = vr->enabled = vr->event_idx = true;
		vr->call_fd = self->fe.call[q];
		ASSERT_EQ(0, vring_map(vr, &self->d.vu.mem, &why));
		vring_start(vr);
	}
}

FIXTURE_TEARDOWN(dev)
{
	memtab_clear(&self->d.vu.mem);
	vsock_dev_close(&self->d);
	loop_close(&self->loop);
	vu_fe_close(&self->fe);
}

/* Post one guest packet and let the device process its tx ring. */
static void guest_send(struct vsock_dev *d, struct vu_fe *fe, uint32_t sport,
		       uint32_t dport, uint16_t op, const void *data,
		       uint32_t len, uint32_t buf_alloc, uint32_t fwd_cnt,
		       bool kick)
{
	struct vsock_hdr h = {
		.src_cid = CID, .dst_cid = VSOCK_HOST_CID,
		.src_port = sport, .dst_port = dport, .len = len,
		.type = VSOCK_TYPE_STREAM, .op = op,
		.buf_alloc = buf_alloc, .fwd_cnt = fwd_cnt,
	};

	vu_fe_send_pkt(fe, &h, data);
	if (kick)
		vsock_tx_kick(d);
}

static int connect_port(struct vsock_dev *d, struct vu_fe *fe,
			struct fe_pkt *p, uint32_t sport, uint32_t buf_alloc)
{
	guest_send(d, fe, sport, PORT, VSOCK_OP_REQUEST, NULL, 0, buf_alloc, 0, true);
	return vu_fe_recv_pkt(fe, p, 0) ? -1 : p->h.op;
}

TEST_F(dev, a_request_to_the_port_is_accepted_once_and_answered)
{
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	EXPECT_EQ(2, self->p.h.src_cid);
	EXPECT_EQ(CID, self->p.h.dst_cid);
	EXPECT_EQ(PORT, self->p.h.src_port);
	EXPECT_EQ(1025, self->p.h.dst_port);
	EXPECT_EQ(VSOCK_BUF_ALLOC, self->p.h.buf_alloc);
	EXPECT_EQ(1, self->app.accepts);
	EXPECT_TRUE(self->app.fl[0].f == &self->d.flow[0]);
	/* Nothing more to say. */
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
}

TEST_F(dev, another_port_or_an_app_refusal_gets_rst)
{
	guest_send(&self->d, &self->fe, 1025, PORT + 1, VSOCK_OP_REQUEST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_EQ(PORT + 1, self->p.h.src_port);
	EXPECT_EQ(0, self->app.accepts);

	self->app.refuse = true;
	ASSERT_EQ(VSOCK_OP_RST, connect_port(&self->d, &self->fe, &self->p, 1026,
				       GUEST_ALLOC));
	EXPECT_FALSE(self->d.flow[0].used);
}

TEST_F(dev, bytes_reach_the_app_in_order_and_its_answer_the_guest)
{
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, "ECHO ", 5,
		   GUEST_ALLOC, 0, false);
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, "ping", 4,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(9, self->app.fl[0].len);
	EXPECT_EQ(0, memcmp(self->app.fl[0].got, "ECHO ping", 9));
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	ASSERT_EQ(5, self->p.h.len);
	EXPECT_EQ(0, memcmp(self->p.data, "ECHO ", 5));
	/* The host consumed all 9 bytes at once. */
	EXPECT_EQ(9, self->p.h.fwd_cnt);
}

TEST_F(dev, bytes_the_app_refuses_end_only_that_flow)
{
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1026, GUEST_ALLOC));
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, "BAD", 3,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_EQ(1025, self->p.h.dst_port);

	guest_send(&self->d, &self->fe, 1026, PORT, VSOCK_OP_RW, "ECHO", 4,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	EXPECT_EQ(1026, self->p.h.dst_port);

	/* The ended flow is unknown now: RST, and the app hears nothing. */
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, "ECHO", 4,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_EQ(1025, self->p.h.dst_port);
	EXPECT_EQ(3, self->app.fl[0].len);
	EXPECT_EQ(2, self->app.recvs);
}

TEST_F(dev, credit_update_when_the_guest_view_falls_below_half)
{
	static uint8_t chunk[4096];
	int i;

	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	for (i = 0; i < 4; i++)		/* 16384: exactly half left */
		guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, chunk,
			   sizeof(chunk), GUEST_ALLOC, 0, true);
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, chunk, 1,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_CREDIT_UPDATE, self->p.h.op);
	EXPECT_EQ(16385, self->p.h.fwd_cnt);
	EXPECT_EQ(VSOCK_BUF_ALLOC, self->p.h.buf_alloc);
	EXPECT_EQ(16385, self->app.fl[0].len);
}

TEST_F(dev, sending_past_the_credit_resets_the_flow)
{
	static uint8_t chunk[4096];
	int i;

	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	/* 32 KiB, all the credit, and one byte more before any answer. */
	for (i = 0; i < 8; i++)
		guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, chunk,
			   sizeof(chunk), GUEST_ALLOC, 0, false);
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, chunk, 1,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(VSOCK_BUF_ALLOC, self->app.fl[0].len);
	while (!vu_fe_recv_pkt(&self->fe, &self->p, 0) &&
	       self->p.h.op != VSOCK_OP_RST)
		;
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_FALSE(self->d.flow[0].used);
	EXPECT_NE(NULL, strstr(self->log.last_error, "bytes of credit"));
}

TEST_F(dev, the_host_never_sends_past_the_guest_credit)
{
	static uint8_t echo[300] = "ECHO";

	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, 100));
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, echo, sizeof(echo),
		   100, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	EXPECT_EQ(100, self->p.h.len);
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	/* The guest read 100 bytes: 100 more may come, no more. */
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_CREDIT_UPDATE, NULL, 0,
		   100, 100, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	EXPECT_EQ(100, self->p.h.len);
	EXPECT_EQ(0, memcmp(self->p.data, echo + 100, 100));
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
}

TEST_F(dev, a_packet_from_another_cid_is_dropped_without_answer)
{
	struct vsock_hdr h = {
		.src_cid = CID + 1, .dst_cid = VSOCK_HOST_CID,
		.src_port = 1025, .dst_port = PORT,
		.type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_REQUEST,
		.buf_alloc = GUEST_ALLOC,
	};

	vu_fe_send_pkt(&self->fe, &h, NULL);
	vsock_tx_kick(&self->d);
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(1, self->d.bad_packets);
	EXPECT_EQ(0, self->app.accepts);
	EXPECT_NE(NULL, strstr(self->log.last_error, "source CID"));
}

TEST_F(dev, a_guest_rst_ends_the_flow)
{
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_FALSE(self->d.flow[0].used);
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, "ECHO", 4,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_EQ(0, self->app.recvs);
}

TEST_F(dev, a_bad_descriptor_breaks_the_device_and_drops_every_flow)
{
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	vu_fe_post(&self->fe, FE_TX, 200);	/* head past the ring size */
	vsock_tx_kick(&self->d);
	EXPECT_TRUE(self->d.vu.broken);
	EXPECT_FALSE(self->d.flow[0].used);
	EXPECT_NE(NULL, strstr(self->log.last_error, "device broken: tx ring"));
	/* Stopped until a reset: the device reads nothing more. */
	guest_send(&self->d, &self->fe, 1026, PORT, VSOCK_OP_REQUEST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(1, self->app.accepts);
}

/*
 * A guest whose tx ring is never empty (each packet taken, another is
 * there, as a vCPU refilling it as fast as vtierd reads): one kick takes
 * VSOCK_TX_BUDGET_PKTS packets and returns, with the device's eventfd
 * armed so that the loop comes back to it after serving others.  Without
 * a budget the kick would never return (the harness's timeout fails it).
 */
TEST_F_TIMEOUT(dev, a_ring_that_is_never_empty_yields_after_the_budget, 10)
{
	struct pollfd pfd;

	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1025, GUEST_ALLOC));
	self->app.flood = true;
	guest_send(&self->d, &self->fe, 1025, PORT, VSOCK_OP_RW, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(VSOCK_TX_BUDGET_PKTS, self->app.recvs);
	EXPECT_EQ(1, self->d.tx_yields);
	pfd = (struct pollfd){ .fd = self->d.ev_more.fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	/* The loop's next turn is the device's next budget. */
	ASSERT_EQ(0, loop_run_once(&self->loop, 0));
	EXPECT_EQ(2 * VSOCK_TX_BUDGET_PKTS, self->app.recvs);
	EXPECT_EQ(2, self->d.tx_yields);
	EXPECT_TRUE(self->d.flow[0].used);
	EXPECT_FALSE(self->d.vu.broken);
}

TEST_F(dev, a_second_app_serves_every_other_port)
{
	vsock_dev_set_forward(&self->d, &fwd_ops, &self->fwd);
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_REQUEST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RESPONSE, self->p.h.op);
	EXPECT_EQ(5000, self->p.h.src_port);
	EXPECT_EQ(1, self->fwd.accepts);
	EXPECT_EQ(0, self->app.accepts);
	EXPECT_EQ(5000, self->d.flow[0].host_port);
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_RW, "ECHO", 4,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	EXPECT_EQ(5000, self->p.h.src_port);
	EXPECT_EQ(1, self->fwd.drains);	/* its bytes went out: room again */
	/* The service's port is still the service's. */
	ASSERT_EQ(VSOCK_OP_RESPONSE, connect_port(&self->d, &self->fe, &self->p,
					    1026, GUEST_ALLOC));
	EXPECT_EQ(1, self->app.accepts);
	/* The second app hears of the flow's end; the service has no such op. */
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_RST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(1, self->fwd.closes);
	EXPECT_FALSE(self->d.flow[0].used);
}

TEST_F(dev, a_host_initiated_flow_asks_the_guest_first)
{
	struct vsock_flow *f;
	uint32_t hport;

	EXPECT_EQ(NULL, vsock_dev_connect(&self->d, 7000, &self->fwd));
	vsock_dev_set_forward(&self->d, &fwd_ops, &self->fwd);
	self->fwd.fl[0].f = f = vsock_dev_connect(&self->d, 7000, &self->fwd.fl[0]);
	ASSERT_NE(NULL, f);
	hport = f->host_port;
	EXPECT_LE(VSOCK_FIRST_HOST_PORT, hport);
	ASSERT_EQ(0, vsock_flow_write(f, "early", 5));
	vsock_rx_flush(&self->d);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_REQUEST, self->p.h.op);
	EXPECT_EQ(hport, self->p.h.src_port);
	EXPECT_EQ(7000, self->p.h.dst_port);
	EXPECT_EQ(VSOCK_BUF_ALLOC, self->p.h.buf_alloc);
	/* Nothing flows before the guest answers. */
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	guest_send(&self->d, &self->fe, 7000, hport, VSOCK_OP_RESPONSE, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(1, self->fwd.connects);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	EXPECT_EQ(0, memcmp(self->p.data, "early", 5));
	/* A second flow takes another port; a guest RST ends the first. */
	f = vsock_dev_connect(&self->d, 7000, &self->fwd.fl[1]);
	ASSERT_NE(NULL, f);
	EXPECT_NE(hport, f->host_port);
	guest_send(&self->d, &self->fe, 7000, hport, VSOCK_OP_RST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	EXPECT_EQ(1, self->fwd.closes);
}

TEST_F(dev, held_bytes_count_against_the_credit_until_consumed)
{
	static uint8_t chunk[5000];
	struct vsock_flow *f = &self->d.flow[0];
	int i;

	vsock_dev_set_forward(&self->d, &fwd_ops, &self->fwd);
	self->fwd.hold = true;
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_REQUEST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	for (i = 0; i < 8; i++)		/* all 32 KiB of credit, held */
		guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_RW, chunk,
			   4096, GUEST_ALLOC, 0, true);
	EXPECT_EQ(VSOCK_BUF_ALLOC, f->held);
	/* Nothing consumed: no credit to give. */
	EXPECT_EQ(-1, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	vsock_flow_consumed(f, 20000);
	vsock_rx_flush(&self->d);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_CREDIT_UPDATE, self->p.h.op);
	EXPECT_EQ(20000, self->p.h.fwd_cnt);
	/* 20000 bytes of credit again, and not one more. */
	for (i = 0; i < 4; i++)
		guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_RW, chunk,
			   5000, GUEST_ALLOC, 0, true);
	EXPECT_TRUE(vsock_flow_open(f));
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_RW, chunk, 1,
		   GUEST_ALLOC, 0, true);
	EXPECT_FALSE(vsock_flow_open(f));
	EXPECT_NE(NULL, strstr(self->log.last_error, "bytes of credit"));
}

TEST_F(dev, a_half_close_is_the_apps_to_finish)
{
	const struct vsock_hdr shut = {
		.src_cid = CID, .dst_cid = VSOCK_HOST_CID,
		.src_port = 1025, .dst_port = 5000,
		.type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_SHUTDOWN,
		.flags = VSOCK_SHUTDOWN_SEND, .buf_alloc = GUEST_ALLOC,
	};
	struct vsock_flow *f = &self->d.flow[0];

	vsock_dev_set_forward(&self->d, &fwd_ops, &self->fwd);
	guest_send(&self->d, &self->fe, 1025, 5000, VSOCK_OP_REQUEST, NULL, 0,
		   GUEST_ALLOC, 0, true);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	/* The guest sends no more; the flow stays open the other way. */
	vu_fe_send_pkt(&self->fe, &shut, NULL);
	vsock_tx_kick(&self->d);
	EXPECT_EQ(1, self->fwd.shutdowns);
	EXPECT_EQ(VSOCK_SHUTDOWN_SEND, self->fwd.shut_flags);
	EXPECT_TRUE(vsock_flow_open(f));
	ASSERT_EQ(0, vsock_flow_write(f, "tail", 4));
	vsock_flow_shutdown(f);	/* ours too, after the bytes */
	vsock_rx_flush(&self->d);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RW, self->p.h.op);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_SHUTDOWN, self->p.h.op);
	EXPECT_EQ(VSOCK_SHUTDOWN_SEND, self->p.h.flags);
	EXPECT_TRUE(f->used);
	vsock_flow_close(f, false);	/* both done: RST */
	vsock_rx_flush(&self->d);
	ASSERT_EQ(0, vu_fe_recv_pkt(&self->fe, &self->p, 0));
	EXPECT_EQ(VSOCK_OP_RST, self->p.h.op);
	EXPECT_FALSE(f->used);
	EXPECT_EQ(1, self->fwd.closes);
}

TEST_HARNESS_MAIN
