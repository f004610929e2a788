/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page pattern vtier-fill writes inside the guest and the host e2e tests
 * check through QEMU's memory: every 64-bit word of a 4 KiB page holds
 *   gpa_of_page ^ VTIER_PATTERN_SALT ^ word_index
 * so a page read at the wrong guest-physical address, or a page whose
 * contents were lost in a move, does not match.  Both sides include this
 * header, so they compute the same bytes.
 */
#ifndef VTIER_PATTERN_H
#define VTIER_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VTIER_PATTERN_PAGE	4096u
#define VTIER_PATTERN_WORDS	(VTIER_PATTERN_PAGE / sizeof(uint64_t))
#define VTIER_PATTERN_SALT	0x7674696572000000ULL	/* "vtier" << 24 */

static inline uint64_t vtier_pattern_word(uint64_t page_gpa, uint64_t index)
{
	return page_gpa ^ VTIER_PATTERN_SALT ^ index;
}

/* Fill one 4 KiB page (any alignment) with the pattern for page_gpa. */
static inline void vtier_pattern_fill(void *page, uint64_t page_gpa)
{
	unsigned char *p = page;
	uint64_t i, w;

	for (i = 0; i < VTIER_PATTERN_WORDS; i++) {
		w = vtier_pattern_word(page_gpa, i);
		memcpy(p + i * sizeof(w), &w, sizeof(w));
	}
}

/* Number of words in page that do not match the pattern for page_gpa. */
static inline size_t vtier_pattern_mismatches(const void *page,
					      uint64_t page_gpa)
{
	const unsigned char *p = page;
	size_t bad = 0;
	uint64_t i, w;

	for (i = 0; i < VTIER_PATTERN_WORDS; i++) {
		memcpy(&w, p + i * sizeof(w), sizeof(w));
		if (w != vtier_pattern_word(page_gpa, i))
			bad++;
	}
	return bad;
}

#endif /* VTIER_PATTERN_H */
