/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control socket for vtierctl: a client sends one JSON request line,
 * {"cmd":"status"} or {"cmd":"pages","vm":"NAME"}, and gets one JSON
 * reply line, or {"error":"..."}; then the connection is closed.
 */
#ifndef VTIERD_CONTROL_H
#define VTIERD_CONTROL_H

#include "loop.h"

struct balance;
struct client;
struct tier;
struct vm;

#define CONTROL_DEFAULT_PATH "/run/vtier/vtierd.sock"
#define CONTROL_MAX_CLIENTS 16

/**
 * struct control - the control socket and what it reports on.
 * @ev: the listening socket.
 * @path: where it is bound.
 * @vms: all VMs.
 * @nvms: entries in @vms.
 * @bal: the quota layer.
 * @tier: the tier of all VMs.
 * @client: connected clients, NULL for a free slot.
 */
struct control {
	struct ev ev;
	char path[108];
	struct vm **vms;
	int nvms;
	struct balance *bal;
	const struct tier *tier;
	struct client *client[CONTROL_MAX_CLIENTS];
};

/*
 * Create the directory if needed, bind and listen.  0, or -errno (said
 * on stderr).
 */
int control_open(struct control *ctl, struct loop *loop, const char *path,
		 struct vm **vms, int nvms, struct balance *bal,
		 const struct tier *tier);
/* Close the socket and every client; remove the socket file. */
void control_close(struct control *ctl);

#endif
