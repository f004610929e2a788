// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpora (corpus/<target>/): well-formed inputs that take
 * each fuzz target deep at once.  Run by `make -C fuzz seeds`; the files
 * are kept in the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtier_proto.h"

static uint8_t buf[1 << 16];

static void put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		exit(1);
}

static size_t frames(uint8_t *out, int which)
{
	struct vtier_hint_host h[3] = {
		{ .gpfn = 0x10, .action = VTIER_HINT_PROMOTE },
		{ .gpfn = 0x20, .action = VTIER_HINT_DEMOTE },
		{ .gpfn = 0x40, .action = VTIER_HINT_PROMOTE },
	};
	uint64_t hist[VTIER_HIST_BUCKETS] = { 10, 20, 30, 40 };

	switch (which) {
	case 0:
		return (size_t)vtier_enc_hello(out, 256, 1, VTIER_SAMPLER_REPLAY,
					       4096, 1 << 20, 256);
	case 1:
		return (size_t)vtier_enc_hints(out, 256, 2, h, 3);
	default:
		return (size_t)vtier_enc_report(out, 512, 3, 1000, 1000, 100,
						1000, hist);
	}
}

/* One vsock packet chunk for datapath_fuzz: [le16 len][header][payload]. */
static size_t chunk(uint8_t *out, uint16_t op, const uint8_t *pay, size_t n)
{
	uint8_t *h = out + 2;
	uint64_t src = 3, dst = 2;
	uint32_t sport = 5000, dport = VTIER_DEFAULT_PORT, len = (uint32_t)n;
	uint32_t alloc = 262144;
	uint16_t type = 1, total = (uint16_t)(44 + n);

	memset(h, 0, 44);
	memcpy(out, &total, 2);
	memcpy(h, &src, 8);
	memcpy(h + 8, &dst, 8);
	memcpy(h + 16, &sport, 4);
	memcpy(h + 20, &dport, 4);
	memcpy(h + 24, &len, 4);
	memcpy(h + 28, &type, 2);
	memcpy(h + 30, &op, 2);
	memcpy(h + 36, &alloc, 4);
	memcpy(h + 44, pay, n);
	return 2 + 44 + n;
}

int main(void)
{
	uint8_t f[512];
	char path[64];
	size_t n, at;
	int i;

	for (i = 0; i < 3; i++) {
		n = frames(buf, i);
		snprintf(path, sizeof(path), "corpus/proto/seed%d", i);
		put(path, buf, n);
	}
	/* datapath: REQUEST, then HELLO, HINTS, REPORT as RW packets. */
	buf[0] = 3;
	at = 1 + chunk(buf + 1, 1, NULL, 0);
	for (i = 0; i < 3; i++) {
		n = frames(f, i);
		at += chunk(buf + at, 5, f, n);
	}
	put("corpus/datapath/seed0", buf, at);
	/* vring: 8 entries, tx; chain 0 -> 1, then an indirect table. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 3;
	{
		uint8_t *ram = buf + 3;
		uint64_t a = 0x1000, b = 0x2000, t = 0x3000;
		uint32_t l = 64, tl = 32;
		uint16_t next = 1, fl_next = 1, fl_ind = 4, idx = 2, h1 = 2;

		memcpy(ram, &a, 8);
		memcpy(ram + 8, &l, 4);
		memcpy(ram + 12, &fl_next, 2);
		memcpy(ram + 14, &next, 2);
		memcpy(ram + 16, &b, 8);
		memcpy(ram + 24, &l, 4);
		memcpy(ram + 32, &t, 8);
		memcpy(ram + 40, &tl, 4);
		memcpy(ram + 44, &fl_ind, 2);
		memcpy(ram + 0x3000, &a, 8);
		memcpy(ram + 0x3008, &l, 4);
		memcpy(ram + 0x3010, &b, 8);
		memcpy(ram + 0x3018, &l, 4);
		memcpy(ram + 0x4002, &idx, 2);
		memcpy(ram + 0x4006, &h1, 2);
		put("corpus/vring/seed0", buf, 3 + 0x4010);
	}
	return 0;
}
