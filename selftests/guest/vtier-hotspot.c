// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-hotspot: a workload with a known hot region for the samplers' tests.
 * Unlike vtier-hotcold it never talks to vtier: a sampler has to find the
 * hot region by itself.
 *
 *   vtier-hotspot HOT_MIB COLD_MIB [--quiet]
 *
 * It maps a hot and a cold region, each aligned to 2 MiB so that no huge
 * page holds both, writes every page of both once, prints the hot region's
 * frames (`VTIER-HOT <gpfn hex>`, read from /proc/self/pagemap) unless
 * --quiet, then `VTIER-HOTSPOT ready`, and from then on reads the hot
 * region over and over and never touches the cold one again.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE		4096ul
#define ALIGN_2M	(2ul << 20)
#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)

/* An anonymous region of bytes, aligned to 2 MiB, every page written. */
static unsigned char *region(size_t bytes)
{
	unsigned char *p = mmap(NULL, bytes + ALIGN_2M, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		perror("vtier-hotspot: mmap");
		exit(1);
	}
	p = (unsigned char *)(((uintptr_t)p + ALIGN_2M - 1) & ~(ALIGN_2M - 1));
	for (i = 0; i < bytes; i += PAGE)
		p[i] = 1;
	return p;
}

static uint64_t gpfn_of(int pagemap, const void *va)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)va / PAGE * sizeof(e));

	if (pread(pagemap, &e, sizeof(e), off) != (ssize_t)sizeof(e) ||
	    !(e & PM_PRESENT))
		return 0;
	return e & PM_PFN_MASK;
}

static size_t mib_arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v == 0 || v > 1024) {
		fprintf(stderr, "vtier-hotspot: %s: want 1..1024 (MiB)\n", s);
		exit(2);
	}
	return v << 20;
}

int main(int argc, char **argv)
{
	volatile unsigned char *hot;
	unsigned long sum = 0;
	size_t hot_b, i;
	int pagemap;

	if (argc < 3 || (argc == 4 && strcmp(argv[3], "--quiet")) || argc > 4) {
		fprintf(stderr, "usage: vtier-hotspot HOT_MIB COLD_MIB [--quiet]\n");
		return 2;
	}
	hot_b = mib_arg(argv[1]);
	hot = region(hot_b);
	region(mib_arg(argv[2]));
	if (argc == 3) {
		pagemap = open("/proc/self/pagemap", O_RDONLY);
		if (pagemap < 0) {
			perror("vtier-hotspot: /proc/self/pagemap");
			return 1;
		}
		for (i = 0; i < hot_b; i += PAGE) {
			uint64_t g = gpfn_of(pagemap, (const void *)&hot[i]);

			if (!g) {
				fprintf(stderr, "vtier-hotspot: no frame (not root?)\n");
				return 1;
			}
			printf("VTIER-HOT 0x%" PRIx64 "\n", g);
		}
		close(pagemap);
	}
	printf("VTIER-HOTSPOT ready\n");
	fflush(stdout);
	for (;;)
		for (i = 0; i < hot_b; i += 64)
			sum += hot[i];
	return (int)sum;
}
