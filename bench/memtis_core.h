/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MEMTIS-style hot-page identification (SOSP'23): the one implementation,
 * used by the accuracy benchmark's baseline (baselines.c) and by the
 * simulator's MEMTIS policy (sim_pol_memtis.c), which add only their
 * placement on top.
 *
 * Per page a sampled-access count (16 bits, saturating) and a histogram of
 * the pages over 16 log2 bins (bin 0: count 0, bin b: count in
 * [2^(b-1), 2^b), the last bin open).  Every `cool` samples all counts are
 * halved (MEMTIS: 2M samples at its own sampling periods; the callers pass
 * one second's worth of their samples, the memory vtier's engine gets from
 * its 1 s epoch, so that the comparison is of the algorithms).  Every
 * cool/20 samples (MEMTIS: 100k) the hot threshold is re-chosen: the
 * lowest bin >= 1 from which the pages up fit the quota.
 */
#ifndef VTIER_MEMTIS_CORE_H
#define VTIER_MEMTIS_CORE_H

#include <stdint.h>

#define MEMTIS_BINS		16	/* MEMTIS: 16 log2 hotness bins */
#define MEMTIS_MIN_COOL		20	/* so that cool / 20 >= 1 */

struct memtis_core {
	uint16_t *cnt;		/* pages 0..n-1 */
	uint64_t n;
	uint64_t hist[MEMTIS_BINS];	/* pages per bin */
	uint64_t samples, cool, adapt;
	uint32_t thresh;	/* hot: bin >= thresh (>= 1) */
};

/*
 * Pages 0..n-1, all at count 0; counts halved every cool samples (raised
 * to MEMTIS_MIN_COOL); 0, or -1 when out of memory.
 */
int memtis_core_init(struct memtis_core *m, uint64_t n, uint64_t cool);
void memtis_core_free(struct memtis_core *m);

/*
 * Count one sampled access to page i (< n); a threshold re-chosen now
 * fits `quota` pages (the caller's fast memory, which may change).
 */
void memtis_core_sample(struct memtis_core *m, uint64_t i, uint64_t quota);

/* The bin of page i (< n). */
static inline uint32_t memtis_core_bin(const struct memtis_core *m, uint64_t i)
{
	uint32_t c = m->cnt[i];
	uint32_t b = c ? 32 - (uint32_t)__builtin_clz(c) : 0;

	return b < MEMTIS_BINS ? b : MEMTIS_BINS - 1;
}

static inline int memtis_core_hot(const struct memtis_core *m, uint64_t i)
{
	return memtis_core_bin(m, i) >= m->thresh;
}

#endif
