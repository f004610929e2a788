/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsock forwarding for every port but the service's, the hybrid-vsock
 * convention of Firecracker and rust-vmm's vhost-device-vsock:
 *   - a guest connecting to host port P reaches the Unix socket <uds>_P;
 *   - a host client connecting to <uds> sends "CONNECT P\n", reaches the
 *     guest's port P and is answered "OK <host port>\n".
 * A second app behind struct vsock_app_ops: it knows sockets and bytes,
 * nothing of vtier.  What it buffers is bounded per connection: the
 * guest's bytes by the credit it advertises (VSOCK_BUF_ALLOC), the
 * socket's by the flow's queue (VSOCK_OUT_CAP), read only when it has room.
 * At most VSOCK_FWD_FLOWS connections; the service keeps its own share.
 */
#ifndef VTIERD_VSOCK_FWD_H
#define VTIERD_VSOCK_FWD_H

#include <stdint.h>

#include "log.h"
#include "loop.h"
#include "vsock.h"

struct fwd_conn;

/**
 * struct fwd_stats - what the forwarder did, for vtierctl and metrics.
 * @guest_conns: guest-initiated connections forwarded to <uds>_P.
 * @host_conns: host-initiated connections the guest accepted.
 * @refused: connections refused: no socket at <uds>_P, a bad CONNECT
 *	line, no free slot, or the guest's RST to a REQUEST.
 * @bytes_to_host: guest bytes written to the sockets.
 * @bytes_to_guest: socket bytes queued towards the guest.
 */
struct fwd_stats {
	uint64_t guest_conns, host_conns, refused;
	uint64_t bytes_to_host, bytes_to_guest;
};

/**
 * struct vsock_fwd - one VM's forwarder.
 * @dev: the vsock device it is the second app of.
 * @log: the VM's log.
 * @path: <uds>, where host clients connect.
 * @ev_listen: the listening socket.
 * @conn: connections, NULL for a free slot.
 * @st: counters.
 */
struct vsock_fwd {
	struct vsock_dev *dev;
	struct vlog *log;
	char path[96];
	struct ev ev_listen;
	struct fwd_conn *conn[VSOCK_MAX_FLOWS];
	struct fwd_stats st;
};

/*
 * Listen on path (created 0600 whatever the umask) and become dev's app
 * for every other port.  0, or -errno (logged).
 */
int vsock_fwd_open(struct vsock_fwd *fw, struct vsock_dev *dev,
		   struct vlog *log, struct loop *loop, const char *path);
/* Close every connection and the listener; remove the socket file. */
void vsock_fwd_close(struct vsock_fwd *fw);

/* Open connections, and the bytes they hold in vtierd (both ways). */
unsigned int vsock_fwd_conns(const struct vsock_fwd *fw);
uint64_t vsock_fwd_buffered(const struct vsock_fwd *fw);

#endif
