// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's protocol session (guest-driver/vtier_session.c, the file
 * vtier.ko is built from) driven in userspace: a test host decodes every
 * frame the session sends with the shared protocol code and answers with
 * frames from the shared encoders; the clock is the test's.  What a user
 * of the module relies on: HELLO first, nothing before WELCOME, hints in
 * batches within the ACK window, hints past HELLO's max_pfn dropped and
 * counted, a REPORT every report_ms, every protocol violation and every
 * deadline ending the session with the right BYE.
 */
#include "kselftest_harness.h"

#include "vtier_session.h"

#define MAX_SENT	64
#define QUEUE_CAP	4096
#define MAX_PFN		0x40000ull

/* One frame the session sent, decoded. */
struct sent_frame {
	u16 type;
	struct vtier_msg m;
	struct vtier_hint_host hints[VTIER_MAX_HINTS];
};

/* The session's owner: a hint queue, counters and the test host's view. */
struct owner {
	struct vtier_hint_host q[QUEUE_CAP];
	u64 head, tail;
	struct sent_frame sent[MAX_SENT];
	unsigned int nsent;
	int send_err;
	u64 n_sent, n_dropped, n_acked, n_rejected, n_deferred;
	u64 quota;
	u32 caps, welcomed_max_hints;
	unsigned int bad_frames, warnings;
	char last_bad[96], last_log[96];
};

static int o_send(void *arg, const u8 *buf, u32 len)
{
	struct owner *o = arg;
	struct vtier_limits lim = { 0 };
	struct sent_frame *f;
	const char *why;
	u32 plen, i;
	u16 type;

	if (o->send_err)
		return o->send_err;
	if (o->nsent == MAX_SENT ||
	    vtier_hdr_check((const struct vtier_hdr *)buf, &type, &plen, &why) ||
	    plen + sizeof(struct vtier_hdr) != len)
		return -EIO;
	f = &o->sent[o->nsent++];
	f->type = type;
	if (vtier_decode(type, le32_to_cpu(((const struct vtier_hdr *)buf)->seq),
			 buf + sizeof(struct vtier_hdr), plen, &lim, &f->m, &why))
		return -EIO;
	if (type == VTIER_MSG_HINTS)
		for (i = 0; i < f->m.hints.count; i++)
			vtier_hint_get(&f->m, i, &f->hints[i]);
	return 0;
}

static u32 o_peek(void *arg, struct vtier_hint_host *out, u32 max, u64 *pos)
{
	struct owner *o = arg;
	u32 n = 0;

	while (n < max && o->head + n < o->tail) {
		out[n] = o->q[(o->head + n) % QUEUE_CAP];
		n++;
	}
	*pos = o->head;
	return n;
}

static void o_commit(void *arg, u64 pos, u32 n)
{
	struct owner *o = arg;

	if (pos + n > o->head)
		o->head = pos + n;
}

static u32 o_len(void *arg)
{
	struct owner *o = arg;

	return (u32)(o->tail - o->head);
}

static u32 o_summary(void *arg, struct vtier_policy_summary *s, u64 *samples)
{
	(void)arg;
	memset(s, 0, sizeof(*s));
	s->epochs = 3;
	s->samples = 5000;
	s->epoch_ns = 2000000000ull;	/* 2 s: 2500 samples/s */
	s->pages = 1234;
	s->hist[1] = 7;
	*samples = 99999;
	return 2000;
}

static void o_welcome(void *arg, u32 caps, u64 quota, u32 max_hints)
{
	struct owner *o = arg;

	o->caps = caps;
	o->quota = quota;
	o->welcomed_max_hints = max_hints;
}

static void o_quota(void *arg, u64 quota)
{
	((struct owner *)arg)->quota = quota;
}

static void o_acked(void *arg, u32 applied, u32 rejected, u32 deferred)
{
	struct owner *o = arg;

	o->n_acked += applied;
	o->n_rejected += rejected;
	o->n_deferred += deferred;
}

static void o_sent(void *arg, u32 n)
{
	((struct owner *)arg)->n_sent += n;
}

static void o_dropped(void *arg, u32 n)
{
	((struct owner *)arg)->n_dropped += n;
}

static void o_bad_frame(void *arg, const char *why)
{
	struct owner *o = arg;

	o->bad_frames++;
	snprintf(o->last_bad, sizeof(o->last_bad), "%s", why);
}

static void o_log(void *arg, int warn, const char *line)
{
	struct owner *o = arg;

	o->warnings += warn != 0;
	snprintf(o->last_log, sizeof(o->last_log), "%s", line);
}

static const struct vtier_session_ops ops = {
	.send = o_send,
	.hints_peek = o_peek,
	.hints_commit = o_commit,
	.hints_len = o_len,
	.summary = o_summary,
	.welcome = o_welcome,
	.quota = o_quota,
	.acked = o_acked,
	.sent = o_sent,
	.dropped = o_dropped,
	.bad_frame = o_bad_frame,
	.log = o_log,
};

static void queue_hint(struct owner *o, u64 gpfn, u8 order)
{
	struct vtier_hint_host h = {
		.gpfn = gpfn, .order = order, .action = VTIER_HINT_PROMOTE,
		.hotness = 3,
	};

	o->q[o->tail++ % QUEUE_CAP] = h;
}

FIXTURE(sess) {
	struct owner o;
	struct vtier_session s;
	u8 tx[VTIER_FRAME_MAX];
	u8 rx[VTIER_FRAME_MAX];
	struct vtier_hint_host batch[VTIER_MAX_HINTS];
	u64 now;
};

FIXTURE_SETUP(sess)
{
	struct vtier_hello_info hello = {
		.sampler = VTIER_SAMPLER_ABIT, .page_size = 4096,
		.ram_bytes = (MAX_PFN - 0x100) * 4096, .max_pfn = MAX_PFN,
	};

	memset(&self->o, 0, sizeof(self->o));
	self->s = (struct vtier_session){
		.ops = &ops, .arg = &self->o,
		.par = { .report_ms = 1000, .handshake_timeout_ms = 3000,
			 .ack_timeout_ms = 5000 },
		.tx_buf = self->tx, .batch = self->batch,
	};
	self->now = 1000000;
	ASSERT_EQ(0, vtier_session_start(&self->s, self->now, &hello));
}

FIXTURE_TEARDOWN(sess)
{
}

/* Hand the session one frame the host encoded, as the channel does. */
static int deliver(struct vtier_session *s, u64 now, const u8 *buf, int len)
{
	const char *why;
	u32 plen;
	u16 type;

	if (len < 0 ||
	    vtier_hdr_check((const struct vtier_hdr *)buf, &type, &plen, &why))
		return -1000;
	return vtier_session_frame(s, now, type,
				   le32_to_cpu(((const struct vtier_hdr *)buf)->seq),
				   buf + sizeof(struct vtier_hdr), plen);
}

static int welcome(struct vtier_session *s, u8 *rx, u64 now, u32 max_hints)
{
	return deliver(s, now, rx, vtier_enc_welcome(rx, VTIER_FRAME_MAX, 1,
						     2, 512, max_hints));
}

static int ack(struct vtier_session *s, u8 *rx, u64 now, u32 batch_seq,
	       u32 applied, u32 rejected, u32 deferred)
{
	return deliver(s, now, rx, vtier_enc_ack(rx, VTIER_FRAME_MAX, 9,
						 batch_seq, applied, rejected,
						 deferred));
}

TEST_F(sess, hello_first_then_nothing_until_welcome)
{
	u64 timeout = 0;

	ASSERT_EQ(1, self->o.nsent);
	EXPECT_EQ(VTIER_MSG_HELLO, self->o.sent[0].type);
	EXPECT_EQ(VTIER_SAMPLER_ABIT, self->o.sent[0].m.hello.sampler);
	EXPECT_EQ(4096, self->o.sent[0].m.hello.page_size);
	EXPECT_EQ(MAX_PFN, self->o.sent[0].m.hello.max_pfn);
	EXPECT_EQ((MAX_PFN - 0x100) * 4096, self->o.sent[0].m.hello.ram_bytes);

	queue_hint(&self->o, 0x1000, 0);
	self->s.kicked = 1;
	EXPECT_FALSE(vtier_session_wants_send(&self->s));
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 100, &timeout));
	EXPECT_EQ(2900, timeout);
	EXPECT_EQ(1, self->o.nsent);
}

TEST_F(sess, no_welcome_in_time_ends_the_session)
{
	u64 timeout;

	EXPECT_EQ(-ETIMEDOUT, vtier_session_tick(&self->s, self->now + 3000,
						 &timeout));
	EXPECT_EQ(1, self->o.warnings);
	EXPECT_EQ(VTIER_BYE_SHUTDOWN, self->s.bye_reason);
	EXPECT_EQ(0, vtier_session_bye(&self->s));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(VTIER_MSG_BYE, self->o.sent[1].type);
	EXPECT_EQ(VTIER_BYE_SHUTDOWN, self->o.sent[1].m.bye.reason);
}

TEST_F(sess, welcome_then_hints_in_batches_within_the_window)
{
	u64 timeout;
	unsigned int i;

	for (i = 0; i < 20 * 8; i++)
		queue_hint(&self->o, 0x1000 + i, 0);
	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 8));
	EXPECT_EQ(2, self->o.caps);
	EXPECT_EQ(512, self->o.quota);
	EXPECT_EQ(8, self->o.welcomed_max_hints);

	/* What queued up while away goes out at once, 16 batches of 8. */
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now, &timeout));
	ASSERT_EQ(1 + VTIER_INFLIGHT_MAX, self->o.nsent);
	for (i = 1; i <= VTIER_INFLIGHT_MAX; i++) {
		EXPECT_EQ(VTIER_MSG_HINTS, self->o.sent[i].type);
		EXPECT_EQ(8, self->o.sent[i].m.hints.count);
		EXPECT_EQ(0x1000 + (i - 1) * 8, self->o.sent[i].hints[0].gpfn);
	}
	EXPECT_EQ(128, self->o.n_sent);
	EXPECT_EQ(32, o_len(&self->o));
	/* The window is full: nothing more until an ACK. */
	EXPECT_FALSE(vtier_session_wants_send(&self->s));

	EXPECT_EQ(0, ack(&self->s, self->rx, self->now + 10,
			 self->o.sent[1].m.seq, 6, 1, 1));
	EXPECT_EQ(6, self->o.n_acked);
	EXPECT_EQ(1, self->o.n_rejected);
	EXPECT_EQ(1, self->o.n_deferred);
	EXPECT_TRUE(vtier_session_wants_send(&self->s));
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 10, &timeout));
	ASSERT_EQ(2 + VTIER_INFLIGHT_MAX, self->o.nsent);
	EXPECT_EQ(0x1000 + 128, self->o.sent[17].hints[0].gpfn);
}

TEST_F(sess, few_hints_wait_for_a_kick)
{
	u64 timeout;

	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	ASSERT_EQ(0, vtier_session_tick(&self->s, self->now, &timeout));
	ASSERT_EQ(1, self->o.nsent);
	queue_hint(&self->o, 0x2000, 0);
	queue_hint(&self->o, 0x2001, 0);
	EXPECT_FALSE(vtier_session_wants_send(&self->s));
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 1, &timeout));
	EXPECT_EQ(1, self->o.nsent);
	self->s.kicked = 1;
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 2, &timeout));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(2, self->o.sent[1].m.hints.count);
	EXPECT_FALSE(self->s.kicked);
}

TEST_F(sess, hints_past_max_pfn_are_dropped_and_counted)
{
	u64 timeout;

	queue_hint(&self->o, 0x1000, 0);
	queue_hint(&self->o, MAX_PFN, 0);		/* hot-added RAM */
	queue_hint(&self->o, MAX_PFN - 512, 9);		/* ends at max_pfn: valid */
	queue_hint(&self->o, MAX_PFN + 4096, 0);
	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	ASSERT_EQ(0, vtier_session_tick(&self->s, self->now, &timeout));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(2, self->o.sent[1].m.hints.count);
	EXPECT_EQ(0x1000, self->o.sent[1].hints[0].gpfn);
	EXPECT_EQ(MAX_PFN - 512, self->o.sent[1].hints[1].gpfn);
	EXPECT_EQ(2, self->o.n_dropped);
	EXPECT_EQ(2, self->o.n_sent);
	EXPECT_EQ(0, o_len(&self->o));
}

TEST_F(sess, report_every_report_ms)
{
	u64 timeout;

	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 999, &timeout));
	EXPECT_EQ(1, timeout);
	EXPECT_EQ(1, self->o.nsent);
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 1000, &timeout));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(VTIER_MSG_REPORT, self->o.sent[1].type);
	EXPECT_EQ(2500, self->o.sent[1].m.report.sample_rate);
	EXPECT_EQ(2000, self->o.sent[1].m.report.epoch_ms);
	EXPECT_EQ(1234, self->o.sent[1].m.report.wss_pages);
	EXPECT_EQ(99999, self->o.sent[1].m.report.samples);
	EXPECT_EQ(7, self->o.sent[1].m.report.hist[1]);
	EXPECT_EQ(1000, timeout);
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 1500, &timeout));
	EXPECT_EQ(2, self->o.nsent);
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 2000, &timeout));
	EXPECT_EQ(3, self->o.nsent);
}

TEST_F(sess, quota_reaches_the_owner)
{
	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_EQ(0, deliver(&self->s, self->now, self->rx,
			     vtier_enc_quota(self->rx, VTIER_FRAME_MAX, 2, 777)));
	EXPECT_EQ(777, self->o.quota);
}

TEST_F(sess, frame_before_welcome_is_a_protocol_error)
{
	EXPECT_EQ(-EPROTO, deliver(&self->s, self->now, self->rx,
				   vtier_enc_quota(self->rx, VTIER_FRAME_MAX,
						   1, 777)));
	EXPECT_EQ(1, self->o.bad_frames);
	EXPECT_STREQ("first frame is not WELCOME", self->o.last_bad);
	EXPECT_EQ(0, self->o.quota);
	EXPECT_EQ(VTIER_BYE_PROTOCOL, self->s.bye_reason);
	EXPECT_EQ(0, vtier_session_bye(&self->s));
	EXPECT_EQ(VTIER_BYE_PROTOCOL, self->o.sent[1].m.bye.reason);
}

TEST_F(sess, second_welcome_and_bad_acks_are_protocol_errors)
{
	u64 timeout;

	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_EQ(-EPROTO, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_STREQ("second WELCOME", self->o.last_bad);

	queue_hint(&self->o, 0x3000, 0);
	self->s.kicked = 1;
	ASSERT_EQ(0, vtier_session_tick(&self->s, self->now, &timeout));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(-EPROTO, ack(&self->s, self->rx, self->now,
			       self->o.sent[1].m.seq + 1, 1, 0, 0));
	EXPECT_STREQ("ACK for a batch not awaiting one", self->o.last_bad);
	EXPECT_EQ(-EPROTO, ack(&self->s, self->rx, self->now,
			       self->o.sent[1].m.seq, 1, 1, 0));
	EXPECT_STREQ("ACK counts exceed the batch size", self->o.last_bad);
	EXPECT_EQ(3, self->o.bad_frames);
	EXPECT_EQ(0, self->o.n_acked);
	/* A right ACK is still taken, once. */
	EXPECT_EQ(0, ack(&self->s, self->rx, self->now,
			 self->o.sent[1].m.seq, 1, 0, 0));
	EXPECT_EQ(-EPROTO, ack(&self->s, self->rx, self->now,
			       self->o.sent[1].m.seq, 1, 0, 0));
	EXPECT_EQ(1, self->o.n_acked);
}

TEST_F(sess, host_only_message_from_the_host_is_refused)
{
	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_EQ(-EPROTO, deliver(&self->s, self->now, self->rx,
				   vtier_enc_hello(self->rx, VTIER_FRAME_MAX,
						   2, 1, 4096, 4096, 1)));
	EXPECT_EQ(1, self->o.bad_frames);
	EXPECT_EQ(VTIER_BYE_PROTOCOL, self->s.bye_reason);
}

TEST_F(sess, unacknowledged_batch_ends_the_session)
{
	u64 timeout;

	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	queue_hint(&self->o, 0x3000, 0);
	self->s.kicked = 1;
	ASSERT_EQ(0, vtier_session_tick(&self->s, self->now, &timeout));
	ASSERT_EQ(2, self->o.nsent);
	EXPECT_EQ(1000, timeout);	/* the REPORT comes first */
	EXPECT_EQ(0, vtier_session_tick(&self->s, self->now + 4999, &timeout));
	EXPECT_EQ(1, timeout);
	EXPECT_EQ(-ETIMEDOUT, vtier_session_tick(&self->s, self->now + 5000,
						 &timeout));
	EXPECT_EQ(1, self->o.warnings);
	EXPECT_EQ(VTIER_BYE_SHUTDOWN, self->s.bye_reason);
}

TEST_F(sess, bye_from_the_host_ends_without_bye)
{
	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	EXPECT_EQ(-ECONNRESET, deliver(&self->s, self->now, self->rx,
				       vtier_enc_bye(self->rx, VTIER_FRAME_MAX,
						     2, VTIER_BYE_SHUTDOWN)));
	EXPECT_EQ(-1, self->s.bye_reason);
	EXPECT_EQ(0, self->o.bad_frames);
}

TEST_F(sess, failed_send_ends_the_session)
{
	u64 timeout;

	ASSERT_EQ(0, welcome(&self->s, self->rx, self->now, 64));
	queue_hint(&self->o, 0x3000, 0);
	self->s.kicked = 1;
	self->o.send_err = -EPIPE;
	EXPECT_EQ(-EPIPE, vtier_session_tick(&self->s, self->now, &timeout));
	/* Not sent, so still queued for the next connection. */
	EXPECT_EQ(1, o_len(&self->o));
	EXPECT_EQ(0, self->o.n_sent);
}

TEST_HARNESS_MAIN
