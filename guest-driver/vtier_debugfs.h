/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/vtier/: the replay file and read-only views of the
 * engine (ranges, hot set, queued hints).
 */
#ifndef VTIER_DEBUGFS_H
#define VTIER_DEBUGFS_H

#include "vtier_core.h"

/* A missing debugfs is not an error: only trace replay is then missing. */
int vtier_debugfs_init(struct vtier_ctx *ctx);
void vtier_debugfs_exit(void);

#endif /* VTIER_DEBUGFS_H */
