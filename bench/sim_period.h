/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy's periodic run (HeMem's 10 ms policy thread, MEMTIS's 500 ms
 * kmigraterd): the first tick starts the clock, then a run is due once per
 * period that has passed; periods that passed without a tick are not made
 * up (one run, the next due at the first period boundary after now).
 */
#ifndef VTIER_SIM_PERIOD_H
#define VTIER_SIM_PERIOD_H

#include <stdint.h>

struct sim_period {
	uint64_t next;		/* time the next run is due */
	int started;
};

/* Whether a run is due at time now, for the period per (> 0). */
static inline int sim_period_due(struct sim_period *s, uint64_t now,
				 uint64_t per)
{
	if (!s->started) {
		s->started = 1;
		s->next = now + per;
		return 0;
	}
	if (now < s->next)
		return 0;
	while (s->next <= now)
		s->next += per;
	return 1;
}

#endif
