/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One bit per guest frame: the helpers every per-frame bitmap of vtierd
 * uses (placement's fast frames, first touch's seen frames, the logical
 * residency, the deferred promotions' wanted frames).  Header only, so
 * the simulator (bench/) and the tests link nothing extra.
 */
#ifndef VTIERD_BITMAP_H
#define VTIERD_BITMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Zeroed bits 0..nbits (one spare); NULL without memory.  free() it. */
static inline uint64_t *bitmap_alloc(uint64_t nbits)
{
	return calloc(nbits / 64 + 1, sizeof(uint64_t));
}

static inline bool bitmap_test(const uint64_t *b, uint64_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void bitmap_set(uint64_t *b, uint64_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

static inline void bitmap_clear(uint64_t *b, uint64_t i)
{
	b[i / 64] &= ~(1ull << (i % 64));
}

static inline void bitmap_flip(uint64_t *b, uint64_t i)
{
	b[i / 64] ^= 1ull << (i % 64);
}

/* Every bit of the 64-bit word holding bit i is set. */
static inline bool bitmap_word_full(const uint64_t *b, uint64_t i)
{
	return !~b[i / 64];
}

#endif
