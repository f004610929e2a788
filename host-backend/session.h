/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier protocol session on one vsock connection: the guest's byte stream
 * is cut into frames, each checked with vtier_hdr_check() and
 * vtier_decode() before it is acted on.  HELLO is answered here; every
 * hint is translated through the memory table here; what becomes of the
 * translated hints, and what a REPORT means, is decided above, through
 * struct session_ops.  Frames go out on the flow below.
 */
#ifndef VTIERD_SESSION_H
#define VTIERD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "memtab.h"
#include "pages.h"
#include "vsock_dev.h"
#include "vtier_proto.h"

/* What the ACK of one HINTS frame says. */
struct session_ack {
	uint32_t applied, rejected, deferred;
};

/**
 * struct session_ops - where a session's results go.
 * @hints: the n translated hints of one HINTS frame (every frame in guest
 *	RAM); fill @ack for them.  Untranslated ones are counted here.
 * @report: an accepted REPORT frame.
 */
struct session_ops {
	void (*hints)(void *ctx, const struct vtier_hint_host *h,
		      unsigned int n, struct session_ack *ack);
	void (*report)(void *ctx, const struct vtier_msg *m);
};

/* Counters of one VM's sessions (vtierctl status). */
struct session_stats {
	uint64_t hints_received, hints_translated, hints_rejected;
	uint64_t frames_rejected, batches, reports, would_move_pages;
};

/**
 * struct session_vm - what all sessions of one VM share.
 * @log: the VM's log.
 * @mem: guest memory table, to check HELLO and translate hints.
 * @pages: translated frames, for vtierctl pages.
 * @quota_pages: offered in WELCOME.
 * @caps: offered in WELCOME (VTIER_CAP_MOVE or VTIER_CAP_OBSERVE).
 * @sampler: named in the last HELLO.
 * @st: counters.
 * @ops: where hints and REPORTs go.
 * @ctx: passed to @ops.
 * @ok: scratch: the translated hints of the current frame.
 */
struct session_vm {
	struct vlog *log;
	const struct memtab *mem;
	struct page_table *pages;
	const uint64_t *quota_pages;
	uint32_t caps;
	uint16_t sampler;
	struct session_stats st;
	const struct session_ops *ops;
	void *ctx;
	struct vtier_hint_host ok[VTIER_MAX_HINTS];
};

enum session_state {
	SESSION_AWAIT_HELLO,
	SESSION_READY,		/* HELLO answered with WELCOME */
	SESSION_DONE,		/* BYE seen or sent; input ignored */
};

/**
 * struct session - the protocol state of one connection.
 * @vm: shared state of the VM.
 * @flow: the vsock connection frames go out on.
 * @state: where in the protocol.
 * @max_pfn: limit for hinted frames, from HELLO.
 * @seq_out: our last frame's seq.
 * @have: bytes of the current frame in @buf.
 * @cur_type: type of the current frame, once its header passed
 *	vtier_hdr_check().
 * @cur_len: its payload length.
 * @buf: the current frame.
 */
struct session {
	struct session_vm *vm;
	struct vsock_flow *flow;
	enum session_state state;
	uint64_t max_pfn;
	uint32_t seq_out;
	uint32_t have;
	uint16_t cur_type;
	uint32_t cur_len;
	uint8_t buf[sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD];
};

void session_init(struct session *s, struct session_vm *vm,
		  struct vsock_flow *flow);

/*
 * Feed bytes received from the guest.  Returns 0, or -EPROTO when a frame
 * was rejected (or an answer did not fit): that is logged and counted, a
 * BYE (reason protocol) is queued, and the caller resets the connection.
 */
int session_input(struct session *s, const uint8_t *data, uint32_t len);

/* HELLO/WELCOME done and the connection open: QUOTA may go out. */
bool session_ready(const struct session *s);

/* Queue a QUOTA frame on a ready session (closing it if it does not fit). */
void session_quota(struct session *s, uint64_t quota_pages);

/* Queue a BYE frame (daemon exit or protocol error). */
void session_bye(struct session *s, uint32_t reason);

#endif
