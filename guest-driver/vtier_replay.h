/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay sampler: a write-only file taking trace v1 text.  Its inode's
 * i_private is the core (struct vtier_ctx) whose replay rings it fills.
 */
#ifndef VTIER_REPLAY_H
#define VTIER_REPLAY_H

#include <linux/fs.h>

#include "vtier_core.h"

extern const struct file_operations vtier_replay_fops;

#endif /* VTIER_REPLAY_H */
