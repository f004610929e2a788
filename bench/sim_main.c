// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-sim: the run, the table and the CSV files (the command line is
 * sim_cli.c).  docs/simulator.md describes the model, the policies and
 * the outputs.
 */
#include <stdlib.h>
#include <time.h>

#include "sim_cli.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *sampler_desc(const struct sim_cli *o)
{
	static char buf[64];

	if (o->par.sampler == SIM_SAMPLER_ABIT)
		return "sampler abit";
	snprintf(buf, sizeof(buf), "sampler pebs 1/%llu",
		 (unsigned long long)o->par.sample_n);
	return buf;
}

static void report(const struct sim_cli *o, const struct sim_trace *tr,
		   struct sim_policy *pols, int n, const struct sim_policy *af,
		   FILE *csv, const char *ratio)
{
	double span_s = sim_trace_span_ns(tr) / 1e9;
	uint64_t orc = sim_oracle_hits(tr, o->par.fast_pages, o->par.weight);
	int i;

	printf("%-12s %14s %7s %14s %8s %10s %10s %10s %10s %9s %9s %9s %9s %9s %8s %8s\n", "policy",
	       "fast_hits", "hit%", "time_ms", "x_fast", "promoted", "demoted",
	       "MB_moved", "migr/s", "x_oracle", "deferred", "retried",
	       "evicted", "track_ms", "st_hit%", "st_x_fast");
	for (i = 0; i < n; i++) {
		const struct sim_tier *t = &pols[i].tier;
		double hr = t->accesses ? (double)t->hits / t->accesses : 0;
		double rel = af->tier.time_ns > 0 ? t->time_ns / af->tier.time_ns : 0;
		double mb = t->mig_bytes / 1048576.0;
		double mps = span_s > 0 ? (t->promoted + t->demoted) / span_s : 0;
		double vo = orc ? (double)t->hits / orc : 0;
		double shr = t->steady_accesses ?
			     (double)t->steady_hits / t->steady_accesses : 0;
		double srel = af->tier.steady_time_ns > 0 ?
			      t->steady_time_ns / af->tier.steady_time_ns : 0;

		printf("%-12s %14llu %6.2f%% %14.3f %8.3f %10llu %10llu %10.1f %10.1f %9.3f %9llu %9llu %9llu %9.3f %7.2f%% %8.3f\n",
		       pols[i].ops->name, (unsigned long long)t->hits, 100 * hr,
		       t->time_ns / 1e6, rel, (unsigned long long)t->promoted,
		       (unsigned long long)t->demoted, mb, mps, vo,
		       (unsigned long long)t->deferred,
		       (unsigned long long)t->retried,
		       (unsigned long long)t->evicted, t->track_ns / 1e6,
		       100 * shr, srel);
		if (csv)
			fprintf(csv, "%s,%s,%s,%llu,%llu,%llu,%llu,%.6f,%.0f,%.6f,%llu,%llu,%.3f,%.3f,%.6f,%llu,%llu,%s,%s,%llu,%llu,%.0f,%.6f,%.0f,%.6f\n",
				o->label, pols[i].ops->name, ratio,
				(unsigned long long)o->par.fast_pages,
				(unsigned long long)tr->npages,
				(unsigned long long)t->accesses,
				(unsigned long long)t->hits, hr, t->time_ns, rel,
				(unsigned long long)t->promoted,
				(unsigned long long)t->demoted, mb, mps, vo,
				(unsigned long long)t->deferred,
				(unsigned long long)t->retried,
				o->par.sampler == SIM_SAMPLER_ABIT ? "abit" : "pebs",
				o->par.initial_slow ? "slow" : "first-touch",
				(unsigned long long)o->loops,
				(unsigned long long)t->evicted, t->track_ns,
				shr, t->steady_time_ns, srel);
	}
}

int main(int argc, char **argv)
{
	static const char csv_head[] = "label,policy,ratio,fast_pages,footprint,"
		"accesses,fast_hits,hit_ratio,time_ns,time_vs_all_fast,"
		"pages_promoted,pages_demoted,mb_migrated,migrations_per_s,"
		"hits_vs_oracle,deferred,retried,sampler,initial,loops,evicted,"
		"track_ns,steady_hit_ratio,steady_time_ns,steady_time_vs_all_fast";
	static const char ecsv_head[] = "label,ratio,policy,epoch,t_ns,accesses,"
		"fast_hits,promotions,demotions,mb_migrated,time_ns";
	struct sim_cli o = { 0 };
	struct sim_trace tr;
	struct sim_policy pols[MAX_POL];
	char ratio[32], prefix[MAX_POL][512];
	FILE *csv = NULL, *ecsv = NULL;
	int i, n = 0, err = 1, show;
	double w0;

	if (sim_parse_opts(argc, argv, &o))
		return 2;
	if (o.multi.nvm) {
		o.multi.par = &o.par;
		o.multi.ratio = o.ratio;
		o.multi.fast_pages = o.par.fast_pages;
		o.multi.label = o.label;
		o.multi.csv = o.csv;
		o.multi.epoch_csv = o.epoch_csv;
		o.multi.quiet = o.quiet;
		return sim_multi_main(&o.multi);
	}
	sim_trace_init(&tr);
	w0 = now_s();
	if (sim_trace_load(&tr, o.trace, !o.quiet))
		goto out;
	if (!tr.n) {
		fprintf(stderr, "vtier-sim: %s: no records\n", o.trace);
		goto out;
	}
	if (o.loop_to_s || o.loops) {
		uint64_t first = 0, seg;

		while (first < tr.n && tr.ts[first] - tr.ts[0] < o.loop_from_ns)
			first++;
		seg = first < tr.n ? tr.ts[tr.n - 1] - tr.ts[first] + 1 : 0;
		if (o.loop_to_s && seg)
			o.loops = (o.loop_to_s * 1000000000ull + seg - 1) / seg - 1;
		if (sim_trace_loop(&tr, o.loop_from_ns, o.loops)) {
			fprintf(stderr, "vtier-sim: %s: cannot loop from %llu ns: %s\n",
				o.trace, (unsigned long long)o.loop_from_ns,
				seg ? "out of memory" : "no record from there on");
			goto out;
		}
	}
	if (o.ratio) {
		o.par.fast_pages = (tr.npages + o.ratio) / (1 + o.ratio);
		snprintf(ratio, sizeof(ratio), "1:%llu", (unsigned long long)o.ratio);
	} else {
		snprintf(ratio, sizeof(ratio), "-");
	}
	if (!o.quiet)
		fprintf(stderr, "vtier-sim: loaded %llu records, %llu pages in %.1f s\n",
			(unsigned long long)tr.n, (unsigned long long)tr.npages,
			now_s() - w0);
	/* all-fast is always run: every time is relative to it. */
	show = o.npol;
	for (i = 0; i < o.npol && o.pol[i] != &sim_all_fast_ops; i++)
		;
	if (i == o.npol)
		o.pol[o.npol++] = &sim_all_fast_ops;
	if (o.csv && !(csv = sim_open_csv(o.csv, csv_head)))
		goto out;
	if (o.epoch_csv && !(ecsv = sim_open_csv(o.epoch_csv, ecsv_head)))
		goto out;
	for (n = 0; n < o.npol; n++) {
		if (sim_policy_create(&pols[n], o.pol[n], &tr, &o.par,
				      o.par.fast_pages)) {
			fprintf(stderr, "vtier-sim: cannot set up policy %s\n",
				o.pol[n]->name);
			goto out;
		}
		snprintf(prefix[n], sizeof(prefix[n]), "%s,%s,%s", o.label, ratio,
			 o.pol[n]->name);
		pols[n].tier.name = prefix[n];
		if (n < show)
			pols[n].tier.epoch_csv = ecsv;
	}
	w0 = now_s();
	if (sim_run(&tr, &o.par, pols, n, !o.quiet)) {
		fprintf(stderr, "vtier-sim: out of memory for the sampler\n");
		goto out;
	}
	w0 = now_s() - w0;
	printf("vtier-sim: %s: %llu records (x%llu accesses), %llu pages, %.3f s of trace "
	       "(steady phase looped %llu times); fast tier %llu pages (%s); %s; "
	       "start %s; steady state after %u%%\n", o.label,
	       (unsigned long long)tr.n, (unsigned long long)o.par.weight,
	       (unsigned long long)tr.npages, sim_trace_span_ns(&tr) / 1e9,
	       (unsigned long long)o.loops,
	       (unsigned long long)o.par.fast_pages, ratio, sampler_desc(&o),
	       o.par.initial_slow ? "slow" : "first-touch", o.par.warmup_pct);
	for (i = 0; pols[i].ops != &sim_all_fast_ops; i++)
		;
	report(&o, &tr, pols, show, &pols[i], csv, ratio);
	if (!o.quiet)
		fprintf(stderr, "vtier-sim: %d policies over %llu records in %.2f s (%.2f M records/s)\n",
			n, (unsigned long long)tr.n, w0, w0 > 0 ? tr.n / w0 / 1e6 : 0);
	err = 0;
out:
	while (n-- > 0)
		sim_policy_destroy(&pols[n]);
	if (csv && fclose(csv))
		err = 1;
	if (ecsv && fclose(ecsv))
		err = 1;
	sim_trace_free(&tr);
	return err;
}
