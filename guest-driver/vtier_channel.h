/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection to the host daemon: one kernel thread, an AF_VSOCK
 * stream, reconnect with backoff, and the protocol session over it.
 */
#ifndef VTIER_CHANNEL_H
#define VTIER_CHANNEL_H

#include "vtier_core.h"

/* Check the channel's parameters and start its thread. */
int vtier_channel_start(struct vtier_ctx *ctx);

/* Sends BYE if connected, closes the socket and ends the thread. */
void vtier_channel_stop(void);

/* The core's hints_ready callback: new hints are queued. */
void vtier_channel_kick(void *unused);

#endif /* VTIER_CHANNEL_H */
