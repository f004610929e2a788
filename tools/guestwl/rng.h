/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one pseudo-random generator of the guest workload inputs: splitmix64,
 * so that a seed gives the same bytes on every machine and libc.
 */
#ifndef VTIER_GUESTWL_RNG_H
#define VTIER_GUESTWL_RNG_H

#include <stdint.h>

static inline uint64_t wl_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant for inputs. */
static inline uint64_t wl_below(uint64_t *state, uint64_t n)
{
	return wl_next(state) % n;
}

/* Uniform in [0, 1). */
static inline double wl_unit(uint64_t *state)
{
	return (double)(wl_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* VTIER_GUESTWL_RNG_H */
