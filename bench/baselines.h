/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The identification engines the accuracy benchmark compares, behind one
 * interface: vtier's own (libvtiercore), and HeMem-style and MEMTIS-style
 * baselines written from the published descriptions
 * (/work/shared/reference/published-systems.md, docs/PERFORMANCE.md),
 * whose identification is hemem_core.c and memtis_core.c, shared with the
 * simulator (sim_pol_hemem.c, sim_pol_memtis.c); and the EWMA reference
 * predictor of tools/replay/ewma.c.
 */
#ifndef VTIER_BASELINES_H
#define VTIER_BASELINES_H

#include <stddef.h>
#include <stdint.h>

struct engine_ops {
	const char *name;
	/* pages lo..hi-1, quota k pages, expected samples per second */
	void *(*create)(uint64_t lo, uint64_t hi, uint64_t k, double sps);
	void (*sample)(void *e, uint64_t pfn, int write, uint64_t t_ns);
	/*
	 * the identified hot set into out (room for hi - lo); its size.
	 * Asked once at the end of every window.
	 */
	size_t (*hot)(void *e, uint64_t *out);
	void (*destroy)(void *e);
};

extern const struct engine_ops vtier_engine, hemem_engine, memtis_engine,
	ewma_engine;

#endif
