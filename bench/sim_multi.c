// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-VM mixes (issue 7).  Each VM replays its own trace (times relative
 * to its first record, so the VMs run side by side) through its own vtier
 * engine, its fast pages counted against its quota and against one shared
 * pool of fast memory that is never exceeded.  Every period the VMs'
 * REPORTs (the engine's summary, as the module sends it) go to
 * balancer_plan(), vtierd's own algorithm (host-backend/balancer.c), and
 * its targets become the new quotas, shrinks before grows.  A VM still
 * over its quota a deadline after a shrink has pages taken back by the
 * host.  Modes: static (the weights split, fixed), proportional, utility
 * and fair (the balancer's policies; a VM may lie in its REPORTs, lie=1),
 * oracle-split (vtier at the global
 * oracle's split, fixed), and the global oracle: the best fixed split
 * with oracle placement (the top pages of all VMs by accesses).
 */
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "balancer.h"
#include "sim_multi.h"

struct vm_result {
	uint64_t quota_end, accesses, hits, promoted, demoted, mig_bytes;
	uint64_t deferred, retried;	/* pages: deferred once, promoted later */
	double quota_sum, time_ns;
};

struct multi {
	const struct sim_multi_opts *o;
	int n;
	struct sim_trace tr[SIM_MAX_VMS];
	struct sim_params par[SIM_MAX_VMS];
	uint64_t total, start[SIM_MAX_VMS], oracle_k[SIM_MAX_VMS];
	double allfast_ns[SIM_MAX_VMS];
	struct vm_result res[SIM_NMODES][SIM_MAX_VMS];
	uint64_t pool_max[SIM_NMODES];	/* most fast pages held at once */
	FILE *ecsv;
};

/*
 * The VM's REPORT, from its engine, as the module fills one; a lying
 * guest's (lie_pages > 0) claims that many pages (all it has) red hot,
 * at the largest sample rate.
 */
static void fill_report(const struct sim_policy *p, struct bal_vm *b,
			uint64_t lie_pages)
{
	const struct vtier_policy *eng = sim_vtier_engine(p);
	struct vtier_policy_summary s;
	int k;

	vtier_policy_summarize(eng, &s);
	b->fresh = s.epochs > 0;
	b->rep.sample_rate = vtier_policy_sample_rate(&s);
	b->rep.epoch_ms = (uint32_t)(s.epoch_ns / 1000000);
	b->rep.wss_pages = s.pages;
	for (k = 0; k < VTIER_HIST_BUCKETS; k++)
		b->rep.hist[k] = lie_pages ? 0 : s.hist[k];
	if (lie_pages) {
		b->fresh = true;
		b->rep.sample_rate = UINT32_MAX;
		b->rep.wss_pages = lie_pages;
		b->rep.hist[VTIER_HIST_BUCKETS - 1] = lie_pages;
	}
}

static void bal_setup(const struct multi *m, struct bal_params *bp,
		      struct bal_vm *bv, enum bal_policy pol)
{
	const struct sim_multi_opts *o = m->o;
	int i;

	bp->policy = pol;
	bp->total_pages = m->total;
	bp->step_pages = o->step_pages != UINT64_MAX ? o->step_pages :
			 m->total / BALANCE_STEP_DIV;
	bp->deadband_pages = o->deadband_pages != UINT64_MAX ? o->deadband_pages :
			     m->total / BALANCE_DEADBAND_DIV;
	memset(bv, 0, sizeof(*bv) * m->n);
	for (i = 0; i < m->n; i++) {
		bv[i].min_pages = o->vm[i].min;
		bv[i].max_pages = o->vm[i].max;
		bv[i].weight = o->vm[i].weight;
		bv[i].quota_pages = o->vm[i].min;
	}
}

/* The static split: the weights, at once (no step, no dead band). */
static int static_split(struct multi *m)
{
	struct bal_vm bv[SIM_MAX_VMS];
	struct bal_params bp;
	int i;

	bal_setup(m, &bp, bv, BAL_STATIC);
	bp.step_pages = bp.deadband_pages = 0;
	if (balancer_plan(&bp, bv, m->n)) {
		fprintf(stderr, "vtier-sim: the VMs' min/max/weight do not fit %llu fast pages\n",
			(unsigned long long)m->total);
		return -1;
	}
	for (i = 0; i < m->n; i++)
		m->start[i] = bv[i].target_pages;
	return 0;
}

struct gpage {
	uint64_t acc;
	uint32_t vm;
};

static int by_acc(const void *a, const void *b)
{
	const struct gpage *x = a, *y = b;

	return x->acc < y->acc ? 1 : x->acc > y->acc ? -1 : (int)x->vm - (int)y->vm;
}

/* The global oracle's split: the most accessed pages of all VMs. */
static int oracle_split(struct multi *m)
{
	uint64_t npages = 0, i, left = m->total, take;
	struct gpage *g;
	int v;

	for (v = 0; v < m->n; v++) {
		npages += m->tr[v].npages;
		take = m->o->vm[v].min < left ? m->o->vm[v].min : left;
		m->oracle_k[v] = take;	/* minimums first */
		left -= take;
	}
	g = malloc((npages ? npages : 1) * sizeof(*g));
	if (!g)
		return -1;
	npages = 0;
	for (v = 0; v < m->n; v++) {
		uint32_t *top = sim_top_pages(&m->tr[v], m->tr[v].npages);

		if (!top) {
			free(g);
			return -1;
		}
		/* Pages beyond the min, each VM's in its own ranking. */
		for (i = m->oracle_k[v]; i < m->tr[v].npages; i++) {
			g[npages].acc = m->tr[v].count[top[i]] * m->par[v].weight;
			g[npages++].vm = (uint32_t)v;
		}
		free(top);
	}
	qsort(g, npages, sizeof(*g), by_acc);
	for (i = 0; i < npages && left; i++) {
		v = (int)g[i].vm;
		if (m->oracle_k[v] < m->o->vm[v].max) {
			m->oracle_k[v]++;
			left--;
		}
	}
	free(g);
	return 0;
}

static void collect(struct vm_result *r, const struct sim_tier *t)
{
	r->quota_end = t->cap;
	r->accesses = t->accesses;
	r->hits = t->hits;
	r->promoted = t->promoted;
	r->demoted = t->demoted;
	r->mig_bytes = t->mig_bytes;
	r->deferred = t->deferred;
	r->retried = t->retried;
	r->time_ns = t->time_ns;
}

/* All-fast and the oracle at the global oracle's split, per VM. */
static int run_references(struct multi *m)
{
	int v;

	for (v = 0; v < m->n; v++) {
		struct sim_policy p[2];
		struct vm_result *r = &m->res[SIM_ORACLE][v];

		if (sim_policy_create(&p[0], &sim_all_fast_ops, &m->tr[v], &m->par[v], 0))
			return -1;
		if (sim_policy_create(&p[1], &sim_oracle_ops, &m->tr[v], &m->par[v],
				      m->oracle_k[v])) {
			sim_policy_destroy(&p[0]);
			return -1;
		}
		if (sim_run(&m->tr[v], &m->par[v], p, 2, 0)) {
			sim_policy_destroy(&p[0]);
			sim_policy_destroy(&p[1]);
			return -1;
		}
		m->allfast_ns[v] = p[0].tier.time_ns;
		collect(r, &p[1].tier);
		r->quota_sum = (double)m->oracle_k[v];
		sim_policy_destroy(&p[0]);
		sim_policy_destroy(&p[1]);
	}
	return 0;
}

static void apply_quotas(struct sim_policy *p, const struct bal_vm *bv, int n)
{
	int i, grow;

	for (grow = 0; grow < 2; grow++)
		for (i = 0; i < n; i++)
			if (bv[i].changed &&
			    (bv[i].target_pages > p[i].tier.cap) == grow)
				sim_policy_set_quota(&p[i], bv[i].target_pages);
}

static int run_mode(struct multi *m, enum sim_mode mode)
{
	const struct sim_multi_opts *o = m->o;
	struct sim_policy p[SIM_MAX_VMS];
	struct sim_runner r[SIM_MAX_VMS];
	struct bal_vm bv[SIM_MAX_VMS];
	uint64_t over_since[SIM_MAX_VMS], k, now;
	struct sim_pool pool = { .cap = m->total };
	struct bal_params bp;
	int i, n = 0, done, err = -1;

	bal_setup(m, &bp, bv, mode == SIM_UTILITY ? BAL_UTILITY :
		  mode == SIM_FAIR ? BAL_FAIR :
		  mode == SIM_PROPORTIONAL ? BAL_PROPORTIONAL : BAL_STATIC);
	for (n = 0; n < m->n; n++) {
		uint64_t q = mode == SIM_ORACLE_SPLIT ? m->oracle_k[n] :
			     o->start_min && mode != SIM_STATIC ? o->vm[n].min :
			     m->start[n];

		if (sim_policy_create(&p[n], &sim_vtier_ops, &m->tr[n], &m->par[n], q))
			goto out;
		p[n].tier.pool = &pool;
		if (sim_runner_init(&r[n], &m->tr[n], &m->par[n], &p[n], 1, 0)) {
			sim_policy_destroy(&p[n]);
			goto out;
		}
		over_since[n] = UINT64_MAX;
	}
	for (k = 1, done = 0; !done; k++) {
		now = k * o->period_ns;
		done = 1;
		for (i = 0; i < n; i++) {
			sim_runner_until(&r[i], now);
			done &= r[i].i == m->tr[i].n;
		}
		for (i = 0; i < n; i++) {
			struct sim_tier *t = &p[i].tier;

			m->res[mode][i].quota_sum += (double)t->cap;
			if (m->ecsv)
				fprintf(m->ecsv, "%s,%s,%llu,%llu,%s,%llu,%llu\n",
					o->label, sim_mode_name(mode), (unsigned long long)k,
					(unsigned long long)now, o->vm[i].label,
					(unsigned long long)t->cap,
					(unsigned long long)t->nfast);
			/* The deadline of a shrink: the host takes pages back. */
			if (t->nfast <= t->cap)
				over_since[i] = UINT64_MAX;
			else if (over_since[i] == UINT64_MAX)
				over_since[i] = now;
			else if (now - over_since[i] >= o->deadline_ns)
				sim_tier_reclaim(t, t->nfast - t->cap);
		}
		if (mode == SIM_STATIC || mode == SIM_ORACLE_SPLIT || done)
			continue;
		for (i = 0; i < n; i++) {
			bv[i].quota_pages = p[i].tier.cap;
			fill_report(&p[i], &bv[i],
				    o->vm[i].lie ? m->tr[i].npages : 0);
		}
		if (!balancer_plan(&bp, bv, n))
			apply_quotas(p, bv, n);
	}
	m->pool_max[mode] = pool.max_used;
	for (i = 0; i < n; i++) {
		double q = m->res[mode][i].quota_sum;

		sim_runner_finish(&r[i]);
		collect(&m->res[mode][i], &p[i].tier);
		m->res[mode][i].quota_sum = q / (double)(k - 1);
	}
	err = 0;
out:
	while (n-- > 0) {
		sim_abit_free(&r[n].abit);	/* finished runners hold none */
		sim_policy_destroy(&p[n]);
	}
	return err;
}

static void sum_mode(const struct multi *m, int mode, struct vm_result *all,
		     double *allfast)
{
	int i;

	memset(all, 0, sizeof(*all));
	*allfast = 0;
	for (i = 0; i < m->n; i++) {
		const struct vm_result *r = &m->res[mode][i];

		all->quota_end += r->quota_end;
		all->quota_sum += r->quota_sum;
		all->accesses += r->accesses;
		all->hits += r->hits;
		all->promoted += r->promoted;
		all->demoted += r->demoted;
		all->mig_bytes += r->mig_bytes;
		all->deferred += r->deferred;
		all->retried += r->retried;
		all->time_ns += r->time_ns;
		*allfast += m->allfast_ns[i];
	}
}

static void print_row(const struct multi *m, FILE *csv, int mode, const char *vm,
		      const struct vm_result *r, double allfast)
{
	double hr = r->accesses ? (double)r->hits / r->accesses : 0;
	double sd = allfast > 0 ? r->time_ns / allfast : 0;

	printf("%-13s %-16s %10llu %12.0f %14llu %14llu %6.2f%% %12.3f %8.3f %9llu %9llu %9llu %9llu\n",
	       sim_mode_name(mode), vm, (unsigned long long)r->quota_end, r->quota_sum,
	       (unsigned long long)r->accesses, (unsigned long long)r->hits,
	       100 * hr, r->time_ns / 1e6, sd, (unsigned long long)r->promoted,
	       (unsigned long long)r->demoted, (unsigned long long)r->deferred,
	       (unsigned long long)r->retried);
	if (csv)
		fprintf(csv, "%s,%s,%s,%llu,%llu,%.1f,%llu,%llu,%.6f,%.0f,%.0f,%.6f,%llu,%llu,%.3f,%llu,%llu\n",
			m->o->label, sim_mode_name(mode), vm,
			(unsigned long long)m->total, (unsigned long long)r->quota_end,
			r->quota_sum, (unsigned long long)r->accesses,
			(unsigned long long)r->hits, hr, r->time_ns, allfast, sd,
			(unsigned long long)r->promoted, (unsigned long long)r->demoted,
			r->mig_bytes / 1048576.0, (unsigned long long)r->deferred,
			(unsigned long long)r->retried);
}

static void print_goals(const struct multi *m)
{
	struct vm_result u, s, g;
	double af, worst = 0;
	unsigned int need = 1u << SIM_UTILITY | 1u << SIM_STATIC | 1u << SIM_ORACLE;
	int i, w = 0;

	if ((m->o->modes & need) != need)
		return;
	sum_mode(m, SIM_UTILITY, &u, &af);
	sum_mode(m, SIM_STATIC, &s, &af);
	sum_mode(m, SIM_ORACLE, &g, &af);
	for (i = 0; i < m->n; i++) {
		double su = m->res[SIM_UTILITY][i].time_ns / m->allfast_ns[i];
		double ss = m->res[SIM_STATIC][i].time_ns / m->allfast_ns[i];

		if (su / ss > worst) {
			worst = su / ss;
			w = i;
		}
	}
	printf("goal: utility hits / global oracle hits = %.3f (>= 0.95): %s\n",
	       g.hits ? (double)u.hits / g.hits : 0,
	       u.hits >= 0.95 * g.hits ? "met" : "MISSED");
	printf("goal: utility hits / static hits = %.3f (>= 1.20 on skewed mixes): %s\n",
	       s.hits ? (double)u.hits / s.hits : 0,
	       u.hits >= 1.2 * s.hits ? "met" : "MISSED");
	printf("goal: worst VM slowdown, utility / static = %.3f (%s; <= 1.10): %s\n",
	       worst, m->o->vm[w].label, worst <= 1.10 ? "met" : "MISSED");
	if (m->o->modes & 1u << SIM_ORACLE_SPLIT) {
		sum_mode(m, SIM_ORACLE_SPLIT, &g, &af);
		printf("note: utility hits / vtier at the oracle's split = %.3f\n",
		       g.hits ? (double)u.hits / g.hits : 0);
	}
}

int sim_multi_main(const struct sim_multi_opts *o)
{
	static const char head[] = "label,mode,vm,fast_total,quota_end,quota_mean,"
		"accesses,fast_hits,hit_ratio,time_ns,all_fast_ns,slowdown,"
		"pages_promoted,pages_demoted,mb_migrated,deferred,retried";
	struct multi *m = calloc(1, sizeof(*m));
	uint64_t fp = 0;
	FILE *csv = NULL;
	int i, mode, err = 1;

	if (!m)
		return 1;
	m->o = o;
	for (m->n = 0; m->n < o->nvm; m->n++) {
		i = m->n;
		sim_trace_init(&m->tr[i]);
		m->par[i] = *o->par;
		m->par[i].seed = o->par->seed + (uint64_t)i;
		if (o->vm[i].scale)
			m->par[i].weight = o->vm[i].scale;
		if (sim_trace_load(&m->tr[i], o->vm[i].trace, !o->quiet)) {
			sim_trace_free(&m->tr[i]);
			goto out;
		}
		if (!m->tr[i].n) {
			fprintf(stderr, "vtier-sim: %s: no records\n", o->vm[i].trace);
			m->n++;
			goto out;
		}
		fp += m->tr[i].npages;
	}
	m->total = o->ratio ? (fp + o->ratio) / (1 + o->ratio) : o->fast_pages;
	if (static_split(m) || oracle_split(m) || run_references(m))
		goto out;
	if (o->csv && !(csv = sim_open_csv(o->csv, head)))
		goto out;
	if (o->epoch_csv && !(m->ecsv = sim_open_csv(o->epoch_csv,
			"label,mode,period,t_ns,vm,quota_pages,fast_pages")))
		goto out;
	for (mode = 0; mode < SIM_ORACLE; mode++) {
		if (!(o->modes & 1u << mode))
			continue;
		if (!o->quiet)
			fprintf(stderr, "vtier-sim: %s: mode %s\n", o->label, sim_mode_name(mode));
		if (run_mode(m, mode))
			goto out;
	}
	printf("vtier-sim: %s: %d VMs, %llu pages in all, fast memory %llu pages, period %.0f ms\n",
	       o->label, m->n, (unsigned long long)fp, (unsigned long long)m->total,
	       o->period_ns / 1e6);
	printf("%-13s %-16s %10s %12s %14s %14s %7s %12s %8s %9s %9s %9s %9s\n", "mode",
	       "vm", "quota_end", "quota_mean", "accesses", "fast_hits", "hit%",
	       "time_ms", "slowdown", "promoted", "demoted", "deferred", "retried");
	for (mode = 0; mode < SIM_NMODES; mode++) {
		struct vm_result all;
		double af;

		if (!(o->modes & 1u << mode))
			continue;
		for (i = 0; i < m->n; i++)
			print_row(m, csv, mode, o->vm[i].label, &m->res[mode][i],
				  m->allfast_ns[i]);
		sum_mode(m, mode, &all, &af);
		print_row(m, csv, mode, "all", &all, af);
	}
	printf("most fast pages held at once (total %llu):", (unsigned long long)m->total);
	for (mode = 0; mode < SIM_ORACLE; mode++)
		if (o->modes & 1u << mode)
			printf(" %s %llu", sim_mode_name(mode),
			       (unsigned long long)m->pool_max[mode]);
	printf("\n");
	print_goals(m);
	err = 0;
out:
	if (csv && fclose(csv))
		err = 1;
	if (m->ecsv && fclose(m->ecsv))
		err = 1;
	for (i = 0; i < m->n; i++)
		sim_trace_free(&m->tr[i]);
	free(m);
	return err;
}
