// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-fill N [--accesses K] [--hold SECONDS] [--no-replay]
 *
 * Runs as root inside the test guest.  Allocates N pinned 4 KiB pages,
 * finds each page's guest-physical address through /proc/self/pagemap,
 * writes the pattern of pattern.h into it, prints `VTIER-PAGE 0x<gpfn>`
 * per page, feeds K trace-v1 records per page to the module's replay file
 * (/sys/kernel/debug/vtier/replay), prints `VTIER-FILL-DONE N` and then
 * keeps the pages (until killed, or for SECONDS with --hold) so the host
 * can read guest RAM and check the pattern.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define REPLAY_PATH	"/sys/kernel/debug/vtier/replay"
#define PAGEMAP_PFN	((1ULL << 55) - 1)	/* bits 0-54 */
#define PAGEMAP_PRESENT	(1ULL << 63)
#define MAX_PAGES	(1u << 20)
#define WRITE_CHUNK	2048	/* replay bytes per write(), whole lines only */

static void usage(void)
{
	fprintf(stderr,
		"usage: vtier-fill N [--accesses K] [--hold SECONDS] [--no-replay]\n");
	exit(2);
}

static unsigned long parse_ulong(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		usage();
	return v;
}

/* Guest frame number of the page at addr, or 0 if not present. */
static uint64_t gpfn_of(int pagemap, const void *addr)
{
	uint64_t ent;
	off_t off = (off_t)((uintptr_t)addr / VTIER_PATTERN_PAGE) * 8;

	if (pread(pagemap, &ent, sizeof(ent), off) != sizeof(ent)) {
		perror("vtier-fill: pread /proc/self/pagemap");
		exit(1);
	}
	if (!(ent & PAGEMAP_PRESENT))
		return 0;
	return ent & PAGEMAP_PFN;
}

/* Write K records per page, round robin so time stamps keep increasing. */
static long feed_replay(const uint64_t *gpfn, unsigned long n, unsigned long k)
{
	char buf[WRITE_CHUNK], line[64];
	struct timespec ts;
	size_t used = 0;
	uint64_t t0, gpa;
	unsigned long r, i;
	long records = 0;
	int fd, len;

	fd = open(REPLAY_PATH, O_WRONLY);
	if (fd < 0) {
		printf("VTIER-FILL-REPLAY unavailable (%s: %s)\n", REPLAY_PATH,
		       strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (r = 0; r < k; r++) {
		for (i = 0; i < n; i++) {
			/* A different cache line of the page each round. */
			gpa = gpfn[i] * VTIER_PATTERN_PAGE +
			      (r * 64) % VTIER_PATTERN_PAGE;
			len = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIx64
				       " %c\n", t0 + (uint64_t)records * 1000,
				       gpa, (r & 1) ? 'R' : 'W');
			/* Each write() carries whole lines only. */
			if (used + (size_t)len > sizeof(buf)) {
				if (write(fd, buf, used) != (ssize_t)used)
					goto fail;
				used = 0;
			}
			memcpy(buf + used, line, (size_t)len);
			used += (size_t)len;
			records++;
		}
	}
	if (used && write(fd, buf, used) != (ssize_t)used)
		goto fail;
	close(fd);
	return records;
fail:
	printf("VTIER-FILL-REPLAY error (%s)\n", strerror(errno));
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long n, k = 8, hold = 0, i;
	int replay = 1, hold_forever = 1;
	uint64_t *gpfn;
	unsigned char *mem;
	long records;
	int pagemap, fd, a;

	if (argc < 2)
		usage();
	n = parse_ulong(argv[1], MAX_PAGES);
	if (n == 0)
		usage();
	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--accesses") && a + 1 < argc) {
			k = parse_ulong(argv[++a], 1000000);
		} else if (!strcmp(argv[a], "--hold") && a + 1 < argc) {
			hold = parse_ulong(argv[++a], 1UL << 30);
			hold_forever = 0;
		} else if (!strcmp(argv[a], "--no-replay")) {
			replay = 0;
		} else {
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/*
	 * Keep the pages where they are while the host looks at them: no
	 * THP (khugepaged would copy them to new frames), mlocked, and no
	 * compaction of mlocked pages.
	 */
	fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			perror("vtier-fill: compact_unevictable_allowed");
		close(fd);
	}
	mem = mmap(NULL, n * VTIER_PATTERN_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("vtier-fill: mmap");
		return 1;
	}
	madvise(mem, n * VTIER_PATTERN_PAGE, MADV_NOHUGEPAGE);
	/* Write-fault every page in (a read would map the shared zero page). */
	for (i = 0; i < n; i++)
		mem[i * VTIER_PATTERN_PAGE] = 1;
	if (mlock(mem, n * VTIER_PATTERN_PAGE)) {
		perror("vtier-fill: mlock");
		return 1;
	}

	gpfn = calloc(n, sizeof(*gpfn));
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (!gpfn || pagemap < 0) {
		perror("vtier-fill: /proc/self/pagemap");
		return 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char *page = mem + i * VTIER_PATTERN_PAGE;

		gpfn[i] = gpfn_of(pagemap, page);
		if (!gpfn[i]) {
			fprintf(stderr, "vtier-fill: page %lu not present or "
				"no PFN (not root?)\n", i);
			return 1;
		}
		vtier_pattern_fill(page, gpfn[i] * VTIER_PATTERN_PAGE);
	}
	/* Report only frames that did not move while we wrote them. */
	for (i = 0; i < n; i++) {
		if (gpfn_of(pagemap, mem + i * VTIER_PATTERN_PAGE) != gpfn[i]) {
			fprintf(stderr, "vtier-fill: page %lu moved\n", i);
			return 1;
		}
		printf("VTIER-PAGE 0x%" PRIx64 "\n", gpfn[i]);
	}
	if (replay && k) {
		records = feed_replay(gpfn, n, k);
		if (records >= 0)
			printf("VTIER-FILL-REPLAY written=%ld\n", records);
	}
	printf("VTIER-FILL-DONE %lu\n", n);

	if (hold_forever)
		for (;;)
			pause();
	sleep((unsigned int)hold);
	return 0;
}
