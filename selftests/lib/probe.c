// SPDX-License-Identifier: GPL-2.0
/* Round trips of HINTS -> ACK: how fast vtierd serves a VM right now. */
#include "probe.h"

#include <stdlib.h>
#include <time.h>

#include "test_common.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int rtt_probe(struct vu_fe *fe, struct fe_conn *c, int n, struct rtt *out)
{
	struct vtier_hint_host h = { .gpfn = 0x300, .action = VTIER_HINT_PROMOTE };
	double t[64];
	uint8_t buf[64];
	struct vtier_msg ack;
	int i, len, got = 0;

	out->lost = 0;
	out->max_us = 0;
	for (i = 0; i < n && i < 64; i++) {
		double t0 = now_us();

		len = vtier_enc_hints(buf, sizeof(buf), 100 + (uint32_t)i, &h, 1);
		if (len < 0 || fe_conn_send(fe, c, buf, (uint32_t)len))
			return -1;
		if (recv_msg(fe, c, &ack) || ack.type != VTIER_MSG_ACK) {
			out->lost++;
			continue;
		}
		t[got] = now_us() - t0;
		if (t[got] > out->max_us)
			out->max_us = t[got];
		got++;
	}
	qsort(t, (size_t)got, sizeof(t[0]), cmp_double);
	out->median_us = got ? t[got / 2] : 1e9;
	return 0;
}
