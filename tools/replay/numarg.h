/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numeric command-line arguments of vtier-replay and vtier-sim: unsigned,
 * decimal or 0x-hex, the whole string (no sign, no blank, no suffix).
 */
#ifndef VTIER_NUMARG_H
#define VTIER_NUMARG_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static inline int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;	/* strtoull takes blanks and signs, and wraps "-1" */
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static inline int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

#endif
