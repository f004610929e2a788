// SPDX-License-Identifier: GPL-2.0
/*
 * vtier identification engine.  docs/identification.md is the long form;
 * in short:
 *
 * - Each 4 KiB page has a u16: a 12-bit saturating heat (sampled accesses)
 *   and the HOT (in the hot set) and HINTED (host told "promote") flags.
 * - A histogram of heat in quarter-octave buckets is kept exact on every
 *   change, so the hot threshold that makes the hot set fit the quota is a
 *   48-step walk, not a scan of pages.
 * - A sample that lifts a page to the threshold makes it hot at once
 *   (promotion on the sample path).  A sweep paced by sample time visits
 *   every page once per epoch: it cools the heat and demotes hot pages
 *   that fell below the hysteresis band, or below the threshold while the
 *   hot set is over budget.  It also retries hints the rate limit held
 *   back, so a page's HOT and HINTED flags always converge.
 * - Per 2 MiB region the number of hot subpages is kept; a region that is
 *   mostly hot is hinted once at order 9 and its subpages go quiet.
 */
#include "vtier_policy.h"

#define NSEC_PER_MS	1000000ull
#define NSEC_PER_S	1000000000ull
#define MAX_CATCHUP	15	/* extra cooling passes after an idle gap */

void vtier_policy_default_params(struct vtier_policy_params *par)
{
	par->epoch_ms = VTIER_DEFAULT_EPOCH_MS;
	par->cooling_pct = VTIER_DEFAULT_COOLING_PCT;
	par->hysteresis_pct = VTIER_DEFAULT_HYSTERESIS_PCT;
	par->rate_limit_pps = VTIER_DEFAULT_RATE_LIMIT_PPS;
	par->huge_pct = VTIER_DEFAULT_HUGE_PCT;
	par->min_heat = VTIER_DEFAULT_MIN_HEAT;
	par->default_quota_pct = VTIER_DEFAULT_QUOTA_PCT;
	par->max_epoch_ms = VTIER_DEFAULT_MAX_EPOCH_MS;
	par->target_heat = VTIER_DEFAULT_TARGET_HEAT;
}

const char *vtier_policy_check_params(const struct vtier_policy_params *par)
{
	if (par->epoch_ms < 10 || par->epoch_ms > 60000)
		return "epoch_ms must be 10..60000";
	if (par->cooling_pct < 1 || par->cooling_pct > 100)
		return "cooling_pct must be 1..100";
	if (par->hysteresis_pct > 90)
		return "hysteresis_pct must be 0..90";
	if (par->huge_pct < 1 || par->huge_pct > 100)
		return "huge_pct must be 1..100";
	if (par->min_heat < 1 || par->min_heat > VTIER_HEAT_MASK)
		return "min_heat must be 1..4095";
	if (par->default_quota_pct < 1 || par->default_quota_pct > 100)
		return "default_quota_pct must be 1..100";
	if (par->max_epoch_ms && (par->max_epoch_ms < par->epoch_ms ||
				  par->max_epoch_ms > 600000))
		return "max_epoch_ms must be 0 or epoch_ms..600000";
	if (par->target_heat < 1 || par->target_heat > VTIER_HEAT_MASK / 4)
		return "target_heat must be 1..1023";
	return NULL;
}

/* Quarter-octave bucket: exact below 16, then 4 buckets per power of 2. */
static u32 fine_bucket(u32 h)
{
	u32 e;

	if (h < 16)
		return h;
	e = 32 - (u32)__builtin_clz(h);		/* 5..12 */
	return 16 + (e - 5) * 4 + ((h >> (e - 3)) & 3);
}

/* The smallest heat in fine bucket b. */
static u32 fine_floor(u32 b)
{
	u32 e;

	if (b < 16)
		return b;
	e = (b - 16) / 4 + 5;
	return (4 + (b - 16) % 4) << (e - 3);
}

static u64 burst_pages(const struct vtier_policy *p)
{
	u64 b = p->par.rate_limit_pps / 10;

	return b < VTIER_REGION_PAGES ? VTIER_REGION_PAGES : b;
}

/*
 * The threshold T is the lowest bucket boundary at which the pages that
 * would be hot fit the budget: every page with heat >= T, plus the pages
 * already hot that the hysteresis band [T * (100 - hyst) / 100, T) keeps.
 */
/*
 * Without a quota from the host, the budget is the number of hottest pages
 * that together hold default_quota_pct percent of the heat (recent sampled
 * accesses), whole buckets at a time: the pages that matter, however much
 * RAM the guest has.  Pages below the threshold's floor cannot be hot, so
 * the many pages sampled once never inflate the budget.
 */
static u64 unknown_quota_budget(const struct vtier_policy *p, u32 floor)
{
	u64 total = 0, mass = 0, pages = 0;
	u32 b, low = fine_bucket(floor);

	for (b = 1; b < VTIER_FINE_BUCKETS; b++)
		total += p->fine[b] * fine_floor(b);
	for (b = VTIER_FINE_BUCKETS - 1; b >= low && total; b--) {
		pages += p->fine[b];
		mass += p->fine[b] * fine_floor(b);
		if (mass * 100 >= total * p->par.default_quota_pct)
			break;
	}
	return pages;
}

static void update_threshold(struct vtier_policy *p)
{
	u64 cum = 0, cumh[VTIER_FINE_BUCKETS + 1], band;
	u32 b, t, d, floor = p->par.min_heat;

	if (p->quota) {
		p->budget = p->quota;
	} else {
		/* Nothing ranks the pages then: one sample is no evidence. */
		if (floor < 2)
			floor = 2;
		p->budget = unknown_quota_budget(p, floor);
	}
	if (p->budget > p->tracked)
		p->budget = p->tracked;
	cumh[VTIER_FINE_BUCKETS] = 0;
	for (b = VTIER_FINE_BUCKETS; b-- > 0;)
		cumh[b] = cumh[b + 1] + p->hfine[b];
	for (b = VTIER_FINE_BUCKETS - 1; b >= 1; b--) {
		d = (u32)((u64)fine_floor(b) * (100 - p->par.hysteresis_pct) / 100);
		band = cumh[fine_bucket(d)] - cumh[b];
		if (cum + p->fine[b] + band > p->budget)
			break;
		cum += p->fine[b];
	}
	if (b == VTIER_FINE_BUCKETS - 1)
		t = fine_floor(b);	/* even the top bucket overflows */
	else
		t = fine_floor(b + 1);
	if (t < floor)
		t = floor;
	p->thresh = t;
	p->demote_below = (u32)((u64)t * (100 - p->par.hysteresis_pct) / 100);
	/*
	 * With a threshold of 1 the band reaches 0: pages stay hot while the
	 * hot set has room (old evidence beats none) and leave, coldest
	 * first as the sweep meets them, once it is over budget.
	 */
}

int vtier_policy_init(struct vtier_policy *p,
		      const struct vtier_policy_params *par)
{
	if (vtier_policy_check_params(par))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->par = *par;
	p->epoch_ns = (u64)par->epoch_ms * NSEC_PER_MS;
	p->tokens = burst_pages(p);
	update_threshold(p);
	return 0;
}

static u64 nregions(u64 start, u64 npages)
{
	return ((start + npages - 1) >> VTIER_REGION_SHIFT) -
	       (start >> VTIER_REGION_SHIFT) + 1;
}

size_t vtier_policy_range_bytes(u64 start_pfn, u64 npages)
{
	u64 pages = (npages * sizeof(u16) + 7) & ~7ull;

	if (!npages)
		return 0;
	return (size_t)(pages + nregions(start_pfn, npages) *
			sizeof(struct vtier_region));
}

int vtier_policy_add_range(struct vtier_policy *p, u64 start_pfn, u64 npages,
			   void *mem)
{
	struct vtier_range *r;
	u32 i;

	/* 2^36 pages (256 TiB) keeps the sweep arithmetic within 64 bits. */
	if (!npages || !mem || npages > (1ull << 36) ||
	    start_pfn + npages < start_pfn || ((unsigned long)mem & 7))
		return -EINVAL;
	for (i = 0; i < p->nranges; i++) {
		r = &p->range[i];
		if (start_pfn < r->start + r->npages &&
		    r->start < start_pfn + npages)
			return -EEXIST;
	}
	if (p->nranges == VTIER_MAX_RANGES)
		return -ENOSPC;
	r = &p->range[p->nranges];
	r->start = start_pfn;
	r->npages = npages;
	r->region0 = start_pfn >> VTIER_REGION_SHIFT;
	r->page = mem;
	r->region = (struct vtier_region *)((char *)mem +
		    ((npages * sizeof(u16) + 7) & ~7ull));
	p->nranges++;
	p->tracked += npages;
	p->fine[0] += npages;
	update_threshold(p);
	return 0;
}

void vtier_policy_set_sink(struct vtier_policy *p, vtier_hint_sink_fn sink,
			   void *arg)
{
	p->sink = sink;
	p->sink_arg = arg;
}

void vtier_policy_set_quota(struct vtier_policy *p, u64 quota_pages)
{
	/*
	 * A smaller quota must be met by demotions the sweep finds: back to
	 * the shortest epoch, so it passes every page soon.
	 */
	if (quota_pages < p->quota)
		p->epoch_ns = (u64)p->par.epoch_ms * NSEC_PER_MS;
	p->quota = quota_pages;
	update_threshold(p);
}

static struct vtier_range *find_range(struct vtier_policy *p, u64 pfn)
{
	u32 i;

	for (i = 0; i < p->nranges; i++) {
		if (pfn - p->range[i].start < p->range[i].npages) {
			p->last_range = i;
			return &p->range[i];
		}
	}
	return NULL;
}

/* Queue a hint if the rate limit and the queue allow; 1 if queued. */
static int emit(struct vtier_policy *p, u64 gpfn, u8 order, u8 action,
		u32 hotness)
{
	u64 cost = order ? VTIER_REGION_PAGES : 1;
	struct vtier_hint_host h;

	if ((p->par.rate_limit_pps && p->tokens < cost) ||
	    (!p->sink && p->q_len == VTIER_HINT_QUEUE)) {
		p->hints_limited++;
		return 0;
	}
	if (p->par.rate_limit_pps)
		p->tokens -= cost;
	h.gpfn = gpfn;
	h.order = order;
	h.action = action;
	h.hotness = hotness > 0xffff ? 0xffff : (u16)hotness;
	if (p->sink) {
		p->sink(p->sink_arg, &h);
	} else {
		p->q[(p->q_head + p->q_len) % VTIER_HINT_QUEUE] = h;
		p->q_len++;
	}
	if (action == VTIER_HINT_PROMOTE)
		p->promotions++;
	else
		p->demotions++;
	return 1;
}

/* Tell the host about the page if its view (HINTED) differs from HOT. */
static int sync_page(struct vtier_policy *p, struct vtier_range *r, u64 off,
		     u16 *v)
{
	struct vtier_region *reg = &r->region[((r->start + off) >>
					       VTIER_REGION_SHIFT) - r->region0];
	int want = !!(*v & VTIER_PAGE_HOT);

	if (want == !!(*v & VTIER_PAGE_HINTED))
		return 0;
	/* In a region hinted whole, the region hint speaks for the page. */
	if (!(reg->flags & VTIER_REGION_HUGE) &&
	    !emit(p, r->start + off, 0,
		  want ? VTIER_HINT_PROMOTE : VTIER_HINT_DEMOTE,
		  *v & VTIER_HEAT_MASK))
		return 0;
	*v ^= VTIER_PAGE_HINTED;
	return !(reg->flags & VTIER_REGION_HUGE);
}

/*
 * Pages the host holds fast on our word: the hot pages, plus the rest of
 * each region hinted whole.  This is what a quota bounds; without one the
 * budget is an estimate of the hot pages alone.
 */
static u64 fast_pages(const struct vtier_policy *p)
{
	return p->quota ? p->n_hot + p->huge_extra : p->n_hot;
}

/* Hint region ri as order 9 when mostly hot, back to order 0 when not. */
static int sync_region(struct vtier_policy *p, struct vtier_range *r, u64 ri)
{
	struct vtier_region *reg = &r->region[ri];
	u64 base = (r->region0 + ri) << VTIER_REGION_SHIFT;
	u64 on = (u64)p->par.huge_pct * VTIER_REGION_PAGES;
	u64 off = on * (100 - p->par.hysteresis_pct) / 100;
	u64 have = (u64)reg->nhot * 100, i;
	int n = 0;

	if (!(reg->flags & VTIER_REGION_HUGE)) {
		/* Only regions that are RAM from end to end. */
		if (have < on || base < r->start ||
		    base + VTIER_REGION_PAGES > r->start + r->npages)
			return 0;
		/* The region's cold subpages would take quota too. */
		if (p->quota && fast_pages(p) + VTIER_REGION_PAGES - reg->nhot >
		    p->budget)
			return 0;
		if (!emit(p, base, VTIER_REGION_SHIFT, VTIER_HINT_PROMOTE,
			  reg->nhot))
			return 0;
		reg->flags |= VTIER_REGION_HUGE;
		p->n_huge++;
		p->huge_extra += VTIER_REGION_PAGES - reg->nhot;
		return 1;
	}
	if (have >= off || !emit(p, base, VTIER_REGION_SHIFT,
				 VTIER_HINT_DEMOTE, reg->nhot))
		return 0;
	reg->flags &= ~VTIER_REGION_HUGE;
	p->n_huge--;
	p->huge_extra -= VTIER_REGION_PAGES - reg->nhot;
	/* The host now has none of it fast: re-hint the hot subpages. */
	for (i = 0; i < VTIER_REGION_PAGES; i++) {
		u16 *v = &r->page[base - r->start + i];

		*v &= ~VTIER_PAGE_HINTED;
		n += sync_page(p, r, base - r->start + i, v);
	}
	return 1 + n;
}

/*
 * Is the hot set too full to keep a page below the threshold?  Over the
 * budget, or at it while pages above the threshold wait for room.
 */
static int make_room(const struct vtier_policy *p)
{
	return fast_pages(p) > p->budget ||
	       (fast_pages(p) == p->budget && p->waiting);
}

/*
 * Move the page in or out of the hot set as its heat and the threshold
 * say, then bring the host's view in line.  Returns hints queued.
 */
static int update_page(struct vtier_policy *p, struct vtier_range *r, u64 off)
{
	u16 *v = &r->page[off];
	u32 h = *v & VTIER_HEAT_MASK;
	u64 ri = ((r->start + off) >> VTIER_REGION_SHIFT) - r->region0;
	int n = 0;

	if (!(*v & VTIER_PAGE_HOT)) {
		/*
		 * A full hot set: is the threshold still right for this page?
		 * At most once per 64 samples, to keep the sample path short.
		 */
		if (h >= p->thresh && p->n_hot >= p->budget &&
		    p->samples - p->thresh_samples >= 64) {
			update_threshold(p);
			p->thresh_samples = p->samples;
		}
		/*
		 * With a quota, a full hot set admits no more: the host would
		 * only defer the promotion (and retry it when room appears)
		 * while we counted the page as fast.  The page waits; the
		 * sweep makes room and its next sample asks again.
		 */
		if (h >= p->thresh && p->quota && fast_pages(p) >= p->budget) {
			if (p->waiting < p->budget)
				p->waiting++;
		} else if (h >= p->thresh) {
			*v |= VTIER_PAGE_HOT;
			p->n_hot++;
			p->hfine[fine_bucket(h)]++;
			r->region[ri].nhot++;
			if (r->region[ri].flags & VTIER_REGION_HUGE)
				p->huge_extra--;
			n += sync_region(p, r, ri);
		}
	} else if (h < p->demote_below || (h < p->thresh && make_room(p))) {
		if (h >= p->demote_below && p->waiting)
			p->waiting--;
		*v &= ~VTIER_PAGE_HOT;
		p->n_hot--;
		p->hfine[fine_bucket(h)]--;
		r->region[ri].nhot--;
		if (r->region[ri].flags & VTIER_REGION_HUGE)
			p->huge_extra++;
		n += sync_region(p, r, ri);
	}
	return n + sync_page(p, r, off, v);
}

int vtier_policy_record(struct vtier_policy *p, u64 pfn, u32 flags)
{
	struct vtier_range *r = &p->range[p->last_range];
	u64 off = pfn - r->start;
	u32 h, f0, f1;
	u16 v;

	(void)flags;	/* reads and writes weigh the same; see the doc */
	p->samples++;
	if (off >= r->npages) {
		r = find_range(p, pfn);
		if (!r) {
			p->untracked++;
			return 0;
		}
		off = pfn - r->start;
	}
	p->epoch_samples++;
	v = r->page[off];
	h = v & VTIER_HEAT_MASK;
	if (h < VTIER_HEAT_MASK) {
		f0 = fine_bucket(h);
		f1 = fine_bucket(h + 1);
		if (f0 != f1) {
			p->fine[f0]--;
			p->fine[f1]++;
			if (v & VTIER_PAGE_HOT) {
				p->hfine[f0]--;
				p->hfine[f1]++;
			}
		}
		v++;
		h++;
	}
	r->page[off] = v;
	/* The common case: nothing to decide. */
	if ((v & VTIER_PAGE_HOT) ? (v & VTIER_PAGE_HINTED) : h < p->thresh)
		return 0;
	return update_page(p, r, off);
}

/* Cool one page by `passes` epochs and re-decide it. */
static void sweep_page(struct vtier_policy *p, struct vtier_range *r, u64 off,
		       u32 passes)
{
	u16 v = r->page[off];
	u32 h = v & VTIER_HEAT_MASK, nh = h, i;

	if (!v)
		return;
	for (i = 0; i < passes && nh; i++)
		nh = nh * (100 - p->par.cooling_pct) / 100;
	if (nh != h) {
		p->fine[fine_bucket(h)]--;
		p->fine[fine_bucket(nh)]++;
		if (v & VTIER_PAGE_HOT) {
			p->hfine[fine_bucket(h)]--;
			p->hfine[fine_bucket(nh)]++;
		}
		r->page[off] = (v & ~VTIER_HEAT_MASK) | nh;
	}
	/* Most pages: cold and staying cold, or hot and staying hot. */
	if (!(v & VTIER_PAGE_HOT) ? nh < p->thresh :
	    ((v & VTIER_PAGE_HINTED) && nh >= p->demote_below &&
	     (nh >= p->thresh || !make_room(p))))
		return;
	update_page(p, r, off);
}

/* Visit up to n pages from the cursor; returns pages visited. */
static u64 sweep(struct vtier_policy *p, u64 n, u32 passes)
{
	u64 done = 0;

	while (done < n && p->sweep_range < p->nranges) {
		struct vtier_range *r = &p->range[p->sweep_range];
		u64 off = p->sweep_off;

		/* Retry region hints the rate limit held back. */
		if (off == 0 || !((r->start + off) & (VTIER_REGION_PAGES - 1)))
			sync_region(p, r, ((r->start + off) >>
					   VTIER_REGION_SHIFT) - r->region0);
		sweep_page(p, r, off, passes);
		done++;
		if (++p->sweep_off == r->npages) {
			p->sweep_off = 0;
			p->sweep_range++;
		}
	}
	return done;
}

static void refill_tokens(struct vtier_policy *p, u64 now)
{
	u64 d, acc, burst = burst_pages(p);

	if (!p->par.rate_limit_pps || now <= p->token_ns)
		return;
	d = now - p->token_ns;
	if (d > NSEC_PER_S)
		d = NSEC_PER_S;
	acc = d * p->par.rate_limit_pps + p->token_rem;
	p->tokens += acc / NSEC_PER_S;
	p->token_rem = acc % NSEC_PER_S;
	if (p->tokens >= burst) {
		p->tokens = burst;
		p->token_rem = 0;
	}
	p->token_ns = now;
}

static void restart_clock(struct vtier_policy *p, u64 now)
{
	p->clock_started = 1;
	p->clock_ns = now;
	p->epoch_start_ns = now;
	p->token_ns = now;
	p->next_thresh_ns = now;
	p->sweep_range = 0;
	p->sweep_off = 0;
	p->swept = 0;
}

/*
 * The heat of the budget-th hottest page (of the coldest page with any
 * heat when fewer have some): how much evidence ranks the hot set.
 */
static u32 budget_heat(const struct vtier_policy *p)
{
	u64 cum = 0;
	u32 b, low = 0;

	for (b = VTIER_FINE_BUCKETS - 1; b >= 1; b--) {
		if (!p->fine[b])
			continue;
		low = b;
		cum += p->fine[b];
		if (cum >= p->budget)
			break;
	}
	return low ? fine_floor(low) : 0;
}

/*
 * Ranking pages for a quota needs evidence: when an epoch ends with the
 * budget-th hottest page below target_heat samples (a low sample rate, or
 * abit rounds longer than the epoch), cooling would erase the evidence
 * before pages can be ranked, so the next epoch is twice as long.  Much
 * more than enough: shorten it again, to follow phases faster.  Without
 * a quota the hot set is sized by heat mass, not ranked: fixed epochs.
 */
static void adapt_epoch(struct vtier_policy *p, u32 evidence)
{
	u64 lo = (u64)p->par.epoch_ms * NSEC_PER_MS;
	u64 hi = (u64)p->par.max_epoch_ms * NSEC_PER_MS;

	if (!p->par.max_epoch_ms || !p->quota)
		return;
	if (evidence < p->par.target_heat && p->epoch_ns < hi)
		p->epoch_ns = p->epoch_ns * 2 < hi ? p->epoch_ns * 2 : hi;
	else if (evidence >= 4 * p->par.target_heat && p->epoch_ns > lo)
		p->epoch_ns = p->epoch_ns / 2 > lo ? p->epoch_ns / 2 : lo;
}

/* Finish the epoch (and any further whole epochs that passed idle). */
static void end_epochs(struct vtier_policy *p, u64 k)
{
	u64 epoch_ns = p->epoch_ns;

	update_threshold(p);	/* the sweep demotes against it */
	p->epoch_evidence = budget_heat(p);
	sweep(p, p->tracked, 1);
	if (k > 1) {
		p->sweep_range = 0;
		p->sweep_off = 0;
		sweep(p, p->tracked, k - 1 > MAX_CATCHUP ? MAX_CATCHUP : k - 1);
	}
	p->sweep_range = 0;
	p->sweep_off = 0;
	p->swept = 0;
	p->epochs += k;
	p->last_epoch_samples = p->epoch_samples;
	p->last_epoch_ns = k * epoch_ns;
	p->epoch_samples = 0;
	p->waiting = 0;		/* still waiting: their next samples say so */
	p->epoch_start_ns += k * epoch_ns;
	adapt_epoch(p, p->epoch_evidence);
	update_threshold(p);
}

void vtier_policy_advance(struct vtier_policy *p, u64 now)
{
	u64 epoch_ns = p->epoch_ns, since, target;

	if (!p->clock_started) {
		restart_clock(p, now);
		return;
	}
	if (now <= p->clock_ns) {
		/* Per-CPU rings reorder a little; a big jump is a new trace. */
		if (p->clock_ns - now > epoch_ns)
			restart_clock(p, now);
		return;
	}
	p->clock_ns = now;
	refill_tokens(p, now);
	if (now >= p->next_thresh_ns) {
		update_threshold(p);
		p->next_thresh_ns = now + epoch_ns / 16;
	}
	since = now - p->epoch_start_ns;
	if (since >= epoch_ns) {
		end_epochs(p, since / epoch_ns);
		epoch_ns = p->epoch_ns;
		since = now - p->epoch_start_ns;
	}
	/* Sweep in step with sample time: all pages once per epoch. */
	target = since / 1000 * p->tracked / (epoch_ns / 1000);
	if (target > p->swept)
		p->swept += sweep(p, target - p->swept, 1);
}

u32 vtier_policy_pop_hints(struct vtier_policy *p, struct vtier_hint_host *out,
			   u32 max)
{
	u32 n = 0;

	while (n < max && p->q_len) {
		out[n++] = p->q[p->q_head];
		p->q_head = (p->q_head + 1) % VTIER_HINT_QUEUE;
		p->q_len--;
	}
	return n;
}

void vtier_policy_summarize(const struct vtier_policy *p,
			    struct vtier_policy_summary *s)
{
	u32 b, c;

	memset(s, 0, sizeof(*s));
	s->epochs = p->epochs;
	s->samples = p->last_epoch_samples;
	s->epoch_ns = p->last_epoch_ns;
	s->pages = p->tracked - p->fine[0];
	s->hot = p->n_hot;
	s->huge_regions = p->n_huge;
	s->tracked = p->tracked;
	s->threshold = p->thresh;
	s->budget = p->budget;
	s->untracked = p->untracked;
	s->hints_limited = p->hints_limited;
	for (b = 0; b < VTIER_FINE_BUCKETS; b++) {
		c = vtier_heat_bucket(fine_floor(b));
		s->hist[c < VTIER_HIST_BUCKETS ? c : VTIER_HIST_BUCKETS - 1] +=
			p->fine[b];
	}
}

u32 vtier_policy_sample_rate(const struct vtier_policy_summary *s)
{
	u64 rate;

	if (!s->epoch_ns)
		return 0;
	rate = s->samples * NSEC_PER_S / s->epoch_ns;
	return rate > 0xffffffffull ? 0xffffffffu : (u32)rate;
}

u16 vtier_policy_page(const struct vtier_policy *p, u64 pfn)
{
	u32 i;

	for (i = 0; i < p->nranges; i++)
		if (pfn - p->range[i].start < p->range[i].npages)
			return p->range[i].page[pfn - p->range[i].start];
	return 0;
}

u64 vtier_policy_next_hot(const struct vtier_policy *p, u64 from)
{
	u64 best = ~0ull, off;
	u32 i;

	for (i = 0; i < p->nranges; i++) {
		const struct vtier_range *r = &p->range[i];

		if (r->start + r->npages <= from || r->start >= best)
			continue;
		off = from > r->start ? from - r->start : 0;
		for (; off < r->npages && r->start + off < best; off++) {
			if (r->page[off] & VTIER_PAGE_HOT) {
				best = r->start + off;
				break;
			}
		}
	}
	return best;
}
