/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier protocol session on one vsock connection: the guest's byte stream
 * is cut into frames, each checked with vtier_hdr_check() and
 * vtier_decode() before it is acted on.
 */
#ifndef VTIERD_SESSION_H
#define VTIERD_SESSION_H

#include <stdint.h>

#include "vtier_proto.h"

struct vm;
struct vsock_flow;

enum session_state {
	SESSION_AWAIT_HELLO,
	SESSION_READY,		/* HELLO answered with WELCOME */
	SESSION_DONE,		/* BYE seen or sent; input ignored */
};

struct session {
	enum session_state state;
	uint64_t max_pfn;	/* limit for hinted frames */
	uint32_t seq_out;	/* our last frame's seq */
	uint32_t have;		/* bytes of the current frame in buf */
	uint16_t cur_type;	/* of the current frame, once its header */
	uint32_t cur_len;	/* passed vtier_hdr_check() */
	uint8_t buf[sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD];
};

void session_init(struct session *s);

/*
 * Feed bytes received from the guest.  Returns 0, or -1 when the frame was
 * rejected: the rejection is logged and counted, and the caller closes the
 * connection.
 */
int session_input(struct vm *vm, struct vsock_flow *f, const uint8_t *data,
		  uint32_t len);

/* Queue a QUOTA frame on a session that completed HELLO/WELCOME. */
void session_quota(struct vm *vm, struct vsock_flow *f, uint64_t quota_pages);

/* Queue a BYE frame (daemon exit or protocol error). */
void session_bye(struct vm *vm, struct vsock_flow *f, uint32_t reason);

#endif
