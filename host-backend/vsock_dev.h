/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-vsock device (types in vsock.h): packets on the tx
 * (guest->host) ring, each header copied once and then validated;
 * connections to the service port, credit flow control.
 */
#ifndef VTIERD_VSOCK_DEV_H
#define VTIERD_VSOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vsock.h"
#include "vsock_rx.h"

void vsock_dev_init(struct vsock_dev *d, struct vlog *log, struct loop *loop,
		    uint64_t cid, uint32_t port,
		    const struct vsock_app_ops *ops, void *app);

/* Close what vsock_dev_init() opened (the budget's eventfd). */
void vsock_dev_close(struct vsock_dev *d);

/* Drop every flow without telling the guest (device reset, EOF). */
void vsock_reset(struct vsock_dev *d);

/*
 * Take the tx ring's packets, up to the budget (VSOCK_TX_BUDGET_*; the
 * rest on a later loop turn), then send what is pending.
 */
void vsock_tx_kick(struct vsock_dev *d);

/* Every port but d->port goes to this app (NULL: they get RST). */
void vsock_dev_set_forward(struct vsock_dev *d,
			   const struct vsock_app_ops *ops, void *app);

/*
 * Host-initiated: a flow to the guest's port, of the forwarding app, with
 * a free host port from VSOCK_FIRST_HOST_PORT; REQUEST goes out, and
 * ops->connected or ops->closed tells the answer.  NULL when no guest
 * driver runs or no slot is free.
 */
struct vsock_flow *vsock_dev_connect(struct vsock_dev *d, uint32_t guest_port,
				     void *app_flow);

/* Queue bytes for the guest; -ENOBUFS if they do not fit. */
int vsock_flow_write(struct vsock_flow *f, const void *data, uint32_t len);
/* Bytes vsock_flow_write() takes now. */
uint32_t vsock_flow_room(const struct vsock_flow *f);

/*
 * The app keeps len bytes of what recv() gave it: the guest's credit
 * counts them until vsock_flow_consumed() (then vsock_rx_flush()).
 */
void vsock_flow_hold(struct vsock_flow *f, uint32_t len);
void vsock_flow_consumed(struct vsock_flow *f, uint32_t len);

/* We send no more: SHUTDOWN (send) once the queued bytes are delivered. */
void vsock_flow_shutdown(struct vsock_flow *f);

/* Close after delivering queued bytes: RST (or SHUTDOWN if graceful). */
void vsock_flow_close(struct vsock_flow *f, bool graceful);

/* In use and not closing: bytes written now reach the guest. */
bool vsock_flow_open(const struct vsock_flow *f);

#endif
