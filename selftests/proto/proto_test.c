// SPDX-License-Identifier: GPL-2.0
/*
 * Protocol unit tests: every message round-trips through the shared
 * encoder and decoder, and every rejection path of the validator fires with
 * the reason a log reader would see.
 */
#include "kselftest_harness.h"
#include "vtier_proto.h"

#define CAP 16384

static u8 buf[CAP];

/* Decode a frame in buf of n bytes; returns 0 or -EPROTO with *why. */
static int decode(int n, const struct vtier_limits *lim, struct vtier_msg *m,
		  const char **why)
{
	struct vtier_hdr h;
	u16 type;
	u32 len;
	int rc;

	if (n < (int)sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	rc = vtier_hdr_check(&h, &type, &len, why);
	if (rc)
		return rc;
	if (len != n - sizeof(h))
		return -EINVAL;
	return vtier_decode(type, le32_to_cpu(h.seq), buf + sizeof(h), len,
			    lim, m, why);
}

static void set_hdr_field(size_t off, const void *v, size_t n)
{
	memcpy(buf + off, v, n);
}

static const struct vtier_limits lim_1g = { .max_pfn = 262144 };

TEST(hello_round_trip)
{
	struct vtier_msg m;
	const char *why = NULL;
	int n = vtier_enc_hello(buf, CAP, 1, VTIER_SAMPLER_REPLAY, 4096,
				1ull << 30, 262144);

	ASSERT_EQ(16 + 24, n);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(VTIER_MSG_HELLO, m.type);
	EXPECT_EQ(1, m.seq);
	EXPECT_EQ(VTIER_PROTO_VERSION, m.hello.proto_version);
	EXPECT_EQ(VTIER_SAMPLER_REPLAY, m.hello.sampler);
	EXPECT_EQ(4096, m.hello.page_size);
	EXPECT_EQ(1ull << 30, m.hello.ram_bytes);
	EXPECT_EQ(262144, m.hello.max_pfn);
}

TEST(welcome_quota_ack_bye_round_trip)
{
	struct vtier_msg m;
	const char *why = NULL;
	int n;

	n = vtier_enc_welcome(buf, CAP, 7, VTIER_CAP_OBSERVE, 5000, 256);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(VTIER_CAP_OBSERVE, m.welcome.caps);
	EXPECT_EQ(5000, m.welcome.quota_pages);
	EXPECT_EQ(256, m.welcome.max_hints);

	n = vtier_enc_quota(buf, CAP, 8, 123456789012ull);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(123456789012ull, m.quota.quota_pages);

	n = vtier_enc_ack(buf, CAP, 9, 42, 10, 2, 3);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(42, m.ack.batch_seq);
	EXPECT_EQ(10, m.ack.applied);
	EXPECT_EQ(2, m.ack.rejected);
	EXPECT_EQ(3, m.ack.deferred);

	n = vtier_enc_bye(buf, CAP, 10, VTIER_BYE_PROTOCOL);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(VTIER_BYE_PROTOCOL, m.bye.reason);
}

TEST(report_round_trip)
{
	u64 hist[VTIER_HIST_BUCKETS];
	struct vtier_msg m;
	const char *why = NULL;
	unsigned int i;
	int n;

	for (i = 0; i < VTIER_HIST_BUCKETS; i++)
		hist[i] = 1000 + i * 0x100000001ull;
	n = vtier_enc_report(buf, CAP, 3, 5000, 1000, 777, 1ull << 40, hist);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why));
	EXPECT_EQ(5000, m.report.sample_rate);
	EXPECT_EQ(1000, m.report.epoch_ms);
	EXPECT_EQ(777, m.report.wss_pages);
	EXPECT_EQ(1ull << 40, m.report.samples);
	for (i = 0; i < VTIER_HIST_BUCKETS; i++)
		EXPECT_EQ(hist[i], m.report.hist[i]);
}

TEST(hints_round_trip_max_batch)
{
	static struct vtier_hint_host in[VTIER_MAX_HINTS];
	struct vtier_hint_host out;
	struct vtier_msg m;
	const char *why = NULL;
	u32 i;
	int n;

	for (i = 0; i < VTIER_MAX_HINTS; i++) {
		in[i].order = (i % 3 == 0) ? 9 : 0;
		in[i].gpfn = in[i].order ? (u64)i * 512 % 262144 : i * 7 + 1;
		in[i].hotness = (u16)(i * 131);
		in[i].action = (i & 1) ? VTIER_HINT_DEMOTE : VTIER_HINT_PROMOTE;
	}
	n = vtier_enc_hints(buf, CAP, 5, in, VTIER_MAX_HINTS);
	ASSERT_LE(n - 16, VTIER_MAX_PAYLOAD);
	ASSERT_EQ(0, decode(n, &lim_1g, &m, &why)) TH_LOG("%s", why);
	ASSERT_EQ(VTIER_MAX_HINTS, m.hints.count);
	for (i = 0; i < VTIER_MAX_HINTS; i++) {
		vtier_hint_get(&m, i, &out);
		EXPECT_EQ(in[i].gpfn, out.gpfn);
		EXPECT_EQ(in[i].order, out.order);
		EXPECT_EQ(in[i].hotness, out.hotness);
		EXPECT_EQ(in[i].action, out.action);
	}
}

TEST(encoders_refuse_small_buffers)
{
	struct vtier_hint_host h = { .gpfn = 1, .action = VTIER_HINT_PROMOTE };
	u64 hist[VTIER_HIST_BUCKETS] = { 0 };

	EXPECT_EQ(-ENOSPC, vtier_enc_hello(buf, 39, 1, 1, 4096, 4096, 1));
	EXPECT_EQ(-ENOSPC, vtier_enc_welcome(buf, 39, 1, 0, 0, 1));
	EXPECT_EQ(-ENOSPC, vtier_enc_hints(buf, 16 + 8 + 15, 1, &h, 1));
	EXPECT_EQ(-ENOSPC, vtier_enc_report(buf, 16, 1, 0, 0, 0, 0, hist));
	EXPECT_EQ(-ENOSPC, vtier_enc_quota(buf, 23, 1, 0));
	EXPECT_EQ(-ENOSPC, vtier_enc_ack(buf, 31, 1, 0, 0, 0, 0));
	EXPECT_EQ(-ENOSPC, vtier_enc_bye(buf, 23, 1, 0));
	EXPECT_EQ(-EINVAL, vtier_enc_hints(buf, CAP, 1, &h, 0));
	EXPECT_EQ(-EINVAL, vtier_enc_hints(buf, CAP, 1, &h,
					   VTIER_MAX_HINTS + 1));
}

/* ---- header rejections ---- */

static void expect_hdr_reject(struct __test_metadata *_metadata,
			      const char *reason)
{
	struct vtier_msg m;
	const char *why = NULL;

	ASSERT_EQ(-EPROTO, decode(16 + 8, &lim_1g, &m, &why));
	ASSERT_NE(NULL, why);
	EXPECT_STREQ(reason, why);
}

TEST(header_rejects_bad_magic)
{
	u32 v = 0xdeadbeef;

	vtier_enc_quota(buf, CAP, 1, 1);
	set_hdr_field(0, &v, 4);
	expect_hdr_reject(_metadata, "bad magic");
}

TEST(header_rejects_unknown_version)
{
	u16 v = htole16(2);

	vtier_enc_quota(buf, CAP, 1, 1);
	set_hdr_field(4, &v, 2);
	expect_hdr_reject(_metadata, "unknown protocol version");
}

TEST(header_rejects_unknown_type)
{
	u16 t;

	vtier_enc_quota(buf, CAP, 1, 1);
	t = htole16(0);
	set_hdr_field(6, &t, 2);
	expect_hdr_reject(_metadata, "unknown message type");
	t = htole16(VTIER_MSG_MAX + 1);
	set_hdr_field(6, &t, 2);
	expect_hdr_reject(_metadata, "unknown message type");
}

TEST(header_rejects_length_mismatch)
{
	struct vtier_hdr h;
	const char *why = NULL;
	u16 type;
	u32 len;

	vtier_enc_quota(buf, CAP, 1, 1);
	memcpy(&h, buf, sizeof(h));
	h.length = htole32(9);
	EXPECT_EQ(-EPROTO, vtier_hdr_check(&h, &type, &len, &why));
	EXPECT_STREQ("length does not match message type", why);

	h.type = htole16(VTIER_MSG_HINTS);
	h.length = htole32(8 + 15);
	EXPECT_EQ(-EPROTO, vtier_hdr_check(&h, &type, &len, &why));
	EXPECT_STREQ("HINTS length out of range", why);
	h.length = htole32(VTIER_MAX_PAYLOAD + 1);
	EXPECT_EQ(-EPROTO, vtier_hdr_check(&h, &type, &len, &why));
	EXPECT_STREQ("HINTS length out of range", why);
	h.length = htole32(0xffffffffu);
	EXPECT_EQ(-EPROTO, vtier_hdr_check(&h, &type, &len, &why));
}

/* ---- payload rejections ---- */

/* Encode one hint, optionally corrupt its count, and decode. */
static const char *one_hint_reason(struct vtier_hint_host h,
				   const struct vtier_limits *lim)
{
	struct vtier_msg m;
	const char *why = NULL;
	int n = vtier_enc_hints(buf, CAP, 1, &h, 1);

	if (decode(n, lim, &m, &why) == 0)
		return NULL;
	return why;
}

TEST(hints_reject_each_bad_field)
{
	struct vtier_hint_host ok = { .gpfn = 100, .action = 1 }, h;

	EXPECT_EQ(NULL, one_hint_reason(ok, &lim_1g));

	h = ok;
	h.action = 3;
	EXPECT_STREQ("unknown hint action", one_hint_reason(h, &lim_1g));
	h = ok;
	h.action = 0;
	EXPECT_STREQ("unknown hint action", one_hint_reason(h, &lim_1g));
	h = ok;
	h.order = 1;
	EXPECT_STREQ("hint order not 0 or 9", one_hint_reason(h, &lim_1g));
	h = ok;
	h.order = 9;
	h.gpfn = 513;
	EXPECT_STREQ("order-9 hint not 2 MiB aligned",
		     one_hint_reason(h, &lim_1g));
	h = ok;
	h.gpfn = 262144;
	EXPECT_STREQ("frame number past guest RAM",
		     one_hint_reason(h, &lim_1g));
	h = ok;
	h.gpfn = ~0ull;
	EXPECT_STREQ("frame number past guest RAM",
		     one_hint_reason(h, &lim_1g));
	/* An order-9 hint whose tail crosses the end of RAM. */
	h = ok;
	h.order = 9;
	h.gpfn = 262144 - 512;
	EXPECT_EQ(NULL, one_hint_reason(h, &lim_1g));
	{
		struct vtier_limits odd = { .max_pfn = 262144 - 1 };

		EXPECT_STREQ("frame number past guest RAM",
			     one_hint_reason(h, &odd));
	}
}

TEST(hints_reject_bad_count)
{
	struct vtier_hint_host h[4] = {
		{ .gpfn = 1, .action = 1 }, { .gpfn = 2, .action = 1 },
		{ .gpfn = 3, .action = 2 }, { .gpfn = 4, .action = 2 },
	};
	struct vtier_limits small = { .max_pfn = 262144, .max_hints = 3 };
	struct vtier_msg m;
	const char *why = NULL;
	u32 c;
	int n;

	n = vtier_enc_hints(buf, CAP, 1, h, 4);
	ASSERT_EQ(-EPROTO, decode(n, &small, &m, &why));
	EXPECT_STREQ("hint count out of range", why);

	c = htole32(0);
	memcpy(buf + 16, &c, 4);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("hint count out of range", why);

	c = htole32(3);		/* payload holds 4 */
	memcpy(buf + 16, &c, 4);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("HINTS length does not match count", why);

	c = htole32(0x10000001);	/* count * 16 would wrap in 32 bits */
	memcpy(buf + 16, &c, 4);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
}

TEST(hello_rejects)
{
	struct vtier_msg m;
	const char *why = NULL;
	u16 v;
	int n;

	n = vtier_enc_hello(buf, CAP, 1, VTIER_SAMPLER_MAX + 1, 4096, 4096, 1);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("unknown sampler", why);

	n = vtier_enc_hello(buf, CAP, 1, 1, 65536, 4096, 1);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("page size is not 4096", why);

	n = vtier_enc_hello(buf, CAP, 1, 1, 4096, 4096, 0);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("guest RAM size inconsistent with max_pfn", why);

	n = vtier_enc_hello(buf, CAP, 1, 1, 4096, 1ull << 40, 1000);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("guest RAM size inconsistent with max_pfn", why);

	n = vtier_enc_hello(buf, CAP, 1, 1, 4096, 4096, 1);
	v = htole16(0);
	memcpy(buf + 16, &v, 2);	/* proto_version */
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("guest protocol version too old", why);
}

TEST(welcome_report_bye_rejects)
{
	u64 hist[VTIER_HIST_BUCKETS] = { 0 };
	struct vtier_msg m;
	const char *why = NULL;
	u16 v;
	int n;

	n = vtier_enc_welcome(buf, CAP, 1, 1u << 7, 0, 16);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("unknown capability bits", why);

	n = vtier_enc_welcome(buf, CAP, 1, 0, 0, 0);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("max_hints out of range", why);
	n = vtier_enc_welcome(buf, CAP, 1, 0, 0, VTIER_MAX_HINTS + 1);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("max_hints out of range", why);

	n = vtier_enc_welcome(buf, CAP, 1, 0, 0, 16);
	v = htole16(9);
	memcpy(buf + 16, &v, 2);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("host accepted an unknown version", why);

	n = vtier_enc_report(buf, CAP, 1, 0, 0, 262145, 0, hist);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("working set larger than guest RAM", why);

	n = vtier_enc_bye(buf, CAP, 1, VTIER_BYE_MAX + 1);
	ASSERT_EQ(-EPROTO, decode(n, &lim_1g, &m, &why));
	EXPECT_STREQ("unknown BYE reason", why);
}

TEST(names)
{
	EXPECT_STREQ("HINTS", vtier_msg_name(VTIER_MSG_HINTS));
	EXPECT_STREQ("UNKNOWN", vtier_msg_name(0));
	EXPECT_STREQ("UNKNOWN", vtier_msg_name(VTIER_MSG_MAX + 1));
	EXPECT_STREQ("abit", vtier_sampler_name(VTIER_SAMPLER_ABIT));
	EXPECT_STREQ("unknown", vtier_sampler_name(VTIER_SAMPLER_MAX + 1));
}

TEST_HARNESS_MAIN
