// SPDX-License-Identifier: GPL-2.0
/* Fast frames of a VM and their promotion order (see residency.h). */
#include "residency.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

#define SLACK 1024	/* stale entries tolerated beyond twice the held */

/*
 * Keep only the latest entry of each frame that is still fast, in order.
 * Walking from the newest, the first entry met for a frame is its latest
 * promotion; entries are written back from the end, so in place.  Returns
 * the seen-bitmap (caller frees) or NULL if it could not be allocated, in
 * which case only entries no longer fast are dropped.
 */
static uint64_t *compact(struct fast_order *o, uint64_t max_pfn,
			 fast_fn is_fast, const void *ctx)
{
	uint64_t *seen = bitmap_alloc(max_pfn);
	size_t i = o->len, k = o->len;

	while (i--) {
		uint64_t g = o->g[i];

		if (g >= max_pfn || !is_fast(ctx, g))
			continue;
		if (seen) {
			if (bitmap_test(seen, g))
				continue;
			bitmap_set(seen, g);
		}
		o->g[--k] = g;
	}
	memmove(o->g, o->g + k, (o->len - k) * sizeof(*o->g));
	o->len -= k;
	return seen;
}

void fast_order_push(struct fast_order *o, uint64_t gpfn, uint64_t held,
		     uint64_t max_pfn, fast_fn is_fast, const void *ctx)
{
	if (o->len >= 2 * held + SLACK)
		free(compact(o, max_pfn, is_fast, ctx));
	if (o->len == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		uint64_t *g = realloc(o->g, cap * sizeof(*g));

		if (!g) {
			o->lost = true;
			return;
		}
		o->g = g;
		o->cap = cap;
	}
	o->g[o->len++] = gpfn;
}

size_t fast_order_oldest(struct fast_order *o, uint64_t max_pfn,
			 fast_fn is_fast, const void *ctx, uint64_t *out,
			 size_t n)
{
	uint64_t *seen = compact(o, max_pfn, is_fast, ctx), g;
	size_t got = 0;

	for (; got < n && got < o->len; got++)
		out[got] = o->g[got];
	/* Frames whose entry was lost: after all known ones, by number. */
	for (g = 0; o->lost && seen && got < n && g < max_pfn; g++)
		if (is_fast(ctx, g) && !bitmap_test(seen, g))
			out[got++] = g;
	free(seen);
	return got;
}

void fast_order_free(struct fast_order *o)
{
	free(o->g);
	memset(o, 0, sizeof(*o));
}

bool residency_fast(const struct residency *r, uint64_t gpfn)
{
	return r->bits && gpfn < r->max_pfn &&
	       bitmap_test(r->bits, gpfn);
}

static bool res_fast(const void *ctx, uint64_t gpfn)
{
	return residency_fast(ctx, gpfn);
}

int residency_attach(struct residency *r, uint64_t max_pfn,
		     uint32_t defer_cap)
{
	residency_detach(r);
	r->bits = bitmap_alloc(max_pfn);
	if (!r->bits || deferred_attach(&r->def, max_pfn, defer_cap)) {
		residency_detach(r);
		return -ENOMEM;
	}
	r->max_pfn = max_pfn;
	return 0;
}

void residency_detach(struct residency *r)
{
	struct deferred def = r->def;

	free(r->bits);
	fast_order_free(&r->order);
	deferred_detach(&def);	/* its counters stay, as placement's do */
	memset(r, 0, sizeof(*r));
	r->def = def;
}

static void set(struct residency *r, uint64_t gpfn, bool on)
{
	if (residency_fast(r, gpfn) == on)
		return;
	bitmap_flip(r->bits, gpfn);
	if (on) {
		r->held++;
		fast_order_push(&r->order, gpfn, r->held, r->max_pfn, res_fast,
				r);
	} else {
		r->held--;
	}
}

void residency_hint(struct residency *r, uint64_t gpfn, unsigned int order,
		    bool promote)
{
	uint64_t i, frames = 1ull << order;

	if (!r->bits || gpfn >= r->max_pfn || frames > r->max_pfn - gpfn)
		return;
	for (i = 0; i < frames; i++)
		set(r, gpfn + i, promote);
}

uint64_t residency_new_frames(const struct residency *r, uint64_t gpfn,
			      unsigned int order)
{
	uint64_t i, frames = 1ull << order, n = 0;

	if (!r->bits || gpfn >= r->max_pfn || frames > r->max_pfn - gpfn)
		return 0;
	for (i = 0; i < frames; i++)
		n += !residency_fast(r, gpfn + i);
	return n;
}

uint64_t residency_demote_oldest(struct residency *r, uint64_t n)
{
	uint64_t buf[256], done = 0;

	while (done < n) {
		size_t want = n - done < 256 ? (size_t)(n - done) : 256, i;
		size_t got = fast_order_oldest(&r->order, r->max_pfn, res_fast,
					       r, buf, want);

		for (i = 0; i < got; i++) {
			set(r, buf[i], false);
			deferred_want(&r->def, buf[i], 0, false);
		}
		done += got;
		if (got < want)
			break;
	}
	return done;
}
