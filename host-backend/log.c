// SPDX-License-Identifier: GPL-2.0
/* Logging helpers: one line per event on stderr, naming the VM. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vlog_line(const struct vlog *l, const char *fmt, va_list ap,
		      char *keep, size_t keep_len)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (keep) {	/* truncation of a long message is fine here */
		size_t n = strnlen(msg, keep_len - 1);

		memcpy(keep, msg, n);
		keep[n] = 0;
	}
	/* One write per line so lines of several VMs never interleave. */
	fprintf(stderr, "vtierd: %s: %s\n", l->name, msg);
}

void vlog_info(const struct vlog *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(l, fmt, ap, NULL, 0);
	va_end(ap);
}

void vlog_error(struct vlog *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(l, fmt, ap, l->last_error, sizeof(l->last_error));
	va_end(ap);
}

void vlog_set_error(struct vlog *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->last_error, sizeof(l->last_error), fmt, ap);
	va_end(ap);
}
