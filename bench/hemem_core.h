/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HeMem-style hot-page identification (SOSP'21, constants of its pebs.h):
 * the one implementation, used by the accuracy benchmark's baseline
 * (baselines.c) and by the simulator's HeMem policy (sim_pol_hemem.c),
 * which add only their placement on top.
 *
 * Per page, sampled read and write counts.  A page is hot at >= 8 reads or
 * >= 4 writes.  When a page's count reaches 18 the global cooling clock
 * ticks and every count is halved; lazily, as HeMem does: a page catches
 * up with the clock whenever it is next counted or asked about.
 */
#ifndef VTIER_HEMEM_CORE_H
#define VTIER_HEMEM_CORE_H

#include <stdint.h>

#define HEMEM_HOT_READS		8	/* HeMem pebs.h: hot at 8 sampled reads */
#define HEMEM_HOT_WRITES	4	/* ... or 4 sampled writes */
#define HEMEM_COOL_AT		18	/* halve every count when one reaches 18 */

struct hemem_page {
	uint16_t reads, writes;
	uint32_t clock;		/* the global clock value last applied */
};

struct hemem_core {
	struct hemem_page *pg;	/* pages 0..n-1 */
	uint64_t n;
	uint32_t clock;		/* cooling clock: halvings so far */
};

/* Pages 0..n-1, all cold; 0, or -1 when out of memory. */
int hemem_core_init(struct hemem_core *c, uint64_t n);
void hemem_core_free(struct hemem_core *c);

/* Count one sampled access to page i (< n); whether the page is now hot. */
int hemem_core_sample(struct hemem_core *c, uint64_t i, int write);

/* Whether page i (< n) is hot, its pending halvings applied first. */
int hemem_core_hot(struct hemem_core *c, uint64_t i);

#endif
