// SPDX-License-Identifier: GPL-2.0
/*
 * The PMU samplers' period controller, the module's own
 * vtier_pmu_period.c, fed the windows vtier_pmu_run.c measures: handler
 * time against the CPU budget, and overflows against the count, which is
 * how perf's throttling shows to a kernel counter.
 */
#include "kselftest_harness.h"

#include "vtier_pmu_period.h"

#define MS	1000000ULL
#define SEC	(1000 * MS)
#define BUDGET	10000		/* 1% of one CPU, in ppm */

/* A second in which each overflow cost ns_each and perf let all through. */
static struct vtier_period_window window(u64 period, u64 overflows,
					 u64 ns_each)
{
	return (struct vtier_period_window){
		.handler_ns = overflows * ns_each, .window_ns = SEC,
		.events = overflows * period, .overflows = overflows,
		.period = period,
	};
}

TEST(init_clamps_and_aligns)
{
	struct vtier_period_ctl c;

	vtier_period_init(&c, 65541, 4096, 1 << 20, 16);
	EXPECT_EQ(65536, c.period);
	vtier_period_init(&c, 10, 1009, 10000019, 1);
	EXPECT_EQ(1009, c.period);
	vtier_period_init(&c, 1ULL << 40, 1009, 10000019, 1);
	EXPECT_EQ(10000019, c.period);
	EXPECT_EQ(0, c.adaptations);
	EXPECT_EQ(0, c.throttled);
}

/* 3% of a CPU at a 1% budget: the period triples, once. */
TEST(over_budget_grows_in_proportion)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w;

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	w = window(10007, 30000, 1000);		/* 30 ms of handler in 1 s */
	EXPECT_EQ(30021, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(1, c.adaptations);
	EXPECT_EQ(0, c.throttled);
}

/* Between half and 1.25x the budget the period holds. */
TEST(near_budget_holds)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w;

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	w = window(10007, 10000, 1000);		/* exactly 1% */
	EXPECT_EQ(10007, vtier_period_step(&c, &w, BUDGET));
	w = window(10007, 12000, 1000);		/* 1.2% */
	EXPECT_EQ(10007, vtier_period_step(&c, &w, BUDGET));
	w = window(10007, 5000, 1000);		/* 0.5% */
	EXPECT_EQ(10007, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(0, c.adaptations);
}

/* Under half the budget it halves, down to the minimum and no further. */
TEST(under_budget_halves_to_the_minimum)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w;
	int i;

	vtier_period_init(&c, 65536, 4096, 1 << 20, 16);
	for (i = 0; i < 6; i++) {
		w = window(c.period, 100, 1000);
		vtier_period_step(&c, &w, BUDGET);
	}
	EXPECT_EQ(4096, c.period);
	EXPECT_EQ(4, c.adaptations);	/* 32768, 16384, 8192, 4096 */
	EXPECT_EQ(0, c.period % 16);
}

/*
 * Throttled: the count says 100 000 overflows were due, perf let 40 000
 * through.  Handler time is low (0.4%), so the budget alone would halve
 * the period; instead it grows so that 40 000 would have been enough.
 */
TEST(throttling_grows_the_period_and_is_counted)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w = {
		.handler_ns = 4 * MS, .window_ns = SEC,
		.events = 100000ULL * 10007, .overflows = 40000,
		.period = 10007,
	};

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	EXPECT_EQ(25017, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(1, c.throttled);
	EXPECT_EQ(1, c.adaptations);
	/* Then all get through at the new period: not throttled, holds. */
	w = window(25017, 40000, 150);		/* 0.6% */
	EXPECT_EQ(25017, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(1, c.throttled);
	EXPECT_EQ(1, c.adaptations);
}

/* Throttled and over budget: the larger of the two answers wins. */
TEST(throttled_and_over_budget_takes_the_larger)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w = {
		.handler_ns = 50 * MS, .window_ns = SEC,	/* 5x budget */
		.events = 100000ULL * 10007, .overflows = 80000,
		.period = 10007,
	};

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	EXPECT_EQ(50035, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(1, c.throttled);
}

/* An idle CPU (a few events) is not mistaken for throttling. */
TEST(few_events_are_not_throttling)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w = {
		.handler_ns = 0, .window_ns = SEC,
		.events = 15ULL * 10007, .overflows = 0, .period = 10007,
	};

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	vtier_period_step(&c, &w, BUDGET);
	EXPECT_EQ(0, c.throttled);
	EXPECT_EQ(5003, c.period);	/* idle: halves */
}

/* At the maximum a window over budget changes nothing and counts nothing. */
TEST(pinned_at_the_maximum)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w;

	vtier_period_init(&c, 1 << 20, 4096, 1 << 20, 16);
	w = window(1 << 20, 100000, 100000);	/* 10 s of handler in 1 s */
	EXPECT_EQ(1 << 20, vtier_period_step(&c, &w, BUDGET));
	EXPECT_EQ(0, c.adaptations);
}

/* A zero-length window (clock did not move) does not divide by zero. */
TEST(empty_window)
{
	struct vtier_period_ctl c;
	struct vtier_period_window w = { 0 };

	vtier_period_init(&c, 10007, 1009, 10000019, 1);
	vtier_period_step(&c, &w, BUDGET);
	EXPECT_EQ(5003, c.period);
	EXPECT_EQ(0, c.throttled);
}

TEST_HARNESS_MAIN
