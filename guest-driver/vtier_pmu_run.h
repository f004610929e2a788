/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a PMU sampler (vtier_pmu_run.c), given what differs between the
 * PMU samplers (struct vtier_pmu_kind, filled in by vtier_pmu.c).
 */
#ifndef VTIER_PMU_RUN_H
#define VTIER_PMU_RUN_H

#include <linux/perf_event.h>
#include <linux/types.h>

#include "vtier_pmu_model.h"
#include "vtier_sampler_ops.h"

/**
 * struct vtier_pmu_kind - one PMU sampler
 * @name: pebs or ibs
 * @attr: fills in the attributes of one event of the CPU's model row
 * @selftest: PEBS: require samples in a known buffer at start
 */
struct vtier_pmu_kind {
	const char *name;
	void (*attr)(const struct vtier_pmu_event *e,
		     struct perf_event_attr *attr);
	bool selftest;
};

/* Run k with the events and periods of model m (vtier_pmu_model_find()). */
int vtier_pmu_start(const struct vtier_pmu_kind *k,
		    const struct vtier_pmu_model *m,
		    const struct vtier_sampler_env *env, char *why, size_t len);
void vtier_pmu_stop(void);

#endif /* VTIER_PMU_RUN_H */
