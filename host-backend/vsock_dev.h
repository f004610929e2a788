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

/* Queue bytes for the guest; -ENOBUFS if they do not fit. */
int vsock_flow_write(struct vsock_flow *f, const void *data, uint32_t len);

/* Close after delivering queued bytes: RST (or SHUTDOWN if graceful). */
void vsock_flow_close(struct vsock_flow *f, bool graceful);

/* In use and not closing: bytes written now reach the guest. */
bool vsock_flow_open(const struct vsock_flow *f);

#endif
