/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging: one line per event on stderr, "vtierd: <name>: <message>".
 * Each VM owns a struct vlog; every layer of its column logs through it.
 */
#ifndef VTIERD_LOG_H
#define VTIERD_LOG_H

/**
 * struct vlog - where one VM's log lines go.
 * @name: prefix of each line (the VM's name).
 * @verbose: -v count: 1 logs more events, 2 every vsock packet.
 * @last_error: the last line logged with vlog_error(), "" if none.
 */
struct vlog {
	const char *name;
	int verbose;
	char last_error[192];
};

void vlog_info(const struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log and remember as last_error. */
void vlog_error(struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Remember as last_error without logging (the caller logs otherwise). */
void vlog_set_error(struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
