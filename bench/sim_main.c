// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-sim: command line, the table and the CSV files.  docs/simulator.md
 * describes the model, the policies and the outputs.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deferred.h"
#include "numarg.h"
#include "sim_multi.h"

#define MAX_POL	16

struct opts {
	struct sim_params par;
	const char *trace, *label, *csv, *epoch_csv;
	const struct sim_policy_ops *pol[MAX_POL];
	int npol, quiet;
	uint64_t ratio;		/* R of 1:R; 0 when --fast-pages */
	uint64_t loop_from_ns, loops, loop_to_s;	/* --loop-from, --loop, --loop-to-s */
	struct sim_multi_opts multi;	/* with --vm */
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vtier-sim [options] TRACE       (trace v1, plain or gzip; - is stdin)\n"
"  --policy LIST       comma-separated: vtier,hemem,memtis,tpp,first-touch,all-fast,\n"
"                      oracle, or all (default all)\n"
"  --fast-pages F      fast tier of F 4 KiB pages, or\n"
"  --ratio 1:R         fast:slow = 1:R of the footprint, F = ceil(pages/(1+R)) (default 1:4)\n"
"  --label NAME        workload label for the table and CSV (default: TRACE)\n"
"  --weight W          each record stands for W accesses (default 1)\n"
"  --sampler pebs|abit what the migrating policies learn accesses from: 1 in N\n"
"                      records (pebs, default) or accessed-bit scan rounds (abit)\n"
"  --sample N          pebs: 1 in N records reach the policies, at random (default 1)\n"
"  --pebs-sample-ns NS pebs: guest CPU per sample, charged (default 250)\n"
"  --abit-interval-ms N --abit-budget-permille N --abit-hot-ranges N\n"
"                      abit: the module's abit_interval_ms, cpu_budget_permille,\n"
"                      abit_hot_ranges (default 200, 10, 4096)\n"
"  --abit-entry-ns NS  abit: cost of one page-table entry checked (default 430)\n"
"  --seed N            sampling seed (default 1)\n"
"  --epoch-ms N        accounting epoch (default 100)\n"
"  --initial first-touch|slow  where the migrating policies' pages start: fast\n"
"                      on first access while there is room, or all slow\n"
"                      (vtierd's --initial; default first-touch)\n"
"  --lat-fast NS --lat-slow NS      load latency (default 80, 170)\n"
"  --bw-fast GBS --bw-slow GBS      bandwidth, GB/s, 0: unlimited (default 100, 32)\n"
"  --mig-4k NS --mig-2m NS          migration cost per page (default 1200, 190000)\n"
"  --vtier-batch-ms N  hints applied every N ms, 0: after each sample (default 10)\n"
"  --vtier-epoch-ms --vtier-cooling --vtier-hysteresis --vtier-rate-limit\n"
"  --vtier-huge --vtier-min-heat --vtier-max-epoch-ms --vtier-target-heat\n"
"                      engine parameters (docs/identification.md)\n"
"  --vtier-demote lazy|eager  a demote hint leaves the page fast until a promotion\n"
"                      needs the room (vtierd's --demote lazy, default) or moves it\n"
"  --vtier-deferred-max N  promotions deferred for lack of room that are\n"
"                      remembered and retried, vtierd's --deferred-max (default %d)\n"
"  --hemem-period-ms N (default 10)  --memtis-period-ms N (default 500)\n"
"  --memtis-cool N     samples between halvings, 0: one second's worth (default 0)\n"
"  --tpp-window-ms N (default 1000)  --tpp-wmark PCT (default 2)\n"
"  --tpp-scan-ms N     tpp's hint faults from a page-table scan of this period\n"
"                      instead of the sampled records (default 0: samples)\n"
"  --loop-from-ns NS   the steady phase starts NS after the first record (default 0)\n"
"  --loop N            repeat the steady phase N more times (default 0), or\n"
"  --loop-to-s S       as often as it takes to last at least S seconds\n"
"  --warmup-pct P      steady-state figures count after P%% of the run (default 20)\n"
"  --csv FILE          append one row per policy (header if FILE is new or empty)\n"
"  --epoch-csv FILE    append one row per policy and epoch\n"
"  --quiet             no progress on stderr\n"
"multi-VM mixes (docs/simulator.md): no TRACE, instead\n"
"  --vm TRACE[,label=L][,weight=N][,min=PAGES][,max=PAGES][,scale=W]   (repeatable)\n"
"  --balance LIST      static,proportional,utility,oracle or all (default all)\n"
"  --balance-period-ms N (default 1000)  --quota-deadline-ms N (default 5000)\n"
"  --balance-step PAGES --balance-deadband PAGES  (default total/8, total/64)\n"
"  --start min|static  quotas start at each VM's min, or the static split (default)\n"
"  the fast memory of all VMs: --fast-pages F or --ratio 1:R of the summed footprints\n",
		DEFERRED_DEFAULT_MAX);
}

static int parse_ms(const char *s, uint64_t *ns)
{
	uint64_t ms;

	if (parse_u64(s, &ms) || ms > UINT64_MAX / 1000000)
		return -1;
	*ns = ms * 1000000;
	return 0;
}

static int parse_dbl(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !(*v >= 0) || isinf(*v) ? -1 : 0;
}

static int parse_policies(struct opts *o, const char *s)
{
	char buf[256], *tok, *save = NULL;
	int i;

	o->npol = 0;
	if (!strcmp(s, "all")) {
		for (i = 0; sim_policies[i]; i++)
			o->pol[o->npol++] = sim_policies[i];
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct sim_policy_ops *p = sim_policy_find(tok);

		if (!p || o->npol == MAX_POL - 1) {
			fprintf(stderr, "vtier-sim: unknown policy '%s'\n", tok);
			return -1;
		}
		o->pol[o->npol++] = p;
	}
	return o->npol ? 0 : -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_POL = 256, O_FAST, O_RATIO, O_LABEL, O_WEIGHT, O_SAMPLE,
	       O_SEED, O_EPOCH, O_LATF, O_LATS, O_BWF, O_BWS, O_M4, O_M2,
	       O_VB, O_VE, O_VC, O_VH, O_VR, O_VG, O_VM, O_HP, O_MP, O_MC,
	       O_TW, O_TM, O_CSV, O_ECSV, O_QUIET, O_VMSPEC, O_BAL, O_BP, O_BD,
	       O_BS, O_BDB, O_START, O_TS, O_VD, O_INIT, O_LAZY, O_SAMPLER, O_PEBSNS, O_AI, O_AB, O_AE, O_AH, O_LF, O_LN, O_LT, O_WU, O_VX, O_VT };
	static const struct option lo[] = {
		{ "policy", 1, 0, O_POL }, { "fast-pages", 1, 0, O_FAST },
		{ "ratio", 1, 0, O_RATIO }, { "label", 1, 0, O_LABEL },
		{ "weight", 1, 0, O_WEIGHT }, { "sample", 1, 0, O_SAMPLE },
		{ "seed", 1, 0, O_SEED }, { "epoch-ms", 1, 0, O_EPOCH },
		{ "lat-fast", 1, 0, O_LATF }, { "lat-slow", 1, 0, O_LATS },
		{ "bw-fast", 1, 0, O_BWF }, { "bw-slow", 1, 0, O_BWS },
		{ "mig-4k", 1, 0, O_M4 }, { "mig-2m", 1, 0, O_M2 },
		{ "vtier-batch-ms", 1, 0, O_VB }, { "vtier-epoch-ms", 1, 0, O_VE },
		{ "vtier-cooling", 1, 0, O_VC }, { "vtier-hysteresis", 1, 0, O_VH },
		{ "vtier-rate-limit", 1, 0, O_VR }, { "vtier-huge", 1, 0, O_VG },
		{ "vtier-min-heat", 1, 0, O_VM }, { "hemem-period-ms", 1, 0, O_HP },
		{ "memtis-period-ms", 1, 0, O_MP }, { "memtis-cool", 1, 0, O_MC },
		{ "tpp-window-ms", 1, 0, O_TW }, { "tpp-wmark", 1, 0, O_TM },
		{ "csv", 1, 0, O_CSV }, { "epoch-csv", 1, 0, O_ECSV },
		{ "quiet", 0, 0, O_QUIET }, { "vm", 1, 0, O_VMSPEC },
		{ "balance", 1, 0, O_BAL }, { "balance-period-ms", 1, 0, O_BP },
		{ "quota-deadline-ms", 1, 0, O_BD }, { "balance-step", 1, 0, O_BS },
		{ "balance-deadband", 1, 0, O_BDB }, { "start", 1, 0, O_START },
		{ "tpp-scan-ms", 1, 0, O_TS }, { "vtier-deferred-max", 1, 0, O_VD },
		{ "initial", 1, 0, O_INIT }, { "vtier-demote", 1, 0, O_LAZY },
		{ "sampler", 1, 0, O_SAMPLER }, { "pebs-sample-ns", 1, 0, O_PEBSNS },
		{ "abit-interval-ms", 1, 0, O_AI }, { "abit-budget-permille", 1, 0, O_AB },
		{ "abit-entry-ns", 1, 0, O_AE }, { "abit-hot-ranges", 1, 0, O_AH },
		{ "loop-from-ns", 1, 0, O_LF }, { "loop", 1, 0, O_LN },
		{ "loop-to-s", 1, 0, O_LT }, { "warmup-pct", 1, 0, O_WU },
		{ "vtier-max-epoch-ms", 1, 0, O_VX }, { "vtier-target-heat", 1, 0, O_VT },
		{ "help", 0, 0, 'h' }, { 0 }
	};
	struct sim_params *par = &o->par;
	struct sim_multi_opts *mo = &o->multi;
	const char *why;
	int c, bad = 0, have_fast = 0;

	sim_default_params(par);
	o->ratio = 4;
	mo->modes = (1u << SIM_NMODES) - 1;
	mo->period_ns = BALANCE_PERIOD_NS;
	mo->deadline_ns = BALANCE_DEADLINE_NS;
	mo->step_pages = mo->deadband_pages = UINT64_MAX;
	parse_policies(o, "all");
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_POL: bad = parse_policies(o, optarg); break;
		case O_FAST: bad = parse_u64(optarg, &par->fast_pages); have_fast = 1; break;
		case O_RATIO:
			bad = strncmp(optarg, "1:", 2) || parse_u64(optarg + 2, &o->ratio);
			break;
		case O_LABEL: o->label = optarg; break;
		case O_WEIGHT: bad = parse_u64(optarg, &par->weight) || !par->weight; break;
		case O_SAMPLE: bad = parse_u64(optarg, &par->sample_n) || !par->sample_n; break;
		case O_SEED: bad = parse_u64(optarg, &par->seed); break;
		case O_EPOCH: bad = parse_ms(optarg, &par->epoch_ns) || !par->epoch_ns; break;
		case O_LATF: bad = parse_dbl(optarg, &par->lat_ns[SIM_FAST]); break;
		case O_LATS: bad = parse_dbl(optarg, &par->lat_ns[SIM_SLOW]); break;
		case O_BWF: bad = parse_dbl(optarg, &par->bw_gbs[SIM_FAST]); break;
		case O_BWS: bad = parse_dbl(optarg, &par->bw_gbs[SIM_SLOW]); break;
		case O_M4: bad = parse_dbl(optarg, &par->mig_4k_ns); break;
		case O_M2: bad = parse_dbl(optarg, &par->mig_2m_ns); break;
		case O_VB: bad = parse_ms(optarg, &par->vtier_batch_ns); break;
		case O_VE: bad = parse_u32(optarg, &par->vtier.epoch_ms); break;
		case O_VC: bad = parse_u32(optarg, &par->vtier.cooling_pct); break;
		case O_VH: bad = parse_u32(optarg, &par->vtier.hysteresis_pct); break;
		case O_VR: bad = parse_u32(optarg, &par->vtier.rate_limit_pps); break;
		case O_VG: bad = parse_u32(optarg, &par->vtier.huge_pct); break;
		case O_VM: bad = parse_u32(optarg, &par->vtier.min_heat); break;
		case O_VX: bad = parse_u32(optarg, &par->vtier.max_epoch_ms); break;
		case O_VT: bad = parse_u32(optarg, &par->vtier.target_heat); break;
		case O_VD:
			bad = parse_u32(optarg, &par->vtier_deferred_max) ||
			      !par->vtier_deferred_max;
			break;
		case O_HP: bad = parse_ms(optarg, &par->hemem_period_ns) || !par->hemem_period_ns; break;
		case O_MP: bad = parse_ms(optarg, &par->memtis_period_ns) || !par->memtis_period_ns; break;
		case O_MC: bad = parse_u64(optarg, &par->memtis_cool); break;
		case O_TW: bad = parse_ms(optarg, &par->tpp_window_ns); break;
		case O_TS: bad = parse_ms(optarg, &par->tpp_scan_ns); break;
		case O_TM: bad = parse_u32(optarg, &par->tpp_wmark_pct) || par->tpp_wmark_pct >= 100; break;
		case O_CSV: o->csv = optarg; break;
		case O_ECSV: o->epoch_csv = optarg; break;
		case O_QUIET: o->quiet = 1; break;
		case O_VMSPEC:
			bad = mo->nvm == SIM_MAX_VMS ||
			      sim_vm_parse(optarg, &mo->vm[mo->nvm]);
			mo->nvm += !bad;
			break;
		case O_BAL: bad = sim_modes_parse(optarg, &mo->modes); break;
		case O_BP: bad = parse_ms(optarg, &mo->period_ns) || !mo->period_ns; break;
		case O_BD: bad = parse_ms(optarg, &mo->deadline_ns); break;
		case O_BS: bad = parse_u64(optarg, &mo->step_pages); break;
		case O_BDB: bad = parse_u64(optarg, &mo->deadband_pages); break;
		case O_LF: bad = parse_u64(optarg, &o->loop_from_ns); break;
		case O_LN: bad = parse_u64(optarg, &o->loops) || o->loops > 1000; break;
		case O_LT: bad = parse_u64(optarg, &o->loop_to_s) || o->loop_to_s > 100000; break;
		case O_WU: bad = parse_u32(optarg, &par->warmup_pct) || par->warmup_pct > 99; break;
		case O_SAMPLER:
			bad = strcmp(optarg, "pebs") && strcmp(optarg, "abit");
			par->sampler = strcmp(optarg, "abit") ? SIM_SAMPLER_PEBS :
				       SIM_SAMPLER_ABIT;
			break;
		case O_PEBSNS: bad = parse_dbl(optarg, &par->pebs_sample_ns); break;
		case O_AI:
			bad = parse_ms(optarg, &par->abit_interval_ns) ||
			      !par->abit_interval_ns;
			break;
		case O_AB:
			bad = parse_u32(optarg, &par->abit_budget_permille) ||
			      !par->abit_budget_permille ||
			      par->abit_budget_permille > 1000;
			break;
		case O_AE:
			bad = parse_dbl(optarg, &par->abit_entry_ns) ||
			      !(par->abit_entry_ns > 0);
			break;
		case O_AH:
			bad = parse_u32(optarg, &par->abit_hot_ranges) ||
			      !par->abit_hot_ranges;
			break;
		case O_LAZY:
			bad = strcmp(optarg, "lazy") && strcmp(optarg, "eager");
			par->vtier_lazy_demote = !strcmp(optarg, "lazy");
			break;
		case O_INIT:
			bad = strcmp(optarg, "first-touch") && strcmp(optarg, "slow");
			par->initial_slow = !strcmp(optarg, "slow");
			break;
		case O_START:
			bad = strcmp(optarg, "min") && strcmp(optarg, "static");
			mo->start_min = !strcmp(optarg, "min");
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "vtier-sim: bad value for option: %s\n",
				optarg ? optarg : "");
			return -1;
		}
	}
	if (optind != argc - !mo->nvm) {
		usage(stderr);
		return -1;
	}
	if (have_fast)
		o->ratio = 0;
	o->trace = mo->nvm ? "mix" : argv[optind];
	if (!o->label)
		o->label = o->trace;
	why = vtier_policy_check_params(&par->vtier);
	if (why) {
		fprintf(stderr, "vtier-sim: vtier engine: %s\n", why);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *sampler_desc(const struct opts *o)
{
	static char buf[64];

	if (o->par.sampler == SIM_SAMPLER_ABIT)
		return "sampler abit";
	snprintf(buf, sizeof(buf), "sampler pebs 1/%llu",
		 (unsigned long long)o->par.sample_n);
	return buf;
}

static void report(const struct opts *o, const struct sim_trace *tr,
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
	struct opts o = { 0 };
	struct sim_trace tr;
	struct sim_policy pols[MAX_POL];
	char ratio[32], prefix[MAX_POL][512];
	FILE *csv = NULL, *ecsv = NULL;
	int i, n = 0, err = 1, show;
	double w0;

	if (parse_opts(argc, argv, &o))
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
