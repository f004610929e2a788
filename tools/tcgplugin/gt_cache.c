// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gt's last-level-cache filter (option llc=SIZE): a set-associative
 * cache of 64-byte lines with LRU replacement, one per vCPU.  With it the
 * plugin counts and samples only the accesses that miss, which is what
 * reaches memory and what PEBS-based tiering samples (LLC-miss events);
 * without it every load and store counts, cache hits included.
 *
 * One owner thread per cache (its vCPU): no locking.  Not a model of any
 * particular CPU: no inclusion, no prefetch, no sharing between vCPUs.
 */
#include <stdlib.h>

#include "gt.h"

#define LINE_SHIFT	6

int gt_cache_init(struct gt_cache *c, uint64_t bytes, unsigned int ways)
{
	uint64_t lines = bytes >> LINE_SHIFT;

	c->tag = NULL;
	c->ways = ways;
	c->sets = ways ? lines / ways : 0;
	c->set_bits = 0;
	if (!c->sets || (c->sets & (c->sets - 1)))
		return -1;
	while ((1ULL << c->set_bits) < c->sets)
		c->set_bits++;
	c->tag = calloc(c->sets * ways, sizeof(*c->tag));
	return c->tag ? 0 : -1;
}

void gt_cache_free(struct gt_cache *c)
{
	free(c->tag);
	c->tag = NULL;
}

bool gt_cache_access(struct gt_cache *c, uint64_t pa)
{
	uint64_t line = pa >> LINE_SHIFT, key = line + 1;
	/* Fold high bits in, as real LLCs hash the index, so strides spread. */
	uint64_t set = (line ^ (line >> c->set_bits)) & (c->sets - 1);
	uint64_t *w = &c->tag[set * c->ways];
	unsigned int i;

	for (i = 0; i < c->ways && w[i] != key; i++)
		;
	if (i == c->ways)
		i = c->ways - 1;	/* miss: the LRU way makes room */
	/* Move to the front: w[0] is the most recently used. */
	bool hit = w[i] == key;

	for (; i > 0; i--)
		w[i] = w[i - 1];
	w[0] = key;
	return hit;
}
