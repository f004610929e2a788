// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's protocol session (see vtier_session.h).  Every frame from
 * the host has passed vtier_hdr_check() before it gets here and is
 * decoded with vtier_decode(); anything invalid or out of order ends the
 * session with BYE(protocol error).
 *
 * At most VTIER_INFLIGHT_MAX batches wait for their ACK.  That bounds what
 * a slow host gets sent, and a batch left unacknowledged for ack_timeout_ms
 * shows that the host is gone even when the vsock link cannot tell.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdio.h>
#endif

#include "vtier_session.h"

#define LOG_LEN	96

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

/* Time until deadline, at least 1 ms. */
static u64 ms_until(u64 deadline, u64 now)
{
	return deadline > now ? deadline - now : 1;
}

int vtier_session_bad_frame(struct vtier_session *s, const char *why)
{
	s->ops->bad_frame(s->arg, why);
	s->bye_reason = VTIER_BYE_PROTOCOL;
	return -EPROTO;
}

int vtier_session_start(struct vtier_session *s, u64 now_ms,
			const struct vtier_hello_info *hello)
{
	int len;

	s->welcomed = 0;
	s->kicked = 0;
	s->hints_backlog = 0;
	s->bye_reason = VTIER_BYE_SHUTDOWN;
	s->tx_seq = 0;
	s->max_hints = 1;
	s->n_inflight = 0;
	s->max_pfn = hello->max_pfn;
	s->welcome_by = now_ms + s->par.handshake_timeout_ms;
	len = vtier_enc_hello(s->tx_buf, VTIER_FRAME_MAX, ++s->tx_seq,
			      hello->sampler, hello->page_size, hello->ram_bytes,
			      hello->max_pfn);
	return len < 0 ? len : s->ops->send(s->arg, s->tx_buf, (u32)len);
}

int vtier_session_bye(struct vtier_session *s)
{
	int len = vtier_enc_bye(s->tx_buf, VTIER_FRAME_MAX, ++s->tx_seq,
				(u32)s->bye_reason);

	return len < 0 ? len : s->ops->send(s->arg, s->tx_buf, (u32)len);
}

static int handle_ack(struct vtier_session *s, const struct vtier_msg *m)
{
	u64 total = (u64)m->ack.applied + m->ack.rejected + m->ack.deferred;
	u32 i;

	for (i = 0; i < s->n_inflight; i++)
		if (s->inflight[i].seq == m->ack.batch_seq)
			break;
	if (i == s->n_inflight)
		return vtier_session_bad_frame(s, "ACK for a batch not awaiting one");
	if (total > s->inflight[i].count)
		return vtier_session_bad_frame(s, "ACK counts exceed the batch size");
	s->n_inflight--;
	memmove(&s->inflight[i], &s->inflight[i + 1],
		(s->n_inflight - i) * sizeof(s->inflight[0]));
	s->ops->acked(s->arg, m->ack.applied, m->ack.rejected,
		      m->ack.deferred);
	return 0;
}

static void handle_welcome(struct vtier_session *s, u64 now_ms,
			   const struct vtier_msg *m)
{
	s->welcomed = 1;
	s->hints_backlog = 1;	/* flush what queued up while away */
	s->max_hints = m->welcome.max_hints < VTIER_MAX_HINTS ?
		       m->welcome.max_hints : VTIER_MAX_HINTS;
	s->next_report = now_ms + s->par.report_ms;
	s->ops->welcome(s->arg, m->welcome.caps, m->welcome.quota_pages,
			s->max_hints);
}

int vtier_session_frame(struct vtier_session *s, u64 now_ms, u16 type,
			u32 seq, const void *payload, u32 len)
{
	struct vtier_limits lim = { .max_pfn = s->max_pfn };
	char line[LOG_LEN];
	struct vtier_msg m;
	const char *why;

	if (vtier_decode(type, seq, payload, len, &lim, &m, &why))
		return vtier_session_bad_frame(s, why);
	if (!s->welcomed && m.type != VTIER_MSG_WELCOME &&
	    m.type != VTIER_MSG_BYE)
		return vtier_session_bad_frame(s, "first frame is not WELCOME");

	switch (m.type) {
	case VTIER_MSG_WELCOME:
		if (s->welcomed)
			return vtier_session_bad_frame(s, "second WELCOME");
		handle_welcome(s, now_ms, &m);
		return 0;
	case VTIER_MSG_QUOTA:
		s->ops->quota(s->arg, m.quota.quota_pages);
		return 0;
	case VTIER_MSG_ACK:
		return handle_ack(s, &m);
	case VTIER_MSG_BYE:
		snprintf(line, sizeof(line),
			 "host ended the session (BYE reason %u)", m.bye.reason);
		s->ops->log(s->arg, 0, line);
		s->bye_reason = -1;
		return -ECONNRESET;
	default:
		return vtier_session_bad_frame(s, "message type not sent by a host");
	}
}

/*
 * True when queued hints should go out now: a consumer pass queued some,
 * a full batch is waiting, or an earlier send stopped at the ACK window.
 * Hints are not sent one by one as the consumer makes them, so batches
 * fill up.
 */
int vtier_session_wants_send(struct vtier_session *s)
{
	if (!s->welcomed || s->n_inflight >= VTIER_INFLIGHT_MAX)
		return 0;
	return s->kicked || s->hints_backlog ||
	       s->ops->hints_len(s->arg) >= s->max_hints;
}

static int send_hints(struct vtier_session *s, u64 now_ms)
{
	struct vtier_limits lim = { .max_pfn = s->max_pfn };
	struct vtier_inflight *f;
	u32 i, n, keep;
	u64 pos;
	int len, err;

	while (s->n_inflight < VTIER_INFLIGHT_MAX &&
	       (n = s->ops->hints_peek(s->arg, s->batch, s->max_hints, &pos))) {
		/*
		 * One hint failing the shared check (e.g. reaching past HELLO's
		 * max_pfn: hot-added RAM) makes the host refuse the frame.
		 */
		for (i = 0, keep = 0; i < n; i++)
			if (!vtier_hint_check(&s->batch[i], &lim))
				s->batch[keep++] = s->batch[i];
		if (keep < n)
			s->ops->dropped(s->arg, n - keep);
		if (keep) {
			len = vtier_enc_hints(s->tx_buf, VTIER_FRAME_MAX,
					      s->tx_seq + 1, s->batch, keep);
			if (len < 0)
				return len;
			err = s->ops->send(s->arg, s->tx_buf, (u32)len);
			if (err)
				return err;
			s->tx_seq++;
			f = &s->inflight[s->n_inflight++];
			f->seq = s->tx_seq;
			f->count = keep;
			f->sent_ms = now_ms;
			s->ops->sent(s->arg, keep);
		}
		s->ops->hints_commit(s->arg, pos, n);
	}
	s->hints_backlog = s->ops->hints_len(s->arg) != 0;
	return 0;
}

static int send_report(struct vtier_session *s)
{
	struct vtier_policy_summary sum;
	u32 epoch_ms;
	u64 samples;
	int len;

	epoch_ms = s->ops->summary(s->arg, &sum, &samples);
	len = vtier_enc_report(s->tx_buf, VTIER_FRAME_MAX, ++s->tx_seq,
			       vtier_policy_sample_rate(&sum), epoch_ms,
			       min_u64(sum.pages, s->max_pfn), samples,
			       sum.hist);
	return len < 0 ? len : s->ops->send(s->arg, s->tx_buf, (u32)len);
}

int vtier_session_tick(struct vtier_session *s, u64 now_ms, u64 *timeout_ms)
{
	char line[LOG_LEN];
	u64 ack_by;
	int err;

	if (!s->welcomed) {
		if (now_ms >= s->welcome_by) {
			snprintf(line, sizeof(line),
				 "no WELCOME within %u ms; closing connection",
				 s->par.handshake_timeout_ms);
			s->ops->log(s->arg, 1, line);
			return -ETIMEDOUT;
		}
		*timeout_ms = ms_until(s->welcome_by, now_ms);
		return 0;
	}
	if (vtier_session_wants_send(s)) {
		s->kicked = 0;
		err = send_hints(s, now_ms);
		if (err)
			return err;
	}
	if (now_ms >= s->next_report) {
		err = send_report(s);
		if (err)
			return err;
		s->next_report = now_ms + s->par.report_ms;
	}
	*timeout_ms = ms_until(s->next_report, now_ms);
	if (s->n_inflight) {
		ack_by = s->inflight[0].sent_ms + s->par.ack_timeout_ms;
		if (now_ms >= ack_by) {
			snprintf(line, sizeof(line),
				 "no ACK for HINTS %u within %u ms; host gone?",
				 s->inflight[0].seq, s->par.ack_timeout_ms);
			s->ops->log(s->arg, 1, line);
			return -ETIMEDOUT;
		}
		*timeout_ms = min_u64(*timeout_ms, ms_until(ack_by, now_ms));
	}
	return 0;
}
