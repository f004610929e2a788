/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accessed-bit scanner's defaults and control constants, in plain C:
 * vtier_abit.c builds with them, and the simulator's model of the scanner
 * (bench/sim_abit.c) uses the same values.
 */
#ifndef VTIER_ABIT_DEFS_H
#define VTIER_ABIT_DEFS_H

#define ABIT_DEFAULT_INTERVAL_MS	200	/* shortest round interval */
#define ABIT_DEFAULT_HOT_RANGES		4096	/* 2 MiB ranges revisited each round */
#define ABIT_MAX_INTERVAL_MS		10000	/* the interval's ceiling */
#define ABIT_MIN_CURSOR			64	/* entries: the cold walk always moves */
#define ABIT_MIN_ESTIMATE		4096	/* entries: a round that measures ns/entry */
/*
 * A listed range leaves the hot list only after this many quiet visits in
 * a row: a hot range that is idle for one round (a program between two
 * phases) would otherwise wait for the cold walk to come round again,
 * which on a large working set takes hundreds of rounds.
 */
#define ABIT_HOT_AGE			8
#define VTIER_DEFAULT_CPU_BUDGET_PERMILLE 10	/* 1% of one CPU */

/*
 * The interval controller: a round over budget * (1 + 1/OVER) lengthens
 * the interval by at least 1/GROW, up to where the round was on budget;
 * one under budget / 2 shortens it by at least 1/SHRINK, down to where
 * it would have cost 3/4 of the budget.
 */
#define ABIT_OVER_DIV			4
#define ABIT_GROW_DIV			4
#define ABIT_SHRINK_DIV			5

#endif /* VTIER_ABIT_DEFS_H */
