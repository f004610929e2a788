// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-replay: run a trace (v1, plain or gzip) through the identification
 * engine, the very code vtier.ko runs, and show what it decides: the hint
 * stream, the hot set per time window and, given the truth (a full trace
 * or a ground-truth file), precision, recall, F1 and access coverage
 * against the true top-K pages (K = quota), in the window and in the next
 * one; with --ewma the same for the EWMA reference predictor (ewma.h) on
 * the same samples.  docs/trace-format.md has the formats; `vtier-replay
 * --help` the options.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ewma.h"
#include "numarg.h"
#include "score.h"
#include "vtier_policy.h"
#include "vtier_trace.h"

struct opts {
	const char *trace, *truth, *hints, *hot_prefix;
	uint64_t quota, sample_n, window_ns, seed;
	int full, quiet, ewma;
	struct vtier_policy_params par;
	uint64_t ram_start[VTIER_MAX_RANGES], ram_pages[VTIER_MAX_RANGES];
	int nram;
};

/* A window's results, printed once the next window's truth has scored it. */
struct window_line {
	uint64_t index, end_ns, samples, threshold, promotions, demotions;
	size_t k, hot, ewma_hot;
	uint64_t *hot_set, *ewma_set;	/* held at the window's end */
	int scored;
	struct score sc, ewma_sc;
};

struct run {
	struct opts *o;
	struct vtier_policy *p;
	FILE *hints;
	struct cmap truth;	/* this window's truth, if any */
	gzFile truth_f;
	uint64_t truth_next;	/* window whose header was read last */
	int truth_eof;
	uint64_t t0, window, window_samples, prom0, dem0;
	uint64_t records, samples, bad_lines, rng;
	double sum_f1, sum_cov, sum_next;
	double ewma_sum_f1, ewma_sum_cov, ewma_sum_next;
	uint64_t scored, next_scored;
	struct ewma ewma;
	struct window_line pend;	/* the window before r->window */
	int have_pend;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vtier-replay [options] TRACE     (TRACE: trace v1, plain or gzip; - is stdin)\n"
"  -q, --quota PAGES       fast-memory quota in 4 KiB pages (K of top-K); 0: unknown\n"
"  -s, --sample N          keep 1 in N accesses (random, --seed); 1: input is already sampled\n"
"  -w, --window NS         window length in ns (default 1000000000)\n"
"      --full              TRACE is the full trace: score against its true counts\n"
"  -t, --truth FILE        ground truth: '<gpfn_hex> <count>' lines, 'window N' headers\n"
"      --hints FILE        write the hint stream to FILE (- for stdout)\n"
"      --hot-prefix P      write each window's hot set to P.<window index>\n"
"      --ram PFN:PAGES     a RAM range (repeatable; default 0:0x400000, 16 GiB)\n"
"      --epoch-ms N --cooling PCT --hysteresis PCT --rate-limit PAGES_PER_S\n"
"      --huge PCT --min-heat N --default-quota PCT   engine parameters\n"
"      --seed N            sampling seed (default 1)\n"
"      --ewma              also score the EWMA reference (alpha 0.5 per window,\n"
"                          the top K pages by score) on the same samples\n"
"      --quiet             totals only\n");
}

static int parse_ram(struct opts *o, const char *s)
{
	char buf[64], *colon;

	if (o->nram == VTIER_MAX_RANGES || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (parse_u64(buf, &o->ram_start[o->nram]) ||
	    parse_u64(colon + 1, &o->ram_pages[o->nram]))
		return -1;
	o->nram++;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_FULL = 256, O_HINTS, O_HOT, O_RAM, O_EPOCH, O_COOL, O_HYST,
	       O_RATE, O_HUGE, O_MINHEAT, O_DEFQ, O_SEED, O_QUIET, O_EWMA };
	static const struct option lo[] = {
		{ "quota", 1, 0, 'q' }, { "sample", 1, 0, 's' },
		{ "window", 1, 0, 'w' }, { "truth", 1, 0, 't' },
		{ "full", 0, 0, O_FULL }, { "hints", 1, 0, O_HINTS },
		{ "hot-prefix", 1, 0, O_HOT }, { "ram", 1, 0, O_RAM },
		{ "epoch-ms", 1, 0, O_EPOCH }, { "cooling", 1, 0, O_COOL },
		{ "hysteresis", 1, 0, O_HYST }, { "rate-limit", 1, 0, O_RATE },
		{ "huge", 1, 0, O_HUGE }, { "min-heat", 1, 0, O_MINHEAT },
		{ "default-quota", 1, 0, O_DEFQ }, { "seed", 1, 0, O_SEED },
		{ "quiet", 0, 0, O_QUIET }, { "ewma", 0, 0, O_EWMA },
		{ "help", 0, 0, 'h' }, { 0 }
	};
	const char *why;
	int c, bad = 0;

	o->sample_n = 1;
	o->window_ns = 1000000000ull;
	o->seed = 1;
	vtier_policy_default_params(&o->par);
	while ((c = getopt_long(argc, argv, "q:s:w:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'q': bad |= parse_u64(optarg, &o->quota); break;
		case 's': bad |= parse_u64(optarg, &o->sample_n) || !o->sample_n; break;
		case 'w': bad |= parse_u64(optarg, &o->window_ns) || !o->window_ns; break;
		case 't': o->truth = optarg; break;
		case O_FULL: o->full = 1; break;
		case O_HINTS: o->hints = optarg; break;
		case O_HOT: o->hot_prefix = optarg; break;
		case O_RAM: bad |= parse_ram(o, optarg); break;
		case O_EPOCH: bad |= parse_u32(optarg, &o->par.epoch_ms); break;
		case O_COOL: bad |= parse_u32(optarg, &o->par.cooling_pct); break;
		case O_HYST: bad |= parse_u32(optarg, &o->par.hysteresis_pct); break;
		case O_RATE: bad |= parse_u32(optarg, &o->par.rate_limit_pps); break;
		case O_HUGE: bad |= parse_u32(optarg, &o->par.huge_pct); break;
		case O_MINHEAT: bad |= parse_u32(optarg, &o->par.min_heat); break;
		case O_DEFQ: bad |= parse_u32(optarg, &o->par.default_quota_pct); break;
		case O_SEED: bad |= parse_u64(optarg, &o->seed); break;
		case O_QUIET: o->quiet = 1; break;
		case O_EWMA: o->ewma = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "vtier-replay: bad value for option: %s\n",
				optarg ? optarg : "");
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	o->trace = argv[optind];
	why = vtier_policy_check_params(&o->par);
	if (why) {
		fprintf(stderr, "vtier-replay: %s\n", why);
		return -1;
	}
	if (o->full && o->truth) {
		fprintf(stderr, "vtier-replay: --full and --truth exclude each other\n");
		return -1;
	}
	if (!o->nram) {
		o->ram_start[0] = 0;
		o->ram_pages[0] = 0x400000;
		o->nram = 1;
	}
	return 0;
}

/* Load the truth of window w from the ground-truth file into r->truth. */
static int load_truth(struct run *r, uint64_t w)
{
	char line[256], *end;
	uint64_t pfn, idx;
	double cnt;

	cmap_clear(&r->truth);
	while (!r->truth_eof && r->truth_next <= w) {
		if (!gzgets(r->truth_f, line, sizeof(line))) {
			r->truth_eof = 1;
			break;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "window ", 7)) {
			idx = strtoull(line + 7, &end, 10);
			if (idx < r->truth_next) {
				fprintf(stderr, "vtier-replay: truth windows out of order\n");
				return -1;
			}
			if (idx > w) {	/* keep it for later: remember and stop */
				r->truth_next = idx;
				break;
			}
			r->truth_next = idx;
			continue;
		}
		pfn = strtoull(line, &end, 16);
		cnt = strtod(end, &end);
		if (*end != '\n' && *end != '\0') {
			fprintf(stderr, "vtier-replay: bad truth line: %s", line);
			return -1;
		}
		if (r->truth_next == w && cmap_add(&r->truth, pfn, cnt))
			return -1;
	}
	return 0;
}

static int write_hot(struct run *r, uint64_t **hot, size_t *n)
{
	size_t cap = 1024;
	uint64_t pfn = 0;
	FILE *f = NULL;
	char name[4096];

	*n = 0;
	*hot = malloc(cap * sizeof(**hot));
	if (!*hot)
		return -1;
	while ((pfn = vtier_policy_next_hot(r->p, pfn)) != ~0ull) {
		if (*n == cap) {
			uint64_t *big = realloc(*hot, 2 * cap * sizeof(**hot));

			if (!big)
				return -1;
			*hot = big;
			cap *= 2;
		}
		(*hot)[(*n)++] = pfn++;
	}
	if (!r->o->hot_prefix)
		return 0;
	snprintf(name, sizeof(name), "%s.%" PRIu64, r->o->hot_prefix, r->window);
	f = fopen(name, "w");
	if (!f) {
		perror(name);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		fprintf(f, "%" PRIx64 "\n", (*hot)[i]);
	return fclose(f);
}

/* The EWMA's hot set at the window's end: its top k, into *set. */
static int ewma_hot(struct run *r, size_t k, uint64_t **set, size_t *n)
{
	size_t room;

	*n = 0;
	if (ewma_end_window(&r->ewma))
		return -1;
	room = k < r->ewma.score.n ? k : r->ewma.score.n;
	*set = malloc((room + 1) * sizeof(**set));
	return *set ? ewma_top(&r->ewma, room, *set, n) : -1;
}

/* Print the pending window's line; next: its hot sets on the next window. */
static void print_window(struct run *r, const struct score *next,
			 const struct score *ewma_next)
{
	const struct window_line *w = &r->pend;

	if (r->o->quiet)
		return;
	printf("window %" PRIu64 " end_ns %" PRIu64 " samples %" PRIu64
	       " hot %zu threshold %" PRIu64 " promotions %" PRIu64
	       " demotions %" PRIu64, w->index, w->end_ns, w->samples, w->hot,
	       w->threshold, w->promotions, w->demotions);
	if (w->scored)
		printf(" precision %.3f recall %.3f f1 %.3f coverage %.3f",
		       w->sc.precision, w->sc.recall, w->sc.f1, w->sc.coverage);
	if (next)
		printf(" next_coverage %.3f", next->coverage);
	if (r->o->ewma) {
		printf(" ewma_hot %zu", w->ewma_hot);
		if (w->scored)
			printf(" ewma_f1 %.3f ewma_coverage %.3f", w->ewma_sc.f1,
			       w->ewma_sc.coverage);
		if (next)
			printf(" ewma_next_coverage %.3f", ewma_next->coverage);
	}
	printf("\n");
}

static void drop_pend(struct run *r)
{
	free(r->pend.hot_set);
	free(r->pend.ewma_set);
	r->have_pend = 0;
}

/*
 * Score the pending window's hot sets on this window's truth and print
 * its line, then score this window's own hot sets: it becomes pending.
 */
static int score_windows(struct run *r, struct window_line *w)
{
	struct score next, ewma_next = { 0 };
	struct ranked truth;

	if (rank_truth(&r->truth, &truth))
		return -1;
	if (r->have_pend) {
		score_hot(&truth, r->pend.k, r->pend.hot_set, r->pend.hot, &next);
		r->sum_next += next.coverage;
		if (r->o->ewma) {
			score_hot(&truth, r->pend.k, r->pend.ewma_set,
				  r->pend.ewma_hot, &ewma_next);
			r->ewma_sum_next += ewma_next.coverage;
		}
		r->next_scored++;
		print_window(r, &next, &ewma_next);
	}
	score_hot(&truth, w->k, w->hot_set, w->hot, &w->sc);
	r->sum_f1 += w->sc.f1;
	r->sum_cov += w->sc.coverage;
	if (r->o->ewma) {
		score_hot(&truth, w->k, w->ewma_set, w->ewma_hot, &w->ewma_sc);
		r->ewma_sum_f1 += w->ewma_sc.f1;
		r->ewma_sum_cov += w->ewma_sc.coverage;
	}
	w->scored = 1;
	r->scored++;
	ranked_free(&truth);
	return 0;
}

/* The window r->window is over: score it, report the one before. */
static int end_window(struct run *r)
{
	struct vtier_policy_summary s;
	struct window_line w = { 0 };
	int err = 0;

	vtier_policy_summarize(r->p, &s);
	w.index = r->window;
	w.end_ns = r->t0 + (r->window + 1) * r->o->window_ns;
	w.samples = r->window_samples;
	w.threshold = s.threshold;
	w.promotions = r->p->promotions - r->prom0;
	w.demotions = r->p->demotions - r->dem0;
	w.k = r->o->quota ? r->o->quota : s.budget;
	if (write_hot(r, &w.hot_set, &w.hot) ||
	    (r->o->ewma && ewma_hot(r, w.k, &w.ewma_set, &w.ewma_hot)))
		err = -1;
	if (!err && r->truth_f)
		err = load_truth(r, r->window);
	if (!err && (r->o->full || r->truth_f))
		err = score_windows(r, &w);
	else if (r->have_pend)
		print_window(r, NULL, NULL);
	if (r->have_pend)
		drop_pend(r);
	r->pend = w;
	r->have_pend = 1;
	r->prom0 = r->p->promotions;
	r->dem0 = r->p->demotions;
	r->window_samples = 0;
	r->window++;
	if (r->o->full)
		cmap_clear(&r->truth);
	return err;
}

static void flush_hints(struct run *r, uint64_t ts)
{
	struct vtier_hint_host h[64];
	uint32_t i, n;

	while ((n = vtier_policy_pop_hints(r->p, h, 64))) {
		for (i = 0; r->hints && i < n; i++)
			fprintf(r->hints, "%" PRIu64 " %s %" PRIx64 " %u %u\n", ts,
				h[i].action == VTIER_HINT_PROMOTE ? "promote" : "demote",
				h[i].gpfn, h[i].order, h[i].hotness);
	}
}

static int keep_sample(struct run *r)
{
	if (r->o->sample_n <= 1)
		return 1;
	/* xorshift64*: a cheap, repeatable 1-in-N coin. */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (r->rng * 0x2545F4914F6CDD1Dull) % r->o->sample_n == 0;
}

static int replay(struct run *r, gzFile in)
{
	struct vtier_trace_rec rec;
	char line[VTIER_TRACE_LINE_MAX + 2];
	const char *why;
	uint64_t lineno = 0;
	size_t len;
	int ret;

	while (gzgets(in, line, sizeof(line))) {
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!gzeof(in)) {
			/* Longer than any valid line: skip the rest of it. */
			int c;

			while ((c = gzgetc(in)) != -1 && c != '\n')
				;
			len = VTIER_TRACE_LINE_MAX + 1;
		}
		ret = vtier_trace_parse(line, len, &rec, &why);
		if (ret < 0) {
			if (r->bad_lines++ < 10)
				fprintf(stderr, "vtier-replay: line %" PRIu64
					" skipped: %s\n", lineno, why);
			continue;
		}
		if (!ret)
			continue;
		if (!r->records++)
			r->t0 = rec.ts_ns;
		while (rec.ts_ns >= r->t0 &&
		       (rec.ts_ns - r->t0) / r->o->window_ns > r->window) {
			vtier_policy_advance(r->p, r->t0 + (r->window + 1) *
					     r->o->window_ns - 1);
			flush_hints(r, rec.ts_ns);
			if (end_window(r))
				return -1;
		}
		if (r->o->full && cmap_add(&r->truth, rec.gpa >> 12, 1))
			return -1;
		if (!keep_sample(r))
			continue;
		r->samples++;
		r->window_samples++;
		if (r->o->ewma && ewma_sample(&r->ewma, rec.gpa >> 12))
			return -1;
		vtier_policy_sample(r->p, rec.gpa >> 12, rec.ts_ns,
				    rec.write ? VTIER_SAMPLE_IS_WRITE : 0);
		flush_hints(r, rec.ts_ns);
	}
	if (r->records && end_window(r))
		return -1;
	/* The last window has no next one to score it on. */
	if (r->have_pend)
		print_window(r, NULL, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct run r = { .o = &o };
	void *mem[VTIER_MAX_RANGES] = { 0 };
	gzFile in;
	int i, err = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	r.rng = o.seed * 0x9E3779B97F4A7C15ull + 1;
	r.p = calloc(1, sizeof(*r.p));
	if (!r.p || vtier_policy_init(r.p, &o.par))
		return 1;
	for (i = 0; i < o.nram; i++) {
		mem[i] = calloc(1, vtier_policy_range_bytes(o.ram_start[i],
							    o.ram_pages[i]));
		if (!mem[i] || vtier_policy_add_range(r.p, o.ram_start[i],
						      o.ram_pages[i], mem[i])) {
			fprintf(stderr, "vtier-replay: bad --ram range %d\n", i);
			goto out;
		}
	}
	vtier_policy_set_quota(r.p, o.quota);
	in = strcmp(o.trace, "-") ? gzopen(o.trace, "r") : gzdopen(0, "r");
	if (!in) {
		fprintf(stderr, "vtier-replay: %s: %s\n", o.trace, strerror(errno));
		goto out;
	}
	if (o.truth) {
		r.truth_f = gzopen(o.truth, "r");
		if (!r.truth_f) {
			fprintf(stderr, "vtier-replay: %s: %s\n", o.truth,
				strerror(errno));
			gzclose(in);
			goto out;
		}
	}
	if (o.hints)
		r.hints = strcmp(o.hints, "-") ? fopen(o.hints, "w") : stdout;
	if (o.hints && !r.hints) {
		perror(o.hints);
		gzclose(in);
		goto out;
	}
	err = replay(&r, in) ? 1 : 0;
	gzclose(in);
	printf("total records %" PRIu64 " samples %" PRIu64 " bad_lines %" PRIu64
	       " untracked %" PRIu64 " windows %" PRIu64 " promotions %" PRIu64
	       " demotions %" PRIu64 " hints_limited %" PRIu64, r.records,
	       r.samples, r.bad_lines, r.p->untracked, r.window, r.p->promotions,
	       r.p->demotions, r.p->hints_limited);
	if (r.scored)
		printf(" mean_f1 %.3f mean_coverage %.3f", r.sum_f1 / r.scored,
		       r.sum_cov / r.scored);
	if (r.next_scored)
		printf(" mean_next_coverage %.3f", r.sum_next / r.next_scored);
	if (o.ewma && r.scored)
		printf(" ewma_mean_f1 %.3f ewma_mean_coverage %.3f",
		       r.ewma_sum_f1 / r.scored, r.ewma_sum_cov / r.scored);
	if (o.ewma && r.next_scored)
		printf(" ewma_mean_next_coverage %.3f",
		       r.ewma_sum_next / r.next_scored);
	printf("\n");
	if (r.hints && r.hints != stdout)
		fclose(r.hints);
	if (r.truth_f)
		gzclose(r.truth_f);
out:
	for (i = 0; i < o.nram; i++)
		free(mem[i]);
	cmap_free(&r.truth);
	ewma_free(&r.ewma);
	if (r.have_pend)
		drop_pend(&r);
	free(r.p);
	return err;
}
