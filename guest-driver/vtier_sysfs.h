/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/vtier/: the core's state and counters, and the sampler's. */
#ifndef VTIER_SYSFS_H
#define VTIER_SYSFS_H

#include "vtier_core.h"

int vtier_sysfs_init(struct vtier_ctx *ctx);
void vtier_sysfs_exit(void);

#endif /* VTIER_SYSFS_H */
