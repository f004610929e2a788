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

/*
 * The goal of issue 13: within 2x of idle, or idle + 1 ms where that is
 * more, for a loaded host (idle is some 20 us; the figures themselves are
 * printed and go to docs/reliability.md).
 */
static inline double rtt_limit_us(double idle_us)
{
	return 2 * idle_us > idle_us + 1000 ? 2 * idle_us : idle_us + 1000;
}

static inline bool rtt_within(const struct rtt *attack, const struct rtt *idle)
{
	return attack->lost == 0 &&
	       attack->median_us <= rtt_limit_us(idle->median_us);
}

#endif
