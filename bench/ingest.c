// SPDX-License-Identifier: GPL-2.0
/*
 * Ingest cost of the identification engine with 4 Mi tracked pages (a
 * 16 GiB guest): nanoseconds per vtier_policy_record() on uniform random
 * frames (every sample a cache miss on the page table) and on a skewed
 * stream (90% of samples on 1% of the pages), first touches (promotions
 * and hints) apart from the steady state, the cooling sweep's cost
 * per page, and metadata bytes per page.  `ingest N` with a small N is
 * what run.sh runs under callgrind for instructions per sample.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vtier_policy.h"

#define PAGES	(4ull << 20)

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Separate functions so that callgrind can count each phase alone. */
__attribute__((noinline)) void first_pass(struct vtier_policy *p, uint64_t pfn)
{
	vtier_policy_record(p, pfn, 0);
}

__attribute__((noinline)) void steady(struct vtier_policy *p, uint64_t pfn)
{
	vtier_policy_record(p, pfn, 0);
}

static double feed(struct vtier_policy *p, const uint64_t *pfn, size_t n,
		   void (*rec)(struct vtier_policy *, uint64_t))
{
	struct vtier_hint_host h[64];
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		rec(p, pfn[i]);
		if (p->q_len > VTIER_HINT_QUEUE - 4)
			while (vtier_policy_pop_hints(p, h, 64))
				;
	}
	return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000, i;
	struct vtier_policy_params par;
	struct vtier_policy *p = calloc(1, sizeof(*p));
	size_t bytes = vtier_policy_range_bytes(0, PAGES);
	void *mem = calloc(1, bytes);
	uint64_t *uni = malloc(n * sizeof(*uni)), *skew = malloc(n * sizeof(*skew));
	double t;

	if (!p || !mem || !uni || !skew)
		return 1;
	vtier_policy_default_params(&par);
	if (vtier_policy_init(p, &par) || vtier_policy_add_range(p, 0, PAGES, mem))
		return 1;
	vtier_policy_set_quota(p, PAGES / 8);
	for (i = 0; i < n; i++) {
		uni[i] = next() % PAGES;
		skew[i] = next() % 10 ? next() % (PAGES / 100) * 97 % PAGES :
					next() % PAGES;
	}
	vtier_policy_advance(p, 0);
	printf("tracked pages: %llu\n", (unsigned long long)PAGES);
	printf("metadata: %.3f bytes per page (%zu bytes of tables + %zu of engine state)\n",
	       (double)(bytes + sizeof(*p)) / PAGES, bytes, sizeof(*p));
	t = feed(p, uni, n, first_pass);
	printf("ingest, uniform random frames, first pass: %.1f ns per sample (%zu samples)\n",
	       t, n);
	t = feed(p, uni, n, steady);
	printf("ingest, the same frames again (steady state): %.1f ns per sample\n", t);
	t = feed(p, skew, n, steady);
	printf("ingest, 90%% of samples on 1%% of pages: %.1f ns per sample\n", t);
	t = now_ns();
	vtier_policy_advance(p, (uint64_t)par.epoch_ms * 1000000);
	t = now_ns() - t;
	printf("cooling sweep: %.2f ns per page (%.1f ms per %u ms epoch for %llu pages)\n",
	       t / PAGES, t / 1e6, par.epoch_ms, (unsigned long long)PAGES);
	free(uni);
	free(skew);
	free(mem);
	free(p);
	return 0;
}
