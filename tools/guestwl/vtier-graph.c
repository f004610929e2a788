// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-graph: a graph-analytics guest workload (static; no Debian package
 * does BFS/PageRank on a generated graph from the command line).
 *
 *   vtier-graph SEED VERTICES DEGREE ITERS
 *
 * Builds a directed graph in CSR form: vertex u gets 1..2*DEGREE-1 out-edges
 * (mean DEGREE); each destination is VERTICES*x^2 for uniform x, so low
 * vertex ids have large in-degree (a skewed, power-law-like graph: a small
 * hot part of the per-vertex arrays and a long cold tail).  Then a BFS from
 * vertex 0 and ITERS push-style PageRank iterations (random writes into the
 * next-rank array).  Memory: 4 B per edge + 36 B per vertex.
 *
 * Building the graph is the load phase; guest marker 3 (a no-op without
 * the plugin) starts the steady phase, the BFS and the PageRank iterations.
 *
 * It checks its own results and prints one line:
 *   vtier-graph: OK vertices=N edges=M bfs_reached=R bfs_depth=D
 *     pr_iters=I pr_sum=S pr_top=V pr_top_rank=X mib=MIB
 * or "vtier-graph: FAIL <reason>" and exit status 1.  The BFS check: every
 * edge from a reached vertex leads to a reached vertex at most one level
 * deeper, and every reached vertex but the root has a parent one level up
 * with an edge to it.  The PageRank check: every vertex has out-edges, so
 * the ranks keep summing to 1 (within 1e-6).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vtier_mark.h"

#define DAMPING 0.85

struct graph {
	uint32_t n;
	uint64_t m;
	uint32_t *off;		/* n + 1 */
	uint32_t *dst;		/* m */
};

static int parse_u(const char *s, unsigned long long lo,
		   unsigned long long hi, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v < lo || *v > hi) {
		fprintf(stderr, "vtier-graph: bad number '%s' (%llu..%llu)\n",
			s, lo, hi);
		return -1;
	}
	return 0;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "vtier-graph: FAIL out of memory (%zu x %zu)\n",
			n, size);
		exit(1);
	}
	return p;
}

static void build(struct graph *g, uint64_t seed, uint32_t n, uint32_t deg)
{
	uint64_t st = seed;

	g->n = n;
	g->off = xcalloc((size_t)n + 1, sizeof(*g->off));
	/* Degrees first (one pass of the generator) so dst is filled in place. */
	for (uint32_t u = 0; u < n; u++)
		g->off[u + 1] = g->off[u] + 1 +
				(uint32_t)wl_below(&st, 2ULL * deg - 1);
	g->m = g->off[n];
	g->dst = xcalloc(g->m, sizeof(*g->dst));
	/* n * x^2 for x uniform in [0, 1), in integers (32-bit x): TCG
	 * emulates floating point slowly. */
	for (uint64_t e = 0; e < g->m; e++) {
		uint64_t x = wl_next(&st) >> 32;

		g->dst[e] = (uint32_t)((((x * x) >> 32) * n) >> 32);
	}
}

/* BFS from 0; returns reached count, sets *depth; -1 when a check fails. */
static long long bfs(const struct graph *g, int32_t *level, uint32_t *parent,
		     uint32_t *queue, int *depth)
{
	uint32_t head = 0, tail = 0;
	long long reached = 1;

	for (uint32_t v = 0; v < g->n; v++)
		level[v] = -1;
	level[0] = 0;
	parent[0] = 0;
	queue[tail++] = 0;
	*depth = 0;
	while (head < tail) {
		uint32_t u = queue[head++];

		for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++) {
			uint32_t v = g->dst[e];

			if (level[v] >= 0)
				continue;
			level[v] = level[u] + 1;
			parent[v] = u;
			queue[tail++] = v;
			reached++;
			if (level[v] > *depth)
				*depth = level[v];
		}
	}
	/* Check the result independently of how it was built. */
	for (uint32_t u = 0; u < g->n; u++) {
		bool found = false;

		if (level[u] < 0)
			continue;
		for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++) {
			uint32_t v = g->dst[e];

			if (level[v] < 0 || level[v] > level[u] + 1)
				return -1;
		}
		if (u == 0)
			continue;
		if (level[parent[u]] != level[u] - 1)
			return -1;
		for (uint32_t e = g->off[parent[u]];
		     e < g->off[parent[u] + 1]; e++)
			found |= g->dst[e] == u;
		if (!found)
			return -1;
	}
	return reached;
}

static double pagerank(const struct graph *g, double *rank, double *next,
		       int iters)
{
	double sum = 0;

	for (uint32_t v = 0; v < g->n; v++)
		rank[v] = 1.0 / g->n;
	for (int it = 0; it < iters; it++) {
		for (uint32_t v = 0; v < g->n; v++)
			next[v] = (1.0 - DAMPING) / g->n;
		for (uint32_t u = 0; u < g->n; u++) {
			uint32_t d = g->off[u + 1] - g->off[u];
			double share = DAMPING * rank[u] / d;

			for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++)
				next[g->dst[e]] += share;
		}
		memcpy(rank, next, g->n * sizeof(*rank));
	}
	for (uint32_t v = 0; v < g->n; v++)
		sum += rank[v];
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long long seed, n, deg, iters;
	struct graph g;
	int32_t *level;
	uint32_t *parent, *queue, top = 0;
	double *rank, *next, sum;
	long long reached;
	int depth;

	if (argc != 5) {
		fprintf(stderr, "usage: vtier-graph SEED VERTICES DEGREE ITERS\n");
		return 2;
	}
	if (parse_u(argv[1], 0, ~0ULL, &seed) ||
	    parse_u(argv[2], 2, 1ULL << 26, &n) ||
	    parse_u(argv[3], 1, 64, &deg) ||
	    parse_u(argv[4], 1, 1000, &iters))
		return 2;

	build(&g, seed, (uint32_t)n, (uint32_t)deg);
	level = xcalloc(n, sizeof(*level));
	parent = xcalloc(n, sizeof(*parent));
	queue = xcalloc(n, sizeof(*queue));
	rank = xcalloc(n, sizeof(*rank));
	next = xcalloc(n, sizeof(*next));
	/* The load phase ends: BFS and PageRank are the steady phase. */
	VTIER_MARK(3);

	reached = bfs(&g, level, parent, queue, &depth);
	if (reached < 0) {
		printf("vtier-graph: FAIL bfs levels inconsistent\n");
		return 1;
	}
	sum = pagerank(&g, rank, next, (int)iters);
	if (fabs(sum - 1.0) > 1e-6) {
		printf("vtier-graph: FAIL pagerank sum %.9f != 1\n", sum);
		return 1;
	}
	for (uint32_t v = 1; v < g.n; v++)
		if (rank[v] > rank[top])
			top = v;
	printf("vtier-graph: OK vertices=%llu edges=%llu bfs_reached=%lld "
	       "bfs_depth=%d pr_iters=%llu pr_sum=%.9f pr_top=%u "
	       "pr_top_rank=%.9f mib=%llu\n",
	       n, (unsigned long long)g.m, reached, depth, iters, sum, top,
	       rank[top], (4ULL * g.m + 36ULL * n) >> 20);
	return 0;
}
