/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface every sampler implements (abit, pebs, ibs): a sampler only
 * produces.  It pushes samples into env->core's sampler rings, kicks the
 * core, and publishes its own figures; the core's consumer does the rest.
 */
#ifndef VTIER_SAMPLER_OPS_H
#define VTIER_SAMPLER_OPS_H

#include <linux/types.h>

#include "vtier_core.h"

#define VTIER_WHY_LEN	128

/**
 * struct vtier_sampler_stats - figures the running sampler publishes
 * @samples: samples pushed (including dropped ones)
 * @samples_per_s: over the last control window
 * @overhead_ppm: the sampler's own CPU time / wall time, last window
 * @interval_us: abit: current round interval; else 0
 * @period: pebs/ibs: current sample period; else 0
 * @pages_per_s: abit: page-table entries checked per s
 * @cpu_ns_per_round: abit: CPU time of the last round
 * @rounds: abit: rounds done
 *
 * Each is written with WRITE_ONCE by the sampler's own control path and
 * read with READ_ONCE (sysfs).
 */
struct vtier_sampler_stats {
	u64 samples;
	u64 samples_per_s;
	u64 overhead_ppm;
	u64 interval_us;
	u64 period;
	u64 pages_per_s;
	u64 cpu_ns_per_round;
	u64 rounds;
};

/**
 * struct vtier_sampler_env - what a running sampler is given
 * @core: the core: its sampler rings, RAM table and kick
 * @stats: where the sampler publishes its figures
 * @cpu_budget_permille: CPU time the sampler may use, per mille of a CPU
 */
struct vtier_sampler_env {
	struct vtier_ctx *core;
	struct vtier_sampler_stats *stats;
	unsigned int cpu_budget_permille;
};

/**
 * struct vtier_sampler_ops - one sampler
 * @name: as in sampler=NAME
 * @id: enum vtier_sampler, sent in HELLO
 * @probe: 0 if the sampler can run here, else -errno and a sentence
 * @start: start pushing into env->core->sampler_rings; on failure say why
 * @stop: stop; after return nothing pushes into the rings any more
 */
struct vtier_sampler_ops {
	const char *name;
	u16 id;
	int (*probe)(char *why, size_t len);
	int (*start)(const struct vtier_sampler_env *env, char *why,
		     size_t len);
	void (*stop)(void);
};

extern const struct vtier_sampler_ops vtier_abit_ops;
extern const struct vtier_sampler_ops vtier_pebs_ops;
extern const struct vtier_sampler_ops vtier_ibs_ops;

#endif /* VTIER_SAMPLER_OPS_H */
