// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-hotcold: a guest workload with a known hot region, for the demo.
 *
 * It maps SIZE MiB, of which the first HOT MiB are hot: each access, a
 * one-byte write, goes to a random hot page with probability HOT_PERCENT,
 * otherwise to a random page of the rest, at ACCESSES_PER_SEC.  It never
 * talks to vtier: the module's sampler has to see the accesses.  The hot
 * pages' guest-physical frames (from /proc/self/pagemap) are printed first
 * (`VTIER-HOTPAGE <gpfn hex>`) so the host can score the hints it receives.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64: a fixed-seed generator so runs are repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int page_gpfns(void *base, size_t pages, uint64_t *gpfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;

	if (fd < 0) {
		perror("vtier-hotcold: /proc/self/pagemap");
		return -1;
	}
	for (i = 0; i < pages; i++) {
		uint64_t e, va = (uint64_t)(uintptr_t)base + i * PAGE;

		if (pread(fd, &e, sizeof(e), (off_t)(va / PAGE * 8)) != 8 ||
		    !(e & PM_PRESENT) || !(e & PM_PFN_MASK)) {
			fprintf(stderr,
				"vtier-hotcold: no frame for page %zu (need root)\n",
				i);
			close(fd);
			return -1;
		}
		gpfn[i] = e & PM_PFN_MASK;
	}
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vtier-hotcold [-s SIZE_MIB] [-H HOT_MIB] [-p HOT_PERCENT]\n"
		"                     [-r ACCESSES_PER_SEC] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long size_mb = 64, hot_mb = 4, hot_pct = 90, rate = 20000;
	unsigned long secs = 20;
	size_t pages, hot_pages, i;
	uint64_t *gpfn, start, next, n = 0;
	volatile unsigned char *mem;
	int opt;

	while ((opt = getopt(argc, argv, "s:H:p:r:t:")) != -1) {
		switch (opt) {
		case 's': size_mb = strtoul(optarg, NULL, 0); break;
		case 'H': hot_mb = strtoul(optarg, NULL, 0); break;
		case 'p': hot_pct = strtoul(optarg, NULL, 0); break;
		case 'r': rate = strtoul(optarg, NULL, 0); break;
		case 't': secs = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!size_mb || !hot_mb || hot_mb >= size_mb || hot_pct > 100 ||
	    !rate || rate > 10000000)
		usage();

	pages = size_mb * 256;
	hot_pages = hot_mb * 256;
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gpfn = calloc(pages, sizeof(*gpfn));
	if (mem == MAP_FAILED || !gpfn) {
		perror("vtier-hotcold: allocating memory");
		return 1;
	}
	/*
	 * Small pages (advised before the first touch: a THP faulted in
	 * first would stay, and abit samples a THP as all its 512 frames)
	 * and locked frames, so each gpfn stays what we print.
	 */
	if (madvise((void *)mem, pages * PAGE, MADV_NOHUGEPAGE))
		perror("vtier-hotcold: madvise(MADV_NOHUGEPAGE)");
	for (i = 0; i < pages; i++)
		mem[i * PAGE] = 1;
	if (mlock((void *)mem, pages * PAGE))
		perror("vtier-hotcold: mlock (frames may move)");
	if (page_gpfns((void *)mem, pages, gpfn))
		return 1;
	for (i = 0; i < hot_pages; i++)
		printf("VTIER-HOTPAGE %" PRIx64 "\n", gpfn[i]);
	printf("VTIER-HOTCOLD-START pages=%zu hot=%zu rate=%lu seconds=%lu\n",
	       pages, hot_pages, rate, secs);
	fflush(stdout);

	start = now_ns();
	next = start;
	while (now_ns() - start < secs * 1000000000ull) {
		uint64_t r = rng();
		size_t p = (r % 100 < hot_pct) ? (r >> 8) % hot_pages :
			   hot_pages + (r >> 8) % (pages - hot_pages);

		/* volatile: every access reaches memory (and its PTE's A bit). */
		mem[p * PAGE + (r >> 40) % PAGE] += 1;
		/* Pace to `rate` accesses per second, sleeping, not spinning. */
		next += 1000000000ull / rate;
		if (++n % 64 == 0) {
			/* One reading: a second could pass `next` and wrap d. */
			uint64_t now = now_ns();
			uint64_t d = next > now ? next - now : 0;
			struct timespec ts = { d / 1000000000ull,
					       d % 1000000000ull };

			if (d)
				nanosleep(&ts, NULL);
		}
	}
	printf("VTIER-HOTCOLD-DONE\n");
	return 0;
}
