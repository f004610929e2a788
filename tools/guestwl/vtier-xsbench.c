// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-xsbench: an XSBench-like guest workload (static; XSBench is not in
 * Debian): the macroscopic cross-section lookups of a Monte Carlo neutron
 * transport code, with XSBench's nuclide-grid method.
 *
 *   vtier-xsbench SEED ISOTOPES GRIDPOINTS LOOKUPS
 *
 * Load: ISOTOPES nuclide grids of GRIDPOINTS points each, one contiguous
 * array (48 B a point: energy and five cross sections), energies
 * increasing within each grid; 12 materials with XSBench's nuclide counts
 * (the fuel gets ISOTOPES - 34 nuclides: 321 of 355 as XSBench's large
 * problem, 34 of 68 as its small one) and probabilities.  Then guest
 * marker 3 (the steady phase starts; a no-op without the plugin).
 * Steady: LOOKUPS lookups of a random energy in a random material; for
 * each of its nuclides a binary search of that nuclide's grid and an
 * interpolation, summed with the nuclide's concentration.  Per lookup the
 * accesses are about log2(GRIDPOINTS) reads spread over each of ~56 grids:
 * random over the whole data set, the fuel's grids most.
 *
 * Checks: every binary search's interval holds the energy (grid[lo] <= E <
 * grid[lo+1], or the clamped end); every 4096th lookup is recomputed with
 * a linear scan of the grids and must be bit-identical.  One line:
 *   vtier-xsbench: OK isotopes=N gridpoints=G lookups=L verified=V
 *     checksum=C mib=M
 * or "vtier-xsbench: FAIL <reason>" and exit status 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vtier_mark.h"

#define NMAT		12
#define NXS		5
#define VERIFY_EVERY	4096

struct point {
	double energy;
	double xs[NXS];	/* total, elastic, absorption, fission, nu-fission */
};

/* XSBench's materials: nuclides in each (the fuel's depends on the size)
 * and the probability of a lookup in each. */
static const unsigned mat_other[NMAT] = { 0, 5, 4, 4, 27, 21, 21, 21, 21, 21, 9, 9 };
static const double mat_prob[NMAT] = { 0.140, 0.052, 0.275, 0.134, 0.154, 0.064,
				       0.066, 0.055, 0.008, 0.015, 0.025, 0.013 };

static unsigned n_iso, n_grid;
static struct point *grid;		/* n_iso x n_grid */
static unsigned n_mat[NMAT], *mat_nuc[NMAT];
static double *mat_conc[NMAT];

static int parse_u(const char *s, unsigned long long lo, unsigned long long hi,
		   unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v < lo || *v > hi) {
		fprintf(stderr, "vtier-xsbench: bad number '%s' (%llu..%llu)\n",
			s, lo, hi);
		return -1;
	}
	return 0;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		printf("vtier-xsbench: FAIL out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static void build(uint64_t seed)
{
	uint64_t st = seed;

	grid = xmalloc((size_t)n_iso * n_grid * sizeof(*grid));
	for (unsigned i = 0; i < n_iso; i++) {
		struct point *g = grid + (size_t)i * n_grid;

		/* Stratified: strictly increasing energies in [0, 1). */
		for (unsigned j = 0; j < n_grid; j++) {
			g[j].energy = (j + 0.999 * wl_unit(&st)) / n_grid;
			for (int k = 0; k < NXS; k++)
				g[j].xs[k] = wl_unit(&st);
		}
	}
	for (int m = 0; m < NMAT; m++) {
		n_mat[m] = m == 0 ? n_iso - 34 : mat_other[m];
		mat_nuc[m] = xmalloc(n_mat[m] * sizeof(*mat_nuc[m]));
		mat_conc[m] = xmalloc(n_mat[m] * sizeof(*mat_conc[m]));
		for (unsigned k = 0; k < n_mat[m]; k++) {
			/* The fuel holds the first nuclides; others any. */
			mat_nuc[m][k] = m == 0 ? k : (unsigned)wl_below(&st, n_iso);
			mat_conc[m][k] = wl_unit(&st);
		}
	}
}

static int pick_material(uint64_t *st)
{
	double u = wl_unit(st), c = 0;

	for (int m = 0; m < NMAT - 1; m++) {
		c += mat_prob[m];
		if (u < c)
			return m;
	}
	return NMAT - 1;
}

/* Index lo of the interval [lo, lo+1] that holds e (clamped to the grid). */
static unsigned search(const struct point *g, double e)
{
	unsigned lo = 0, hi = n_grid - 1;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (g[mid].energy > e)
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

static unsigned scan(const struct point *g, double e)
{
	unsigned lo = 0;

	while (lo + 2 < n_grid && g[lo + 1].energy <= e)
		lo++;
	return lo;
}

static int interval_ok(const struct point *g, unsigned lo, double e)
{
	if (lo + 1 >= n_grid)
		return 0;
	if (lo > 0 && g[lo].energy > e)
		return 0;
	return lo + 2 == n_grid || g[lo + 1].energy > e;
}

/* Macroscopic cross sections of material m at e; -1 if a search is wrong. */
static int lookup(int m, double e, double macro[NXS], int linear)
{
	memset(macro, 0, NXS * sizeof(*macro));
	for (unsigned k = 0; k < n_mat[m]; k++) {
		const struct point *g = grid + (size_t)mat_nuc[m][k] * n_grid;
		unsigned lo = linear ? scan(g, e) : search(g, e);
		const struct point *a = &g[lo], *b = &g[lo + 1];
		double f;

		if (!interval_ok(g, lo, e))
			return -1;
		f = (b->energy - e) / (b->energy - a->energy);
		for (int x = 0; x < NXS; x++)
			macro[x] += mat_conc[m][k] * (b->xs[x] - f * (b->xs[x] - a->xs[x]));
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed, iso, gp, lookups, verified = 0;
	double checksum = 0, macro[NXS], ref[NXS];
	uint64_t st;

	if (argc != 5) {
		fprintf(stderr, "usage: vtier-xsbench SEED ISOTOPES GRIDPOINTS LOOKUPS\n");
		return 2;
	}
	if (parse_u(argv[1], 0, ~0ULL, &seed) ||
	    parse_u(argv[2], 35, 100000, &iso) ||
	    parse_u(argv[3], 3, 1ULL << 24, &gp) ||
	    parse_u(argv[4], 1, 1ULL << 40, &lookups))
		return 2;
	if (iso * gp * sizeof(struct point) > (1ULL << 34)) {
		fprintf(stderr, "vtier-xsbench: ISOTOPES x GRIDPOINTS too large\n");
		return 2;
	}
	n_iso = (unsigned)iso;
	n_grid = (unsigned)gp;
	build(seed);

	VTIER_MARK(3);
	st = seed ^ 0x585342454e4348ULL;
	for (unsigned long long i = 0; i < lookups; i++) {
		double e = wl_unit(&st);
		int m = pick_material(&st);

		if (lookup(m, e, macro, 0)) {
			printf("vtier-xsbench: FAIL lookup %llu: a binary search "
			       "missed the energy's interval\n", i);
			return 1;
		}
		if (i % VERIFY_EVERY == 0) {
			if (lookup(m, e, ref, 1) || memcmp(ref, macro, sizeof(ref))) {
				printf("vtier-xsbench: FAIL lookup %llu differs from "
				       "its linear-scan recomputation\n", i);
				return 1;
			}
			verified++;
		}
		for (int x = 0; x < NXS; x++)
			checksum += macro[x];
	}
	printf("vtier-xsbench: OK isotopes=%u gridpoints=%u lookups=%llu "
	       "verified=%llu checksum=%.6f mib=%llu\n", n_iso, n_grid, lookups,
	       verified, checksum,
	       (unsigned long long)((size_t)n_iso * n_grid * sizeof(struct point)) >> 20);
	return 0;
}
