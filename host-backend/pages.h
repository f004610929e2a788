/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM table of distinct translated guest frames, for `vtierctl pages`.
 * Bounded: past the limit new frames are only counted as untracked.
 */
#ifndef VTIERD_PAGES_H
#define VTIERD_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGES_DEFAULT_LIMIT 65536

struct page_entry {
	uint64_t gpfn, gpa, region_gpa, mmap_offset, vmm_addr, hints;
	uint32_t region;
	uint8_t last_action;	/* enum vtier_hint_action */
	bool used;
};

struct page_table {
	struct page_entry *slot;
	size_t cap, count, limit;
	uint64_t untracked;
};

void pages_init(struct page_table *pt, size_t limit);
void pages_clear(struct page_table *pt);

/* Entry for gpfn, created if new; NULL if the table is full (counted). */
struct page_entry *pages_get(struct page_table *pt, uint64_t gpfn);

#endif
