/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-vsock device, its types (the wire format is in vsock_proto.h):
 * a connection ("flow") to the one service port, the device and its
 * app's ops.  The device embeds its vu_dev; what the bytes of a flow mean
 * is the app's business (struct vsock_app_ops, an opaque app pointer), so
 * the device knows nothing of vtier and can be tested alone.  Functions:
 * vsock_dev.h (tx path, flows), vsock_rx.h (packets towards the guest).
 */
#ifndef VTIERD_VSOCK_H
#define VTIERD_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user.h"
#include "vsock_proto.h"

#define VSOCK_BUF_ALLOC		32768	/* receive credit we advertise */
#define VSOCK_MAX_FLOWS		16
#define VSOCK_OUT_CAP		16384	/* bytes queued towards one flow */
#define VSOCK_CTRL_CAP		64	/* RSTs queued for unknown flows */
/*
 * Work per tx kick, weighed in packets and bytes as Linux's vhost-vsock
 * does (there 256 packets or 512 KiB; smaller here, NAPI's 64, since one
 * thread serves every VM): past either the device yields to the loop and
 * comes back through its own eventfd, so a guest that keeps its tx ring
 * full cannot hold the loop.
 */
#define VSOCK_TX_BUDGET_PKTS	64
#define VSOCK_TX_BUDGET_BYTES	0x40000

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
	void *app_flow;		/* the app's state for this flow */
};

struct vsock_ctrl {
	uint32_t src_port, dst_port;
	uint16_t op;
};

/* Ring indices of a virtio-vsock device. */
#define VSOCK_RX 0
#define VSOCK_TX 1

/**
 * struct vsock_app_ops - the service behind the port.
 * @accept: a guest connected from f->guest_port; returns the app's state
 *	for the flow (kept in f->app_flow), or NULL to refuse it (RST).
 * @recv: bytes of an accepted flow, within its credit.  Negative: the app
 *	rejected them and queued its last words; the flow is reset.
 * @mem_unmap: the guest memory table is about to change or go.
 * @mem_mapped: a new guest memory table is in force (dev->vu.mem).
 * @disconnected: the VMM went away; every flow is gone.
 */
struct vsock_app_ops {
	void *(*accept)(void *app, struct vsock_flow *f);
	int (*recv)(void *app, void *app_flow, const uint8_t *data,
		    uint32_t len);
	void (*mem_unmap)(void *app);
	void (*mem_mapped)(void *app);
	void (*disconnected)(void *app);
};

/**
 * struct vsock_dev - one VM's virtio-vsock device.
 * @vu: the vhost-user transport underneath (embedded).
 * @cid: the guest's CID (config space; packets must come from it).
 * @port: the one host port served.
 * @ops: the app's callbacks.
 * @app: opaque, passed to @ops.
 * @flow: connections to @port.
 * @ctrl: RSTs queued for packets of no flow.
 * @nctrl: entries used in @ctrl.
 * @bad_packets: packets dropped for bad addresses or length.
 * @ev_more: an eventfd the tx path writes when it stopped at its budget
 *	with packets left (-1 without a loop: then it takes them all).
 * @tx_yields: times the tx path stopped at its budget.
 * @pkt: scratch copy of one tx chain.
 */
struct vsock_dev {
	struct vu_dev vu;
	uint64_t cid;
	uint32_t port;
	const struct vsock_app_ops *ops;
	void *app;
	struct vsock_flow flow[VSOCK_MAX_FLOWS];
	struct vsock_ctrl ctrl[VSOCK_CTRL_CAP];
	unsigned int nctrl;
	uint64_t bad_packets;
	struct ev ev_more;
	uint64_t tx_yields;
	uint8_t pkt[VRING_MAX_CHAIN_BYTES];
};

#endif
