// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the vtier protocol decoder (proto/), as vtierd runs it
 * on every frame a guest sends.  The input is one frame (16-byte header,
 * payload).  Oracle: besides the sanitizers, a decoded HINTS frame encodes
 * back to a frame that decodes to the same hints.
 */
#include <stdlib.h>
#include <string.h>

#include "vtier_proto.h"

static uint8_t out[16 + VTIER_MAX_PAYLOAD];
static struct vtier_hint_host h1[VTIER_MAX_HINTS], h2[VTIER_MAX_HINTS];

static void hints_round_trip(const struct vtier_msg *m,
			     const struct vtier_limits *lim)
{
	struct vtier_msg again;
	const char *why;
	uint32_t i, len;
	uint16_t type;
	int n;

	for (i = 0; i < m->hints.count; i++)
		vtier_hint_get(m, i, &h1[i]);
	n = vtier_enc_hints(out, sizeof(out), m->seq, h1, m->hints.count);
	if (n < 16 || vtier_hdr_check((void *)out, &type, &len, &why) ||
	    vtier_decode(type, m->seq, out + 16, len, lim, &again, &why) ||
	    again.hints.count != m->hints.count)
		abort();
	for (i = 0; i < again.hints.count; i++) {
		vtier_hint_get(&again, i, &h2[i]);
		if (memcmp(&h1[i], &h2[i], sizeof(h1[i])))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtier_limits lim = { .max_pfn = 1u << 20 };
	struct vtier_hdr hdr;
	struct vtier_msg m;
	const char *why;
	uint32_t len;
	uint16_t type;

	if (size < sizeof(hdr))
		return 0;
	memcpy(&hdr, data, sizeof(hdr));
	if (vtier_hdr_check(&hdr, &type, &len, &why))
		return 0;
	if (len > size - sizeof(hdr))
		return 0;	/* the session waits for the rest */
	if (vtier_decode(type, le32_to_cpu(hdr.seq), data + sizeof(hdr), len,
			 &lim, &m, &why))
		return 0;
	if (m.type == VTIER_MSG_HINTS)
		hints_round_trip(&m, &lim);
	return 0;
}
