/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two-node test drivers share: the result lines the host-side
 * tests turn into assertions, and checksummed page contents that show a
 * move lost nothing.
 */
#ifndef VTIER_NUMA_COMMON_H
#define VTIER_NUMA_COMMON_H

#include <stdint.h>

#define PAGE 4096u

/* Print a VTIER-NUMA-TEST line; a failed one is counted. */
void numa_mark(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The failed marks so far. */
int numa_failures(void);
/* Give page gpfn of guest RAM mem its checksummed contents. */
void numa_fill(uint8_t *mem, uint64_t gpfn);
/* The pages in [first, end) whose contents no longer match. */
unsigned int numa_bad_pages(const uint8_t *mem, uint64_t first, uint64_t end);

#endif
