/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access samplers: the sources that push page accesses into the rings.
 *
 * Each hardware or scanning sampler is a struct vtier_sampler_ops.  At load
 * vtier_sampler_start() probes them in order (sampler=auto: pebs, ibs,
 * abit) or only the one named, starts the first that can run, and keeps a
 * sentence for every refused one.  Only one sampler runs at a time; it
 * pushes into vtier_dev.sampler_rings.  The replay debugfs file is always
 * there as well and has its own rings.
 */
#ifndef VTIER_SAMPLER_H
#define VTIER_SAMPLER_H

#include <linux/sysfs.h>
#include <linux/types.h>

#include "vtier_ring.h"

#define VTIER_WHY_LEN	128

/*
 * Figures a running sampler publishes for sysfs, each written with
 * WRITE_ONCE by the sampler's own control path and read with READ_ONCE.
 */
struct vtier_sampler_stats {
	u64 samples;		/* samples pushed (including dropped ones) */
	u64 samples_per_s;	/* over the last control window */
	u64 overhead_ppm;	/* own CPU time / wall time, last window */
	u64 interval_us;	/* abit: current round interval; else 0 */
	u64 period;		/* pebs/ibs: current sample period; else 0 */
	u64 pages_per_s;	/* abit: page-table entries checked per s */
	u64 cpu_ns_per_round;	/* abit: CPU time of the last round */
	u64 rounds;		/* abit: rounds done */
};

struct vtier_sampler_ops {
	const char *name;
	u16 id;					/* enum vtier_sampler */
	/* 0 if the sampler can run here, else -errno and a sentence. */
	int (*probe)(char *why, size_t len);
	/* Start pushing into rs; on failure say why. */
	int (*start)(struct vtier_ringset *rs, char *why, size_t len);
	/* Stop; after return nothing pushes into the rings any more. */
	void (*stop)(void);
};

extern const struct vtier_sampler_ops vtier_abit_ops;
extern const struct vtier_sampler_ops vtier_pebs_ops;
extern const struct vtier_sampler_ops vtier_ibs_ops;

/* The published figures of the running sampler (zeroed at start). */
extern struct vtier_sampler_stats vtier_sampler_stats;

/* Shared CPU budget of every sampler, per mille of one CPU. */
extern unsigned int vtier_cpu_budget_permille;

/*
 * Probe and start per the sampler= parameter; sets vtier_dev.sampler.
 * Errors carry a pr_err with the reason.
 */
int vtier_sampler_start(const char *param);
void vtier_sampler_stop(void);

/* sysfs: /sys/kernel/vtier/samplers/ */
extern const struct attribute_group vtier_sampler_group;

#endif /* VTIER_SAMPLER_H */
