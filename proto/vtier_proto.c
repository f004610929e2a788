// SPDX-License-Identifier: GPL-2.0
/*
 * vtier wire protocol: encode, decode and validate.  Plain C with no kernel
 * calls, so the same file builds into vtier.ko and into vtierd and the tests.
 * Every length and value from the peer is checked before it is used.
 */
#include "vtier_proto.h"

static const char *const msg_names[VTIER_MSG_MAX + 1] = {
	[VTIER_MSG_HELLO] = "HELLO",	[VTIER_MSG_WELCOME] = "WELCOME",
	[VTIER_MSG_HINTS] = "HINTS",	[VTIER_MSG_REPORT] = "REPORT",
	[VTIER_MSG_QUOTA] = "QUOTA",	[VTIER_MSG_ACK] = "ACK",
	[VTIER_MSG_BYE] = "BYE",
};

static const char *const sampler_names[VTIER_SAMPLER_MAX + 1] = {
	[VTIER_SAMPLER_NONE] = "none",	[VTIER_SAMPLER_REPLAY] = "replay",
	[VTIER_SAMPLER_ABIT] = "abit",	[VTIER_SAMPLER_PEBS] = "pebs",
	[VTIER_SAMPLER_IBS] = "ibs",
};

const char *vtier_msg_name(u16 type)
{
	if (type == 0 || type > VTIER_MSG_MAX)
		return "UNKNOWN";
	return msg_names[type];
}

const char *vtier_sampler_name(u16 sampler)
{
	if (sampler > VTIER_SAMPLER_MAX)
		return "unknown";
	return sampler_names[sampler];
}

/* Exact payload size of each fixed-size message; HINTS is variable. */
static u32 fixed_payload_len(u16 type)
{
	switch (type) {
	case VTIER_MSG_HELLO:	return sizeof(struct vtier_hello);
	case VTIER_MSG_WELCOME:	return sizeof(struct vtier_welcome);
	case VTIER_MSG_REPORT:	return sizeof(struct vtier_report);
	case VTIER_MSG_QUOTA:	return sizeof(struct vtier_quota);
	case VTIER_MSG_ACK:	return sizeof(struct vtier_ack);
	case VTIER_MSG_BYE:	return sizeof(struct vtier_bye);
	default:		return 0;
	}
}

int vtier_hdr_check(const struct vtier_hdr *h, u16 *type, u32 *len,
		    const char **why)
{
	u16 t = le16_to_cpu(h->type);
	u32 l = le32_to_cpu(h->length);

	if (le32_to_cpu(h->magic) != VTIER_MAGIC) {
		*why = "bad magic";
		return -EPROTO;
	}
	if (le16_to_cpu(h->version) != VTIER_PROTO_VERSION) {
		*why = "unknown protocol version";
		return -EPROTO;
	}
	if (t == 0 || t > VTIER_MSG_MAX) {
		*why = "unknown message type";
		return -EPROTO;
	}
	if (t == VTIER_MSG_HINTS) {
		if (l < sizeof(struct vtier_hints) + sizeof(struct vtier_hint) ||
		    l > VTIER_MAX_PAYLOAD) {
			*why = "HINTS length out of range";
			return -EPROTO;
		}
	} else if (l != fixed_payload_len(t)) {
		*why = "length does not match message type";
		return -EPROTO;
	}
	*type = t;
	*len = l;
	return 0;
}

const char *vtier_hint_check(const struct vtier_hint_host *h,
			     const struct vtier_limits *lim)
{
	if (h->action != VTIER_HINT_PROMOTE && h->action != VTIER_HINT_DEMOTE)
		return "unknown hint action";
	if (h->order != 0 && h->order != 9)
		return "hint order not 0 or 9";
	if (h->order == 9 && (h->gpfn & 511))
		return "order-9 hint not 2 MiB aligned";
	if (lim->max_pfn &&
	    (h->gpfn >= lim->max_pfn ||
	     h->gpfn + (1ull << h->order) > lim->max_pfn))
		return "frame number past guest RAM";
	return NULL;
}

void vtier_hint_get(const struct vtier_msg *m, u32 i,
		    struct vtier_hint_host *out)
{
	struct vtier_hint w;

	memcpy(&w, &m->hints.wire[i], sizeof(w));
	out->gpfn = le64_to_cpu(w.gpfn);
	out->hotness = le16_to_cpu(w.hotness);
	out->order = w.order;
	out->action = w.action;
}

static int decode_hints(const void *payload, u32 len,
			const struct vtier_limits *lim, struct vtier_msg *out,
			const char **why)
{
	u32 max = lim->max_hints ? lim->max_hints : VTIER_MAX_HINTS;
	struct vtier_hint_host h;
	struct vtier_hints w;
	const char *bad;
	u32 i, count;

	memcpy(&w, payload, sizeof(w));
	count = le32_to_cpu(w.count);
	if (count == 0 || count > max || count > VTIER_MAX_HINTS) {
		*why = "hint count out of range";
		return -EPROTO;
	}
	if (len != sizeof(w) + count * sizeof(struct vtier_hint)) {
		*why = "HINTS length does not match count";
		return -EPROTO;
	}
	out->hints.count = count;
	out->hints.wire = (const struct vtier_hint *)
		((const u8 *)payload + sizeof(w));
	for (i = 0; i < count; i++) {
		vtier_hint_get(out, i, &h);
		bad = vtier_hint_check(&h, lim);
		if (bad) {
			*why = bad;
			return -EPROTO;
		}
	}
	return 0;
}

int vtier_decode(u16 type, u32 seq, const void *payload, u32 len,
		 const struct vtier_limits *lim, struct vtier_msg *out,
		 const char **why)
{
	union {
		struct vtier_hello hello;
		struct vtier_welcome welcome;
		struct vtier_report report;
		struct vtier_quota quota;
		struct vtier_ack ack;
		struct vtier_bye bye;
	} w;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->type = type;
	out->seq = seq;
	if (type == VTIER_MSG_HINTS)
		return decode_hints(payload, len, lim, out, why);
	if (len != fixed_payload_len(type) || len > sizeof(w)) {
		*why = "length does not match message type";
		return -EPROTO;
	}
	memcpy(&w, payload, len);

	switch (type) {
	case VTIER_MSG_HELLO:
		out->hello.proto_version = le16_to_cpu(w.hello.proto_version);
		out->hello.sampler = le16_to_cpu(w.hello.sampler);
		out->hello.page_size = le32_to_cpu(w.hello.page_size);
		out->hello.ram_bytes = le64_to_cpu(w.hello.ram_bytes);
		out->hello.max_pfn = le64_to_cpu(w.hello.max_pfn);
		if (out->hello.proto_version < VTIER_PROTO_VERSION) {
			*why = "guest protocol version too old";
			return -EPROTO;
		}
		if (out->hello.sampler > VTIER_SAMPLER_MAX) {
			*why = "unknown sampler";
			return -EPROTO;
		}
		if (out->hello.page_size != 4096) {
			*why = "page size is not 4096";
			return -EPROTO;
		}
		if (out->hello.max_pfn == 0 ||
		    out->hello.ram_bytes / 4096 > out->hello.max_pfn) {
			*why = "guest RAM size inconsistent with max_pfn";
			return -EPROTO;
		}
		break;
	case VTIER_MSG_WELCOME:
		out->welcome.proto_version = le16_to_cpu(w.welcome.proto_version);
		out->welcome.caps = le32_to_cpu(w.welcome.caps);
		out->welcome.quota_pages = le64_to_cpu(w.welcome.quota_pages);
		out->welcome.max_hints = le32_to_cpu(w.welcome.max_hints);
		if (out->welcome.proto_version != VTIER_PROTO_VERSION) {
			*why = "host accepted an unknown version";
			return -EPROTO;
		}
		if (out->welcome.caps & ~VTIER_CAP_ALL) {
			*why = "unknown capability bits";
			return -EPROTO;
		}
		if (out->welcome.max_hints == 0 ||
		    out->welcome.max_hints > VTIER_MAX_HINTS) {
			*why = "max_hints out of range";
			return -EPROTO;
		}
		break;
	case VTIER_MSG_REPORT:
		out->report.sample_rate = le32_to_cpu(w.report.sample_rate);
		out->report.epoch_ms = le32_to_cpu(w.report.epoch_ms);
		out->report.wss_pages = le64_to_cpu(w.report.wss_pages);
		out->report.samples = le64_to_cpu(w.report.samples);
		for (i = 0; i < VTIER_HIST_BUCKETS; i++)
			out->report.hist[i] = le64_to_cpu(w.report.hist[i]);
		if (lim->max_pfn && out->report.wss_pages > lim->max_pfn) {
			*why = "working set larger than guest RAM";
			return -EPROTO;
		}
		break;
	case VTIER_MSG_QUOTA:
		out->quota.quota_pages = le64_to_cpu(w.quota.quota_pages);
		break;
	case VTIER_MSG_ACK:
		out->ack.batch_seq = le32_to_cpu(w.ack.batch_seq);
		out->ack.applied = le32_to_cpu(w.ack.applied);
		out->ack.rejected = le32_to_cpu(w.ack.rejected);
		out->ack.deferred = le32_to_cpu(w.ack.deferred);
		break;
	case VTIER_MSG_BYE:
		out->bye.reason = le32_to_cpu(w.bye.reason);
		if (out->bye.reason > VTIER_BYE_MAX) {
			*why = "unknown BYE reason";
			return -EPROTO;
		}
		break;
	default:
		*why = "unknown message type";
		return -EPROTO;
	}
	return 0;
}

/* Write the header; returns the total frame length or -ENOSPC. */
static int put_hdr(void *buf, size_t cap, u16 type, u32 seq, u32 len)
{
	struct vtier_hdr h;

	if (cap < sizeof(h) + (size_t)len)
		return -ENOSPC;
	h.magic = cpu_to_le32(VTIER_MAGIC);
	h.version = cpu_to_le16(VTIER_PROTO_VERSION);
	h.type = cpu_to_le16(type);
	h.length = cpu_to_le32(len);
	h.seq = cpu_to_le32(seq);
	memcpy(buf, &h, sizeof(h));
	return (int)(sizeof(h) + len);
}

/* Write a fixed-size message: header, then the wire record w. */
static int put_fixed(void *buf, size_t cap, u16 type, u32 seq,
		     const void *w, u32 len)
{
	int n = put_hdr(buf, cap, type, seq, len);

	if (n > 0)
		memcpy((u8 *)buf + sizeof(struct vtier_hdr), w, len);
	return n;
}

int vtier_enc_hello(void *buf, size_t cap, u32 seq, u16 sampler,
		    u32 page_size, u64 ram_bytes, u64 max_pfn)
{
	struct vtier_hello w = {
		.proto_version = cpu_to_le16(VTIER_PROTO_VERSION),
		.sampler = cpu_to_le16(sampler),
		.page_size = cpu_to_le32(page_size),
		.ram_bytes = cpu_to_le64(ram_bytes),
		.max_pfn = cpu_to_le64(max_pfn),
	};

	return put_fixed(buf, cap, VTIER_MSG_HELLO, seq, &w, sizeof(w));
}

int vtier_enc_welcome(void *buf, size_t cap, u32 seq, u32 caps,
		      u64 quota_pages, u32 max_hints)
{
	struct vtier_welcome w = {
		.proto_version = cpu_to_le16(VTIER_PROTO_VERSION),
		.caps = cpu_to_le32(caps),
		.quota_pages = cpu_to_le64(quota_pages),
		.max_hints = cpu_to_le32(max_hints),
	};

	return put_fixed(buf, cap, VTIER_MSG_WELCOME, seq, &w, sizeof(w));
}

int vtier_enc_hints(void *buf, size_t cap, u32 seq,
		    const struct vtier_hint_host *hints, u32 count)
{
	struct vtier_hints head = { .count = cpu_to_le32(count) };
	u8 *p = (u8 *)buf + sizeof(struct vtier_hdr) + sizeof(head);
	struct vtier_hint w;
	u32 i;
	int n;

	if (count == 0 || count > VTIER_MAX_HINTS)
		return -EINVAL;
	n = put_hdr(buf, cap, VTIER_MSG_HINTS, seq,
		    sizeof(head) + count * sizeof(w));
	if (n < 0)
		return n;
	memcpy((u8 *)buf + sizeof(struct vtier_hdr), &head, sizeof(head));
	for (i = 0; i < count; i++, p += sizeof(w)) {
		memset(&w, 0, sizeof(w));
		w.gpfn = cpu_to_le64(hints[i].gpfn);
		w.hotness = cpu_to_le16(hints[i].hotness);
		w.order = hints[i].order;
		w.action = hints[i].action;
		memcpy(p, &w, sizeof(w));
	}
	return n;
}

int vtier_enc_report(void *buf, size_t cap, u32 seq, u32 sample_rate,
		     u32 epoch_ms, u64 wss_pages, u64 samples,
		     const u64 hist[VTIER_HIST_BUCKETS])
{
	struct vtier_report w = {
		.sample_rate = cpu_to_le32(sample_rate),
		.epoch_ms = cpu_to_le32(epoch_ms),
		.wss_pages = cpu_to_le64(wss_pages),
		.samples = cpu_to_le64(samples),
	};
	unsigned int i;

	for (i = 0; i < VTIER_HIST_BUCKETS; i++)
		w.hist[i] = cpu_to_le64(hist[i]);
	return put_fixed(buf, cap, VTIER_MSG_REPORT, seq, &w, sizeof(w));
}

int vtier_enc_quota(void *buf, size_t cap, u32 seq, u64 quota_pages)
{
	struct vtier_quota w = { .quota_pages = cpu_to_le64(quota_pages) };

	return put_fixed(buf, cap, VTIER_MSG_QUOTA, seq, &w, sizeof(w));
}

int vtier_enc_ack(void *buf, size_t cap, u32 seq, u32 batch_seq,
		  u32 applied, u32 rejected, u32 deferred)
{
	struct vtier_ack w = {
		.batch_seq = cpu_to_le32(batch_seq),
		.applied = cpu_to_le32(applied),
		.rejected = cpu_to_le32(rejected),
		.deferred = cpu_to_le32(deferred),
	};

	return put_fixed(buf, cap, VTIER_MSG_ACK, seq, &w, sizeof(w));
}

int vtier_enc_bye(void *buf, size_t cap, u32 seq, u32 reason)
{
	struct vtier_bye w = { .reason = cpu_to_le32(reason) };

	return put_fixed(buf, cap, VTIER_MSG_BYE, seq, &w, sizeof(w));
}
