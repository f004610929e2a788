// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-touch HOT COLD HROUNDS CROUNDS THREADS: the guest side of
 * e2e_plugin_test.  Touches a known set of pages a known number of times
 * between vtier-gt markers 1 and 2, so the plugin's counts can be checked
 * exactly against the frames found here through /proc/self/pagemap.
 *
 * It maps HOT + COLD pages (no THP), mlocks them (frames stay put) and
 * prints one line per page:
 *     VTIER-TOUCH page <index> <hot|cold> <pfn_hex>
 * then `VTIER-TOUCH expect hot=<n> cold=<n>`, the accesses each hot or cold
 * page will get.  Between the markers each of THREADS threads touches every
 * hot page HROUNDS times and every cold page CROUNDS times; a touch is one
 * 8-byte volatile load and one 8-byte volatile store per 64-byte line
 * (64 lines: 128 accesses per page), then marker 3 (the plugin logs its
 * time) just before marker 2.  Nothing else in the guest uses these
 * frames, so each hot frame's count is THREADS * HROUNDS * 128 exactly.
 * At the end it prints `VTIER-TOUCH done phase_ms=<ms>`, the guest's
 * monotonic time between the markers (tools/tcgplugin/bench.sh uses it).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vtier_mark.h"

#define PAGE		4096
#define LINE		64
#define TOUCH_ACCESSES	(2 * PAGE / LINE)	/* load + store per line */
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

static unsigned long hot, cold, hrounds, crounds;
static unsigned char *buf;

static void touch_page(unsigned char *page)
{
	for (unsigned off = 0; off < PAGE; off += LINE) {
		volatile uint64_t *p = (volatile uint64_t *)(page + off);
		uint64_t x = *p;	/* one 8-byte load ... */

		*p = x + 1;		/* ... and one 8-byte store */
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (unsigned long r = 0; r < hrounds || r < crounds; r++) {
		if (r < hrounds)
			for (unsigned long i = 0; i < hot; i++)
				touch_page(buf + i * PAGE);
		if (r < crounds)
			for (unsigned long i = 0; i < cold; i++)
				touch_page(buf + (hot + i) * PAGE);
	}
	return NULL;
}

/*
 * Out of line, and followed by a system call: the plugin arms on the marker
 * and retranslates, but the rest of the marker's translation block still
 * runs uninstrumented.
 */
static __attribute__((noinline)) void mark(int code)
{
	if (code == 1)
		VTIER_MARK(1);
	else if (code == 2)
		VTIER_MARK(2);
	else
		VTIER_MARK(3);
	getppid();
}

static unsigned long arg(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "vtier-touch: bad argument '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long threads, pages;
	pthread_t tid[16];
	struct timespec t0, t1;
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: vtier-touch HOT COLD HROUNDS CROUNDS THREADS\n");
		return 2;
	}
	hot = arg(argv[1], 1 << 20);
	cold = arg(argv[2], 1 << 20);
	hrounds = arg(argv[3], 1 << 20);
	crounds = arg(argv[4], 1 << 20);
	threads = arg(argv[5], 16);
	pages = hot + cold;
	if (!pages || !threads) {
		fprintf(stderr, "vtier-touch: no pages or no threads\n");
		return 2;
	}
	buf = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("vtier-touch: mmap");
		return 1;
	}
	/*
	 * 4 KiB frames that stay where pagemap says they are: no THP, and no
	 * compaction moving mlocked pages (it may, by default).
	 */
	fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		perror("vtier-touch: compact_unevictable_allowed");
	if (fd >= 0)
		close(fd);
	madvise(buf, pages * PAGE, MADV_NOHUGEPAGE);
	if (mlock(buf, pages * PAGE)) {
		perror("vtier-touch: mlock");
		return 1;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		perror("vtier-touch: /proc/self/pagemap");
		return 1;
	}
	for (unsigned long i = 0; i < pages; i++) {
		uint64_t e;
		off_t off = (off_t)((uintptr_t)(buf + i * PAGE) / PAGE * sizeof(e));

		if (pread(fd, &e, sizeof(e), off) != sizeof(e) ||
		    !(e & PM_PRESENT) || !(e & PM_PFN_MASK)) {
			fprintf(stderr, "vtier-touch: no frame for page %lu "
				"(pagemap needs root)\n", i);
			return 1;
		}
		printf("VTIER-TOUCH page %lu %s %llx\n", i, i < hot ? "hot" : "cold",
		       (unsigned long long)(e & PM_PFN_MASK));
	}
	close(fd);
	printf("VTIER-TOUCH expect hot=%lu cold=%lu\n",
	       threads * hrounds * TOUCH_ACCESSES, threads * crounds * TOUCH_ACCESSES);
	fflush(stdout);

	mark(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long t = 0; t < threads; t++)
		if (pthread_create(&tid[t], NULL, worker, NULL)) {
			fprintf(stderr, "vtier-touch: pthread_create failed\n");
			return 1;
		}
	for (unsigned long t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* marker 3 ends the touching: its time is after every touch */
	mark(3);
	mark(2);
	printf("VTIER-TOUCH done phase_ms=%lld\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
}
