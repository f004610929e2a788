/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frontend: speaks vhost-user to vtierd the way QEMU 7.2 does for
 * vhost-user-vsock-pci, owns a memfd standing in for guest RAM (q35-like
 * regions: gpa 0-0xa0000 at offset 0 and 0xc0000-end at offset 0xc0000),
 * and plays the guest's virtio-vsock driver on the rx/tx split rings.
 */
#ifndef VU_FRONTEND_H
#define VU_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsock_proto.h"

#define FE_RAM_SIZE	(16u << 20)
#define FE_HOLE_START	0xa0000u
#define FE_HOLE_END	0xc0000u
#define FE_QSIZE	128
#define FE_RX_BUF_SIZE	4096
#define FE_SCRATCH_GPA	0xe00000u	/* free for tests */

/* Ring layout in guest RAM. */
#define FE_RING_GPA(q)	(0x100000u + (q) * 0x10000u)
#define FE_AVAIL_OFF	0x800u
#define FE_USED_OFF	0x1000u

enum { FE_RX = 0, FE_TX = 1 };

struct fe_pkt {
	struct vsock_hdr h;
	uint8_t data[FE_RX_BUF_SIZE];
};

struct vu_fe {
	int sock;
	int memfd;
	uint8_t *mem;		/* guest RAM; gpa == offset here */
	int kick[2], call[2];
	uint64_t cid;		/* from GET_CONFIG */
	uint64_t features;	/* offered by vtierd */
	uint64_t protocol_features;
	uint16_t avail_idx[2], last_used[2];
	uint32_t last_reply_flags;
	bool use_indirect;	/* tx packets via an indirect table */
};

/* One vsock connection from the guest to the host. */
struct fe_conn {
	uint32_t local_port, remote_port;
	uint32_t tx_cnt, rx_cnt;
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint16_t close_op;	/* RST or SHUTDOWN seen, 0 while open */
	uint8_t buf[16 + 8192 + FE_RX_BUF_SIZE];	/* received bytes */
	size_t have;
};

/* Connect to a listening vtierd, or adopt an already connected fd. */
int vu_fe_open(struct vu_fe *fe, const char *path);
int vu_fe_adopt(struct vu_fe *fe, int fd);
void vu_fe_close(struct vu_fe *fe);

/* QEMU realize sequence (GET_FEATURES ... GET_CONFIG). */
int vu_fe_realize(struct vu_fe *fe);
/* Guest DRIVER_OK sequence: mem table, rings, kicks; rx buffers posted. */
int vu_fe_driver_ok(struct vu_fe *fe);
/* Guest reset: ENABLE 0, GET_VRING_BASE for both rings, CALL. */
int vu_fe_reset(struct vu_fe *fe, uint32_t base_out[2]);

/* Low level vhost-user, for tests of single requests. */
int vu_fe_request(struct vu_fe *fe, uint32_t req, uint32_t flags,
		  const void *payload, uint32_t size, const int *fds, int nfds);
int vu_fe_reply(struct vu_fe *fe, uint32_t req, void *payload, uint32_t size);

/*
 * Both rings emptied and the rx buffers posted, as vu_fe_driver_ok() does,
 * for tests that run a device in-process (no vhost-user socket).
 */
void vu_fe_rings_reset(struct vu_fe *fe);

/* Raw ring access for hostile-ring tests. */
void vu_fe_set_desc(struct vu_fe *fe, int q, uint16_t i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next);
void vu_fe_post(struct vu_fe *fe, int q, uint16_t head);
void vu_fe_set_avail_idx(struct vu_fe *fe, int q, uint16_t idx);
void vu_fe_kick(struct vu_fe *fe, int q);
uint16_t vu_fe_used_idx(struct vu_fe *fe, int q);
uint16_t vu_fe_avail_event(struct vu_fe *fe, int q);

/* vsock packets. */
/*
 * Wait until the host took enough tx packets that the next send reuses
 * no slot still in use (streams of many packets); 0, or -1 after
 * timeout_ms.
 */
int vu_fe_tx_wait(struct vu_fe *fe, int timeout_ms);
int vu_fe_send_pkt(struct vu_fe *fe, const struct vsock_hdr *h,
		   const void *data);
int vu_fe_recv_pkt(struct vu_fe *fe, struct fe_pkt *p, int timeout_ms);

/* vsock connections: returns the op of the host's answer (2 or 3) or -1. */
int fe_conn_open(struct vu_fe *fe, struct fe_conn *c, uint32_t local_port,
		 uint32_t remote_port);
int fe_conn_send(struct vu_fe *fe, struct fe_conn *c, const void *data,
		 uint32_t len);
int fe_conn_send_op(struct vu_fe *fe, struct fe_conn *c, uint16_t op,
		    uint32_t flags);
/* Next complete vtier frame into buf; its length, or -1 (closed/timeout). */
int fe_conn_recv_frame(struct vu_fe *fe, struct fe_conn *c, void *buf,
		       size_t cap, int timeout_ms);
/* Wait until the host closed the connection; the op (RST/SHUTDOWN) or -1. */
int fe_conn_wait_close(struct vu_fe *fe, struct fe_conn *c, int timeout_ms);

#endif
