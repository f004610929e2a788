// SPDX-License-Identifier: GPL-2.0
/*
 * The vtier protocol as the guest speaks it (docs/protocol.md): HELLO,
 * wait for WELCOME, then HINTS batches (each answered by one ACK) and a
 * REPORT every report_ms; QUOTA may arrive at any time.  Every frame from
 * the host has passed vtier_hdr_check() before it gets here and is
 * decoded with vtier_decode(); anything invalid or out of order ends the
 * session with BYE(protocol error).
 *
 * At most VTIER_INFLIGHT_MAX batches wait for their ACK.  That bounds what
 * a slow host gets sent, and a batch left unacknowledged for ack_timeout_ms
 * shows that the host is gone even when the vsock link cannot tell.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "vtier_chan.h"

static int max_pfn_cb(struct resource *res, void *arg)
{
	u64 *max = arg;
	u64 end = (res->end + 1) >> PAGE_SHIFT;

	if (end > *max)
		*max = end;
	return 0;
}

/* One past the highest System RAM frame; walked each HELLO for hotplug. */
static u64 guest_max_pfn(void)
{
	u64 max = 0;

	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, U64_MAX, &max, max_pfn_cb);
	return max_t(u64, max, totalram_pages());
}

int vtier_session_bad_frame(struct vtier_chan *c, const char *why)
{
	atomic64_inc(&vtier_dev.stats.bad_frames);
	pr_warn("bad frame from host: %s; closing connection\n", why);
	c->bye_reason = VTIER_BYE_PROTOCOL;
	return -EPROTO;
}

int vtier_session_start(struct vtier_chan *c)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	int len;

	c->welcomed = false;
	c->max_hints = 1;
	c->n_inflight = 0;
	c->max_pfn = guest_max_pfn();
	c->welcome_by = jiffies + msecs_to_jiffies(vtier_handshake_timeout_ms);
	len = vtier_enc_hello(c->tx_buf, VTIER_FRAME_MAX, ++c->tx_seq,
			      vtier_dev.sampler, PAGE_SIZE, ram, c->max_pfn);
	return len < 0 ? len : vtier_chan_send(c, len);
}

int vtier_session_bye(struct vtier_chan *c)
{
	int len = vtier_enc_bye(c->tx_buf, VTIER_FRAME_MAX, ++c->tx_seq,
				c->bye_reason);

	return len < 0 ? len : vtier_chan_send(c, len);
}

static int handle_ack(struct vtier_chan *c, const struct vtier_msg *m)
{
	struct vtier_stats *st = &vtier_dev.stats;
	u64 total = (u64)m->ack.applied + m->ack.rejected + m->ack.deferred;
	u32 i;

	for (i = 0; i < c->n_inflight; i++)
		if (c->inflight[i].seq == m->ack.batch_seq)
			break;
	if (i == c->n_inflight)
		return vtier_session_bad_frame(c, "ACK for a batch not awaiting one");
	if (total > c->inflight[i].count)
		return vtier_session_bad_frame(c, "ACK counts exceed the batch size");
	c->n_inflight--;
	memmove(&c->inflight[i], &c->inflight[i + 1],
		(c->n_inflight - i) * sizeof(c->inflight[0]));
	atomic64_add(m->ack.applied, &st->hints_acked);
	atomic64_add(m->ack.rejected, &st->hints_rejected);
	atomic64_add(m->ack.deferred, &st->hints_deferred);
	return 0;
}

static void handle_welcome(struct vtier_chan *c, const struct vtier_msg *m)
{
	struct vtier_stats *st = &vtier_dev.stats;

	c->welcomed = true;
	c->hints_backlog = true;	/* flush what queued up while away */
	c->max_hints = min_t(u32, m->welcome.max_hints, VTIER_MAX_HINTS);
	c->next_report = jiffies + msecs_to_jiffies(vtier_report_ms);
	atomic_set(&st->host_caps, m->welcome.caps);
	atomic64_set(&st->quota_pages, m->welcome.quota_pages);
	vtier_set_state(VTIER_STATE_CONNECTED);
	pr_info("connected to host: caps %#x, quota %llu pages, max %u hints per batch\n",
		m->welcome.caps, m->welcome.quota_pages, c->max_hints);
}

/* Handle the complete frame in rx_buf. */
int vtier_session_frame(struct vtier_chan *c)
{
	struct vtier_limits lim = { .max_pfn = c->max_pfn };
	struct vtier_msg m;
	const char *why;

	if (vtier_decode(c->rx_type, c->rx_seq,
			 c->rx_buf + sizeof(struct vtier_hdr), c->rx_len,
			 &lim, &m, &why))
		return vtier_session_bad_frame(c, why);
	if (!c->welcomed && m.type != VTIER_MSG_WELCOME &&
	    m.type != VTIER_MSG_BYE)
		return vtier_session_bad_frame(c, "first frame is not WELCOME");

	switch (m.type) {
	case VTIER_MSG_WELCOME:
		if (c->welcomed)
			return vtier_session_bad_frame(c, "second WELCOME");
		handle_welcome(c, &m);
		return 0;
	case VTIER_MSG_QUOTA:
		atomic64_set(&vtier_dev.stats.quota_pages, m.quota.quota_pages);
		return 0;
	case VTIER_MSG_ACK:
		return handle_ack(c, &m);
	case VTIER_MSG_BYE:
		pr_info("host ended the session (BYE reason %u)\n",
			m.bye.reason);
		c->bye_reason = -1;
		return -ECONNRESET;
	default:
		return vtier_session_bad_frame(c, "message type not sent by a host");
	}
}

/*
 * True when queued hints should go out now: a drain pass finished, a full
 * batch is waiting, or an earlier send stopped at the ACK window.  Hints
 * are not sent one by one as the drain produces them, so batches fill up.
 */
bool vtier_session_wants_send(struct vtier_chan *c)
{
	if (!c->welcomed || c->n_inflight >= VTIER_INFLIGHT_MAX)
		return false;
	return atomic_read(&vtier_hints_kick) || c->hints_backlog ||
	       vtier_hintq_len(&vtier_dev.hintq) >= c->max_hints;
}

static int send_hints(struct vtier_chan *c)
{
	struct vtier_limits lim = { .max_pfn = c->max_pfn };
	struct vtier_hintq *q = &vtier_dev.hintq;
	struct vtier_inflight *f;
	u32 i, n, keep;
	u64 pos;
	int len, err;

	while (c->n_inflight < VTIER_INFLIGHT_MAX &&
	       (n = vtier_hintq_peek(q, c->batch, c->max_hints, &pos))) {
		/*
		 * One hint failing the shared check (e.g. reaching past HELLO's
		 * max_pfn: hot-added RAM) makes the host refuse the frame.
		 */
		for (i = 0, keep = 0; i < n; i++) {
			if (!vtier_hint_check(&c->batch[i], &lim))
				c->batch[keep++] = c->batch[i];
			else
				atomic64_inc(&vtier_dev.stats.hints_dropped);
		}
		if (keep) {
			len = vtier_enc_hints(c->tx_buf, VTIER_FRAME_MAX,
					      c->tx_seq + 1, c->batch, keep);
			if (len < 0)
				return len;
			err = vtier_chan_send(c, len);
			if (err)
				return err;
			c->tx_seq++;
			f = &c->inflight[c->n_inflight++];
			f->seq = c->tx_seq;
			f->count = keep;
			f->sent = jiffies;
			atomic64_add(keep, &vtier_dev.stats.hints_sent);
		}
		vtier_hintq_commit(q, pos, n);
		if (kthread_should_stop())
			break;
	}
	c->hints_backlog = vtier_hintq_len(q) != 0;
	return 0;
}

static int send_report(struct vtier_chan *c)
{
	struct vtier_policy_summary s;
	u32 epoch_ms = vtier_epoch_ms;
	int len;

	vtier_policy_snapshot(&s);
	if (s.epochs)
		epoch_ms = (u32)(s.epoch_ns / NSEC_PER_MSEC);
	len = vtier_enc_report(c->tx_buf, VTIER_FRAME_MAX, ++c->tx_seq,
			       vtier_policy_sample_rate(&s), epoch_ms,
			       min(s.pages, c->max_pfn),
			       atomic64_read(&vtier_dev.stats.samples), s.hist);
	return len < 0 ? len : vtier_chan_send(c, len);
}

static long jiffies_until(unsigned long deadline)
{
	return max((long)(deadline - jiffies), 1L);
}

/*
 * Do whatever is due: send hints and reports, enforce the WELCOME and ACK
 * deadlines.  *timeout is set to the time until the next deadline.
 */
int vtier_session_tick(struct vtier_chan *c, long *timeout)
{
	unsigned long ack_by;
	int err;

	if (!c->welcomed) {
		if (time_after_eq(jiffies, c->welcome_by)) {
			pr_warn("no WELCOME within %u ms; closing connection\n",
				vtier_handshake_timeout_ms);
			return -ETIMEDOUT;
		}
		*timeout = jiffies_until(c->welcome_by);
		return 0;
	}
	if (vtier_session_wants_send(c)) {
		atomic_set(&vtier_hints_kick, 0);
		err = send_hints(c);
		if (err)
			return err;
	}
	if (time_after_eq(jiffies, c->next_report)) {
		err = send_report(c);
		if (err)
			return err;
		c->next_report = jiffies + msecs_to_jiffies(vtier_report_ms);
	}
	*timeout = jiffies_until(c->next_report);
	if (c->n_inflight) {
		ack_by = c->inflight[0].sent +
			 msecs_to_jiffies(vtier_ack_timeout_ms);
		if (time_after_eq(jiffies, ack_by)) {
			pr_warn("no ACK for HINTS %u within %u ms; host gone?\n",
				c->inflight[0].seq, vtier_ack_timeout_ms);
			return -ETIMEDOUT;
		}
		*timeout = min(*timeout, jiffies_until(ack_by));
	}
	return 0;
}
