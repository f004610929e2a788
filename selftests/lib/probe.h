/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How fast vtierd serves a VM: round trips of HINTS -> ACK on an open vtier
 * connection.  An attack by one VM must leave another VM's round trip
 * within 2x of what it is when nobody attacks.
 */
#ifndef VTIERD_PROBE_H
#define VTIERD_PROBE_H

#include "vu_frontend.h"

/**
 * struct rtt - round trips measured by rtt_probe().
 * @median_us: the median, microseconds.
 * @max_us: the slowest.
 * @lost: probes that got no ACK within 5 s.
 */
struct rtt {
	double median_us, max_us;
	int lost;
};

/* n (up to 64) round trips on c; 0, or -1 if c is unusable. */
int rtt_probe(struct vu_fe *fe, struct fe_conn *c, int n, struct rtt *out);

/* The goal of issue 13: within 2x of idle, plus 1 ms for a loaded host. */
static inline bool rtt_within(const struct rtt *attack, const struct rtt *idle)
{
	double limit = 2 * idle->median_us;

	if (limit < idle->median_us + 1000)
		limit = idle->median_us + 1000;
	return attack->lost == 0 && attack->median_us <= limit;
}

#endif
