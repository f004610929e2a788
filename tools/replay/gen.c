// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gen: write a generated workload as a trace v1 (sampled 1 in N, or
 * every access with --sample 1) and, optionally, its ground truth per
 * window (expected accesses per page).  docs/trace-format.md.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vtier-gen WORKLOAD [options] > TRACE\n"
"  WORKLOAD: zipf0.8 zipf1.0 zipf1.2 shift drift scan write many hotset\n"
"  --pages N       footprint in 4 KiB pages, a power of two (default 65536)\n"
"  --rate R        accesses per second (default 10000000)\n"
"  --seconds S     length (default 10)\n"
"  --sample N      write 1 in N accesses (default 1000)\n"
"  --truth FILE    write the ground truth per window to FILE\n"
"  --window NS     truth window, ns (default 1000000000)\n"
"  --seed N\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pages", 1, 0, 'p' }, { "rate", 1, 0, 'r' },
		{ "seconds", 1, 0, 's' }, { "sample", 1, 0, 'n' },
		{ "truth", 1, 0, 't' }, { "window", 1, 0, 'w' },
		{ "seed", 1, 0, 'S' }, { "help", 0, 0, 'h' }, { 0 }
	};
	uint64_t pages = 65536, sample = 1000, window = 1000000000ull, seed = 1;
	uint64_t i, n, pfn, win;
	double rate = 1e7, seconds = 10, t;
	const char *truth_path = NULL;
	struct cmap truth = { 0 };
	enum wl_kind kind;
	struct wl w;
	FILE *tf = NULL;
	int c, wr;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p': pages = strtoull(optarg, NULL, 0); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'n': sample = strtoull(optarg, NULL, 0); break;
		case 't': truth_path = optarg; break;
		case 'w': window = strtoull(optarg, NULL, 0); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || wl_parse(argv[optind], &kind) ||
	    pages < 16 || (pages & (pages - 1)) || !sample || !window ||
	    !(rate > 0) || !(seconds > 0)) {
		usage(stderr);
		return 2;
	}
	if (wl_init(&w, kind, pages, rate, seconds, seed))
		return 1;
	printf("# vtier trace v1: %s, %" PRIu64 " pages, %.0f accesses/s, "
	       "1 in %" PRIu64 " sampled\n", wl_name(kind), pages, rate, sample);
	n = (uint64_t)(seconds * rate / (double)sample);
	for (i = 0; i < n; i++) {
		t = (double)i * (double)sample / rate;
		wl_draw(&w, t, &pfn, &wr);
		printf("%" PRIu64 " %" PRIx64 " %c\n", (uint64_t)(t * 1e9),
		       pfn << 12, wr ? 'W' : 'R');
	}
	if (truth_path) {
		tf = fopen(truth_path, "w");
		if (!tf) {
			perror(truth_path);
			return 1;
		}
		fprintf(tf, "# ground truth: expected accesses per page and window\n");
		for (win = 0; (double)win * (double)window / 1e9 < seconds; win++) {
			cmap_clear(&truth);
			if (wl_truth(&w, (double)win * (double)window / 1e9,
				     (double)(win + 1) * (double)window / 1e9, &truth))
				return 1;
			fprintf(tf, "window %" PRIu64 "\n", win);
			for (i = 0; i < truth.cap; i++)
				if (truth.key[i] && llround(truth.val[i]) > 0)
					fprintf(tf, "%" PRIx64 " %lld\n",
						truth.key[i] - 1, llround(truth.val[i]));
		}
		fclose(tf);
	}
	cmap_free(&truth);
	wl_free(&w);
	return 0;
}
