/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of the connection to the host, shared by the transport
 * (vtier_channel.c: socket, thread, backoff) and the protocol session
 * (vtier_session.c: HELLO/WELCOME, HINTS/ACK, REPORT, QUOTA, BYE).
 * Only the channel thread touches it.
 */
#ifndef VTIER_CHAN_H
#define VTIER_CHAN_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "vtier.h"

#define VTIER_FRAME_MAX		(sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD)
#define VTIER_INFLIGHT_MAX	16	/* HINTS batches awaiting their ACK */

struct vtier_inflight {
	u32 seq;			/* HINTS frame seq */
	u32 count;			/* hints in it */
	unsigned long sent;		/* jiffies */
};

struct vtier_chan {
	struct task_struct *task;
	struct socket *sock;
	atomic_t rx_ready;		/* set by socket callbacks */
	bool welcomed;			/* WELCOME received */
	bool tx_broken;			/* a send failed mid-frame */
	int bye_reason;			/* BYE to send at close, or -1 */
	u32 tx_seq;			/* last seq sent */
	u32 max_hints;			/* from WELCOME */
	u64 max_pfn;			/* sent in HELLO */
	unsigned long welcome_by;	/* jiffies deadline for WELCOME */
	unsigned long next_report;	/* jiffies */
	struct vtier_inflight inflight[VTIER_INFLIGHT_MAX];
	u32 n_inflight;			/* oldest first */
	bool hints_backlog;		/* hints left queued: window was full */
	u32 rx_have;			/* bytes of the current frame in rx_buf */
	u32 rx_len;			/* its payload length, once known */
	u16 rx_type;
	u32 rx_seq;
	u8 *rx_buf;
	u8 *tx_buf;
	struct vtier_hint_host *batch;
	int last_err;			/* last connect error logged */
};

extern atomic_t vtier_hints_kick;

/* vtier_channel.c: send tx_buf[0..len) completely, or fail. */
int vtier_chan_send(struct vtier_chan *c, int len);

/* vtier_session.c */
int vtier_session_start(struct vtier_chan *c);
int vtier_session_frame(struct vtier_chan *c);
int vtier_session_tick(struct vtier_chan *c, long *timeout);
bool vtier_session_wants_send(struct vtier_chan *c);
int vtier_session_bye(struct vtier_chan *c);
int vtier_session_bad_frame(struct vtier_chan *c, const char *why);

#endif /* VTIER_CHAN_H */
