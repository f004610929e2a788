// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-numa-bench: speed of vtierd's mover (host-backend/mover.c, the
 * move_pages(2) path vtierd uses: query, move, re-query on failure) on a
 * shared memfd, by batch size, for 4 KiB pages and for 2 MiB shmem
 * transparent huge pages.  Runs on any host with two memory nodes; in the
 * test VM the figures are emulated (TCG), not hardware timing.
 *   vtier-numa-bench [FAST_NODE SLOW_NODE]
 * Prints VTIER-NUMA-BENCH lines, and VTIER-NUMA-TEST lines for what the
 * mover must get right with the real kernel: pinned pages (no status
 * written), a bad node, and a THP moved whole by its head address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mover.h"

#define SMALL_PAGES 4096		/* 16 MiB of 4 KiB pages */
#define HUGE (2u << 20)
#define HUGE_PAGES 32			/* 64 MiB of 2 MiB pages */

static int fast_node, slow_node;
static struct mover mover_move_pages;	/* mover_init_move_pages() in main */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *map_memfd(size_t len, int huge)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);
	uint8_t *p, *a;

	if (fd < 0 || ftruncate(fd, (off_t)len))
		return NULL;
	/* A 2 MiB-aligned address, so shmem can map huge pages. */
	p = mmap(NULL, len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED)
		return NULL;
	close(fd);
	if (huge)
		madvise(a, len, MADV_HUGEPAGE);
	memset(a, 0x5a, len);
	return a;
}

/* Move the n pages at addr[] to node in calls of batch; seconds or -1. */
static double move_all(const uint64_t *addr, unsigned int n,
		       unsigned int batch, int node)
{
	static struct move_out out[SMALL_PAGES];
	double t0 = now_s();
	unsigned int i, j;

	for (i = 0; i < n; i += batch) {
		unsigned int c = n - i < batch ? n - i : batch;

		mover_move_pages.move(&mover_move_pages, getpid(), addr + i, c,
				      node, out + i);
	}
	t0 = now_s() - t0;
	for (j = 0; j < n; j++)
		if (out[j].res != MV_MOVED)
			return -1;
	return t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of ROUNDS round trips (slow node and back): TCG is noisy. */
#define ROUNDS 5

static void bench(const char *kind, const uint64_t *addr, unsigned int n,
		  unsigned int batch, size_t page)
{
	double t1 = 0, t2 = 0, t, round[ROUNDS] = { 0 }, pages = 2.0 * n;
	unsigned int r;

	for (r = 0; r < ROUNDS && t1 >= 0 && t2 >= 0; r++) {
		t1 = move_all(addr, n, batch, slow_node);
		t2 = move_all(addr, n, batch, fast_node);
		round[r] = t1 + t2;
	}
	qsort(round, ROUNDS, sizeof(round[0]), cmp_double);
	t = round[ROUNDS / 2];
	if (t1 < 0 || t2 < 0) {
		printf("VTIER-NUMA-BENCH move %s batch=%u FAILED (not every page moved)\n",
		       kind, batch);
		return;
	}
	printf("VTIER-NUMA-BENCH move %s batch=%u pages=%u (median of %d) pages_per_s=%.0f MB_per_s=%.1f us_per_page=%.1f\n",
	       kind, batch, 2 * n, ROUNDS, pages / t, pages * (double)page / t / 1e6,
	       t / pages * 1e6);
}

static long shmem_pmd_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "ShmemPmdMapped: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * The mover's answers when the kernel does not write the status array:
 * pages with extra references (vmsplice'd into a pipe) make move_pages
 * return rc > 0 with no status at all; the re-query must find the others
 * moved and report the pinned ones busy, and they move once released.  A
 * node that does not exist fails the whole call (ENODEV).
 */
static void mover_check(uint8_t *m, const uint64_t *addr)
{
	struct move_out out[32];
	struct iovec iov = { .iov_base = m, .iov_len = 8 * 4096 };
	unsigned int i, moved = 0, busy = 0, enodev = 0, later = 0;
	char sink[8 * 4096];
	int p[2];

	if (pipe(p) || fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < 0 ||
	    vmsplice(p[1], &iov, 1, 0) != (ssize_t)iov.iov_len) {
		printf("VTIER-NUMA-TEST not-ok mover_pinned_busy vmsplice failed\n");
		return;
	}
	mover_move_pages.move(&mover_move_pages, getpid(), addr, 32, slow_node,
			      out);
	for (i = 0; i < 32; i++) {
		moved += out[i].res == MV_MOVED;
		busy += i < 8 && out[i].res == MV_BUSY;
	}
	if (read(p[0], sink, sizeof(sink)) != (ssize_t)sizeof(sink))
		busy = 0;
	mover_move_pages.move(&mover_move_pages, getpid(), addr, 8, slow_node,
			      out);
	for (i = 0; i < 8; i++)
		later += out[i].res == MV_MOVED;
	printf("VTIER-NUMA-TEST %s mover_pinned_busy %u of 24 free pages moved, %u of 8 pinned busy, %u of 8 moved once released\n",
	       moved == 24 && busy == 8 && later == 8 ? "ok" : "not-ok",
	       moved, busy, later);
	close(p[0]);
	close(p[1]);
	mover_move_pages.move(&mover_move_pages, getpid(), addr, 32, 63, out);
	for (i = 0; i < 32; i++)
		enodev += out[i].res == MV_FAILED && out[i].err == ENODEV;
	printf("VTIER-NUMA-TEST %s mover_bad_node_failed %u of 32 pages failed with ENODEV\n",
	       enodev == 32 ? "ok" : "not-ok", enodev);
	move_all(addr, 32, 32, fast_node);
}

/*
 * The placement vtierd relies on for order-9 hints: the head address alone
 * moves the whole 2 MiB THP (every subpage follows, nothing is split).
 */
static void thp_check(uint8_t *m, uint64_t *head)
{
	static uint64_t sub[HUGE_PAGES * 512];
	static int node[HUGE_PAGES * 512];
	struct move_out out[HUGE_PAGES];
	unsigned int i, on_slow = 0, moved = 0;
	long before = shmem_pmd_kb(), after;

	mover_move_pages.move(&mover_move_pages, getpid(), head, HUGE_PAGES,
			      slow_node, out);
	for (i = 0; i < HUGE_PAGES; i++)
		moved += out[i].res == MV_MOVED;
	for (i = 0; i < HUGE_PAGES * 512; i++)
		sub[i] = (uintptr_t)(m + (size_t)i * 4096);
	if (!mover_query(getpid(), sub, HUGE_PAGES * 512, node))
		for (i = 0; i < HUGE_PAGES * 512; i++)
			on_slow += node[i] == slow_node;
	after = shmem_pmd_kb();
	printf("VTIER-NUMA-TEST %s thp_head_moves_whole %u of %u heads moved; %u of %u subpages on node %d; ShmemPmdMapped %ld -> %ld kB\n",
	       moved == HUGE_PAGES && on_slow == HUGE_PAGES * 512 &&
	       after == before ? "ok" : "not-ok", moved, HUGE_PAGES, on_slow,
	       HUGE_PAGES * 512, slow_node, before, after);
}

int main(int argc, char **argv)
{
	static uint64_t addr[SMALL_PAGES];
	static const unsigned int batches[] = { 1, 64, 1024 };
	uint8_t *m;
	unsigned int i;
	FILE *f;
	long kb;

	fast_node = argc > 2 ? atoi(argv[1]) : 0;
	slow_node = argc > 2 ? atoi(argv[2]) : 1;
	mover_init_move_pages(&mover_move_pages);
	setvbuf(stdout, NULL, _IOLBF, 0);
	m = map_memfd((size_t)SMALL_PAGES * 4096, 0);
	if (!m) {
		perror("vtier-numa-bench: memfd");
		return 1;
	}
	for (i = 0; i < SMALL_PAGES; i++)
		addr[i] = (uintptr_t)(m + (size_t)i * 4096);
	move_all(addr, SMALL_PAGES, 1024, fast_node);
	for (i = 0; i < 3; i++)
		bench("4KiB", addr, SMALL_PAGES, batches[i], 4096);
	mover_check(m, addr);

	/* shmem THP needs shmem_enabled=advise plus MADV_HUGEPAGE. */
	f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "w");
	if (f) {
		fputs("advise", f);
		fclose(f);
	}
	m = map_memfd((size_t)HUGE_PAGES * HUGE, 1);
	kb = shmem_pmd_kb();
	if (!m || kb < (long)HUGE_PAGES * 2048) {
		printf("VTIER-NUMA-BENCH move 2MiB unavailable (ShmemPmdMapped %ld kB)\n",
		       kb);
		printf("VTIER-NUMA-TEST not-ok thp_head_moves_whole no shmem THP\n");
		return 0;
	}
	/* One (head) address per 2 MiB page, as vtierd passes them. */
	for (i = 0; i < HUGE_PAGES; i++)
		addr[i] = (uintptr_t)(m + (size_t)i * HUGE);
	move_all(addr, HUGE_PAGES, HUGE_PAGES, fast_node);
	for (i = 0; i < 2; i++)
		bench("2MiB", addr, HUGE_PAGES, i ? HUGE_PAGES : 1, HUGE);
	thp_check(m, addr);
	printf("VTIER-NUMA-BENCH 2MiB batch=1024 not run: %u huge pages (64 MiB) is what the 512 MiB test nodes hold comfortably\n",
	       HUGE_PAGES);
	return 0;
}
