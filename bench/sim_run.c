// SPDX-License-Identifier: GPL-2.0
/*
 * The record loop that drives every policy in one pass, the policy list,
 * and the static oracle's ranking.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim.h"

const struct sim_policy_ops *const sim_policies[] = {
	&sim_vtier_ops, &sim_hemem_ops, &sim_memtis_ops, &sim_tpp_ops,
	&sim_first_touch_ops, &sim_all_fast_ops, &sim_oracle_ops, NULL,
};

const struct sim_policy_ops *sim_policy_find(const char *name)
{
	int i;

	for (i = 0; sim_policies[i]; i++)
		if (!strcmp(sim_policies[i]->name, name))
			return sim_policies[i];
	return NULL;
}

int sim_policy_create(struct sim_policy *p, const struct sim_policy_ops *ops,
		      const struct sim_trace *tr, const struct sim_params *par,
		      uint64_t cap)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->tr = tr;
	p->par = par;
	if (sim_tier_init(&p->tier, par, tr->npages, cap, ops->name))
		return -1;
	if (ops->create(p)) {
		sim_tier_free(&p->tier);
		return -1;
	}
	return 0;
}

void sim_policy_destroy(struct sim_policy *p)
{
	if (p->ops->destroy)
		p->ops->destroy(p);
	sim_tier_free(&p->tier);
}

void sim_policy_set_quota(struct sim_policy *p, uint64_t pages)
{
	p->tier.cap = pages;
	if (p->ops->set_quota)
		p->ops->set_quota(p, pages);
}

struct rank {
	uint64_t count;
	uint32_t id;
};

static int by_count(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

uint32_t *sim_top_pages(const struct sim_trace *tr, uint64_t k)
{
	struct rank *r = malloc((tr->npages ? tr->npages : 1) * sizeof(*r));
	uint32_t *top = malloc((k ? k : 1) * sizeof(*top));
	uint64_t i;

	if (!r || !top) {
		free(r);
		free(top);
		return NULL;
	}
	for (i = 0; i < tr->npages; i++) {
		r[i].count = tr->count[i];
		r[i].id = (uint32_t)i;
	}
	qsort(r, tr->npages, sizeof(*r), by_count);
	for (i = 0; i < k && i < tr->npages; i++)
		top[i] = r[i].id;
	free(r);
	return top;
}

uint64_t sim_oracle_hits(const struct sim_trace *tr, uint64_t k, uint64_t w)
{
	uint32_t *top = sim_top_pages(tr, k);
	uint64_t i, hits = 0;

	if (!top)
		return 0;
	for (i = 0; i < k && i < tr->npages; i++)
		hits += tr->count[top[i]];
	free(top);
	return hits * w;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int sim_runner_init(struct sim_runner *r, const struct sim_trace *tr,
		    const struct sim_params *par, struct sim_policy *pols,
		    int n, int progress)
{
	int j;

	memset(r, 0, sizeof(*r));
	r->tr = tr;
	r->par = par;
	r->pols = pols;
	r->n = n;
	r->progress = progress;
	r->rng = par->seed * 0x9E3779B97F4A7C15ull + 1;
	r->t0 = tr->n ? tr->ts[0] : 0;
	r->start = r->t0;
	r->end = r->t0 + par->epoch_ns;
	r->mark = tr->n / 10;
	r->w0 = now_s();
	for (j = 0; j < n; j++)
		pols[j].tier.steady_from_ns = sim_trace_span_ns(tr) *
					      par->warmup_pct / 100;
	if (par->sampler == SIM_SAMPLER_ABIT)
		return sim_abit_init(&r->abit, tr, par, r->t0);
	return 0;
}

/* An abit sample: every policy sees it at the round's time. */
static void abit_emit(void *ctx, uint32_t id)
{
	struct sim_runner *r = ctx;
	int j;

	for (j = 0; j < r->n; j++)
		if (r->pols[j].ops->sample)
			r->pols[j].ops->sample(&r->pols[j], id, r->round_ns, 0);
}

/* Scan rounds due by ts; their cost is the migrating policies' CPU. */
static void abit_rounds(struct sim_runner *r, uint64_t ts)
{
	double cost;
	int j;

	while (r->abit.next_round_ns <= ts) {
		r->round_ns = r->abit.next_round_ns;
		cost = sim_abit_round(&r->abit, r->round_ns, r->seen,
				      abit_emit, r);
		for (j = 0; j < r->n; j++)
			if (r->pols[j].ops->migrates)
				r->pols[j].tier.e.track_ns += cost;
	}
}

/* A migrating policy's page lands fast on its first access if there is room. */
static void first_touch(struct sim_policy *p, uint32_t id)
{
	if (p->ops->migrates && sim_tier_place(&p->tier, id) > 0 &&
	    p->ops->placed)
		p->ops->placed(p, id);
}

void sim_runner_until(struct sim_runner *r, uint64_t until_ns)
{
	const struct sim_trace *tr = r->tr;
	const struct sim_params *par = r->par;
	int j;

	for (; r->i < tr->n && tr->ts[r->i] - r->t0 < until_ns; r->i++) {
		uint64_t ts = tr->ts[r->i];
		uint32_t id = tr->idw[r->i] >> 1;
		int write = tr->idw[r->i] & 1, s;

		if (ts >= r->end) {
			/* Close the epoch; empty ones after it get no rows. */
			uint64_t skip = (ts - r->end) / par->epoch_ns;

			for (j = 0; j < r->n; j++) {
				sim_tier_end_epoch(&r->pols[j].tier,
						   r->start - r->t0, par->epoch_ns);
				r->pols[j].tier.epoch += skip;
			}
			r->start = r->end + skip * par->epoch_ns;
			r->end = r->start + par->epoch_ns;
		}
		if (par->sampler == SIM_SAMPLER_ABIT) {
			abit_rounds(r, ts);
			sim_abit_access(&r->abit, id);
			s = 0;
		} else {
			s = sim_coin(&r->rng, par->sample_n);
		}
		if (id == r->seen) {	/* ids are dense, in first-touch order */
			r->seen++;
			for (j = 0; j < r->n && !par->initial_slow; j++)
				first_touch(&r->pols[j], id);
		}
		for (j = 0; j < r->n; j++) {
			struct sim_policy *p = &r->pols[j];

			if (p->ops->tick)
				p->ops->tick(p, ts);
			if (p->ops->touch)
				p->ops->touch(p, id, ts);
			sim_tier_access(&p->tier, id);
			if (s && p->ops->sample) {
				p->ops->sample(p, id, ts, write);
				if (p->ops->migrates)
					p->tier.e.track_ns += par->pebs_sample_ns;
			}
		}
		/* Every 10% of the records, once the run takes a while. */
		if (r->progress && r->i == r->mark && r->i && now_s() - r->w0 > 2)
			fprintf(stderr, "vtier-sim: %llu%% of %llu records, %.1f s\n",
				(unsigned long long)(100 * r->i / tr->n),
				(unsigned long long)tr->n, now_s() - r->w0);
		if (r->i == r->mark)
			r->mark += tr->n / 10;
	}
}

void sim_runner_finish(struct sim_runner *r)
{
	int j;

	sim_runner_until(r, UINT64_MAX);
	if (r->tr->n)
		for (j = 0; j < r->n; j++)
			sim_tier_end_epoch(&r->pols[j].tier, r->start - r->t0,
					   r->tr->ts[r->tr->n - 1] - r->start + 1);
	sim_abit_free(&r->abit);
}

int sim_run(const struct sim_trace *tr, const struct sim_params *par,
	    struct sim_policy *pols, int n, int progress)
{
	struct sim_runner r;

	if (sim_runner_init(&r, tr, par, pols, n, progress))
		return -1;
	sim_runner_finish(&r);
	return 0;
}

FILE *sim_open_csv(const char *path, const char *header)
{
	struct stat st;
	int empty = stat(path, &st) || !st.st_size;
	FILE *f = fopen(path, "a");

	if (!f) {
		perror(path);
		return NULL;
	}
	if (empty)
		fprintf(f, "%s\n", header);
	return f;
}
