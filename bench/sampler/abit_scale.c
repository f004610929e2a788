// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-abit-scale: the guest side of the abit scale benchmark
 * (abit_scale.sh, abit_scale_guest.sh).  With vtier.ko scanning every
 * process:
 *
 *   vtier-abit-scale COLD_MIB HOT_MIB PHASE_S
 *
 * maps COLD_MIB of memory that stays mapped and untouched (read once, so
 * every 4 KiB PTE is present and maps the zero page: page tables as for
 * cold data, at no cost in guest or host RAM), then two HOT_MIB regions A
 * and B (4 KiB pages, every page written once).  It writes every page of A
 * over and over for PHASE_S seconds, then of B for PHASE_S seconds (the
 * hot set moves).  Once everything is mapped it creates
 * /tmp/vtier-scale-mapped and waits for /tmp/vtier-scale-go (the script
 * reloads vtier.ko at the budget under test meanwhile); then it waits,
 * touching nothing, for two scan rounds that find (almost) nothing, so no
 * bit set while mapping is left.  The move to B is made right after a
 * round ends.
 *
 * Once a second it reads the sampler's figures (/sys/kernel/vtier/
 * samplers/): samples and rounds give the samples per round since the
 * last reading, and the first round with 90% of the region's frames marks
 * the region as in the scanner's hot set.  (A frame is checked at most
 * once a round.)  After the move, the first round is not counted: it
 * finds A's frames touched since their last check.  Every fifth second it
 * also counts the region's frames in the engine's hot set
 * (/sys/kernel/debug/vtier/hot).  It prints one VTIER-SCALE line per
 * reading and at the end
 *
 *   VTIER-SCALE-RESULT appear90=S move90=S appear_hot=F move_hot=F ...
 *
 * the seconds from A (then B) becoming hot to the end of the first round
 * that sampled 90% of it (-1: not within PHASE_S), the largest share of
 * its frames seen in the engine's hot set, and the sampler's figures
 * averaged over the last half of each phase.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define PAGE		4096ul
#define ALIGN_1G	(1ul << 30)
#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)
#define HOT_FILE	"/sys/kernel/debug/vtier/hot"
#define STATS_DIR	"/sys/kernel/vtier/samplers/"

struct region {
	unsigned char *p;
	size_t bytes;
	uint64_t *pfn;		/* its frames, sorted */
	size_t npfn;
};

static _Atomic(struct region *) hot_region;
static struct region *first_region;	/* A: no move before it */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bytes of private anonymous memory, 1 GiB aligned, 4 KiB pages only. */
static unsigned char *map(size_t bytes)
{
	unsigned char *p = mmap(NULL, bytes + ALIGN_1G, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				-1, 0);

	if (p == MAP_FAILED) {
		perror("vtier-abit-scale: mmap");
		exit(1);
	}
	p = (unsigned char *)(((uintptr_t)p + ALIGN_1G - 1) & ~(ALIGN_1G - 1));
	if (madvise(p, bytes, MADV_NOHUGEPAGE))
		perror("vtier-abit-scale: madvise(MADV_NOHUGEPAGE)");
	return p;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void written_region(struct region *r, size_t bytes)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;

	r->bytes = bytes;
	r->p = map(bytes);
	for (i = 0; i < bytes; i += PAGE)
		r->p[i] = 1;
	r->pfn = malloc(bytes / PAGE * sizeof(*r->pfn));
	if (fd < 0 || !r->pfn) {
		perror("vtier-abit-scale: pagemap");
		exit(1);
	}
	for (i = 0; i < bytes; i += PAGE) {
		uint64_t e;
		off_t off = (off_t)((uintptr_t)(r->p + i) / PAGE * sizeof(e));

		if (pread(fd, &e, sizeof(e), off) == sizeof(e) &&
		    (e & PM_PRESENT) && (e & PM_PFN_MASK))
			r->pfn[r->npfn++] = e & PM_PFN_MASK;
	}
	close(fd);
	qsort(r->pfn, r->npfn, sizeof(*r->pfn), by_value);
}

static void *toucher(void *unused)
{
	(void)unused;
	for (;;) {
		struct region *r = atomic_load(&hot_region);
		volatile unsigned char *p;
		size_t i;

		if (!r) {	/* not yet */
			usleep(1000);
			continue;
		}
		p = r->p;
		for (i = 0; i < r->bytes; i += PAGE)
			p[i]++;
	}
	return NULL;
}

/* Frames of r in the engine's hot set now. */
static size_t found(const struct region *r)
{
	FILE *f = fopen(HOT_FILE, "r");
	unsigned long long pfn;
	size_t n = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%llx", &pfn) == 1)
		if (bsearch(&(uint64_t){ pfn }, r->pfn, r->npfn,
			    sizeof(*r->pfn), by_value))
			n++;
	fclose(f);
	return n;
}

static uint64_t stat_of(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), STATS_DIR "%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * Touching nothing, wait (at most 120 s) for two rounds in a row that
 * sampled at most quiet frames each: the bits set while mapping are gone.
 */
static void settle(uint64_t quiet)
{
	uint64_t s = stat_of("samples"), k = stat_of("rounds");
	double t0 = now_s();
	int calm = 0;

	while (calm < 2 && now_s() - t0 < 120) {
		uint64_t s2, k2;

		usleep(200000);
		s2 = stat_of("samples");
		k2 = stat_of("rounds");
		if (k2 == k)
			continue;
		calm = (s2 - s) / (k2 - k) <= quiet ? calm + 1 : 0;
		s = s2;
		k = k2;
	}
	printf("VTIER-SCALE settled in %.1f s\n", now_s() - t0);
}

/* Means of the sampler's figures over the last half of a phase. */
struct figures {
	double overhead_ppm, pages_per_s, samples_per_s, interval_ms;
	int n;
};

/*
 * Make r hot for phase_s seconds; returns in t90 the seconds to the first
 * rounds that sampled 90% of its frames each (-1 if none) and in hot the
 * share of its frames in the engine's hot set at the end.
 */
static void phase(const char *name, struct region *r, int phase_s,
		  double *t90, double *hot, struct figures *fig)
{
	uint64_t samples, rounds = stat_of("rounds"), skip;
	double t0, t;
	size_t n = 0;
	int i;

	/* Right after a round (the first one then starts after the move). */
	while (stat_of("rounds") == rounds)
		usleep(20000);
	atomic_store(&hot_region, r);
	t0 = now_s();
	samples = stat_of("samples");
	rounds = stat_of("rounds");
	skip = r == first_region ? rounds : rounds + 1;
	*hot = 0;
	*t90 = -1;
	memset(fig, 0, sizeof(*fig));
	for (i = 0; (t = now_s() - t0) < phase_s; i++) {
		uint64_t ppm = stat_of("overhead_ppm");
		uint64_t pps = stat_of("pages_per_s");
		uint64_t sps = stat_of("samples_per_s");
		uint64_t ius = stat_of("interval_us");
		uint64_t s = stat_of("samples"), k = stat_of("rounds");
		uint64_t per_round = k > rounds ? (s - samples) / (k - rounds) : 0;

		/* Rounds up to skip (the move's first) are not counted. */
		if (k > rounds && rounds < skip) {
			per_round = 0;
			if (k > skip)	/* polled too late to tell them apart */
				skip = k;
		}
		if (k > rounds) {
			samples = s;
			rounds = k;
		}
		if (*t90 < 0 && 10 * per_round >= 9 * r->npfn)
			*t90 = t;
		if (i % 5 == 4) {
			n = found(r);
			if ((double)n / r->npfn > *hot)
				*hot = (double)n / r->npfn;
		}
		if (2 * t >= phase_s) {
			fig->overhead_ppm += ppm;
			fig->pages_per_s += pps;
			fig->samples_per_s += sps;
			fig->interval_ms += ius / 1000.0;
			fig->n++;
		}
		printf("VTIER-SCALE %s t=%.1f per_round=%" PRIu64 " hot=%zu/%zu"
		       " overhead_ppm=%" PRIu64 " pages_per_s=%" PRIu64
		       " samples_per_s=%" PRIu64 " interval_us=%" PRIu64 "\n",
		       name, t, per_round, n, r->npfn, ppm, pps, sps, ius);
		fflush(stdout);
		usleep(1000000);
	}
	if (fig->n) {
		fig->overhead_ppm /= fig->n;
		fig->pages_per_s /= fig->n;
		fig->samples_per_s /= fig->n;
		fig->interval_ms /= fig->n;
	}
}

int main(int argc, char **argv)
{
	struct region a = { 0 }, b = { 0 };
	struct figures fa, fb;
	double a90, b90, ahot, bhot, t;
	size_t cold_bytes;
	unsigned char *cold;
	FILE *mapped;
	pthread_t th;

	if (argc != 4) {
		fprintf(stderr, "usage: vtier-abit-scale COLD_MIB HOT_MIB PHASE_S\n");
		return 2;
	}
	cold_bytes = strtoull(argv[1], NULL, 0) << 20;
	t = now_s();
	cold = map(cold_bytes);
	/* Zero-page PTEs for all of it; fall back to reading page by page. */
	if (madvise(cold, cold_bytes, MADV_POPULATE_READ)) {
		volatile unsigned char *c = cold;
		size_t i;

		for (i = 0; i < cold_bytes; i += PAGE)
			(void)c[i];
	}
	printf("VTIER-SCALE cold %s MiB mapped in %.1f s\n", argv[1], now_s() - t);
	written_region(&a, strtoull(argv[2], NULL, 0) << 20);
	written_region(&b, a.bytes);
	printf("VTIER-SCALE ready hot %zu+%zu frames\n", a.npfn, b.npfn);
	fflush(stdout);
	mapped = fopen("/tmp/vtier-scale-mapped", "w");
	if (!mapped) {
		perror("vtier-abit-scale: /tmp/vtier-scale-mapped");
		return 1;
	}
	fclose(mapped);
	while (access("/tmp/vtier-scale-go", F_OK))
		usleep(100000);
	settle(a.npfn / 100);
	first_region = &a;
	if (pthread_create(&th, NULL, toucher, NULL)) {
		perror("vtier-abit-scale: pthread_create");
		return 1;
	}
	phase("A", &a, atoi(argv[3]), &a90, &ahot, &fa);
	phase("B", &b, atoi(argv[3]), &b90, &bhot, &fb);
	printf("VTIER-SCALE-RESULT appear90=%.1f move90=%.1f appear_hot=%.2f move_hot=%.2f"
	       " overhead_ppm=%.0f pages_per_s=%.0f samples_per_s=%.0f interval_ms=%.0f"
	       " move_overhead_ppm=%.0f move_pages_per_s=%.0f\n",
	       a90, b90, ahot, bhot, fa.overhead_ppm, fa.pages_per_s,
	       fa.samples_per_s, fa.interval_ms, fb.overhead_ppm, fb.pages_per_s);
	fflush(stdout);
	return 0;
}
