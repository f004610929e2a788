/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging: one line per event on stderr, "vtierd: <name>: <message>".
 * Each VM owns a struct vlog; every layer of its column logs through it.
 * A guest can make events as fast as it likes, so each VM's lines are
 * de-duplicated and rate-limited, and what was held back is counted in
 * a line of its own: no line is lost without a trace.
 */
#ifndef VTIERD_LOG_H
#define VTIERD_LOG_H

#include <stdint.h>

#define VLOG_BURST	20	/* lines per VM per second, at most */
#define VLOG_LINE_MAX	512

/**
 * struct vlog - where one VM's log lines go.
 * @name: prefix of each line (the VM's name).
 * @verbose: -v count: 1 logs more events, 2 every vsock packet (and
 *	lifts the rate limit, to debug).
 * @last_error: the last line logged with vlog_error(), "" if none, also
 *	when the line itself was held back.
 * @window_ns: start of the current one-second window.
 * @lines: lines written in it.
 * @suppressed: lines held back by the rate limit since the last count.
 * @repeats: copies of @last_line held back since it was written.
 * @last_line: the last line written.
 */
struct vlog {
	const char *name;
	int verbose;
	char last_error[192];
	uint64_t window_ns;
	unsigned int lines;
	uint64_t suppressed, repeats;
	char last_line[VLOG_LINE_MAX];
};

void vlog_info(struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log and remember as last_error. */
void vlog_error(struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Remember as last_error without logging (the caller logs otherwise). */
void vlog_set_error(struct vlog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write the counts of lines held back, if any (at shutdown). */
void vlog_flush(struct vlog *l);

#endif
