/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier wire protocol: fixed-size little-endian records exchanged between
 * the guest module (vtier.ko) and the host daemon (vtierd) over a virtio-vsock
 * stream.  docs/protocol.md is the specification; this header and that
 * document must agree.
 *
 * Every frame is a 16-byte header followed by `length` payload bytes.  The
 * same encoder/decoder/validator (vtier_proto.c) builds into the kernel
 * module and into userspace.
 */
#ifndef VTIER_PROTO_H
#define VTIER_PROTO_H

#include "vtier_proto_compat.h"

#define VTIER_MAGIC		0x52495456u	/* "VTIR" in little-endian */
#define VTIER_PROTO_VERSION	1
#define VTIER_DEFAULT_PORT	9771
#define VTIER_HOST_CID		2

/* The largest payload any frame may carry; bounds every receive buffer. */
#define VTIER_MAX_PAYLOAD	8192
#define VTIER_MAX_HINTS		((VTIER_MAX_PAYLOAD - 8) / 16)	/* 511 */
#define VTIER_HIST_BUCKETS	16

enum vtier_msg_type {
	VTIER_MSG_HELLO		= 1,	/* guest -> host */
	VTIER_MSG_WELCOME	= 2,	/* host -> guest */
	VTIER_MSG_HINTS		= 3,	/* guest -> host */
	VTIER_MSG_REPORT	= 4,	/* guest -> host */
	VTIER_MSG_QUOTA		= 5,	/* host -> guest */
	VTIER_MSG_ACK		= 6,	/* host -> guest */
	VTIER_MSG_BYE		= 7,	/* either way */
	VTIER_MSG_MAX		= VTIER_MSG_BYE,
};

enum vtier_sampler {
	VTIER_SAMPLER_NONE	= 0,
	VTIER_SAMPLER_REPLAY	= 1,
	VTIER_SAMPLER_ABIT	= 2,
	VTIER_SAMPLER_PEBS	= 3,
	VTIER_SAMPLER_IBS	= 4,
	VTIER_SAMPLER_MAX	= VTIER_SAMPLER_IBS,
};

enum vtier_hint_action {
	VTIER_HINT_PROMOTE	= 1,
	VTIER_HINT_DEMOTE	= 2,
};

/* WELCOME.caps bits */
#define VTIER_CAP_MOVE		BIT(0)		/* host can move memory */
#define VTIER_CAP_OBSERVE	BIT(1)		/* host only translates/counts */
#define VTIER_CAP_ALL		(VTIER_CAP_MOVE | VTIER_CAP_OBSERVE)

/* BYE.reason values */
enum vtier_bye_reason {
	VTIER_BYE_SHUTDOWN	= 0,	/* orderly: unload or daemon exit */
	VTIER_BYE_PROTOCOL	= 1,	/* peer sent an invalid frame */
	VTIER_BYE_VERSION	= 2,	/* no common protocol version */
	VTIER_BYE_MAX		= VTIER_BYE_VERSION,
};

struct vtier_hdr {
	__le32 magic;
	__le16 version;
	__le16 type;
	__le32 length;		/* payload bytes after this header */
	__le32 seq;		/* sender's frame counter, starts at 1 */
};

struct vtier_hello {
	__le16 proto_version;	/* highest version the guest speaks */
	__le16 sampler;		/* enum vtier_sampler */
	__le32 page_size;	/* guest base page size, 4096 */
	__le64 ram_bytes;	/* guest RAM managed by the kernel */
	__le64 max_pfn;		/* one past the highest guest RAM frame */
};

struct vtier_welcome {
	__le16 proto_version;	/* version the host accepted */
	__le16 reserved0;
	__le32 caps;		/* VTIER_CAP_* */
	__le64 quota_pages;	/* fast-memory quota, 4 KiB pages */
	__le32 max_hints;	/* largest HINTS batch the host takes */
	__le32 reserved1;
};

struct vtier_hint {
	__le64 gpfn;		/* guest page frame number (4 KiB units) */
	__le16 hotness;		/* guest's score, higher is hotter */
	__u8 order;		/* 0 (4 KiB) or 9 (2 MiB, gpfn 512-aligned) */
	__u8 action;		/* enum vtier_hint_action */
	__le32 reserved;
};

struct vtier_hints {
	__le32 count;		/* hints that follow, 1..VTIER_MAX_HINTS */
	__le32 reserved;
	struct vtier_hint hint[];
};

struct vtier_report {
	__le32 sample_rate;	/* samples per second over the last epoch */
	__le32 epoch_ms;	/* length of the epoch this report covers */
	__le64 wss_pages;	/* working-set estimate, 4 KiB pages */
	__le64 samples;		/* samples taken since the module loaded */
	__le64 hist[VTIER_HIST_BUCKETS]; /* pages per log2(hotness) bucket */
};

struct vtier_quota {
	__le64 quota_pages;
};

struct vtier_ack {
	__le32 batch_seq;	/* seq of the HINTS frame acknowledged */
	__le32 applied;
	__le32 rejected;
	__le32 deferred;
};

struct vtier_bye {
	__le32 reason;		/* enum vtier_bye_reason */
	__le32 reserved;
};

vtier_static_assert(sizeof(struct vtier_hdr) == 16);
vtier_static_assert(sizeof(struct vtier_hello) == 24);
vtier_static_assert(sizeof(struct vtier_welcome) == 24);
vtier_static_assert(sizeof(struct vtier_hint) == 16);
vtier_static_assert(sizeof(struct vtier_hints) == 8);
vtier_static_assert(sizeof(struct vtier_report) == 24 + 8 * VTIER_HIST_BUCKETS);
vtier_static_assert(sizeof(struct vtier_quota) == 8);
vtier_static_assert(sizeof(struct vtier_ack) == 16);
vtier_static_assert(sizeof(struct vtier_bye) == 8);
vtier_static_assert(sizeof(struct vtier_hints) +
		    VTIER_MAX_HINTS * sizeof(struct vtier_hint) <=
		    VTIER_MAX_PAYLOAD);

/* ---- Decoded (CPU byte order) forms ---- */

struct vtier_hint_host {
	u64 gpfn;
	u16 hotness;
	u8 order;
	u8 action;
};

/* Limits a receiver checks a frame against. */
struct vtier_limits {
	u64 max_pfn;		/* frames at or past this are rejected; 0: none */
	u32 max_hints;		/* 0 means VTIER_MAX_HINTS */
};

struct vtier_msg {
	u16 type;
	u32 seq;
	union {
		struct {
			u16 proto_version;
			u16 sampler;
			u32 page_size;
			u64 ram_bytes;
			u64 max_pfn;
		} hello;
		struct {
			u16 proto_version;
			u32 caps;
			u64 quota_pages;
			u32 max_hints;
		} welcome;
		struct {
			u32 count;
			const struct vtier_hint *wire;	/* count records */
		} hints;
		struct {
			u32 sample_rate;
			u32 epoch_ms;
			u64 wss_pages;
			u64 samples;
			u64 hist[VTIER_HIST_BUCKETS];
		} report;
		struct {
			u64 quota_pages;
		} quota;
		struct {
			u32 batch_seq;
			u32 applied;
			u32 rejected;
			u32 deferred;
		} ack;
		struct {
			u32 reason;
		} bye;
	};
};

/*
 * Validate a received header.  On success returns 0 and sets *type and
 * *len; on failure returns -EPROTO (bad magic/version/type/length) and
 * points *why at a static reason string.
 */
int vtier_hdr_check(const struct vtier_hdr *h, u16 *type, u32 *len,
		    const char **why);

/*
 * Decode and validate a payload whose header already passed
 * vtier_hdr_check().  HINTS payloads are checked hint by hint (action,
 * order, alignment, gpfn < lim->max_pfn); the hints stay in wire form in
 * `payload` and are read with vtier_hint_get().  Returns 0 or -EPROTO with
 * *why set.
 */
int vtier_decode(u16 type, u32 seq, const void *payload, u32 len,
		 const struct vtier_limits *lim, struct vtier_msg *out,
		 const char **why);

/* Read hint i of a decoded HINTS message. */
void vtier_hint_get(const struct vtier_msg *m, u32 i,
		    struct vtier_hint_host *out);

/* Check one hint against the limits; NULL if valid, else the reason. */
const char *vtier_hint_check(const struct vtier_hint_host *h,
			     const struct vtier_limits *lim);

/*
 * Encoders write header + payload into buf (cap bytes) and return the
 * frame length, or -ENOSPC if it does not fit.
 */
int vtier_enc_hello(void *buf, size_t cap, u32 seq, u16 sampler,
		    u32 page_size, u64 ram_bytes, u64 max_pfn);
int vtier_enc_welcome(void *buf, size_t cap, u32 seq, u32 caps,
		      u64 quota_pages, u32 max_hints);
int vtier_enc_hints(void *buf, size_t cap, u32 seq,
		    const struct vtier_hint_host *hints, u32 count);
int vtier_enc_report(void *buf, size_t cap, u32 seq, u32 sample_rate,
		     u32 epoch_ms, u64 wss_pages, u64 samples,
		     const u64 hist[VTIER_HIST_BUCKETS]);
int vtier_enc_quota(void *buf, size_t cap, u32 seq, u64 quota_pages);
int vtier_enc_ack(void *buf, size_t cap, u32 seq, u32 batch_seq,
		  u32 applied, u32 rejected, u32 deferred);
int vtier_enc_bye(void *buf, size_t cap, u32 seq, u32 reason);

/* Human-readable names, for logs and vtierctl. */
const char *vtier_msg_name(u16 type);
const char *vtier_sampler_name(u16 sampler);

#endif /* VTIER_PROTO_H */
