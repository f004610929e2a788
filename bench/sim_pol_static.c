// SPDX-License-Identifier: GPL-2.0
/*
 * Policies that never migrate: the reference points of docs/simulator.md.
 *
 * first-touch: a page goes to the fast tier on its first access while
 *   there is room (Linux's default local allocation), and never moves.
 * all-fast: every page in the fast tier (capacity = footprint): the lower
 *   bound of time.
 * oracle: the static oracle: the F pages with the most accesses over the
 *   whole trace (ties: first touched first) are in the fast tier from the
 *   start, and nothing moves.
 */
#include <stdlib.h>

#include "sim.h"

static void ft_touch(struct sim_policy *p, uint32_t id, uint64_t ts)
{
	(void)ts;
	if (p->tier.nfast < p->tier.cap)
		sim_tier_place(&p->tier, id);
}

static int ft_create(struct sim_policy *p)
{
	(void)p;
	return 0;
}

const struct sim_policy_ops sim_first_touch_ops = {
	.name = "first-touch", .create = ft_create, .touch = ft_touch,
};

static int af_create(struct sim_policy *p)
{
	uint64_t i;

	p->tier.cap = p->tr->npages;
	for (i = 0; i < p->tr->npages; i++)
		sim_tier_place(&p->tier, (uint32_t)i);
	return 0;
}

const struct sim_policy_ops sim_all_fast_ops = {
	.name = "all-fast", .create = af_create,
};

static int or_create(struct sim_policy *p)
{
	uint64_t i, k = p->tier.cap < p->tr->npages ? p->tier.cap : p->tr->npages;
	uint32_t *top = sim_top_pages(p->tr, k);

	if (!top)
		return -1;
	for (i = 0; i < k; i++)
		sim_tier_place(&p->tier, top[i]);
	free(top);
	return 0;
}

const struct sim_policy_ops sim_oracle_ops = {
	.name = "oracle", .create = or_create,
};
