// SPDX-License-Identifier: GPL-2.0
/* The two-node test drivers' shared helpers (see numa_common.h). */
#include "numa_common.h"

#include <stdarg.h>
#include <stdio.h>

static int failures;

void numa_mark(int ok, const char *name, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("VTIER-NUMA-TEST %s %s %s\n", ok ? "ok" : "not-ok", name, msg);
	fflush(stdout);
	failures += !ok;
}

int numa_failures(void)
{
	return failures;
}

/* Word i of page gpfn: a mix of both, so a page moved or swapped shows. */
static uint64_t word(uint64_t gpfn, unsigned int i)
{
	uint64_t x = gpfn * 512 + i + 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void numa_fill(uint8_t *mem, uint64_t gpfn)
{
	uint64_t *p = (uint64_t *)(mem + gpfn * PAGE);
	unsigned int i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = word(gpfn, i);
}

unsigned int numa_bad_pages(const uint8_t *mem, uint64_t first, uint64_t end)
{
	unsigned int i, bad = 0;
	uint64_t g;

	for (g = first; g < end; g++) {
		const uint64_t *p = (const uint64_t *)(mem + g * PAGE);

		for (i = 0; i < PAGE / 8 && p[i] == word(g, i); i++)
			;
		bad += i < PAGE / 8;
	}
	return bad;
}
