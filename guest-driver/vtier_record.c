// SPDX-License-Identifier: GPL-2.0
/*
 * Record path of the PMU samplers (see vtier_record.h).  Kept free of
 * kernel-only calls so that the unit tests build this very file.
 */
#include "vtier_record.h"

#define PAGE_SHIFT_4K	12

int vtier_ram_add(struct vtier_ram_table *t, u64 start, u64 end)
{
	u32 i, j;

	if (start >= end)
		return 0;
	/* First range that ends at or after start: it may merge. */
	for (i = 0; i < t->n && t->r[i].end < start; i++)
		;
	if (i < t->n && t->r[i].start <= end) {
		if (start < t->r[i].start)
			t->r[i].start = start;
		if (end > t->r[i].end)
			t->r[i].end = end;
		/* Swallow the ranges the grown one now reaches. */
		for (j = i + 1; j < t->n && t->r[j].start <= t->r[i].end; j++)
			if (t->r[j].end > t->r[i].end)
				t->r[i].end = t->r[j].end;
		if (j > i + 1) {
			u32 k, gone = j - i - 1;

			for (k = j; k < t->n; k++)
				t->r[k - gone] = t->r[k];
			t->n -= gone;
		}
		return 0;
	}
	if (t->n == VTIER_RAM_RANGES)
		return -1;
	for (j = t->n; j > i; j--)
		t->r[j] = t->r[j - 1];
	t->r[i].start = start;
	t->r[i].end = end;
	t->n++;
	return 0;
}

bool vtier_ram_has(const struct vtier_ram_table *t, u64 pfn)
{
	u32 lo = 0, hi = t->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (pfn < t->r[mid].start)
			hi = mid;
		else if (pfn >= t->r[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* The frame of a record: IBS's physical address first, else translate. */
static bool record_pfn(const struct vtier_record_ctx *ctx,
		       const struct vtier_record *rec, u64 *pfn)
{
	if (rec->flags & VTIER_REC_PHYS) {
		*pfn = rec->phys >> PAGE_SHIFT_4K;
		return true;
	}
	if (rec->flags & VTIER_REC_USER)
		return ctx->user_pfn(rec->addr, pfn);
	return ctx->kernel_pfn(rec->addr, pfn);
}

bool vtier_record_push(const struct vtier_record_ctx *ctx,
		       const struct vtier_record *rec,
		       struct vtier_record_stats *st)
{
	struct vtier_sample s;

	st->records++;
	if (!(rec->flags & (VTIER_REC_ADDR | VTIER_REC_PHYS))) {
		st->no_addr++;
		return false;
	}
	if (!record_pfn(ctx, rec, &s.pfn)) {
		st->no_frame++;
		return false;
	}
	if (!vtier_ram_has(ctx->ram, s.pfn)) {
		st->not_ram++;
		return false;
	}
	s.ts_ns = rec->ts_ns;
	if (!vtier_ring_push(ctx->rs, &s)) {
		st->dropped++;
		return false;
	}
	st->pushed++;
	/* watch_hi first: it is 0 outside the PEBS self-test. */
	if (s.pfn < ctx->watch_hi && s.pfn >= ctx->watch_lo)
		st->watched++;
	return true;
}
