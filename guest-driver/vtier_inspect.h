/* SPDX-License-Identifier: GPL-2.0 */
/* Read-only debugfs views of the engine: ranges, hot set, queued hints. */
#ifndef VTIER_INSPECT_H
#define VTIER_INSPECT_H

struct dentry;

/* Create the files in dir (the replay file's); removed with dir. */
void vtier_inspect_init(struct dentry *dir);

#endif /* VTIER_INSPECT_H */
