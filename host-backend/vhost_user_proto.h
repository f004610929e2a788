/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost-user wire protocol as vtierd speaks it: request numbers, header
 * flags, the feature bits it offers.  Shared by vtierd (vhost_user.c) and
 * the test frontend (selftests/lib/vu_frontend.c), so both sides agree by
 * construction.  Spec: QEMU's docs/interop/vhost-user.rst.
 */
#ifndef VTIERD_VHOST_USER_PROTO_H
#define VTIERD_VHOST_USER_PROTO_H

enum vu_request {
	VU_GET_FEATURES = 1, VU_SET_FEATURES = 2, VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4, VU_SET_MEM_TABLE = 5, VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9, VU_SET_VRING_BASE = 10, VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12, VU_SET_VRING_CALL = 13, VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15, VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17, VU_SET_VRING_ENABLE = 18, VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

/* Header: u32 request, u32 flags, u32 payload size. */
#define VU_HDR_SIZE		12
#define VU_FLAG_VERSION		0x1
#define VU_FLAG_REPLY		0x4
#define VU_FLAG_NEED_REPLY	0x8
/* In the u64 of SET_VRING_KICK/CALL/ERR: no fd comes with it. */
#define VU_VRING_NOFD		(1ull << 8)
#define VU_MAX_FDS		8

/* Virtio feature bits. */
#define VU_F_INDIRECT_DESC	(1ull << 28)
#define VU_F_EVENT_IDX		(1ull << 29)
#define VU_F_PROTOCOL_FEATURES	(1ull << 30)
#define VU_F_VERSION_1		(1ull << 32)
/* Protocol feature bits. */
#define VU_PF_MQ		(1ull << 0)
#define VU_PF_REPLY_ACK		(1ull << 3)
#define VU_PF_CONFIG		(1ull << 9)

/* What vtierd offers, fixed, so a restarted vtierd matches QEMU's earlier
 * negotiation (docs/vtierd.md, Connect mode). */
#define VU_FEATURES (VU_F_VERSION_1 | VU_F_PROTOCOL_FEATURES | \
		     VU_F_EVENT_IDX | VU_F_INDIRECT_DESC)
#define VU_PROTOCOL_FEATURES (VU_PF_MQ | VU_PF_REPLY_ACK | VU_PF_CONFIG)
#define VU_QUEUE_NUM 2

#endif
