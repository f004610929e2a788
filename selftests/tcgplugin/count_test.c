// SPDX-License-Identifier: GPL-2.0
/*
 * tcgplugin_count_test: vtier-gt's counting and output code on the host
 * (tools/tcgplugin/gt_count.c, gt_out.c), also under ASan/UBSan.  Two
 * threads play two vCPUs, each with its own clock, recording accesses
 * across many windows and sampling some into the trace while a third
 * thread dumps tables the way the exit path does (no clear) - then the
 * final dump must give, per window and page, exactly the accesses made,
 * and a trace whose times never go back holding every sampled record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gt.h"

#define NV		2
#define ACCESSES	300000ULL	/* per vCPU */
#define WINDOW		50000ULL	/* ns: 6+ windows, tables flushed often */
#define PAGES		9000		/* > GT_TABLE_MIN_CAP / 2: tables grow */
#define EVERY		7		/* sample period */

static struct gt_vcpu v[NV];

/* vCPU i's k-th access: time, page; vCPU 1's clock runs at another pace. */
static uint64_t when(int i, uint64_t k) { return k * (i + 1) + (i ? 3 : 0); }
static uint64_t page(int i, uint64_t k) { return (k * 2654435761u + i) % PAGES; }

static void *vcpu_thread(void *arg)
{
	int i = (int)(intptr_t)arg;

	for (uint64_t k = 0; k < ACCESSES; k++) {
		if (gt_record(&v[i], when(i, k), WINDOW, page(i, k)))
			return (void *)1;
		if (k % EVERY == 0)
			gt_trace_add(&v[i], when(i, k), page(i, k) << GT_PAGE_SHIFT,
				     k & 1);
	}
	return NULL;
}

/* Reads every table while the vCPUs count, as an exit dump could. */
static _Atomic int stop_reader;
static void *reader_thread(void *arg)
{
	(void)arg;
	while (!stop_reader)
		for (int i = 0; i < NV; i++) {
			pthread_mutex_lock(&v[i].lock);
			for (uint64_t j = 0; j < v[i].tab.cap; j++)
				(void)atomic_load_explicit(&v[i].tab.cnt[j],
							   memory_order_relaxed);
			pthread_mutex_unlock(&v[i].lock);
		}
	return NULL;
}

TEST(counts_and_trace_are_exact)
{
	char dir[] = "/tmp/tcgplugin_count_test.XXXXXX", prefix[64], path[96], line[256];
	uint64_t nwin = (ACCESSES * NV) / WINDOW + 2, *want, prev = 0, recs = 0;
	unsigned long long w = 0, pfn, cnt, t, gpa;
	pthread_t th[NV], rd;
	int64_t windows;
	char rw[4];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "%s/gt", dir);
	want = calloc(nwin * PAGES, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (int i = 0; i < NV; i++) {
		pthread_mutex_init(&v[i].lock, NULL);
		v[i].win_end = WINDOW;
		ASSERT_EQ(0, gt_table_init(&v[i].tab, GT_TABLE_MIN_CAP));
		ASSERT_EQ(0, gt_trace_open(&v[i], prefix, i));
		for (uint64_t k = 0; k < ACCESSES; k++)
			want[when(i, k) / WINDOW * PAGES + page(i, k)]++;
	}
	ASSERT_EQ(0, pthread_create(&rd, NULL, reader_thread, NULL));
	for (int i = 0; i < NV; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, vcpu_thread,
					    (void *)(intptr_t)i));
	for (int i = 0; i < NV; i++) {
		void *rc;

		pthread_join(th[i], &rc);
		EXPECT_EQ(NULL, rc);
	}
	stop_reader = 1;
	pthread_join(rd, NULL);
	EXPECT_GT(v[0].tab.cap, GT_TABLE_MIN_CAP);	/* it grew */

	for (int i = 0; i < NV; i++)
		ASSERT_EQ(0, gt_flush_window(&v[i], false));
	ASSERT_EQ(0, gt_write_truth(prefix, "# test\n"));
	ASSERT_EQ(0, gt_write_trace(prefix, v, NV, "# test\n"));
	windows = (int64_t)gt_store_windows();
	EXPECT_EQ((int64_t)(when(1, ACCESSES - 1) / WINDOW + 1), windows);

	/* Subtract the truth from what was done: all zero at the end. */
	snprintf(path, sizeof(path), "%s.truth", prefix);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "window %llu", &w) == 1)
			continue;
		ASSERT_EQ(2, sscanf(line, "%llx %llu", &pfn, &cnt)) TH_LOG("%s", line);
		ASSERT_LT(w, nwin);
		ASSERT_LT(pfn, PAGES);
		ASSERT_EQ(want[w * PAGES + pfn], cnt) TH_LOG("window %llu page %llx",
							    w, pfn);
		want[w * PAGES + pfn] = 0;
	}
	fclose(f);
	for (uint64_t j = 0; j < nwin * PAGES; j++) {
		ASSERT_EQ(0, want[j]) TH_LOG("window %" PRIu64 " page %" PRIu64
					     " missing", j / PAGES, j % PAGES);
	}
	free(want);

	snprintf(path, sizeof(path), "%s.trace", prefix);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		ASSERT_EQ(3, sscanf(line, "%llu %llx %3s", &t, &gpa, rw));
		ASSERT_GE(t, prev);
		ASSERT_TRUE(!strcmp(rw, "R") || !strcmp(rw, "W"));
		prev = t;
		recs++;
	}
	fclose(f);
	EXPECT_EQ(NV * ((ACCESSES + EVERY - 1) / EVERY), recs);
	EXPECT_EQ(recs, v[0].samples + v[1].samples);

	unlink(path);
	snprintf(path, sizeof(path), "%s.truth", prefix);
	unlink(path);
	rmdir(dir);	/* fails (and shows) if a temporary file was left */
	EXPECT_EQ(0, access(dir, F_OK) == 0);
}

TEST_HARNESS_MAIN
