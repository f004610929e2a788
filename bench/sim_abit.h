/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accessed-bit front end of vtier-sim (docs/simulator.md, "Samplers"),
 * modelled on guest-driver/vtier_abit.c: every record sets its page's
 * accessed bit; a scan round every interval checks the bits of the 2 MiB
 * ranges that had accessed pages at their last visit (the hot list, every
 * round) and then of further ranges from a cursor until the round's entry
 * budget is spent; each set bit is cleared and gives one sample.  As the
 * module skips a 2 MiB range by its PMD entry's accessed bit, a listed
 * range with no page accessed since its last check costs one entry.  The
 * module's cursor also skips such ranges, and 1 GiB ones by their PUD
 * bit, and lists young ranges it has no budget left to check; the model's
 * cursor checks every range, since a trace has no memory that is mapped
 * but never touched, where those skips save most (so the model overstates
 * the cold walk's cost).  The budget and the interval follow the module's
 * controller: cost per round within budget x interval; after a round over
 * 1.25x the budget the interval at least 25% longer and at once as long
 * as the round's cost needs; after one under half of it at least 20%
 * shorter and at once where the round would cost 3/4 of the budget, never
 * below the base.  (The module's estimate of ns per entry, which sizes the
 * cursor, is the model's fixed abit_entry_ns.)
 */
#ifndef VTIER_SIM_ABIT_H
#define VTIER_SIM_ABIT_H

#include <stdint.h>

struct sim_trace;
struct sim_params;

struct sim_abit {
	const struct sim_trace *tr;
	const struct sim_params *par;
	uint8_t *accessed;	/* page id -> accessed since its last check */
	uint32_t *by_pfn;	/* page ids in pfn order */
	uint64_t *range_start;	/* index into by_pfn of each 2 MiB range; nranges + 1 */
	uint64_t nranges;
	uint32_t *hot, *next;	/* ranges to revisit this round, found for the next */
	uint8_t *in_next;
	uint8_t *age;		/* quiet visits of a listed range in a row */
	uint8_t *touched;	/* range -> a page accessed since its last check */
	uint32_t *range_of;	/* page id -> its range */
	uint64_t nhot, nnext;
	uint64_t cursor;	/* next range for the cold walk */
	uint64_t cursor_budget;	/* entries the cold walk may check next round */
	uint64_t interval_ns, next_round_ns;
	/* totals */
	uint64_t rounds, entries, samples;
	double cost_ns;
};

/* 0, or -1 without memory. */
int sim_abit_init(struct sim_abit *a, const struct sim_trace *tr,
		  const struct sim_params *par, uint64_t t0_ns);
void sim_abit_free(struct sim_abit *a);

static inline void sim_abit_access(struct sim_abit *a, uint32_t id)
{
	a->accessed[id] = 1;
	a->touched[a->range_of[id]] = 1;
}

/*
 * One round at now_ns over the pages touched so far (ids below seen):
 * emit(ctx, id) for every accessed page found.  Returns the round's cost,
 * ns of guest CPU, and schedules the next round.
 */
double sim_abit_round(struct sim_abit *a, uint64_t now_ns, uint64_t seen,
		      void (*emit)(void *ctx, uint32_t id), void *ctx);

#endif
