// SPDX-License-Identifier: GPL-2.0
/*
 * Accuracy benchmark: every generated workload (tools/replay/workload.c)
 * at sampling 1/100, 1/1000 and 1/10000 and through the accessed-bit
 * scanner, at quotas of 1/2, 1/4 and 1/8 of its footprint, through vtier's
 * engine, the EWMA reference and the HeMem-style and MEMTIS-style
 * baselines, on the very same sample stream.  The scanner's stream comes
 * from every access setting its page's accessed bit and the module's scan
 * rounds at its defaults (bench/sim_abit.c, as vtier-sim models them).
 * Per window it scores the identified hot set against the true top-K
 * (K = quota) of the expected accesses: access coverage and F1 in the same
 * window, and access coverage of the next window (what the hot set held
 * at a window's end, the memory placed for what follows, is worth then).
 * Prints one table per sampling rate, then the recovery time after the
 * sudden shift.
 *
 *	accuracy [--quick] [--pages N] [--seconds S] [--rate R] [--csv FILE]
 *
 * --csv also writes every cell as a row (for make eval's plots).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "score.h"
#include "sim.h"
#include "sim_abit.h"
#include "workload.h"

#define WINDOW_S	0.5
#define WARMUP_S	2.0
#define NENG		4
#define NRATE		3
#define NQUOTA		3

static const struct engine_ops *const engines[NENG] = {
	&vtier_engine, &ewma_engine, &memtis_engine, &hemem_engine,
};
static const uint64_t rates[NRATE] = { 100, 1000, 10000 };
#define ABIT		NRATE	/* res[][ABIT]: the accessed-bit scanner's stream */
static const uint64_t quotas[NQUOTA] = { 2, 4, 8 };

struct result {
	double cov, f1;		/* means over windows after warm-up */
	double next_cov;	/* the same, scored on the next window's truth */
	double recover_s;	/* shift: seconds back to 95% of the pre-shift level */
};

static struct result res[WL_COUNT][NRATE + 1][NQUOTA][NENG];
/* The scanner's accesses per sample, per workload (its effective 1-in-N). */
static double abit_1_in[WL_COUNT];

/* A sample stream: page, write flag and time of each sample. */
struct stream {
	uint64_t *pfn, *ts, n, cap;
	uint8_t *wr;
	double sps;	/* mean samples per second */
};

static int stream_push(struct stream *s, uint64_t pfn, int write, uint64_t ts)
{
	if (s->n == s->cap) {
		uint64_t cap = s->cap ? 2 * s->cap : 65536;
		uint64_t *p = realloc(s->pfn, cap * sizeof(*p));
		uint64_t *t = p ? realloc(s->ts, cap * sizeof(*t)) : NULL;
		uint8_t *wr = t ? realloc(s->wr, cap) : NULL;

		if (p)
			s->pfn = p;
		if (t)
			s->ts = t;
		if (!wr)
			return -1;
		s->wr = wr;
		s->cap = cap;
	}
	s->pfn[s->n] = pfn;
	s->wr[s->n] = (uint8_t)write;
	s->ts[s->n++] = ts;
	return 0;
}

static void stream_free(struct stream *s)
{
	free(s->pfn);
	free(s->ts);
	free(s->wr);
	memset(s, 0, sizeof(*s));
}

struct abit_sink {
	struct stream *s;
	const struct sim_trace *tr;
	uint64_t now_ns;
	int err;
};

static void abit_emit(void *ctx, uint32_t id)
{
	struct abit_sink *k = ctx;

	if (stream_push(k->s, k->tr->pfn[id], 0, k->now_ns))
		k->err = -1;
}

/*
 * The accessed-bit scanner's stream: every access (rate per second) sets
 * its page's bit; each scan round turns the set bits it visits into
 * samples at the round's time.  Every page of the span is mapped.
 */
static int abit_stream(struct wl *w, double rate, double seconds,
		       struct stream *s)
{
	uint64_t lo, hi, id, i, total = (uint64_t)(rate * seconds);
	struct sim_trace tr = { 0 };
	struct abit_sink sink = { s, &tr, 0, 0 };
	struct sim_params par;
	struct sim_abit a;

	wl_span(w, &lo, &hi);
	tr.npages = hi - lo;
	tr.pfn = malloc(tr.npages * sizeof(*tr.pfn));
	sim_default_params(&par);	/* the module's scanner defaults */
	if (!tr.pfn || sim_abit_init(&a, &tr, &par, 0)) {
		free(tr.pfn);
		return -1;
	}
	for (id = 0; id < tr.npages; id++)
		tr.pfn[id] = lo + id;
	for (i = 0; i < total && !sink.err; i++) {
		uint64_t t_ns = (uint64_t)((double)i / rate * 1e9), pfn;
		int write;

		while (t_ns >= a.next_round_ns && !sink.err) {
			sink.now_ns = a.next_round_ns;
			sim_abit_round(&a, a.next_round_ns, tr.npages, abit_emit,
				       &sink);
		}
		wl_draw(w, (double)i / rate, &pfn, &write);
		sim_abit_access(&a, (uint32_t)(pfn - lo));
	}
	s->sps = (double)s->n / seconds;
	sim_abit_free(&a);
	free(tr.pfn);
	return sink.err;
}

static int run(struct wl *w, const struct ranked *truth, int nwin,
	       const struct stream *s, uint64_t k,
	       const struct engine_ops *ops, struct result *r)
{
	uint64_t lo, hi, i = 0, *hot;
	double sum_cov = 0, sum_f1 = 0, sum_next = 0, shift = w->seconds / 2;
	double pre_cov = 0, pre_f1 = 0;
	int win, scored = 0, pre_n = 0, next_n = 0;
	struct score sc;
	void *e;

	wl_span(w, &lo, &hi);
	hot = malloc((hi - lo) * sizeof(*hot));
	e = ops->create(lo, hi, k, s->sps);
	if (!hot || !e) {
		free(hot);
		return -1;
	}
	r->recover_s = -1;
	for (win = 0; win < nwin; win++) {
		uint64_t end = (uint64_t)((win + 1) * WINDOW_S * 1e9);
		size_t nh;

		for (; i < s->n && s->ts[i] < end; i++)
			ops->sample(e, s->pfn[i], s->wr[i], s->ts[i]);
		nh = ops->hot(e, hot);
		score_hot(&truth[win], k, hot, nh, &sc);
		if ((win + 1) * WINDOW_S > WARMUP_S) {
			sum_cov += sc.coverage;
			sum_f1 += sc.f1;
			scored++;
			if (win + 1 < nwin) {
				struct score next;

				score_hot(&truth[win + 1], k, hot, nh, &next);
				sum_next += next.coverage;
				next_n++;
			}
		}
		/* Before the shift: the steady state to get back to. */
		if ((win + 1) * WINDOW_S > WARMUP_S &&
		    (win + 1) * WINDOW_S <= shift) {
			pre_cov += sc.coverage;
			pre_f1 += sc.f1;
			pre_n++;
		}
		if (w->kind == WL_SHIFT && r->recover_s < 0 && pre_n &&
		    win * WINDOW_S >= shift &&
		    sc.coverage >= 0.95 * pre_cov / pre_n &&
		    sc.f1 >= 0.95 * pre_f1 / pre_n)
			r->recover_s = (win + 1) * WINDOW_S - shift;
	}
	r->cov = scored ? sum_cov / scored : 0;
	r->f1 = scored ? sum_f1 / scored : 0;
	r->next_cov = next_n ? sum_next / next_n : 0;
	ops->destroy(e);
	free(hot);
	return 0;
}

static int run_engines(struct wl *w, const struct ranked *truth, int nwin,
		       const struct stream *s, uint64_t span,
		       struct result (*r)[NENG])
{
	int qi, ei;

	for (qi = 0; qi < NQUOTA; qi++)
		for (ei = 0; ei < NENG; ei++)
			if (run(w, truth, nwin, s, span / quotas[qi], engines[ei],
				&r[qi][ei]))
				return -1;
	return 0;
}

static int bench_workload(enum wl_kind kind, uint64_t pages, double rate,
			  double seconds)
{
	int nwin = (int)(seconds / WINDOW_S + 0.5), win, ri;
	struct ranked *truth = calloc((size_t)nwin, sizeof(*truth));
	struct stream s = { 0 };
	struct cmap m = { 0 };
	uint64_t lo, hi, i;
	struct wl w;
	int err = -1;

	if (!truth || wl_init(&w, kind, pages, rate, seconds, 1)) {
		free(truth);
		return -1;
	}
	wl_span(&w, &lo, &hi);
	for (win = 0; win < nwin; win++) {
		cmap_clear(&m);
		if (wl_truth(&w, win * WINDOW_S, (win + 1) * WINDOW_S, &m) ||
		    rank_truth(&m, &truth[win]))
			goto out;
	}
	for (ri = 0; ri <= NRATE; ri++) {
		wl_free(&w);
		stream_free(&s);
		if (wl_init(&w, kind, pages, rate, seconds, 2 + (uint64_t)ri))
			goto out;
		if (ri == ABIT) {
			if (abit_stream(&w, rate, seconds, &s))
				goto out;
			abit_1_in[kind] = s.n ? rate * seconds / (double)s.n : 0;
		} else {
			uint64_t n = (uint64_t)(seconds * rate / (double)rates[ri]);

			s.sps = rate / (double)rates[ri];
			for (i = 0; i < n; i++) {
				uint64_t pfn;
				int x;

				wl_draw(&w, (double)i / s.sps, &pfn, &x);
				if (stream_push(&s, pfn, x,
						(uint64_t)((double)i / s.sps * 1e9)))
					goto out;
			}
		}
		if (run_engines(&w, truth, nwin, &s, hi - lo, res[kind][ri]))
			goto out;
	}
	err = 0;
out:
	for (win = 0; win < nwin; win++)
		ranked_free(&truth[win]);
	free(truth);
	stream_free(&s);
	cmap_free(&m);
	wl_free(&w);
	return err;
}

static void print_tables(uint64_t pages, double rate, double seconds)
{
	int k, ri, qi, ei;

	printf("footprint %" PRIu64 " pages (scan: twice that), %.0f accesses/s, "
	       "%.0f s, windows of %.1f s, means over windows after %.0f s\n"
	       "cell: access coverage / F1 against the true top-K, K = quota / "
	       "access coverage of the next window's top-K\n",
	       pages, rate, seconds, WINDOW_S, WARMUP_S);
	for (ri = 0; ri <= NRATE; ri++) {
		if (ri == ABIT)
			printf("\naccessed-bit scanner (module defaults; accesses "
			       "per sample in the first column)\n");
		else
			printf("\nsampling 1/%" PRIu64 " (%.0f samples/s)\n",
			       rates[ri], rate / (double)rates[ri]);
		printf("| workload |");
		for (qi = 0; qi < NQUOTA; qi++)
			for (ei = 0; ei < NENG; ei++)
				printf(" 1/%" PRIu64 " %s |", quotas[qi],
				       engines[ei]->name);
		printf("\n|---|");
		for (qi = 0; qi < NQUOTA * NENG; qi++)
			printf("---|");
		printf("\n");
		for (k = 0; k < WL_COUNT; k++) {
			if (ri == ABIT)
				printf("| %s (1/%.0f) |", wl_name((enum wl_kind)k),
				       abit_1_in[k]);
			else
				printf("| %s |", wl_name((enum wl_kind)k));
			for (qi = 0; qi < NQUOTA; qi++)
				for (ei = 0; ei < NENG; ei++)
					printf(" %.2f / %.2f / %.2f |",
					       res[k][ri][qi][ei].cov,
					       res[k][ri][qi][ei].f1,
					       res[k][ri][qi][ei].next_cov);
			printf("\n");
		}
	}
	printf("\nshift: seconds after the shift until coverage and F1 are both back to "
	       "95%% of their pre-shift means (- = not within the run; resolution %.1f s)\n"
	       "| sampling | quota |", WINDOW_S);
	for (ei = 0; ei < NENG; ei++)
		printf(" %s |", engines[ei]->name);
	printf("\n|---|---|");
	for (ei = 0; ei < NENG; ei++)
		printf("---|");
	printf("\n");
	for (ri = 0; ri <= NRATE; ri++)
		for (qi = 0; qi < NQUOTA; qi++) {
			if (ri == ABIT)
				printf("| abit | 1/%" PRIu64 " |", quotas[qi]);
			else
				printf("| 1/%" PRIu64 " | 1/%" PRIu64 " |",
				       rates[ri], quotas[qi]);
			for (ei = 0; ei < NENG; ei++) {
				double s = res[WL_SHIFT][ri][qi][ei].recover_s;

				if (s < 0)
					printf(" - |");
				else
					printf(" %.1f |", s);
			}
			printf("\n");
		}
}

/*
 * One row per workload, sampler, quota and engine.  sample_1_in is the
 * accesses per sample: the rate's N, or what the scanner's stream had.
 */
static int write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	int k, ri, qi, ei;

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "workload,sample_1_in,quota_1_of,engine,coverage,f1,recover_s,"
		"next_coverage,sampler\n");
	for (k = 0; k < WL_COUNT; k++)
		for (ri = 0; ri <= NRATE; ri++)
			for (qi = 0; qi < NQUOTA; qi++)
				for (ei = 0; ei < NENG; ei++) {
					const struct result *r = &res[k][ri][qi][ei];
					uint64_t n = ri == ABIT ?
						(uint64_t)(abit_1_in[k] + 0.5) : rates[ri];

					fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%s,%.4f,%.4f,%.1f,%.4f,%s\n",
						wl_name((enum wl_kind)k), n,
						quotas[qi], engines[ei]->name, r->cov,
						r->f1, r->recover_s, r->next_cov,
						ri == ABIT ? "abit" : "1-in-N");
				}
	if (fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", 0, 0, 'q' }, { "pages", 1, 0, 'p' },
		{ "seconds", 1, 0, 's' }, { "rate", 1, 0, 'r' },
		{ "csv", 1, 0, 'c' }, { 0 }
	};
	const char *csv = NULL;
	uint64_t pages = 32768;
	double rate = 1e7, seconds = 10;
	int c, k;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'q': seconds = 6; break;
		case 'p': pages = strtoull(optarg, NULL, 0); break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'c': csv = optarg; break;
		default:
			fprintf(stderr, "usage: accuracy [--quick] [--pages N] "
				"[--seconds S] [--rate R] [--csv FILE]\n");
			return 2;
		}
	}
	if (pages < 256 || (pages & (pages - 1)) || seconds < 2 * WARMUP_S ||
	    !(rate > 0)) {
		fprintf(stderr, "accuracy: pages must be a power of two >= 256, "
			"seconds >= %.0f\n", 2 * WARMUP_S);
		return 2;
	}
	for (k = 0; k < WL_COUNT; k++) {
		fprintf(stderr, "accuracy: %s\n", wl_name((enum wl_kind)k));
		if (bench_workload((enum wl_kind)k, pages, rate, seconds)) {
			fprintf(stderr, "accuracy: %s failed\n",
				wl_name((enum wl_kind)k));
			return 1;
		}
	}
	print_tables(pages, rate, seconds);
	return csv && write_csv(csv) ? 1 : 0;
}
