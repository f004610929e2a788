/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vtier protocol as the guest speaks it (docs/protocol.md), as a state
 * machine in plain C: HELLO, wait for WELCOME, then HINTS batches (each
 * answered by one ACK) and a REPORT every report_ms; QUOTA may arrive at
 * any time; BYE at the end.  It keeps no clock, socket or queue of its
 * own: its owner (vtier_channel.c, or a unit test) passes the time in ms
 * and gives it struct vtier_session_ops.  It builds unchanged in userspace.
 */
#ifndef VTIER_SESSION_H
#define VTIER_SESSION_H

#include "vtier_proto.h"
#include "vtier_policy.h"

#define VTIER_FRAME_MAX		(sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD)
#define VTIER_INFLIGHT_MAX	16	/* HINTS batches awaiting their ACK */

/**
 * struct vtier_session_params - the session's timing
 * @report_ms: interval between REPORT frames
 * @handshake_timeout_ms: wait for WELCOME after HELLO
 * @ack_timeout_ms: a HINTS batch unacknowledged this long ends the session
 */
struct vtier_session_params {
	u32 report_ms;
	u32 handshake_timeout_ms;
	u32 ack_timeout_ms;
};

/**
 * struct vtier_session_ops - what the session asks of its owner
 * @send: send len bytes of buf completely, or return -errno
 * @hints_peek: copy up to max of the oldest queued hints; *pos for commit
 * @hints_commit: remove n hints from pos once they are sent
 * @hints_len: hints queued
 * @summary: the policy's summary for REPORT; returns the epoch in ms and
 *	sets *samples to the samples taken so far
 * @welcome: the host welcomed us with these capabilities and quota
 * @quota: the host set a new quota
 * @acked: the host answered a batch
 * @sent: n hints went out
 * @dropped: n hints were dropped before sending (past HELLO's max_pfn)
 * @bad_frame: the host sent an invalid frame; the session ends
 * @log: a line for the log (warn: something is wrong)
 */
struct vtier_session_ops {
	int (*send)(void *arg, const u8 *buf, u32 len);
	u32 (*hints_peek)(void *arg, struct vtier_hint_host *out, u32 max,
			  u64 *pos);
	void (*hints_commit)(void *arg, u64 pos, u32 n);
	u32 (*hints_len)(void *arg);
	u32 (*summary)(void *arg, struct vtier_policy_summary *s, u64 *samples);
	void (*welcome)(void *arg, u32 caps, u64 quota_pages, u32 max_hints);
	void (*quota)(void *arg, u64 quota_pages);
	void (*acked)(void *arg, u32 applied, u32 rejected, u32 deferred);
	void (*sent)(void *arg, u32 n);
	void (*dropped)(void *arg, u32 n);
	void (*bad_frame)(void *arg, const char *why);
	void (*log)(void *arg, int warn, const char *line);
};

/**
 * struct vtier_inflight - one HINTS batch awaiting its ACK
 * @seq: the frame's seq
 * @count: hints in it
 * @sent_ms: when it was sent
 */
struct vtier_inflight {
	u32 seq;
	u32 count;
	u64 sent_ms;
};

/**
 * struct vtier_session - one session's state; only its owner's thread
 *	touches it
 * @ops: the owner's callbacks
 * @arg: their argument
 * @par: timing
 * @tx_buf: VTIER_FRAME_MAX bytes for frames to send, from the owner
 * @batch: VTIER_MAX_HINTS hints, from the owner
 * @welcomed: WELCOME received
 * @kicked: the owner saw new hints queued: send what has accumulated
 * @hints_backlog: hints were left queued: the ACK window was full
 * @bye_reason: BYE to send at close, or -1
 * @tx_seq: last seq sent
 * @max_hints: from WELCOME
 * @max_pfn: sent in HELLO; hints and frames are checked against it
 * @welcome_by: deadline for WELCOME, ms
 * @next_report: when REPORT is due, ms
 * @inflight: batches awaiting their ACK, oldest first
 * @n_inflight: how many
 */
struct vtier_session {
	const struct vtier_session_ops *ops;
	void *arg;
	struct vtier_session_params par;
	u8 *tx_buf;
	struct vtier_hint_host *batch;
	int welcomed;
	int kicked;
	int hints_backlog;
	int bye_reason;
	u32 tx_seq;
	u32 max_hints;
	u64 max_pfn;
	u64 welcome_by;
	u64 next_report;
	struct vtier_inflight inflight[VTIER_INFLIGHT_MAX];
	u32 n_inflight;
};

/**
 * struct vtier_hello_info - what HELLO tells the host
 * @sampler: enum vtier_sampler
 * @page_size: the guest's base page size
 * @ram_bytes: RAM the guest kernel manages
 * @max_pfn: one past the highest RAM frame
 */
struct vtier_hello_info {
	u16 sampler;
	u32 page_size;
	u64 ram_bytes;
	u64 max_pfn;
};

/* A new connection: send HELLO. */
int vtier_session_start(struct vtier_session *s, u64 now_ms,
			const struct vtier_hello_info *hello);

/* Handle one complete frame that passed vtier_hdr_check(). */
int vtier_session_frame(struct vtier_session *s, u64 now_ms, u16 type,
			u32 seq, const void *payload, u32 len);

/*
 * Do whatever is due: send hints and reports, enforce the WELCOME and ACK
 * deadlines.  *timeout_ms is set to the time until the next deadline.
 */
int vtier_session_tick(struct vtier_session *s, u64 now_ms, u64 *timeout_ms);

/* True when queued hints should go out now. */
int vtier_session_wants_send(struct vtier_session *s);

/* Send BYE(bye_reason); best effort at close. */
int vtier_session_bye(struct vtier_session *s);

/* The host sent something invalid: count it, BYE(protocol error). */
int vtier_session_bad_frame(struct vtier_session *s, const char *why);

#endif /* VTIER_SESSION_H */
