// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer algorithm (see balancer.h, docs/balancer.md): per-VM access
 * curves from REPORT histograms, the policy's split of the total, then
 * damping (dead band, step, shrinks before grows).
 */
#include "balancer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB VTIER_HIST_BUCKETS
#define PAGES_PER_MIB 256.0
/* Bucket counts are untrusted: cap them so sums cannot overflow. */
#define HIST_CAP (1ull << 40)

/* Representative heat of bucket b: the mean of its integer range. */
static double bucket_heat(int b)
{
	if (b == 0)
		return 0;
	if (b == NB - 1)
		return 1.5 * (double)(1u << (NB - 2));
	return ((double)(1u << (b - 1)) + (double)(1u << b) - 1) / 2;
}

/* Accesses/s per page of each bucket, and its page count. */
static void curve_of(const struct bal_report *r, double rate[NB],
		     uint64_t n[NB])
{
	double total_heat = 0;
	int b;

	for (b = 0; b < NB; b++) {
		n[b] = r->hist[b] < HIST_CAP ? r->hist[b] : HIST_CAP;
		total_heat += (double)n[b] * bucket_heat(b);
	}
	for (b = 0; b < NB; b++)
		rate[b] = total_heat > 0 ? (double)r->sample_rate *
					   bucket_heat(b) / total_heat : 0;
}

double bal_curve(const struct bal_report *r, uint64_t pages)
{
	double rate[NB], u = 0;
	uint64_t n[NB];
	int b;

	curve_of(r, rate, n);
	for (b = NB - 1; b > 0 && pages; b--) {
		uint64_t take = n[b] < pages ? n[b] : pages;

		u += (double)take * rate[b];
		pages -= take;
	}
	return u;
}

double bal_marginal(const struct bal_report *r, uint64_t pages)
{
	double rate[NB];
	uint64_t n[NB];
	int b;

	curve_of(r, rate, n);
	for (b = NB - 1; b > 0; b--) {
		if (pages < n[b])
			return rate[b];
		pages -= n[b];
	}
	return 0;
}

uint64_t bal_demand(const struct bal_report *r)
{
	double rate[NB], want, u = 0;
	uint64_t n[NB], pages = 0;
	int b;

	curve_of(r, rate, n);
	want = bal_curve(r, UINT64_MAX) * BAL_DEMAND_PCT / 100;
	if (want <= 0)
		return 0;
	for (b = NB - 1; b > 0; b--) {
		double bucket = (double)n[b] * rate[b];

		if (u + bucket >= want) {
			double need = (want - u) / rate[b];
			uint64_t k = (uint64_t)need;

			return pages + (k < need ? k + 1 : k);
		}
		u += bucket;
		pages += n[b];
	}
	return pages;
}

const char *bal_policy_name(enum bal_policy p)
{
	return p == BAL_UTILITY ? "utility" :
	       p == BAL_PROPORTIONAL ? "proportional" :
	       p == BAL_FAIR ? "fair" : "static";
}

/* utility and fair split by the curves (fair protects shares first). */
static bool by_utility(const struct bal_params *p)
{
	return p->policy == BAL_UTILITY || p->policy == BAL_FAIR;
}

int bal_policy_parse(const char *s, enum bal_policy *p)
{
	if (!strcmp(s, "utility"))
		*p = BAL_UTILITY;
	else if (!strcmp(s, "proportional"))
		*p = BAL_PROPORTIONAL;
	else if (!strcmp(s, "static"))
		*p = BAL_STATIC;
	else if (!strcmp(s, "fair"))
		*p = BAL_FAIR;
	else
		return -1;
	return 0;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Per-plan working state of one VM. */
struct work {
	uint64_t lo, hi;	/* limits, hi capped at the total */
	uint64_t base;		/* current quota, clamped into [lo, hi] */
	uint64_t opt;		/* policy's split */
	bool part;		/* takes part in the split (else pinned) */
	bool pinned_cut;	/* pinned, but gave back for others' minimums */
	bool stepped;		/* the step bound cut its change */
	bool looked;		/* its grow was considered this plan */
	double share;		/* proportional / static share */
};

/*
 * Split r pages among the VMs taking part, in proportion to share, never
 * above hi; what a capped VM cannot take goes to the others.
 */
static uint64_t waterfill(struct work *w, size_t n, uint64_t r)
{
	while (r) {
		double sum = 0;
		uint64_t given = 0;
		size_t i;

		for (i = 0; i < n; i++)
			if (w[i].part && w[i].share > 0 && w[i].opt < w[i].hi)
				sum += w[i].share;
		if (sum <= 0)
			break;
		for (i = 0; i < n; i++) {
			uint64_t g;

			if (!w[i].part || w[i].share <= 0 || w[i].opt >= w[i].hi)
				continue;
			g = (uint64_t)((double)r * (w[i].share / sum));
			g = g < w[i].hi - w[i].opt ? g : w[i].hi - w[i].opt;
			w[i].opt += g;
			given += g;
		}
		/* Rounding left less than one page each: hand them out. */
		for (i = 0; !given && i < n && r; i++)
			if (w[i].part && w[i].share > 0 && w[i].opt < w[i].hi) {
				w[i].opt++;
				r--;
			}
		r -= given;
	}
	return r;
}

struct seg {
	size_t vm;
	uint64_t len;
	double slope;		/* weight x accesses/s per page */
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->slope != y->slope)
		return x->slope > y->slope ? -1 : 1;
	return x->vm < y->vm ? -1 : x->vm > y->vm;
}

/*
 * Greedy on the concave curves: each page goes to the largest weighted
 * marginal.  Returns the pages left (no VM has a use for them) and the
 * cut-off marginal in *lambda.
 */
static uint64_t utility_split(const struct bal_vm *vms, struct work *w,
			      size_t n, uint64_t r, double *lambda)
{
	struct seg *s = calloc(n * NB + 1, sizeof(*s));
	size_t ns = 0, i, j, k;

	*lambda = 0;
	if (!s)
		return r;
	for (i = 0; i < n; i++) {
		double rate[NB];
		uint64_t cnt[NB], at = 0;
		int b;

		if (!w[i].part)
			continue;
		curve_of(&vms[i].rep, rate, cnt);
		for (b = NB - 1; b > 0; b--) {
			uint64_t from = at > w[i].opt ? at : w[i].opt;
			uint64_t to = at + cnt[b] < w[i].hi ? at + cnt[b] : w[i].hi;

			if (to > from && rate[b] > 0)
				s[ns++] = (struct seg){ i, to - from,
					(double)vms[i].weight * rate[b] };
			at += cnt[b];
		}
	}
	qsort(s, ns, sizeof(*s), seg_cmp);
	for (i = 0; i < ns && r; i = j) {
		uint64_t len = 0, left;

		for (j = i; j < ns && s[j].slope == s[i].slope; j++)
			len += s[j].len;
		*lambda = s[i].slope;
		if (len <= r) {
			for (k = i; k < j; k++)
				w[s[k].vm].opt += s[k].len;
			r -= len;
			continue;
		}
		/* The last group does not fit: split it by length. */
		left = r;
		for (k = i; k < j; k++) {
			uint64_t g = (uint64_t)((double)r * ((double)s[k].len /
							     (double)len));

			g = g < s[k].len ? g : s[k].len;
			w[s[k].vm].opt += g;
			s[k].len -= g;	/* room left in the segment */
			left -= g;
		}
		for (k = i; k < j && left; k++)
			if (s[k].len) {
				w[s[k].vm].opt++;
				left--;
			}
		r = left;
		break;
	}
	free(s);
	return r;
}

/*
 * Fairness before utility (as memory.low protects a cgroup): each VM
 * taking part first gets what it wants (its demand, within its limits)
 * up to its weighted share of the r pages to split.  Only what is left
 * goes by utility, so a guest that inflates its REPORTs gains only pages
 * the others do not want within their shares.  Returns the pages left.
 */
static uint64_t protect_shares(const struct bal_vm *vms, struct work *w,
			       size_t n, uint64_t r)
{
	double wsum = 0;
	uint64_t left = r;
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i].part)
			wsum += vms[i].weight;
	for (i = 0; i < n && wsum > 0; i++) {
		uint64_t want = clamp(vms[i].demand_pages, w[i].lo, w[i].hi);
		uint64_t share = (uint64_t)((double)r * vms[i].weight / wsum);
		uint64_t g = want > w[i].opt ? want - w[i].opt : 0;

		if (!w[i].part)
			continue;
		g = g < share ? g : share;
		g = g < left ? g : left;
		w[i].opt += g;
		left -= g;
	}
	return left;
}

/* Weighted marginal in accesses/s per MiB, for reasons. */
static double marginal_mib(const struct bal_vm *v, uint64_t at)
{
	return (double)v->weight * bal_marginal(&v->rep, at) * PAGES_PER_MIB;
}

static void explain(const struct bal_params *p, struct bal_vm *vms,
		    const struct work *w, size_t n, size_t i, double lambda,
		    bool stepped)
{
	struct bal_vm *v = &vms[i];
	int64_t d = (int64_t)v->target_pages - (int64_t)v->quota_pages;
	uint64_t sum = 0;
	size_t j;
	int len;

	if (w[i].pinned_cut) {
		len = snprintf(v->reason, sizeof(v->reason),
			       "min of others: %+lld pages", (long long)d);
	} else if (!w[i].part || w[i].base == v->target_pages) {
		len = snprintf(v->reason, sizeof(v->reason),
			       "limits: %+lld pages to [%llu, %llu]",
			       (long long)d, (unsigned long long)w[i].lo,
			       (unsigned long long)w[i].hi);
	} else if (by_utility(p)) {
		uint64_t at = d > 0 ? v->quota_pages : v->target_pages;

		len = snprintf(v->reason, sizeof(v->reason),
			       "%s: %+lld pages, marginal %.1e acc/s per MiB vs %.1e",
			       bal_policy_name(p->policy),
			       (long long)d, marginal_mib(v, at),
			       lambda * PAGES_PER_MIB);
	} else if (p->policy == BAL_PROPORTIONAL) {
		for (j = 0; j < n; j++)
			sum += w[j].part && vms[j].fresh ? vms[j].rep.wss_pages : 0;
		len = snprintf(v->reason, sizeof(v->reason),
			       "proportional: %+lld pages, wss %llu of %llu pages",
			       (long long)d,
			       (unsigned long long)v->rep.wss_pages,
			       (unsigned long long)sum);
	} else {
		for (j = 0; j < n; j++)
			sum += vms[j].weight;
		len = snprintf(v->reason, sizeof(v->reason),
			       "static: %+lld pages, weight %u of %llu",
			       (long long)d, v->weight, (unsigned long long)sum);
	}
	if (stepped && len > 0 && (size_t)len < sizeof(v->reason))
		snprintf(v->reason + len, sizeof(v->reason) - (size_t)len,
			 " (step)");
}

/* Which grow goes first: the largest marginal (utility), or need. */
static double grow_key(const struct bal_params *p, const struct bal_vm *v,
		       const struct work *w)
{
	return by_utility(p) ? marginal_mib(v, w->base) :
	       (double)(w->opt - w->base);
}

/* Move each quota toward its optimum: dead band, step, shrinks first. */
static void damp(const struct bal_params *p, struct bal_vm *vms,
		 struct work *w, size_t n, double lambda)
{
	uint64_t step = p->step_pages ? p->step_pages : UINT64_MAX;
	uint64_t db = p->deadband_pages, sum = 0, avail;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t t = w[i].opt, b = w[i].base;

		vms[i].target_pages = b;
		if (t < b && (b - t >= db || w[i].pinned_cut)) {
			w[i].stepped = b - t > step && !w[i].pinned_cut;
			vms[i].target_pages = w[i].stepped ? b - step : t;
		}
		sum += vms[i].target_pages;
	}
	/*
	 * Quotas forced up to a raised min may leave too little: shrinking
	 * VMs then go further (beyond the step and the dead band) toward
	 * their optimum, and the optima fit the total.
	 */
	for (i = 0; i < n && sum > p->total_pages; i++) {
		uint64_t extra = vms[i].target_pages > w[i].opt ?
				 vms[i].target_pages - w[i].opt : 0;
		uint64_t over = sum - p->total_pages;

		extra = extra < over ? extra : over;
		vms[i].target_pages -= extra;
		sum -= extra;
	}
	avail = p->total_pages > sum ? p->total_pages - sum : 0;
	/* Grows, largest priority first, each from what is left. */
	for (;;) {
		size_t best = n;
		double best_key = 0;
		uint64_t need, g;

		for (i = 0; i < n; i++) {
			if (w[i].looked || w[i].opt <= w[i].base ||
			    w[i].opt - w[i].base < db)
				continue;
			if (best == n || grow_key(p, &vms[i], &w[i]) > best_key) {
				best = i;
				best_key = grow_key(p, &vms[i], &w[i]);
			}
		}
		if (best == n)
			break;
		w[best].looked = true;
		need = w[best].opt - w[best].base;
		g = need < step ? need : step;
		g = g < avail ? g : avail;
		if (g < need && g < db)
			continue;	/* too small for now: next period */
		vms[best].target_pages += g;
		avail -= g;
		w[best].stepped = g < need && g == step;
	}
	for (i = 0; i < n; i++) {
		vms[i].changed = vms[i].target_pages != vms[i].quota_pages;
		if (vms[i].changed)
			explain(p, vms, w, n, i, lambda, w[i].stepped);
		else
			vms[i].reason[0] = 0;
	}
}

static bool limits_ok(const struct bal_params *p, const struct bal_vm *vms,
		      size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (vms[i].weight < 1 || vms[i].weight > BAL_MAX_WEIGHT ||
		    vms[i].min_pages > vms[i].max_pages ||
		    vms[i].min_pages > p->total_pages)
			return false;
		sum += vms[i].min_pages;
		if (sum > p->total_pages)
			return false;
	}
	return true;
}

int balancer_plan(const struct bal_params *p, struct bal_vm *vms, size_t n)
{
	struct work *w = calloc(n + 1, sizeof(*w));
	uint64_t fixed = 0, r;
	double lambda = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		vms[i].target_pages = vms[i].optimum_pages = vms[i].quota_pages;
		vms[i].changed = false;
		vms[i].reason[0] = 0;
		vms[i].demand_pages = vms[i].fresh ? bal_demand(&vms[i].rep) : 0;
	}
	if (!w || !limits_ok(p, vms, n)) {
		free(w);
		return -1;
	}
	for (i = 0; i < n; i++) {
		w[i].lo = vms[i].min_pages;
		w[i].hi = vms[i].max_pages < p->total_pages ? vms[i].max_pages :
			  p->total_pages;
		w[i].base = clamp(vms[i].quota_pages, w[i].lo, w[i].hi);
		w[i].part = p->policy == BAL_STATIC || vms[i].fresh;
		/* Pinned VMs keep their quota; the others start at min. */
		w[i].opt = w[i].part ? w[i].lo : w[i].base;
		fixed += w[i].opt;
	}
	/* Pinned quotas give back only what others' minimums need. */
	for (i = 0; i < n && fixed > p->total_pages; i++) {
		uint64_t give = w[i].opt - w[i].lo, over = fixed - p->total_pages;

		if (w[i].part || !give)
			continue;
		give = give < over ? give : over;
		w[i].opt -= give;
		w[i].pinned_cut = true;
		fixed -= give;
	}
	r = p->total_pages - fixed;
	for (i = 0; i < n; i++)
		w[i].share = p->policy == BAL_PROPORTIONAL ?
			     (double)vms[i].weight * (double)vms[i].rep.wss_pages :
			     (double)vms[i].weight;
	if (by_utility(p)) {
		if (p->policy == BAL_FAIR)
			r = protect_shares(vms, w, n, r);
		r = utility_split(vms, w, n, r, &lambda);
		for (i = 0; i < n; i++)
			w[i].share = vms[i].weight;
	} else if (p->policy == BAL_PROPORTIONAL) {
		uint64_t before = r;

		r = waterfill(w, n, r);
		for (i = 0; i < n && r == before; i++)
			w[i].share = vms[i].weight;	/* no working sets */
	}
	/* What no curve has a use for is split by weight, up to max. */
	waterfill(w, n, r);
	for (i = 0; i < n; i++)
		vms[i].optimum_pages = w[i].opt;
	damp(p, vms, w, n, lambda);
	free(w);
	return 0;
}
