// SPDX-License-Identifier: GPL-2.0
/*
 * The observe-only tier: nothing moves.  A translated promote hint makes
 * its frames logically fast, a demote hint makes them not; with a
 * balancer a promotion past the quota or the pool waits and is retried,
 * as placement's, so a guest that keeps hinting is not back over its
 * quota right after the host demoted it.
 */
#include <stdio.h>

#include "tier.h"

static bool room(const struct tier_vm *tv, uint64_t frames)
{
	const struct tier *t = tv->tier;
	uint64_t held = 0;
	int i;

	if (!t->bounded)
		return true;
	if (tv->logical.held + frames > tv->quota_pages)
		return false;
	for (i = 0; i < t->n; i++)
		held += t->vms[i]->logical.held;
	return held + frames <= t->pool_pages;
}

static void obs_attach(struct tier_vm *tv, pid_t vmm_pid)
{
	uint64_t max_pfn = memtab_top(tv->mem) >> PLACE_PAGE_SHIFT;

	tv->vmm_pid = vmm_pid;
	if (residency_attach(&tv->logical, max_pfn, tv->tier->deferred_max))
		vlog_error(tv->log, "out of memory for the residency table");
}

static void obs_detach(struct tier_vm *tv)
{
	residency_detach(&tv->logical);
}

/* A deferred promotion becomes logically fast if it fits. */
static enum deferred_try retry_one(void *ctx, uint64_t gpfn,
				   unsigned int order)
{
	struct tier_vm *tv = ctx;
	uint64_t frames = residency_new_frames(&tv->logical, gpfn, order);

	if (frames && !room(tv, frames))
		return DEF_STOP;
	residency_hint(&tv->logical, gpfn, order, true);
	tv->logical.def.retried += frames;
	return DEF_DONE;
}

static void obs_retry_all(struct tier *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		deferred_retry(&t->vms[i]->logical.def, retry_one, t->vms[i]);
}

static void obs_hints(struct tier_vm *tv, const struct vtier_hint_host *h,
		      unsigned int n, struct session_ack *ack)
{
	struct residency *r = &tv->logical;
	unsigned int i;

	ack->applied = n;
	for (i = 0; i < n; i++) {
		bool promote = h[i].action == VTIER_HINT_PROMOTE;

		deferred_want(&r->def, h[i].gpfn, h[i].order, promote);
		if (promote &&
		    !room(tv, residency_new_frames(r, h[i].gpfn, h[i].order))) {
			deferred_push(&r->def, h[i].gpfn, h[i].order);
			continue;
		}
		residency_hint(r, h[i].gpfn, h[i].order, promote);
	}
	obs_retry_all(tv->tier);
}

static uint64_t obs_demote_oldest(struct tier_vm *tv, uint64_t n)
{
	return residency_demote_oldest(&tv->logical, n);
}

static uint64_t obs_fast_pages(const struct tier_vm *tv)
{
	return tv->logical.held;
}

static bool obs_is_fast(const struct tier_vm *tv, uint64_t gpfn)
{
	return residency_fast(&tv->logical, gpfn);
}

static void obs_set_quota(struct tier_vm *tv, uint64_t pages)
{
	tv->quota_pages = pages;
}

static const struct deferred *obs_deferred(const struct tier_vm *tv)
{
	return &tv->logical.def;
}

static void obs_teardown(struct tier *t)
{
	(void)t;
}

static const struct tier_ops observe_ops = {
	.observe_only = true,
	.attach = obs_attach, .detach = obs_detach, .hints = obs_hints,
	.demote_oldest = obs_demote_oldest, .fast_pages = obs_fast_pages,
	.is_fast = obs_is_fast, .set_quota = obs_set_quota,
	.deferred = obs_deferred, .retry_all = obs_retry_all,
	.teardown = obs_teardown,
};

void tier_observe_setup(struct tier *t, const struct tier_opts *o,
			const char *why)
{
	t->ops = &observe_ops;
	t->fast_node = t->slow_node = -1;
	if (o->deferred_max)
		t->deferred_max = o->deferred_max;
	fprintf(stderr, "vtierd: observe-only: %s\n", why);
	if (o->initial == INITIAL_FIRST_TOUCH && o->initial_given)
		fprintf(stderr, "vtierd: observe-only: --initial first-touch has no effect (the logical residency counts promoted frames only)\n");
}
