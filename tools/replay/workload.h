/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generated access patterns for vtier-gen and the accuracy benchmark.
 * Each workload is a mix of components: Zipf over a set of pages (its
 * ranking may shift at once or drift), or a sequential scan.  It can draw
 * one access at a time t (the sampled stream) and give the expected
 * number of accesses of every page over a time window (the truth).
 * docs/trace-format.md describes the workloads.
 */
#ifndef VTIER_WORKLOAD_H
#define VTIER_WORKLOAD_H

#include <stdint.h>

#include "score.h"

enum wl_kind {
	WL_ZIPF08, WL_ZIPF10, WL_ZIPF12, WL_SHIFT, WL_DRIFT, WL_SCAN,
	WL_WRITE, WL_MANY, WL_HOTSET, WL_COUNT
};

#define WL_MAX_COMP	17

struct wl_comp {
	int scan;		/* 1: sequential scan, else Zipf */
	double share;		/* of all accesses */
	double write_frac;
	uint64_t base, n;	/* pages base .. base + n - 1; n a power of 2 */
	double *cdf, *p;	/* Zipf over ranks */
	double shift_at;	/* seconds; ranking moves by n/2 then (<0: never) */
	double drift_pps;	/* ranks per second the ranking moves */
	double scan_pps;	/* pages per second a scan advances */
};

struct wl {
	enum wl_kind kind;
	double rate;		/* accesses per second */
	uint64_t rng;
	int ncomp;
	struct wl_comp c[WL_MAX_COMP];
	double seconds;		/* planned length (for the shift time) */
};

const char *wl_name(enum wl_kind k);
int wl_parse(const char *name, enum wl_kind *k);

/* footprint pages, accesses per second, seed; 0 or -1 (out of memory) */
int wl_init(struct wl *w, enum wl_kind k, uint64_t pages, double rate,
	    double seconds, uint64_t seed);
void wl_free(struct wl *w);

/* First pfn used and one past the last. */
void wl_span(const struct wl *w, uint64_t *lo, uint64_t *hi);

/* Draw one access at time t (seconds). */
void wl_draw(struct wl *w, double t, uint64_t *pfn, int *write);

/* Add the expected accesses in [t0, t1) of every page to truth. */
int wl_truth(const struct wl *w, double t0, double t1, struct cmap *truth);

#endif
