// SPDX-License-Identifier: GPL-2.0
/* The accessed-bit front end (see sim_abit.h). */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_abit.h"
#include "vtier_abit_defs.h"

#define ABIT_MAX_INTERVAL_NS	(ABIT_MAX_INTERVAL_MS * 1000000ull)

static const struct sim_trace *sort_tr;

static int by_pfn(const void *x, const void *y)
{
	uint64_t a = sort_tr->pfn[*(const uint32_t *)x];
	uint64_t b = sort_tr->pfn[*(const uint32_t *)y];

	return a < b ? -1 : a > b;
}

int sim_abit_init(struct sim_abit *a, const struct sim_trace *tr,
		  const struct sim_params *par, uint64_t t0_ns)
{
	uint64_t n = tr->npages ? tr->npages : 1, i, r = 0;

	memset(a, 0, sizeof(*a));
	a->tr = tr;
	a->par = par;
	a->accessed = calloc(n, 1);
	a->by_pfn = malloc(n * sizeof(*a->by_pfn));
	a->range_start = malloc((n + 1) * sizeof(*a->range_start));
	a->hot = malloc(n * sizeof(*a->hot));
	a->next = malloc(n * sizeof(*a->next));
	a->in_next = calloc(n, 1);
	a->age = calloc(n, 1);
	a->touched = calloc(n, 1);
	a->range_of = calloc(n, sizeof(*a->range_of));
	if (!a->age || !a->touched || !a->range_of || !a->accessed || !a->by_pfn || !a->range_start || !a->hot ||
	    !a->next || !a->in_next) {
		sim_abit_free(a);
		return -1;
	}
	for (i = 0; i < tr->npages; i++)
		a->by_pfn[i] = (uint32_t)i;
	sort_tr = tr;	/* qsort has no context argument in C11 */
	qsort(a->by_pfn, tr->npages, sizeof(*a->by_pfn), by_pfn);
	for (i = 0; i < tr->npages; i++) {
		if (!i || tr->pfn[a->by_pfn[i]] >> 9 !=
			  tr->pfn[a->by_pfn[i - 1]] >> 9)
			a->range_start[r++] = i;
		a->range_of[a->by_pfn[i]] = (uint32_t)(r - 1);
	}
	a->range_start[r] = tr->npages;
	a->nranges = r;
	a->interval_ns = par->abit_interval_ns;
	a->cursor_budget = (uint64_t)(par->abit_budget_permille / 1000.0 *
				      a->interval_ns / par->abit_entry_ns);
	a->next_round_ns = t0_ns + a->interval_ns;
	return 0;
}

void sim_abit_free(struct sim_abit *a)
{
	free(a->accessed);
	free(a->by_pfn);
	free(a->range_start);
	free(a->hot);
	free(a->next);
	free(a->in_next);
	free(a->age);
	free(a->touched);
	free(a->range_of);
	memset(a, 0, sizeof(*a));
}

/* Check one range's touched pages; returns the entries checked. */
static uint64_t visit(struct sim_abit *a, uint64_t r, uint64_t seen,
		      int from_hot, void (*emit)(void *ctx, uint32_t id),
		      void *ctx)
{
	uint64_t i, entries = 0;
	int young = 0;

	/* Not accessed since its last check: the PMD bit says so, one entry. */
	if (from_hot && !a->touched[r]) {
		entries = 1;
		goto listed;
	}
	a->touched[r] = 0;
	for (i = a->range_start[r]; i < a->range_start[r + 1]; i++) {
		uint32_t id = a->by_pfn[i];

		if (id >= seen)
			continue;	/* not present yet */
		entries++;
		if (a->accessed[id]) {
			a->accessed[id] = 0;
			young = 1;
			a->samples++;
			emit(ctx, id);
		}
	}
listed:
	/* A quiet range stays listed for ABIT_HOT_AGE visits, then leaves. */
	if (young)
		a->age[r] = 0;
	else if (from_hot && a->age[r] + 1 < ABIT_HOT_AGE)
		a->age[r]++;
	else
		return entries;
	if (!a->in_next[r] && a->nnext < a->par->abit_hot_ranges) {
		a->in_next[r] = 1;
		a->next[a->nnext++] = (uint32_t)r;
	}
	return entries;
}

double sim_abit_round(struct sim_abit *a, uint64_t now_ns, uint64_t seen,
		      void (*emit)(void *ctx, uint32_t id), void *ctx)
{
	const struct sim_params *par = a->par;
	double budget_ns = par->abit_budget_permille / 1000.0 * a->interval_ns;
	uint64_t i, hot_entries = 0, cold = 0, walked = 0;
	double cost, hot_cost;
	uint32_t *t;

	for (i = 0; i < a->nhot; i++)
		hot_entries += visit(a, a->hot[i], seen, 1, emit, ctx);
	while (cold < a->cursor_budget && walked < a->nranges) {
		cold += visit(a, a->cursor, seen, 0, emit, ctx);
		a->cursor = (a->cursor + 1) % a->nranges;
		walked++;
	}
	for (i = 0; i < a->nnext; i++)
		a->in_next[a->next[i]] = 0;
	t = a->hot;
	a->hot = a->next;
	a->next = t;
	a->nhot = a->nnext;
	a->nnext = 0;
	cost = (hot_entries + cold) * par->abit_entry_ns;
	a->rounds++;
	a->entries += hot_entries + cold;
	a->cost_ns += cost;
	/* The module's controller (vtier_abit.c, control()). */
	if (cost > budget_ns + budget_ns / ABIT_OVER_DIV) {
		double need = cost * 1000.0 / par->abit_budget_permille;

		a->interval_ns += a->interval_ns / ABIT_GROW_DIV;
		if (need > a->interval_ns)
			a->interval_ns = (uint64_t)need;
		if (a->interval_ns > ABIT_MAX_INTERVAL_NS)
			a->interval_ns = ABIT_MAX_INTERVAL_NS;
	} else if (cost < budget_ns / 2) {
		double to = cost * 4000.0 / (3 * par->abit_budget_permille);

		a->interval_ns -= a->interval_ns / ABIT_SHRINK_DIV;
		if (to < a->interval_ns)
			a->interval_ns = (uint64_t)to;
		if (a->interval_ns < par->abit_interval_ns)
			a->interval_ns = par->abit_interval_ns;
	}
	/* The cold walk of the next round gets what the hot list leaves. */
	budget_ns = par->abit_budget_permille / 1000.0 * a->interval_ns;
	hot_cost = hot_entries * par->abit_entry_ns;
	a->cursor_budget = budget_ns > hot_cost ?
			   (uint64_t)((budget_ns - hot_cost) / par->abit_entry_ns) : 0;
	if (a->cursor_budget < ABIT_MIN_CURSOR)
		a->cursor_budget = ABIT_MIN_CURSOR;
	a->next_round_ns = now_ns + a->interval_ns;
	return cost;
}
