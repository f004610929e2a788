// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

#define BASE_PFN	0x40000ull	/* 1 GiB: leaves room below, as RAM does */
#define SCAN_ACC	64		/* accesses per page a scan makes (lines) */
#define TRUTH_STEPS	8		/* sub-steps integrating a moving ranking */

static const char *const names[WL_COUNT] = {
	"zipf0.8", "zipf1.0", "zipf1.2", "shift", "drift", "scan", "write",
	"many", "hotset",
};

const char *wl_name(enum wl_kind k)
{
	return k < WL_COUNT ? names[k] : "?";
}

int wl_parse(const char *name, enum wl_kind *k)
{
	int i;

	for (i = 0; i < WL_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*k = (enum wl_kind)i;
			return 0;
		}
	}
	return -1;
}

static double rnd(struct wl *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (double)((w->rng * 0x2545F4914F6CDD1Dull) >> 11) /
	       (double)(1ull << 53);
}

static int zipf(struct wl_comp *c, double s)
{
	double sum = 0;
	uint64_t r;

	c->cdf = malloc(c->n * sizeof(*c->cdf));
	c->p = malloc(c->n * sizeof(*c->p));
	if (!c->cdf || !c->p)
		return -1;
	for (r = 0; r < c->n; r++)
		sum += c->p[r] = 1.0 / pow((double)(r + 1), s);
	for (r = 0; r < c->n; r++) {
		c->p[r] /= sum;
		c->cdf[r] = (r ? c->cdf[r - 1] : 0) + c->p[r];
	}
	return 0;
}

static struct wl_comp *add(struct wl *w, double share, uint64_t base,
			   uint64_t n)
{
	struct wl_comp *c = &w->c[w->ncomp++];

	memset(c, 0, sizeof(*c));
	c->share = share;
	c->base = base;
	c->n = n;
	c->shift_at = -1;
	return c;
}

int wl_init(struct wl *w, enum wl_kind k, uint64_t pages, double rate,
	    double seconds, uint64_t seed)
{
	static const double skew[] = { 0.8, 1.0, 1.2 };
	struct wl_comp *c;
	int i, err = 0;

	memset(w, 0, sizeof(*w));
	w->kind = k;
	w->rate = rate;
	w->seconds = seconds;
	w->rng = seed * 0x9E3779B97F4A7C15ull + 0x1234567;
	switch (k) {
	case WL_ZIPF08: case WL_ZIPF10: case WL_ZIPF12:
		err = zipf(add(w, 1, BASE_PFN, pages), skew[k - WL_ZIPF08]);
		break;
	case WL_SHIFT:
		c = add(w, 1, BASE_PFN, pages);
		c->shift_at = seconds / 2;
		err = zipf(c, 1.0);
		break;
	case WL_DRIFT:
		c = add(w, 1, BASE_PFN, pages);
		c->drift_pps = (double)pages / 100;	/* 1% of ranks a second */
		err = zipf(c, 1.0);
		break;
	case WL_SCAN:
		err = zipf(add(w, 0.7, BASE_PFN, pages), 1.0);
		c = add(w, 0.3, BASE_PFN + pages, pages);
		c->scan = 1;
		c->scan_pps = 0.3 * rate / SCAN_ACC;
		break;
	case WL_WRITE:
		c = add(w, 1, BASE_PFN, pages);
		c->write_frac = 0.7;
		err = zipf(c, 1.0);
		break;
	case WL_MANY: {
		/* 16 processes, each Zipf over its own 1/16; busier first. */
		double h = 0;

		for (i = 0; i < 16; i++)
			h += 1.0 / (i + 1);
		for (i = 0; i < 16 && !err; i++)
			err = zipf(add(w, 1.0 / (i + 1) / h,
				       BASE_PFN + (uint64_t)i * (pages / 16),
				       pages / 16), 1.0);
		break;
	}
	case WL_HOTSET:
		/*
		 * 95% of accesses on a hot quarter, every page alike (s = 0
		 * is uniform), 5% on the rest, in two power-of-2 parts.
		 */
		err = zipf(add(w, 0.95, BASE_PFN, pages / 4), 0.0) ||
		      zipf(add(w, 0.05 / 3, BASE_PFN + pages / 4, pages / 4),
			   0.0) ||
		      zipf(add(w, 0.05 * 2 / 3, BASE_PFN + pages / 2, pages / 2),
			   0.0);
		break;
	default:
		return -1;
	}
	for (i = 0; i < w->ncomp; i++)
		w->c[i].write_frac = w->c[i].write_frac ? w->c[i].write_frac : 0.3;
	if (err)
		wl_free(w);
	return err;
}

void wl_free(struct wl *w)
{
	int i;

	for (i = 0; i < w->ncomp; i++) {
		free(w->c[i].cdf);
		free(w->c[i].p);
		w->c[i].cdf = w->c[i].p = NULL;
	}
}

void wl_span(const struct wl *w, uint64_t *lo, uint64_t *hi)
{
	int i;

	*lo = ~0ull;
	*hi = 0;
	for (i = 0; i < w->ncomp; i++) {
		if (w->c[i].base < *lo)
			*lo = w->c[i].base;
		if (w->c[i].base + w->c[i].n > *hi)
			*hi = w->c[i].base + w->c[i].n;
	}
}

/* Rank offset of a component at time t. */
static uint64_t offset(const struct wl_comp *c, double t)
{
	uint64_t off = (uint64_t)(t * c->drift_pps);

	if (c->shift_at >= 0 && t >= c->shift_at)
		off += c->n / 2;
	return off;
}

/* The page holding rank r: a fixed scatter of the ranks over the pages. */
static uint64_t page_of(const struct wl_comp *c, uint64_t r, uint64_t off)
{
	return c->base + (((r + off) & (c->n - 1)) * 0x9E3779B1ull & (c->n - 1));
}

void wl_draw(struct wl *w, double t, uint64_t *pfn, int *write)
{
	double u = rnd(w), acc = 0;
	struct wl_comp *c = &w->c[w->ncomp - 1];
	uint64_t lo, hi, mid;
	int i;

	for (i = 0; i < w->ncomp; i++) {
		acc += w->c[i].share;
		if (u < acc) {
			c = &w->c[i];
			break;
		}
	}
	*write = rnd(w) < c->write_frac;
	if (c->scan) {
		*pfn = c->base + ((uint64_t)(t * c->scan_pps) & (c->n - 1));
		return;
	}
	u = rnd(w);
	lo = 0;
	hi = c->n - 1;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pfn = page_of(c, lo, offset(c, t));
}

int wl_truth(const struct wl *w, double t0, double t1, struct cmap *truth)
{
	double dt = (t1 - t0) / TRUTH_STEPS, t;
	uint64_t r, a, b;
	int i, s;

	for (i = 0; i < w->ncomp; i++) {
		const struct wl_comp *c = &w->c[i];
		double acc = c->share * w->rate;

		if (c->scan) {
			a = (uint64_t)(t0 * c->scan_pps);
			b = (uint64_t)(t1 * c->scan_pps);
			for (r = a; r < b; r++)
				if (cmap_add(truth, c->base + (r & (c->n - 1)),
					     acc / c->scan_pps))
					return -1;
			continue;
		}
		for (s = 0; s < TRUTH_STEPS; s++) {
			t = t0 + (s + 0.5) * dt;
			for (r = 0; r < c->n; r++)
				if (cmap_add(truth, page_of(c, r, offset(c, t)),
					     acc * dt * c->p[r]))
					return -1;
		}
	}
	return 0;
}
