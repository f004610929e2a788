/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-vsock device: packets on the tx (guest->host) and rx
 * (host->guest) rings, connections ("flows") to the vtier port, credit
 * flow control.  Each packet header is copied once and then validated.
 */
#ifndef VTIERD_VSOCK_DEV_H
#define VTIERD_VSOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

#define VSOCK_HOST_CID		2
#define VSOCK_HDR_LEN		44
#define VSOCK_MAX_PAYLOAD	65536
#define VSOCK_BUF_ALLOC		32768	/* receive credit we advertise */
#define VSOCK_MAX_FLOWS		16
#define VSOCK_OUT_CAP		16384	/* bytes queued towards one flow */
#define VSOCK_CTRL_CAP		64	/* RSTs queued for unknown flows */

enum vsock_op {
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/* virtio-vsock packet header, little-endian on the wire. */
struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

_Static_assert(sizeof(struct vsock_hdr) == VSOCK_HDR_LEN, "vsock header");

#define VSOCK_TYPE_STREAM	1
#define VSOCK_SHUTDOWN_RCV	1
#define VSOCK_SHUTDOWN_SEND	2

struct vsock_flow {
	bool used;
	bool need_response;
	bool need_credit;	/* send CREDIT_UPDATE */
	bool closing;		/* send RST once out[] is delivered */
	bool close_shutdown;	/* ...a SHUTDOWN first, then wait for RST */
	uint32_t guest_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt;	/* the guest's receive side */
	uint32_t tx_cnt;	/* bytes we sent to the guest */
	uint32_t rx_cnt;	/* bytes the guest sent us (all consumed) */
	uint32_t fwd_cnt_sent;	/* fwd_cnt the guest last saw from us */
	uint32_t out_len;
	uint8_t out[VSOCK_OUT_CAP];
	struct session sess;
};

struct vsock_ctrl {
	uint32_t src_port, dst_port;
	uint16_t op;
};

struct vsock_dev {
	struct vsock_flow flow[VSOCK_MAX_FLOWS];
	struct vsock_ctrl ctrl[VSOCK_CTRL_CAP];
	unsigned int nctrl;
	uint64_t bad_packets;
};

struct vm;

/* Drop every flow without telling the guest (device reset, EOF). */
void vsock_reset(struct vm *vm);

/* Drain the tx ring, then send what is pending. */
void vsock_tx_kick(struct vm *vm);

/* Send pending packets while the guest has rx buffers. */
void vsock_rx_flush(struct vm *vm);

/* Queue bytes for the guest; -1 if they do not fit. */
int vsock_flow_write(struct vsock_flow *f, const void *data, uint32_t len);

/* Close after delivering queued bytes: RST (or SHUTDOWN if graceful). */
void vsock_flow_close(struct vsock_flow *f, bool graceful);

/* Daemon exit: BYE and SHUTDOWN to every guest connection. */
void vsock_say_goodbye(struct vm *vm);

bool vsock_guest_connected(const struct vm *vm);

#endif
