/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control socket for vtierctl: a client sends one JSON request line,
 * {"cmd":"status"} or {"cmd":"pages","vm":"NAME"}, and gets one JSON
 * reply line, or {"error":"..."}; then the connection is closed.
 */
#ifndef VTIERD_CONTROL_H
#define VTIERD_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control_reply.h"
#include "loop.h"

struct balance;
struct client;
struct tier;
struct vm;

#define CONTROL_DEFAULT_PATH "/run/vtier/vtierd.sock"
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_IDLE_MS 5000	/* a client that says nothing is closed */

/**
 * struct control - the control socket and what it reports on.
 * @ev: the listening socket.
 * @path: where it is bound.
 * @view: what the replies read: VMs, quota layer, tier.
 * @group: with @group_set, members of this group may use the socket too
 *	(mode 0660 instead of 0600).
 * @group_set: --control-group was given.
 * @ev_idle: the idle sweep timer, armed while clients are connected.
 * @ev_metrics: the HTTP metrics listener (--metrics), -1 for none.
 * @metrics_path: its Unix socket path, "" for a loopback TCP port.
 * @refused: clients refused by their peer credentials.
 * @client: connected clients, NULL for a free slot.
 */
struct control {
	struct ev ev;
	char path[108];
	struct control_view view;
	gid_t group;
	bool group_set;
	struct ev ev_idle;
	struct ev ev_metrics;
	char metrics_path[108];
	uint64_t refused;
	struct client *client[CONTROL_MAX_CLIENTS];
};

/*
 * Create the directory if needed, bind and listen.  The socket is 0600
 * (0660 and owned by group when group is not NULL) whatever the umask.
 * 0, or -errno (said on stderr).
 */
int control_open(struct control *ctl, struct loop *loop, const char *path,
		 struct vm **vms, int nvms, struct balance *bal,
		 const struct tier *tier, const char *group);
/*
 * The optional metrics listener: a Unix socket path (0600, or 0660 with
 * the group, and the same peer check), or a loopback TCP port as PORT,
 * 127.0.0.1:PORT, localhost:PORT or [::1]:PORT.  It answers HTTP GET
 * /metrics, as Prometheus scrapes.  0, or -errno (said on stderr).
 */
int control_listen_metrics(struct control *ctl, const char *addr);
/* Close the sockets and every client; remove the socket files. */
void control_close(struct control *ctl);

#endif
