/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vu_dev: the vhost-user transport of one VM (QEMU 7.2's
 * vhost-user-vsock-pci): the control messages on its socket, the guest
 * memory table and the two split rings.  Replies carry flags exactly 0x5.
 * What a device does with its rings travels up through struct vu_dev_ops,
 * as libvhost-user's VuDevIface; the device embeds its vu_dev.
 */
#ifndef VTIERD_VHOST_USER_H
#define VTIERD_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "loop.h"
#include "memtab.h"
#include "vhost_user_proto.h"
#include "vring.h"

#define VU_RINGS	2
#define VU_CONFIG_MAX	8	/* bytes of device config space */
#define VU_MAX_PAYLOAD	4096	/* largest request payload vtierd reads */

struct vu_dev;

/**
 * struct vu_dev_ops - what the device above does on transport events.
 * @kick: ring i started or was kicked: process it.
 * @enabled: started ring i was enabled (optional).
 * @reset: the device is reset: drop its state (connections).
 * @mem_unmap: the memory table is about to be replaced or dropped.
 * @mem_mapped: a new memory table is in force.
 * @disconnected: the VMM went away; everything above was reset.
 */
struct vu_dev_ops {
	void (*kick)(struct vu_dev *dev, unsigned int ring);
	void (*enabled)(struct vu_dev *dev, unsigned int ring);
	void (*reset)(struct vu_dev *dev);
	void (*mem_unmap)(struct vu_dev *dev);
	void (*mem_mapped)(struct vu_dev *dev);
	void (*disconnected)(struct vu_dev *dev);
};

/**
 * struct vu_dev - one VM's vhost-user connection.
 * @log: the VM's log.
 * @loop: where its fds are watched.
 * @ops: the device's callbacks.
 * @ring_name: for log lines, e.g. "rx" and "tx".
 * @config: device config space, read by GET_CONFIG (zeros past it).
 * @conn_fd: the vhost-user socket, -1 while no VMM is connected.
 * @ev_conn: watches @conn_fd.
 * @ev_kick: watch the rings' kick fds.
 * @vmm_pid: SO_PEERCRED of the connection, 0 if none.
 * @features: negotiated virtio features.
 * @mem: the guest memory table.
 * @vq: the rings.
 * @broken: a ring failed a check: no ring is touched until a reset.
 * @rx: the message being read, header and payload (read incrementally).
 * @rx_have: bytes of it read so far.
 * @rx_fds: the fds that came with it.
 * @rx_nfds: entries in @rx_fds.
 */
struct vu_dev {
	struct vlog *log;
	struct loop *loop;
	const struct vu_dev_ops *ops;
	const char *ring_name[VU_RINGS];
	uint8_t config[VU_CONFIG_MAX];

	int conn_fd;
	struct ev ev_conn, ev_kick[VU_RINGS];
	pid_t vmm_pid;
	uint64_t features;
	struct memtab mem;
	struct vring vq[VU_RINGS];
	bool broken;
	uint8_t rx[VU_HDR_SIZE + VU_MAX_PAYLOAD];
	uint32_t rx_have;
	int rx_fds[VU_MAX_FDS];
	int rx_nfds;
};

void vu_dev_init(struct vu_dev *dev, struct vlog *log, struct loop *loop,
		 const struct vu_dev_ops *ops);

/* Adopt a freshly connected socket (accepted or connected). */
void vu_attach(struct vu_dev *dev, int fd);

/* Drop the connection: device state, rings, mappings; ops->disconnected. */
void vu_detach(struct vu_dev *dev);

/*
 * A SIGBUS at addr (guest memory whose fd was truncated): if addr lies in
 * this device's mappings, drop the connection and return true.
 */
bool vu_dev_fault(struct vu_dev *dev, const void *addr);

/* Mark the device broken (a bad ring) until the next reset. */
void vu_dev_break(struct vu_dev *dev, unsigned int ring, const char *why);

#endif
