// SPDX-License-Identifier: GPL-2.0
/*
 * The sample-period controller.  Two limits hold a PMU sampler back:
 *
 * - its CPU budget: handler time over wall time.  Over 1.25x the budget
 *   the period grows in proportion (the handler's time per sample is
 *   steady, so time scales as 1/period); under half of it the period
 *   halves, as MEMTIS steps its periods to keep ksampled under its quota.
 * - perf's throttling: past perf_event_max_sample_rate / HZ interrupts in
 *   a tick, or NMI time over perf_cpu_time_max_percent, perf stops the
 *   event until the next tick and lowers the allowed rate, and a kernel
 *   counter's handler is never told.  MEMTIS users see it as samples
 *   that stop coming.  It shows as fewer overflows than the count says
 *   there were (events / period); the period then grows so that the
 *   interrupts that did come would have been enough, and never shrinks
 *   in that window.
 *
 * A window that changes the period counts as an adaptation; one in which
 * throttling was seen counts as throttled.
 */
#include "vtier_pmu_period.h"

/* Overflows below 7/8 of the expected count: perf dropped some. */
#define THROTTLE_NUM	7
#define THROTTLE_DEN	8

static u64 bound(const struct vtier_period_ctl *c, u64 p)
{
	if (p < c->min)
		p = c->min;
	if (p > c->max)
		p = c->max;
	p &= ~(c->align - 1);
	return p ? p : c->align;
}

void vtier_period_init(struct vtier_period_ctl *c, u64 period, u64 min,
		       u64 max, u64 align)
{
	*c = (struct vtier_period_ctl){ .min = min, .max = max,
					.align = align ? align : 1 };
	c->period = bound(c, period);
}

/* a * b / d, saturating: the caller clamps the result anyway. */
static u64 scale(u64 a, u64 b, u64 d)
{
	if (b && a > ~0ULL / b)
		return ~0ULL;
	return a * b / (d ? d : 1);
}

u64 vtier_period_step(struct vtier_period_ctl *c,
		      const struct vtier_period_window *w, u64 budget_ppm)
{
	u64 p = c->period, q = p;
	u64 ppm = scale(w->handler_ns, 1000000, w->window_ns);
	u64 expected = w->period ? w->events / w->period : 0;
	bool throttled = expected >= 16 &&
			 w->overflows * THROTTLE_DEN < expected * THROTTLE_NUM;

	if (ppm > budget_ppm + budget_ppm / 4)
		q = scale(p, ppm, budget_ppm ? budget_ppm : 1);
	else if (ppm < budget_ppm / 2 && !throttled)
		q = p / 2;
	if (throttled) {
		u64 need = scale(w->period, expected, w->overflows ? w->overflows : 1);

		c->throttled++;
		if (need > q)
			q = need;
	}
	q = bound(c, q);
	if (q != p) {
		c->period = q;
		c->adaptations++;
	}
	return c->period;
}
