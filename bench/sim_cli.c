// SPDX-License-Identifier: GPL-2.0
/* vtier-sim's command line: usage, option parsing and checks. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deferred.h"
#include "numarg.h"
#include "sim_cli.h"

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
"  --abit-entry-ns NS  abit: cost of one page-table entry checked (default 31)\n"
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
"  --loop-to-s S       as often as it takes for the steady phase, copies\n"
"                      included, to last at least S seconds\n"
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

static int parse_policies(struct sim_cli *o, const char *s)
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

int sim_parse_opts(int argc, char **argv, struct sim_cli *o)
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
