// SPDX-License-Identifier: GPL-2.0
/* Deferred promotions and the "wanted fast" bitmap (see deferred.h). */
#include "deferred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

int deferred_attach(struct deferred *d, uint64_t max_pfn, uint32_t cap)
{
	deferred_detach(d);
	d->want = bitmap_alloc(max_pfn);
	d->q = calloc(cap ? cap : 1, sizeof(*d->q));
	if (!d->want || !d->q) {
		deferred_detach(d);
		return -ENOMEM;
	}
	d->max_pfn = max_pfn;
	d->cap = cap ? cap : 1;
	return 0;
}

/* The counters stay: they are the VM's, not the attachment's. */
void deferred_detach(struct deferred *d)
{
	free(d->want);
	free(d->q);
	d->want = NULL;
	d->q = NULL;
	d->max_pfn = 0;
	d->cap = d->head = d->len = 0;
}

static bool in_range(const struct deferred *d, uint64_t gpfn,
		     unsigned int order)
{
	uint64_t frames = 1ull << order;

	return d->want && order <= 9 && gpfn < d->max_pfn &&
	       frames <= d->max_pfn - gpfn;
}

void deferred_want(struct deferred *d, uint64_t gpfn, unsigned int order,
		   bool on)
{
	uint64_t i, g;

	if (!in_range(d, gpfn, order))
		return;
	for (i = 0; i < 1ull << order; i++) {
		g = gpfn + i;
		if (on)
			bitmap_set(d->want, g);
		else
			bitmap_clear(d->want, g);
	}
}

bool deferred_wanted(const struct deferred *d, uint64_t gpfn,
		     unsigned int order)
{
	uint64_t i, g;

	if (!in_range(d, gpfn, order))
		return false;
	for (i = 0; i < 1ull << order; i++) {
		g = gpfn + i;
		if (!bitmap_test(d->want, g))
			return false;
	}
	return true;
}

void deferred_push(struct deferred *d, uint64_t gpfn, unsigned int order)
{
	if (!d->q || !in_range(d, gpfn, order))
		return;
	if (d->len == d->cap) {
		deferred_pop(d);
		d->dropped++;
	}
	d->q[(d->head + d->len++) % d->cap] =
		(struct deferred_ent){ .gpfn = gpfn, .order = (uint8_t)order };
	d->deferred++;
}

const struct deferred_ent *deferred_head(const struct deferred *d)
{
	return d->len ? &d->q[d->head] : NULL;
}

void deferred_pop(struct deferred *d)
{
	if (!d->len)
		return;
	d->head = (d->head + 1) % d->cap;
	d->len--;
}

bool deferred_retry(struct deferred *d,
		    enum deferred_try (*try)(void *ctx, uint64_t gpfn,
					     unsigned int order),
		    void *ctx)
{
	const struct deferred_ent *e;

	while ((e = deferred_head(d))) {
		if (deferred_wanted(d, e->gpfn, e->order) &&
		    try(ctx, e->gpfn, e->order) == DEF_STOP)
			return true;
		deferred_pop(d);
	}
	return false;
}
