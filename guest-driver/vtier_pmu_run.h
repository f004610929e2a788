/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a PMU sampler (vtier_pmu_run.c), given what differs between the
 * PMU samplers (struct vtier_pmu_kind, filled in by vtier_pmu.c).
 */
#ifndef VTIER_PMU_RUN_H
#define VTIER_PMU_RUN_H

#include <linux/perf_event.h>
#include <linux/types.h>

#include "vtier_sampler_ops.h"

#define VTIER_PMU_EVENTS	2

/**
 * struct vtier_pmu_kind - one PMU sampler
 * @name: pebs or ibs
 * @nevents: counters per CPU
 * @attr: fills in event i's attributes
 * @min_period: shortest sample period per event
 * @max_period: longest sample period per event
 * @period_align: power of two; IBS needs 16
 * @selftest: PEBS: require samples in a known buffer at start
 */
struct vtier_pmu_kind {
	const char *name;
	int nevents;
	void (*attr)(int i, struct perf_event_attr *attr);
	u64 min_period[VTIER_PMU_EVENTS];
	u64 max_period[VTIER_PMU_EVENTS];
	u64 period_align;
	bool selftest;
};

int vtier_pmu_start(const struct vtier_pmu_kind *k,
		    const struct vtier_sampler_env *env, char *why, size_t len);
void vtier_pmu_stop(void);

#endif /* VTIER_PMU_RUN_H */
