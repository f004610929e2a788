// SPDX-License-Identifier: GPL-2.0
/*
 * Logging helpers: one line per event on stderr, naming the VM, with
 * repeats folded and at most VLOG_BURST lines a second per VM.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WINDOW_NS 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One write per line so lines of several VMs never interleave. */
static void put(const struct vlog *l, const char *msg)
{
	fprintf(stderr, "vtierd: %s: %s\n", l->name, msg);
}

void vlog_flush(struct vlog *l)
{
	char msg[96];

	if (l->repeats) {
		snprintf(msg, sizeof(msg), "last message repeated %llu times",
			 (unsigned long long)l->repeats);
		put(l, msg);
		l->repeats = 0;
	}
	if (l->suppressed) {
		snprintf(msg, sizeof(msg), "%llu lines suppressed (more than %d a second)",
			 (unsigned long long)l->suppressed, VLOG_BURST);
		put(l, msg);
		l->suppressed = 0;
	}
}

static void vlog_line(struct vlog *l, const char *fmt, va_list ap,
		      char *keep, size_t keep_len)
{
	uint64_t now = now_ns();
	char msg[VLOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (keep) {	/* truncation of a long message is fine here */
		size_t n = strnlen(msg, keep_len - 1);

		memcpy(keep, msg, n);
		keep[n] = 0;
	}
	if (l->verbose >= 2) {
		put(l, msg);
		return;
	}
	if (now - l->window_ns >= WINDOW_NS) {
		l->window_ns = now;
		l->lines = 0;
		vlog_flush(l);
	} else if (!strcmp(msg, l->last_line)) {
		l->repeats++;
		return;
	}
	if (l->lines >= VLOG_BURST) {
		l->suppressed++;
		return;
	}
	if (l->repeats)
		vlog_flush(l);
	put(l, msg);
	l->lines++;
	memcpy(l->last_line, msg, sizeof(msg));
}

void vlog_info(struct vlog *l, const char *fmt, ...)
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
