// SPDX-License-Identifier: GPL-2.0
/* Helpers of the installed guest kselftests (vtier_ksft.h). */
#include "vtier_ksft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"

int vk_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		/* An empty file is an empty line. */
		buf[0] = 0;
		fclose(f);
		return 0;
	}
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (n + 1 == len)
		return -1;
	return 0;
}

long long vk_number(const char *dir, const char *name)
{
	char path[256], line[64], *end;
	long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (vk_read_line(path, line, sizeof(line)) || !line[0] ||
	    line[0] < '0' || line[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(line, &end, 10);
	return errno || *end ? -1 : v;
}

long long vk_stat(const char *name)
{
	return vk_number(VK_SYSFS, name);
}

bool vk_has_line(const char *path, const char *line)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		found = !strcmp(buf, line);
	}
	fclose(f);
	return found;
}

long long vk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void vk_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Before the harness runs any test: without the module there is nothing
 * to test, which is a skip, not a failure (a guest image without vtier).
 */
static void __attribute__((constructor)) vk_need_module(void)
{
	char state[32];

	if (vk_read_line("/sys/module/vtier/initstate", state, sizeof(state)) ||
	    access(VK_SYSFS, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("vtier.ko is not loaded (modprobe vtier)\n");
	}
}
