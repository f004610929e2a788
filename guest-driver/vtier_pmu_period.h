/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PMU samplers' sample-period controller (vtier_pmu_period.c), one per
 * event: plain C, called once per control window by vtier_pmu_run.c and
 * unit tested in userspace (selftests/guest-driver/pmu_period_test.c).
 */
#ifndef VTIER_PMU_PERIOD_H
#define VTIER_PMU_PERIOD_H

#include <linux/types.h>

/**
 * struct vtier_period_ctl - one event's period and what changed it
 * @period: the sample period now
 * @min: the shortest period allowed
 * @max: the longest
 * @align: a power of two every period is a multiple of
 * @adaptations: windows that changed the period
 * @throttled: windows in which perf dropped overflows (throttling)
 */
struct vtier_period_ctl {
	u64 period;
	u64 min;
	u64 max;
	u64 align;
	u64 adaptations;
	u64 throttled;
};

/**
 * struct vtier_period_window - what one control window measured
 * @handler_ns: time in the overflow handler, all CPUs together
 * @window_ns: the window's wall time
 * @events: events the counters counted, all CPUs together
 * @overflows: handler calls (samples) the event got
 * @period: the period in force during the window
 */
struct vtier_period_window {
	u64 handler_ns;
	u64 window_ns;
	u64 events;
	u64 overflows;
	u64 period;
};

/* @period clamped into [@min, @max] and aligned: the controller's start. */
void vtier_period_init(struct vtier_period_ctl *c, u64 period, u64 min,
		       u64 max, u64 align);

/*
 * One window: the next period, held so that handler time stays under
 * budget_ppm (millionths of one CPU) and the interrupt rate under what
 * perf let through.  Returns c->period (changed or not).
 */
u64 vtier_period_step(struct vtier_period_ctl *c,
		      const struct vtier_period_window *w, u64 budget_ppm);

#endif /* VTIER_PMU_PERIOD_H */
