/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-vsock device, host->guest side (types in vsock.h). */
#ifndef VTIERD_VSOCK_RX_H
#define VTIERD_VSOCK_RX_H

#include "vsock.h"

/* Send pending packets while the guest has rx buffers. */
void vsock_rx_flush(struct vsock_dev *d);

/* The flow is gone: free its slot and tell its app (ops->closed). */
void vsock_flow_end(struct vsock_flow *f);

#endif
