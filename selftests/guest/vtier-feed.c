// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-feed BASE_GPFN CLASS[,CLASS...] [--seconds S] [--seed N]
 *
 * Runs inside the test guest.  A generated workload for the replay
 * sampler that lasts as long as needed: it writes trace v1 records
 * (docs/trace-format.md) to /sys/kernel/debug/vtier/replay in real time,
 * stamped with the guest's CLOCK_MONOTONIC, so the engine's epochs, its
 * cooling and the REPORTs it sends follow the wall clock, and a QUOTA
 * from the host changes the hot set within an epoch or two.  (A trace file
 * replayed once would stop the engine's clock when it ends; this never
 * does, and a second vtier-feed started later continues the same clock.)
 *
 * Each CLASS is PAGES:HZ: PAGES pages, each sampled HZ times per second
 * (a real number) on average, uniformly at random.  Classes follow each
 * other from BASE_GPFN; the pages of a class sit on every other frame, so
 * at most half of any 2 MiB region is hot and the engine never hints a
 * class as one order-9 region: the hot set is counted in 4 KiB frames.
 * E.g. "256:16,4096:0.1" is a small very hot set and a large cold one.
 *
 * Prints `VTIER-FEED start classes=N pages=N rate=N` (records/s), then
 * `VTIER-FEED done records=N` when --seconds ran out (default: forever).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPLAY		"/sys/kernel/debug/vtier/replay"
#define MAX_CLASSES	8
#define SLICE_NS	20000000ull	/* 20 ms of records per write */

struct class {
	uint64_t first, pages;	/* frames first, first + 2, ... */
	double hz;		/* samples per page per second */
	double carry;		/* fraction of a record owed from last slice */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: small and seedable, so a run can be repeated. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void usage(void)
{
	fprintf(stderr, "usage: vtier-feed BASE_GPFN PAGES:HZ[,PAGES:HZ...] "
		"[--seconds S] [--seed N]\n");
	exit(2);
}

static int parse_classes(char *spec, uint64_t base, struct class *c)
{
	char *tok, *save = NULL, *end;
	int n = 0;

	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_CLASSES)
			usage();
		c[n].pages = strtoull(tok, &end, 0);
		if (*end != ':' || !c[n].pages || c[n].pages > (1u << 20))
			usage();
		c[n].hz = strtod(end + 1, &end);
		if (*end || !(c[n].hz > 0) || c[n].hz > 1000)
			usage();
		c[n].first = base;
		base += 2 * c[n].pages;
		n++;
	}
	return n;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct class c[MAX_CLASSES];
	uint64_t base, t, start, stop = 0, records = 0, pages = 0;
	double rate = 0;
	int n, i, fd;
	char *end;

	if (argc < 3)
		usage();
	base = strtoull(argv[1], &end, 0);
	if (*end)
		usage();
	n = parse_classes(argv[2], base, c);
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			stop = strtoull(argv[i + 1], NULL, 0) * 1000000000ull;
		else if (!strcmp(argv[i], "--seed"))
			rng_state ^= strtoull(argv[i + 1], NULL, 0) * 2 + 1;
		else
			usage();
	}
	if (i != argc)
		usage();
	for (i = 0; i < n; i++) {
		pages += c[i].pages;
		rate += (double)c[i].pages * c[i].hz;
		c[i].carry = 0;
	}
	/* One slice's records must fit the buffer (about 30 bytes each). */
	if (rate * SLICE_NS / 1e9 * 32 > sizeof(buf))
		usage();
	fd = open(REPLAY, O_WRONLY);
	if (fd < 0) {
		printf("VTIER-FEED error %s: %s\n", REPLAY, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("VTIER-FEED start classes=%d pages=%llu rate=%.0f\n", n,
	       (unsigned long long)pages, rate);
	start = now_ns();
	for (t = start; !stop || t - start < stop; t += SLICE_NS) {
		size_t len = 0;
		uint64_t now = now_ns();

		if (now < t + SLICE_NS)
			usleep((useconds_t)((t + SLICE_NS - now) / 1000));
		for (i = 0; i < n; i++) {
			double want = (double)c[i].pages * c[i].hz *
				      SLICE_NS / 1e9 + c[i].carry;
			uint64_t k = (uint64_t)want, j;

			c[i].carry = want - (double)k;
			for (j = 0; j < k; j++) {
				uint64_t g = c[i].first + 2 * (rnd() % c[i].pages);

				/* Spread over the slice, in time order per class. */
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%llu 0x%llx R\n",
					(unsigned long long)(t + j * SLICE_NS / (k + 1)),
					(unsigned long long)(g << 12));
			}
			records += k;
		}
		if (len && write_all(fd, buf, len)) {
			printf("VTIER-FEED error write: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("VTIER-FEED done records=%llu\n", (unsigned long long)records);
	close(fd);
	return 0;
}
