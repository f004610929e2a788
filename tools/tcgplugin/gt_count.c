// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gt counting.  Each vCPU counts into its own open-addressing table
 * (single writer, no lock on the access path).  The table holds one time
 * window; when the vCPU's clock leaves the window, the vCPU merges the
 * table into the global per-window store under the store's lock and
 * starts afresh.  The exit dump may run while vCPUs still execute, so the
 * table's slots are atomics (relaxed: plain moves on x86) and everything
 * that rehashes or clears a table holds that vCPU's lock, which the dump
 * also takes.
 */
#include <stdlib.h>
#include <string.h>

#include "gt.h"


static uint64_t hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

int gt_table_init(struct gt_table *t, uint64_t cap)
{
	t->key = calloc(cap, sizeof(*t->key));
	t->cnt = calloc(cap, sizeof(*t->cnt));
	t->cap = cap;
	atomic_store_explicit(&t->used, 0, memory_order_relaxed);
	if (!t->key || !t->cnt) {
		gt_table_free(t);
		return -1;
	}
	return 0;
}

void gt_table_free(struct gt_table *t)
{
	free(t->key);
	free(t->cnt);
	t->key = NULL;
	t->cnt = NULL;
	t->cap = 0;
	atomic_store_explicit(&t->used, 0, memory_order_relaxed);
}

/* Twice the size, same contents.  Caller holds the vCPU lock. */
static int grow(struct gt_table *t)
{
	struct gt_table n;
	uint64_t used = 0;

	if (gt_table_init(&n, t->cap * 2))
		return -1;
	for (uint64_t i = 0; i < t->cap; i++) {
		uint64_t k = atomic_load_explicit(&t->key[i], memory_order_relaxed);
		uint64_t j;

		if (!k)
			continue;
		for (j = hash(k) & (n.cap - 1); atomic_load_explicit(&n.key[j],
		     memory_order_relaxed); j = (j + 1) & (n.cap - 1))
			;
		atomic_store_explicit(&n.key[j], k, memory_order_relaxed);
		atomic_store_explicit(&n.cnt[j], atomic_load_explicit(&t->cnt[i],
				      memory_order_relaxed), memory_order_relaxed);
		used++;
	}
	gt_table_free(t);
	t->key = n.key;
	t->cnt = n.cnt;
	t->cap = n.cap;
	atomic_store_explicit(&t->used, used, memory_order_relaxed);
	return 0;
}

int gt_count(struct gt_vcpu *v, uint64_t pfn)
{
	struct gt_table *t = &v->tab;
	uint64_t k = pfn + 1, mask = t->cap - 1, i;
	uint64_t used = atomic_load_explicit(&t->used, memory_order_relaxed);

	for (i = hash(k) & mask;; i = (i + 1) & mask) {
		uint64_t s = atomic_load_explicit(&t->key[i], memory_order_relaxed);

		if (s == k) {
			/* Single writer: load + store, no locked RMW. */
			atomic_store_explicit(&t->cnt[i], atomic_load_explicit(
				&t->cnt[i], memory_order_relaxed) + 1,
				memory_order_relaxed);
			return 0;
		}
		if (!s)
			break;
	}
	if (2 * (used + 1) > t->cap) {
		int rc;

		pthread_mutex_lock(&v->lock);
		rc = grow(t);
		pthread_mutex_unlock(&v->lock);
		if (rc)
			return -1;
		return gt_count(v, pfn);
	}
	/* The count first, then the key: a dump that sees the key sees 1. */
	atomic_store_explicit(&t->cnt[i], 1, memory_order_relaxed);
	atomic_store_explicit(&t->key[i], k, memory_order_release);
	atomic_store_explicit(&t->used, used + 1, memory_order_relaxed);
	return 0;
}

int gt_record(struct gt_vcpu *v, uint64_t t, uint64_t window_ns, uint64_t pfn)
{
	int rc = 0;

	if (t >= v->win_end) {
		pthread_mutex_lock(&v->lock);
		rc = gt_flush_window(v, true);
		v->win = t / window_ns;
		v->win_end = (v->win + 1) * window_ns;
		pthread_mutex_unlock(&v->lock);
	}
	return gt_count(v, pfn) ? -1 : rc;
}

/* ---- the global store: one plain hash table per window, one lock ---- */

struct win_tab {
	uint64_t *key, *cnt;		/* key pfn + 1, 0 = empty */
	uint64_t cap, used;
};

static struct {
	pthread_mutex_t lock;
	struct win_tab *win;		/* indexed by window */
	uint64_t nwin;
	uint64_t pages;
} store = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int win_add(struct win_tab *w, uint64_t k, uint64_t c);

static int win_grow(struct win_tab *w)
{
	struct win_tab n = { 0 };
	uint64_t cap = w->cap ? 2 * w->cap : GT_TABLE_MIN_CAP;

	n.key = calloc(cap, sizeof(*n.key));
	n.cnt = calloc(cap, sizeof(*n.cnt));
	n.cap = cap;
	if (!n.key || !n.cnt) {
		free(n.key);
		free(n.cnt);
		return -1;
	}
	for (uint64_t i = 0; i < w->cap; i++)
		if (w->key[i])
			win_add(&n, w->key[i], w->cnt[i]);
	free(w->key);
	free(w->cnt);
	*w = n;
	return 0;
}

static int win_add(struct win_tab *w, uint64_t k, uint64_t c)
{
	uint64_t i;

	if (2 * (w->used + 1) > w->cap && win_grow(w))
		return -1;
	for (i = hash(k) & (w->cap - 1); w->key[i] && w->key[i] != k;
	     i = (i + 1) & (w->cap - 1))
		;
	if (!w->key[i]) {
		w->key[i] = k;
		w->used++;
		store.pages++;
	}
	w->cnt[i] += c;
	return 0;
}

int gt_flush_window(struct gt_vcpu *v, bool clear)
{
	struct gt_table *t = &v->tab;
	int rc = 0;

	if (!atomic_load_explicit(&t->used, memory_order_relaxed))
		return 0;
	pthread_mutex_lock(&store.lock);
	if (v->win >= store.nwin) {
		uint64_t n = v->win + 1;
		struct win_tab *w = realloc(store.win, n * sizeof(*w));

		if (!w) {
			rc = -1;
			goto out;
		}
		memset(w + store.nwin, 0, (n - store.nwin) * sizeof(*w));
		store.win = w;
		store.nwin = n;
	}
	for (uint64_t i = 0; i < t->cap && !rc; i++) {
		uint64_t k = atomic_load_explicit(&t->key[i], memory_order_acquire);

		if (k)
			rc = win_add(&store.win[v->win], k, atomic_load_explicit(
				&t->cnt[i], memory_order_relaxed));
	}
out:
	pthread_mutex_unlock(&store.lock);
	if (!clear)
		return rc;
	/* Clear for the next window (the lock keeps the dump out). */
	for (uint64_t i = 0; i < t->cap; i++) {
		atomic_store_explicit(&t->key[i], 0, memory_order_relaxed);
		atomic_store_explicit(&t->cnt[i], 0, memory_order_relaxed);
	}
	atomic_store_explicit(&t->used, 0, memory_order_relaxed);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t gt_store_walk(gt_page_fn fn, void *ctx)
{
	int64_t rc;

	pthread_mutex_lock(&store.lock);
	rc = (int64_t)store.nwin;
	for (uint64_t w = 0; w < store.nwin && rc >= 0; w++) {
		struct win_tab *t = &store.win[w];
		uint64_t *keys = malloc((t->used + 1) * sizeof(*keys)), n = 0;

		if (!keys) {
			rc = -1;
			break;
		}
		for (uint64_t i = 0; i < t->cap; i++)
			if (t->key[i])
				keys[n++] = t->key[i];
		qsort(keys, n, sizeof(*keys), cmp_u64);
		if (fn(ctx, w, true, 0, 0))
			rc = -1;
		for (uint64_t i = 0; i < n && rc >= 0; i++) {
			uint64_t j, k = keys[i];

			for (j = hash(k) & (t->cap - 1); t->key[j] != k;
			     j = (j + 1) & (t->cap - 1))
				;
			if (fn(ctx, w, false, k - 1, t->cnt[j]))
				rc = -1;
		}
		free(keys);
	}
	pthread_mutex_unlock(&store.lock);
	return rc;
}

uint64_t gt_store_pages(void)
{
	uint64_t n;

	pthread_mutex_lock(&store.lock);
	n = store.pages;
	pthread_mutex_unlock(&store.lock);
	return n;
}

uint64_t gt_store_windows(void)
{
	uint64_t n;

	pthread_mutex_lock(&store.lock);
	n = store.nwin;
	pthread_mutex_unlock(&store.lock);
	return n;
}
