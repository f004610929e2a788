// SPDX-License-Identifier: GPL-2.0
/*
 * The vtier session alone (host-backend/session.c), linked without the
 * daemon: frames go in as the guest's bytes, the session's results come
 * out through its ops (a recording upper layer) and as frames queued on a
 * plain struct vsock_flow.  Guest RAM is a memfd with a hole, through a
 * real memory table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memtab.h"
#include "session.h"
#include "vtier_proto.h"

#define RAM_BYTES	(4u << 20)
#define HOLE_START	0xa0000u
#define HOLE_END	0x100000u
#define TOP_PFN		(RAM_BYTES / 4096)
#define MAX_CALLS	8

/* The layer above: records what the session reports. */
struct upper {
	unsigned int hint_calls, report_calls;
	unsigned int nhints[MAX_CALLS];
	struct vtier_hint_host hints[MAX_CALLS][8];
	uint32_t defer;		/* hints of each batch it defers */
	struct vtier_msg report;
};

static void up_hints(void *ctx, const struct vtier_hint_host *h,
		     unsigned int n, struct session_ack *ack)
{
	struct upper *u = ctx;
	unsigned int i;

	if (u->hint_calls < MAX_CALLS) {
		u->nhints[u->hint_calls] = n;
		for (i = 0; i < n && i < 8; i++)
			u->hints[u->hint_calls][i] = h[i];
	}
	u->hint_calls++;
	ack->deferred = u->defer < n ? u->defer : n;
	ack->applied = n - ack->deferred;
}

static void up_report(void *ctx, const struct vtier_msg *m)
{
	struct upper *u = ctx;

	u->report_calls++;
	u->report = *m;
}

static const struct session_ops up_ops = {
	.hints = up_hints, .report = up_report,
};

FIXTURE(session) {
	int memfd;
	struct memtab mem;
	struct page_table pages;
	struct vlog log;
	uint64_t quota;
	struct session_vm sv;
	struct vsock_flow flow;
	struct session s;
	struct upper up;
	uint32_t seq;
	uint32_t out_pos;	/* frames of flow.out already read */
};

FIXTURE_SETUP(session)
{
	const struct memtab_region_desc d[2] = {
		{ .gpa = 0, .size = HOLE_START, .uaddr = 0x7f0000000000ull,
		  .mmap_offset = 0 },
		{ .gpa = HOLE_END, .size = RAM_BYTES - HOLE_END,
		  .uaddr = 0x7f0000000000ull + HOLE_END,
		  .mmap_offset = HOLE_END },
	};
	const char *why = NULL;
	int fds[2];

	memset(&self->up, 0, sizeof(self->up));
	self->memfd = memfd_create("session-test-ram", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, RAM_BYTES));
	fds[0] = fds[1] = self->memfd;
	memtab_init(&self->mem);
	ASSERT_EQ(0, memtab_set(&self->mem, d, 2, fds, &why));
	pages_init(&self->pages, PAGES_DEFAULT_LIMIT);
	self->log = (struct vlog){ .name = "vm0" };
	self->quota = 512;
	memset(&self->sv, 0, sizeof(self->sv));
	self->sv.log = &self->log;
	self->sv.mem = &self->mem;
	self->sv.pages = &self->pages;
	self->sv.quota_pages = &self->quota;
	self->sv.caps = VTIER_CAP_OBSERVE;
	self->sv.ops = &up_ops;
	self->sv.ctx = &self->up;
	memset(&self->flow, 0, sizeof(self->flow));
	self->flow.used = true;
	self->flow.guest_port = 1025;
	session_init(&self->s, &self->sv, &self->flow);
	self->seq = 0;
	self->out_pos = 0;
}

FIXTURE_TEARDOWN(session)
{
	pages_clear(&self->pages);
	memtab_clear(&self->mem);
	close(self->memfd);
}

/* Feed a frame, n bytes per call (0: all at once). */
static int feed(struct session *s, const uint8_t *buf, int len, int n)
{
	int off, r = 0;

	if (n <= 0)
		return session_input(s, buf, (uint32_t)len);
	for (off = 0; off < len && !r; off += n)
		r = session_input(s, buf + off,
				  (uint32_t)(len - off < n ? len - off : n));
	return r;
}

/* The next frame the session queued towards the guest, decoded. */
static int next_out(struct vsock_flow *f, uint32_t *pos, struct vtier_msg *m)
{
	const struct vtier_hdr *h = (const void *)(f->out + *pos);
	struct vtier_limits lim = { 0 };
	const char *why;
	uint16_t type;
	uint32_t len;

	if (f->out_len - *pos < sizeof(*h) ||
	    vtier_hdr_check(h, &type, &len, &why) ||
	    f->out_len - *pos < sizeof(*h) + len ||
	    vtier_decode(type, le32_to_cpu(h->seq), h + 1, len, &lim, m, &why))
		return -1;
	*pos += (uint32_t)sizeof(*h) + len;
	return 0;
}

static int hello(struct session *s, uint32_t seq, uint64_t max_pfn)
{
	uint8_t buf[64];
	int n = vtier_enc_hello(buf, sizeof(buf), seq, VTIER_SAMPLER_REPLAY,
				4096, max_pfn * 4096 - (HOLE_END - HOLE_START),
				max_pfn);

	return feed(s, buf, n, 0);
}

TEST_F(session, hello_is_answered_with_welcome_offering_caps_and_quota)
{
	struct vtier_msg m;

	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	EXPECT_EQ(VTIER_MSG_WELCOME, m.type);
	EXPECT_EQ(VTIER_CAP_OBSERVE, m.welcome.caps);
	EXPECT_EQ(512, m.welcome.quota_pages);
	EXPECT_EQ(VTIER_MAX_HINTS, m.welcome.max_hints);
	EXPECT_TRUE(session_ready(&self->s));
	EXPECT_EQ(VTIER_SAMPLER_REPLAY, self->sv.sampler);
	EXPECT_EQ(0, self->up.hint_calls);
}

TEST_F(session, hints_in_ram_are_reported_once_and_the_ack_counts_all)
{
	const struct vtier_hint_host h[4] = {
		{ .gpfn = 16, .order = 0, .action = VTIER_HINT_PROMOTE },
		{ .gpfn = HOLE_START / 4096 + 1, .order = 0,	/* in the hole */
		  .action = VTIER_HINT_PROMOTE },
		{ .gpfn = 512, .order = 9, .action = VTIER_HINT_DEMOTE },
		{ .gpfn = 17, .order = 0, .action = VTIER_HINT_DEMOTE },
	};
	uint8_t buf[256];
	struct vtier_msg m;
	int n;

	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	self->up.defer = 1;
	n = vtier_enc_hints(buf, sizeof(buf), 2, h, 4);
	ASSERT_LT(0, n);
	/* One byte at a time: reassembly must not report anything twice. */
	ASSERT_EQ(0, feed(&self->s, buf, n, 1));

	ASSERT_EQ(1, self->up.hint_calls);
	ASSERT_EQ(3, self->up.nhints[0]);
	EXPECT_EQ(16, self->up.hints[0][0].gpfn);
	EXPECT_EQ(512, self->up.hints[0][1].gpfn);
	EXPECT_EQ(9, self->up.hints[0][1].order);
	EXPECT_EQ(VTIER_HINT_DEMOTE, self->up.hints[0][1].action);
	EXPECT_EQ(17, self->up.hints[0][2].gpfn);

	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	EXPECT_EQ(VTIER_MSG_ACK, m.type);
	EXPECT_EQ(2, m.ack.batch_seq);
	EXPECT_EQ(2, m.ack.applied);
	EXPECT_EQ(1, m.ack.rejected);
	EXPECT_EQ(1, m.ack.deferred);

	EXPECT_EQ(4, self->sv.st.hints_received);
	EXPECT_EQ(3, self->sv.st.hints_translated);
	EXPECT_EQ(1, self->sv.st.hints_rejected);
	EXPECT_EQ(1, self->sv.st.batches);
	EXPECT_EQ(1 + 512 + 1, self->sv.st.would_move_pages);
	/* vtierctl pages: one entry per translated frame. */
	EXPECT_EQ(1 + 512 + 1, self->pages.count);
	EXPECT_NE(NULL, pages_get(&self->pages, 512 + 511));
}

TEST_F(session, a_bad_frame_is_refused_with_bye_and_nothing_goes_up)
{
	uint8_t buf[256];
	struct vtier_msg m;
	const struct vtier_hint_host h = { .gpfn = 16, .action = 1 };
	int n;

	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	n = vtier_enc_hints(buf, sizeof(buf), 2, &h, 1);
	buf[0] ^= 0xff;		/* bad magic */
	EXPECT_EQ(-EPROTO, feed(&self->s, buf, n, 0));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	EXPECT_EQ(VTIER_MSG_BYE, m.type);
	EXPECT_EQ(VTIER_BYE_PROTOCOL, m.bye.reason);
	EXPECT_EQ(1, self->sv.st.frames_rejected);
	EXPECT_NE(NULL, strstr(self->log.last_error, "rejected frame"));
	EXPECT_FALSE(session_ready(&self->s));

	/* The session is done: a good frame afterwards is ignored. */
	buf[0] ^= 0xff;
	EXPECT_EQ(0, feed(&self->s, buf, n, 0));
	EXPECT_EQ(0, self->up.hint_calls);
	EXPECT_EQ(-1, next_out(&self->flow, &self->out_pos, &m));
}

TEST_F(session, hints_before_hello_and_a_second_hello_are_refused)
{
	const struct vtier_hint_host h = { .gpfn = 16, .action = 1 };
	uint8_t buf[128];
	struct vtier_msg m;
	int n = vtier_enc_hints(buf, sizeof(buf), 1, &h, 1);

	EXPECT_EQ(-EPROTO, feed(&self->s, buf, n, 0));
	EXPECT_EQ(0, self->up.hint_calls);
	EXPECT_NE(NULL, strstr(self->log.last_error, "before HELLO"));

	session_init(&self->s, &self->sv, &self->flow);
	self->flow.out_len = self->out_pos = 0;
	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	EXPECT_EQ(-EPROTO, hello(&self->s, 2, TOP_PFN));
	EXPECT_NE(NULL, strstr(self->log.last_error, "HELLO repeated"));
	EXPECT_EQ(2, self->sv.st.frames_rejected);
}

TEST_F(session, hello_beyond_the_memory_table_is_refused)
{
	EXPECT_EQ(-EPROTO, hello(&self->s, 1, TOP_PFN + 1));
	EXPECT_FALSE(session_ready(&self->s));
	EXPECT_EQ(1, self->sv.st.frames_rejected);
}

TEST_F(session, a_hint_past_max_pfn_of_hello_is_refused)
{
	const struct vtier_hint_host h = { .gpfn = 100, .action = 1 };
	uint8_t buf[128];
	struct vtier_msg m;
	int n;

	ASSERT_EQ(0, hello(&self->s, 1, 100));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	n = vtier_enc_hints(buf, sizeof(buf), 2, &h, 1);
	EXPECT_EQ(-EPROTO, feed(&self->s, buf, n, 0));
	EXPECT_EQ(0, self->up.hint_calls);
}

TEST_F(session, a_report_goes_up_with_its_fields)
{
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 };
	uint8_t buf[512];
	struct vtier_msg m;
	int n;

	hist[3] = 40;
	hist[7] = 2;
	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	n = vtier_enc_report(buf, sizeof(buf), 2, 1000, 200, 42, 5000, hist);
	ASSERT_EQ(0, feed(&self->s, buf, n, 7));
	ASSERT_EQ(1, self->up.report_calls);
	EXPECT_EQ(1000, self->up.report.report.sample_rate);
	EXPECT_EQ(200, self->up.report.report.epoch_ms);
	EXPECT_EQ(42, self->up.report.report.wss_pages);
	EXPECT_EQ(5000, self->up.report.report.samples);
	EXPECT_EQ(40, self->up.report.report.hist[3]);
	EXPECT_EQ(2, self->up.report.report.hist[7]);
	EXPECT_EQ(1, self->sv.st.reports);
	/* A REPORT has no answer. */
	EXPECT_EQ(-1, next_out(&self->flow, &self->out_pos, &m));
}

TEST_F(session, quota_goes_out_only_on_a_ready_session)
{
	struct vtier_msg m;

	session_quota(&self->s, 64);
	EXPECT_EQ(0, self->flow.out_len);
	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	session_quota(&self->s, 64);
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	EXPECT_EQ(VTIER_MSG_QUOTA, m.type);
	EXPECT_EQ(64, m.quota.quota_pages);
	/* Its seq follows WELCOME's. */
	EXPECT_EQ(2, m.seq);
}

TEST_F(session, a_guest_that_does_not_read_loses_its_session)
{
	const struct vtier_hint_host h = { .gpfn = 16, .action = 1 };
	uint8_t buf[128];
	struct vtier_msg m;
	int n, i, r = 0;

	ASSERT_EQ(0, hello(&self->s, 1, TOP_PFN));
	ASSERT_EQ(0, next_out(&self->flow, &self->out_pos, &m));
	/* Nothing is sent to the guest: ACKs pile up in the flow. */
	for (i = 0; i < 4096 && !r; i++) {
		n = vtier_enc_hints(buf, sizeof(buf), (uint32_t)i + 2, &h, 1);
		r = feed(&self->s, buf, n, 0);
	}
	EXPECT_EQ(-EPROTO, r);
	EXPECT_GE(VSOCK_OUT_CAP, self->flow.out_len);
	EXPECT_NE(NULL, strstr(self->log.last_error, "not reading"));
}

TEST_HARNESS_MAIN
