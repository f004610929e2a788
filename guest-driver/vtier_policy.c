// SPDX-License-Identifier: GPL-2.0
/*
 * vtier policy core.  A page seen at least promote_threshold times within
 * one epoch is hinted for promotion once in that epoch.  Counts live in a
 * fixed open-addressing table (linear probing, bounded probe length) that
 * is summarised and cleared at each epoch end, so the sample path never
 * allocates and never runs for long.
 *
 * Time is "sample time": whatever clock the caller stamps samples with.
 * Replayed traces use their own timestamps, so a replay gives the same
 * hints however fast it is fed in.
 */
#include "vtier_policy.h"

/* Probes before a new page counts as untracked; keeps the sample path short. */
#define VTIER_POLICY_MAX_PROBES	32

static u32 ilog2_u32(u32 v)
{
	u32 r = 0;

	while (v >>= 1)
		r++;
	return r;
}

static u32 slot_of(const struct vtier_policy *p, u64 pfn)
{
	/* Fibonacci hashing: the top bits of pfn * 2^64/phi. */
	return (u32)((pfn * 0x9E3779B97F4A7C15ull) >> 32) & (p->slots - 1);
}

int vtier_policy_init(struct vtier_policy *p, struct vtier_policy_slot *table,
		      u32 slots, u32 promote_threshold, u64 epoch_len_ns)
{
	if (!table || slots < 16 || (slots & (slots - 1)) ||
	    promote_threshold == 0 || epoch_len_ns == 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	memset(table, 0, vtier_policy_table_bytes(slots));
	p->table = table;
	p->slots = slots;
	p->promote_threshold = promote_threshold;
	p->epoch_len_ns = epoch_len_ns;
	return 0;
}

u32 vtier_policy_sample_rate(const struct vtier_policy_summary *s)
{
	u64 rate;

	if (!s->epoch_ns)
		return 0;
	rate = s->samples * 1000000000ull / s->epoch_ns;
	return rate > 0xffffffffull ? 0xffffffffu : (u32)rate;
}

void vtier_policy_end_epoch(struct vtier_policy *p, u64 now_ns)
{
	struct vtier_policy_summary *s = &p->last;
	u64 epochs = s->epochs;
	u32 i, b;

	memset(s, 0, sizeof(*s));
	s->epochs = epochs + 1;
	s->samples = p->epoch_samples;
	s->untracked = p->epoch_untracked;
	s->pages = p->used;
	s->epoch_ns = p->epoch_len_ns;
	for (i = 0; i < p->slots; i++) {
		if (!p->table[i].count)
			continue;
		if (p->table[i].hinted)
			s->hot++;
		/* Bucket i >= 1 holds counts in [2^(i-1), 2^i); 0 is unused. */
		b = ilog2_u32(p->table[i].count) + 1;
		if (b >= VTIER_HIST_BUCKETS)
			b = VTIER_HIST_BUCKETS - 1;
		s->hist[b]++;
	}
	memset(p->table, 0, vtier_policy_table_bytes(p->slots));
	p->used = 0;
	p->epoch_samples = 0;
	p->epoch_untracked = 0;

	/*
	 * Keep epochs on a grid when time moves forward; a clock that went
	 * far backwards (a new trace) starts a fresh grid.
	 */
	if (p->epoch_started && now_ns >= p->epoch_start_ns)
		p->epoch_start_ns += (now_ns - p->epoch_start_ns) /
				     p->epoch_len_ns * p->epoch_len_ns;
	else
		p->epoch_start_ns = now_ns;
	p->epoch_started = 1;
}

int vtier_policy_advance(struct vtier_policy *p, u64 now_ns)
{
	if (!p->epoch_started) {
		p->epoch_start_ns = now_ns;
		p->epoch_started = 1;
		return 0;
	}
	if (now_ns >= p->epoch_start_ns) {
		if (now_ns - p->epoch_start_ns < p->epoch_len_ns)
			return 0;
	} else if (p->epoch_start_ns - now_ns <= p->epoch_len_ns) {
		/* Small reorderings between per-CPU rings stay in this epoch. */
		return 0;
	}
	vtier_policy_end_epoch(p, now_ns);
	return 1;
}

/* Find pfn's slot, or claim an empty one; NULL if the table is too full. */
static struct vtier_policy_slot *lookup(struct vtier_policy *p, u64 pfn)
{
	u32 i = slot_of(p, pfn);
	u32 n;

	for (n = 0; n < VTIER_POLICY_MAX_PROBES && n < p->slots; n++) {
		struct vtier_policy_slot *s = &p->table[(i + n) & (p->slots - 1)];

		if (s->count && s->pfn == pfn)
			return s;
		if (!s->count) {
			/* Stay below 3/4 full so probe runs stay short. */
			if (p->used >= p->slots - p->slots / 4)
				return NULL;
			s->pfn = pfn;
			s->hinted = 0;
			p->used++;
			return s;
		}
	}
	return NULL;
}

int vtier_policy_record(struct vtier_policy *p, u64 pfn, u64 now_ns,
			struct vtier_hint_host *hint)
{
	struct vtier_policy_slot *s;

	vtier_policy_advance(p, now_ns);
	p->epoch_samples++;
	s = lookup(p, pfn);
	if (!s) {
		p->epoch_untracked++;
		return 0;
	}
	if (s->count < 0xffffffffu)
		s->count++;
	if (s->hinted || s->count < p->promote_threshold)
		return 0;
	s->hinted = 1;
	hint->gpfn = pfn;
	hint->hotness = s->count > 0xffff ? 0xffff : (u16)s->count;
	hint->order = 0;
	hint->action = VTIER_HINT_PROMOTE;
	return 1;
}
