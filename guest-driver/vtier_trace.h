/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace format v1 (docs/trace-format.md), one record per line:
 *
 *	<time_ns> <guest_physical_address_hex> <R|W>
 *
 * '#' starts a comment; blank lines carry nothing.  This is the one parser
 * of a line, shared by the module's replay file and the userspace tools.
 * Plain C, no kernel calls.
 */
#ifndef VTIER_TRACE_H
#define VTIER_TRACE_H

#include "vtier_proto.h"

#define VTIER_TRACE_LINE_MAX	255	/* longest accepted line, bytes */

struct vtier_trace_rec {
	u64 ts_ns;
	u64 gpa;
	int write;		/* 1 for W, 0 for R */
};

/*
 * Parse one line of len bytes (no newline).  Returns 1 and fills *rec for
 * a record, 0 for a blank or comment line, -EINVAL with *why for anything
 * else (the caller counts it and goes on).
 */
int vtier_trace_parse(const char *line, size_t len, struct vtier_trace_rec *rec,
		      const char **why);

#endif /* VTIER_TRACE_H */
