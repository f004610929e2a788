/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-vsock device, its types (the wire format is in vsock_proto.h):
 * a connection ("flow"), the device and its apps' ops.  The device embeds
 * its vu_dev; what the bytes of a flow mean is an app's business (struct
 * vsock_app_ops, an opaque app pointer), so the device knows nothing of
 * vtier and can be tested alone.  Two apps at most, chosen per flow by
 * port: the service on one host port (vtier's), and optionally a second
 * app for every other port (the forwarder, vsock_fwd.h).  Functions:
 * vsock_dev.h (tx path, flows), vsock_rx.h (packets towards the guest).
 */
#ifndef VTIERD_VSOCK_H
#define VTIERD_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user.h"
#include "vsock_proto.h"

#define VSOCK_BUF_ALLOC		32768	/* receive credit we advertise */
#define VSOCK_MAX_FLOWS		64	/* all ports together */
#define VSOCK_PORT_FLOWS	16	/* to the service port, kept for it */
#define VSOCK_FWD_FLOWS		(VSOCK_MAX_FLOWS - VSOCK_PORT_FLOWS)
#define VSOCK_FIRST_HOST_PORT	(1u << 30)	/* host-initiated flows' ports */
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

struct vsock_app_ops;

/**
 * struct vsock_flow - one connection, guest_port <-> host_port.
 * @used: the slot is a live connection.
 * @need_request: host-initiated: send REQUEST.
 * @connecting: REQUEST sent, waiting for the guest's RESPONSE.
 * @need_response: guest-initiated: send RESPONSE.
 * @need_credit: send CREDIT_UPDATE.
 * @shut_send: send SHUTDOWN (we send no more) once @out is delivered.
 * @closing: send RST once @out is delivered...
 * @close_shutdown: ...a SHUTDOWN of both directions instead.
 * @drained: @out had bytes delivered: tell the app (ops->drained).
 * @peer_shut: VSOCK_SHUTDOWN_* the guest said.
 * @guest_port: the guest's end.
 * @host_port: ours: the service port, or the forwarded port P.
 * @peer_buf_alloc: the guest's receive buffer.
 * @peer_fwd_cnt: bytes the guest's application consumed.
 * @tx_cnt: bytes we sent to the guest.
 * @rx_cnt: bytes the guest sent us.
 * @held: of @rx_cnt, bytes the app keeps and has not consumed yet
 *	(vsock_flow_hold()); the guest's credit counts them as in flight.
 * @fwd_cnt_sent: fwd_cnt the guest last saw from us.
 * @out_len: bytes in @out.
 * @out: bytes queued towards the guest.
 * @ops: the app of this flow.
 * @app: its opaque pointer.
 * @app_flow: the app's state for this flow.
 */
struct vsock_flow {
	bool used;
	bool need_request, connecting;
	bool need_response;
	bool need_credit;
	bool shut_send;
	bool closing;
	bool close_shutdown;
	bool drained;
	uint32_t peer_shut;
	uint32_t guest_port, host_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t tx_cnt;
	uint32_t rx_cnt;
	uint32_t held;
	uint32_t fwd_cnt_sent;
	uint32_t out_len;
	uint8_t out[VSOCK_OUT_CAP];
	const struct vsock_app_ops *ops;
	void *app;
	void *app_flow;
};

struct vsock_ctrl {
	uint32_t src_port, dst_port;
	uint16_t op;
};

/* Ring indices of a virtio-vsock device. */
#define VSOCK_RX 0
#define VSOCK_TX 1

/**
 * struct vsock_app_ops - a service behind a port.
 * @accept: a guest connected from f->guest_port to f->host_port; returns
 *	the app's state for the flow (kept in f->app_flow), or NULL to
 *	refuse it (RST).
 * @recv: bytes of an accepted flow, within its credit.  Negative: the app
 *	rejected them and queued its last words; the flow is reset.  They
 *	count as consumed unless the app holds them (vsock_flow_hold()).
 * @connected: optional: the guest accepted a host-initiated flow.
 * @shutdown: optional: the guest shut down the directions in flags
 *	(VSOCK_SHUTDOWN_*); the app closes the flow when it is done.
 *	Without it a SHUTDOWN closes the flow (RST once @out is delivered).
 * @drained: optional: bytes of f->out were delivered; there is room.
 * @closed: optional: the flow is gone (RST either way, SHUTDOWN sent,
 *	device reset); f->app_flow is not used again.  Called from within
 *	the device: it must not call back into the device.
 * @mem_unmap: the guest memory table is about to change or go.
 * @mem_mapped: a new guest memory table is in force (dev->vu.mem).
 * @disconnected: the VMM went away; every flow is gone.
 */
struct vsock_app_ops {
	void *(*accept)(void *app, struct vsock_flow *f);
	int (*recv)(void *app, void *app_flow, const uint8_t *data,
		    uint32_t len);
	void (*connected)(void *app, void *app_flow);
	void (*shutdown)(void *app, void *app_flow, uint32_t flags);
	void (*drained)(void *app, void *app_flow);
	void (*closed)(void *app, void *app_flow);
	void (*mem_unmap)(void *app);
	void (*mem_mapped)(void *app);
	void (*disconnected)(void *app);
};

/**
 * struct vsock_dev - one VM's virtio-vsock device.
 * @vu: the vhost-user transport underneath (embedded).
 * @cid: the guest's CID (config space; packets must come from it).
 * @port: the service's host port.
 * @ops: the service's callbacks.
 * @app: opaque, passed to @ops.
 * @fwd_ops: the app of every other port, NULL for none (they get RST).
 * @fwd_app: opaque, passed to @fwd_ops.
 * @next_host_port: the next port a host-initiated flow may take.
 * @flow: connections.
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
	const struct vsock_app_ops *fwd_ops;
	void *fwd_app;
	uint32_t next_host_port;
	struct vsock_flow flow[VSOCK_MAX_FLOWS];
	struct vsock_ctrl ctrl[VSOCK_CTRL_CAP];
	unsigned int nctrl;
	uint64_t bad_packets;
	struct ev ev_more;
	uint64_t tx_yields;
	uint8_t pkt[VRING_MAX_CHAIN_BYTES];
};

#endif
