/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the installed guest kselftests share: reading vtier.ko's sysfs and
 * debugfs files.  Linking vtier_ksft.c also makes a test program exit with
 * KSFT_SKIP (4) before any test runs when vtier.ko is not loaded, so that
 * run_kselftest.sh reports it as skipped, as kernel selftests do.
 */
#ifndef VTIER_KSFT_H
#define VTIER_KSFT_H

#include <stdbool.h>
#include <stddef.h>

#define VK_SYSFS	"/sys/kernel/vtier"
#define VK_PARAMS	"/sys/module/vtier/parameters"
#define VK_DEBUGFS	"/sys/kernel/debug/vtier"

/*
 * The first line of path, without its newline, into buf.  0, or -1 when
 * the file cannot be read or the line does not fit.
 */
int vk_read_line(const char *path, char *buf, size_t len);
/* dir/name's value as a decimal number; -1 if missing or not a number. */
long long vk_number(const char *dir, const char *name);
/* A counter of /sys/kernel/vtier/ (vk_number(VK_SYSFS, name)). */
long long vk_stat(const char *name);
/* Does file path hold a line equal to line? */
bool vk_has_line(const char *path, const char *line);
/* Milliseconds of CLOCK_MONOTONIC. */
long long vk_now_ms(void);
/* Sleep for ms milliseconds. */
void vk_sleep_ms(long ms);

#endif /* VTIER_KSFT_H */
