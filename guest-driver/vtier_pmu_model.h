/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PMU samplers' per-CPU-model table (vtier_pmu_model.c): which events
 * and sample periods pebs and ibs start with on each CPU model.  Plain C,
 * unit tested in userspace (selftests/guest-driver/pmu_model_test.c).
 */
#ifndef VTIER_PMU_MODEL_H
#define VTIER_PMU_MODEL_H

#include <linux/types.h>

#define VTIER_PMU_EVENTS	2	/* loads and stores */

enum vtier_pmu_vendor {
	VTIER_CPU_INTEL = 1,
	VTIER_CPU_AMD,
};

/**
 * struct vtier_pmu_event - one sampling event and its period's range
 * @config: PEBS: raw config, (umask << 8) | event; IBS: ibs_op config bits
 * @period: the period to start with
 * @min_period: the controller never goes below this
 * @max_period: nor above this
 */
struct vtier_pmu_event {
	u64 config;
	u64 period;
	u64 min_period;
	u64 max_period;
};

/**
 * struct vtier_pmu_model - the events of one range of CPU models
 * @name: what the log says, e.g. "Sapphire Rapids"
 * @vendor: enum vtier_pmu_vendor
 * @family: CPUID family (as boot_cpu_data.x86)
 * @model_lo: first CPUID model of the range (as boot_cpu_data.x86_model)
 * @model_hi: last one
 * @nevents: entries of @ev in use
 * @ev: the events: for PEBS loads that missed L3, then stores
 * @period_align: a power of two every period is a multiple of (IBS: 16)
 */
struct vtier_pmu_model {
	const char *name;
	u8 vendor;
	u8 family;
	u8 model_lo;
	u8 model_hi;
	u8 nevents;
	struct vtier_pmu_event ev[VTIER_PMU_EVENTS];
	u64 period_align;
};

/*
 * The row for this CPU: the first whose vendor, family and model range
 * match, else the vendor's generic row (events every model since
 * Haswell, or Zen 1, has), else NULL (no PMU sampler for this vendor).
 */
const struct vtier_pmu_model *vtier_pmu_model_find(u8 vendor, u32 family,
						   u32 model);

#endif /* VTIER_PMU_MODEL_H */
