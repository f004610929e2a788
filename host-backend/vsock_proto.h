/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-vsock wire format (virtio spec, "Socket Device"): the packet
 * header and its ops, as vtierd's vsock device and the test frontend's
 * guest driver (selftests/lib/) both use it.
 */
#ifndef VTIERD_VSOCK_PROTO_H
#define VTIERD_VSOCK_PROTO_H

#include <stdint.h>

#define VSOCK_HOST_CID		2
#define VSOCK_HDR_LEN		44
#define VSOCK_MAX_PAYLOAD	65536

enum vsock_op {
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/* virtio-vsock packet header, little-endian on the wire. */
struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

_Static_assert(sizeof(struct vsock_hdr) == VSOCK_HDR_LEN, "vsock header");

#define VSOCK_TYPE_STREAM	1
#define VSOCK_SHUTDOWN_RCV	1
#define VSOCK_SHUTDOWN_SEND	2

#endif
