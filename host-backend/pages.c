// SPDX-License-Identifier: GPL-2.0
/* Open-addressing hash table of translated frames, grown by doubling. */
#include "pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pages_init(struct page_table *pt, size_t limit)
{
	memset(pt, 0, sizeof(*pt));
	pt->limit = limit;
}

void pages_clear(struct page_table *pt)
{
	size_t limit = pt->limit;

	free(pt->slot);
	pages_init(pt, limit);
}

static size_t hash(uint64_t gpfn, size_t cap)
{
	return (size_t)((gpfn * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static struct page_entry *find_slot(struct page_entry *slot, size_t cap,
				    uint64_t gpfn)
{
	size_t i = hash(gpfn, cap);

	while (slot[i].used && slot[i].gpfn != gpfn)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

/* Keep the load factor at or below one half. */
static int grow(struct page_table *pt)
{
	size_t cap = pt->cap ? pt->cap * 2 : 1024, i;
	struct page_entry *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < pt->cap; i++)
		if (pt->slot[i].used)
			*find_slot(slot, cap, pt->slot[i].gpfn) = pt->slot[i];
	free(pt->slot);
	pt->slot = slot;
	pt->cap = cap;
	return 0;
}

struct page_entry *pages_get(struct page_table *pt, uint64_t gpfn)
{
	struct page_entry *e;

	if (pt->cap) {
		e = find_slot(pt->slot, pt->cap, gpfn);
		if (e->used)
			return e;
	}
	if (pt->count >= pt->limit) {
		pt->untracked++;
		return NULL;
	}
	if ((pt->count + 1) * 2 > pt->cap && grow(pt)) {
		pt->untracked++;
		return NULL;
	}
	e = find_slot(pt->slot, pt->cap, gpfn);
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->gpfn = gpfn;
	pt->count++;
	return e;
}
