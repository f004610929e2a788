/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the PMU samplers (vtier_pmu.c), for the code that
 * runs either of them (vtier_pmu_run.c).
 */
#ifndef VTIER_PMU_H
#define VTIER_PMU_H

#include <linux/perf_event.h>
#include <linux/types.h>

#include "vtier_ring.h"

#define VTIER_PMU_EVENTS	2

struct vtier_pmu_kind {
	const char *name;
	int nevents;
	u64 store_config;		/* event config that samples stores */
	void (*attr)(int i, struct perf_event_attr *attr);
	u64 min_period[VTIER_PMU_EVENTS];
	u64 max_period[VTIER_PMU_EVENTS];
	u64 period_align;		/* power of two; IBS needs 16 */
	bool selftest;			/* PEBS: require samples in a buffer */
};

int vtier_pmu_start(const struct vtier_pmu_kind *k, struct vtier_ringset *rs,
		    char *why, size_t len);
void vtier_pmu_stop(void);

#endif /* VTIER_PMU_H */
