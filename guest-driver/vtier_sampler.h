/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access samplers: the sources that push page accesses into the rings.
 *
 * Each hardware or scanning sampler is a struct vtier_sampler_ops.  At load
 * vtier_sampler_start() probes them in order (sampler=auto: pebs, ibs,
 * abit) or only the one named, starts the first that can run, and keeps a
 * sentence for every refused one.  Only one sampler runs at a time
 * (vtier_sampler_ops.h).  The replay debugfs file is always there as well
 * and has its own rings.
 */
#ifndef VTIER_SAMPLER_H
#define VTIER_SAMPLER_H

#include <linux/types.h>

#include "vtier_core.h"
#include "vtier_sampler_ops.h"

/*
 * Probe and start per the sampler= parameter; sets ctx->sampler.  Errors
 * carry a pr_err with the reason.
 */
int vtier_sampler_start(struct vtier_ctx *ctx);
void vtier_sampler_stop(void);

/* For /sys/kernel/vtier/samplers/. */
const char *vtier_sampler_active(void);
/* The i-th sampler passed over and why; false past the last sampler. */
bool vtier_sampler_refused(unsigned int i, const char **name,
			   const char **why);
const struct vtier_sampler_stats *vtier_sampler_figures(void);
unsigned int vtier_sampler_budget_permille(void);

#endif /* VTIER_SAMPLER_H */
