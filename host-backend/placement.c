// SPDX-License-Identifier: GPL-2.0
/* Placement accounting, quota, rate limits and the wait queue. */
#include "placement.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

#define NS_PER_S 1000000000ull
#define HUGE_BYTES (PLACE_HUGE_FRAMES * PLACE_PAGE_SIZE)

/* V_NOROOM: no room under the quota or pool; V_WAIT: a rate limit. */
enum verdict { V_APPLIED, V_REJECTED, V_DEFERRED, V_NOROOM, V_WAIT };

static void bucket_init(struct bucket *b, uint64_t rate, double min_burst,
			uint64_t now)
{
	b->rate = rate;
	/* One second's worth, but never less than the largest single cost. */
	b->burst = (double)rate > min_burst ? (double)rate : min_burst;
	b->tokens = b->burst;
	b->last_ns = now;
}

static bool bucket_has(struct bucket *b, double amount, uint64_t now)
{
	if (!b->rate)
		return true;
	if (now > b->last_ns) {
		b->tokens += (double)(now - b->last_ns) * (double)b->rate /
			     (double)NS_PER_S;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now;
	}
	return b->tokens >= amount;
}

static void bucket_add(struct bucket *b, double amount)
{
	if (b->rate) {
		b->tokens += amount;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
}

void place_host_init(struct place_host *h, struct mover *mv, int fast_node,
		     int slow_node)
{
	memset(h, 0, sizeof(*h));
	h->mover = mv;
	h->fast_node = fast_node;
	h->slow_node = slow_node;
	h->queue_len = PLACE_DEFAULT_QUEUE;
	h->deferred_max = DEFERRED_DEFAULT_MAX;
}

void placement_init(struct placement *pl, struct place_host *h,
		    uint64_t quota_pages)
{
	memset(pl, 0, sizeof(*pl));
	pl->host = h;
	pl->quota_pages = quota_pages;
}

int placement_attach(struct placement *pl, pid_t pid, uint64_t max_pfn,
		     place_xlate_fn xlate, void *ctx, uint64_t now_ns)
{
	struct place_host *h = pl->host;

	placement_detach(pl);
	pl->fast = bitmap_alloc(max_pfn);
	pl->q = calloc(h->queue_len ? h->queue_len : 1, sizeof(*pl->q));
	if (!pl->fast || !pl->q ||
	    deferred_attach(&pl->def, max_pfn, h->deferred_max)) {
		placement_detach(pl);
		return -ENOMEM;
	}
	pl->pid = pid;
	pl->max_pfn = max_pfn;
	pl->xlate = xlate;
	pl->xlate_ctx = ctx;
	bucket_init(&pl->bw, h->vm_bytes_per_s, HUGE_BYTES, now_ns);
	bucket_init(&pl->hints, h->vm_hints_per_s, 1, now_ns);
	if (!h->bw.last_ns)
		bucket_init(&h->bw, h->bw.rate, HUGE_BYTES, now_ns);
	pl->win_start_ns = now_ns;
	return 0;
}

void placement_detach(struct placement *pl)
{
	pl->host->fmem_held_pages -= pl->held_pages;
	pl->held_pages = 0;
	pl->st.dropped += pl->q_len;
	pl->q_len = pl->q_head = 0;
	free(pl->fast);
	free(pl->q);
	free(pl->ft.seen);
	memset(&pl->ft, 0, offsetof(struct place_ft, st));	/* counters stay */
	fast_order_free(&pl->order);
	deferred_detach(&pl->def);
	pl->def_wait = false;
	pl->fast = NULL;
	pl->q = NULL;
	pl->max_pfn = 0;
	pl->pid = 0;
	pl->bytes_per_s = 0;
}

bool placement_fast(const struct placement *pl, uint64_t gpfn)
{
	return pl->fast && gpfn < pl->max_pfn &&
	       bitmap_test(pl->fast, gpfn);
}

static bool is_fast(const void *pl, uint64_t gpfn)
{
	return placement_fast(pl, gpfn);
}

void placement_set_fast(struct placement *pl, uint64_t gpfn, bool on)
{
	size_t len = pl->order.len;

	if (placement_fast(pl, gpfn) == on)
		return;
	bitmap_flip(pl->fast, gpfn);
	if (on) {
		pl->held_pages++;
		pl->host->fmem_held_pages++;
		if (pl->ft.seen)	/* placed by vtierd: not a first touch */
			bitmap_set(pl->ft.seen, gpfn);
		fast_order_push(&pl->order, gpfn, pl->held_pages, pl->max_pfn,
				is_fast, pl);
		/* Compacted (or lost): the victims' start index is stale. */
		if (pl->order.len != len + 1)
			pl->ft.victim_from = 0;
	} else {
		pl->held_pages--;
		pl->host->fmem_held_pages--;
	}
}

static void set_fast(struct placement *pl, uint64_t gpfn, bool on)
{
	placement_set_fast(pl, gpfn, on);
}

uint64_t placement_room(const struct placement *pl)
{
	const struct place_host *h = pl->host;
	uint64_t room = pl->held_pages < pl->quota_pages ?
			pl->quota_pages - pl->held_pages : 0;

	if (h->fmem_total_pages) {
		uint64_t pool = h->fmem_held_pages < h->fmem_total_pages ?
				h->fmem_total_pages - h->fmem_held_pages : 0;

		room = pool < room ? pool : room;
	}
	return room;
}

static void note_moved(struct placement *pl, const struct place_req *r,
		       uint64_t pages, uint64_t now)
{
	uint64_t us = now > r->t_ns ? (now - r->t_ns) / 1000 : 0;

	pl->st.moved_bytes += pages * PLACE_PAGE_SIZE;
	pl->win_bytes += pages * PLACE_PAGE_SIZE;
	if (now - pl->win_start_ns >= NS_PER_S) {
		pl->bytes_per_s = pl->win_bytes * NS_PER_S /
				  (now - pl->win_start_ns);
		pl->win_bytes = 0;
		pl->win_start_ns = now;
	}
	pl->lat_us[pl->lat_pos] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	pl->lat_pos = (pl->lat_pos + 1) % PLACE_LAT_SAMPLES;
	if (pl->lat_n < PLACE_LAT_SAMPLES)
		pl->lat_n++;
}

/*
 * Addresses of the frames of r that need to move (for a promotion: those
 * not already counted as fast).  Returns the count, or -ENOENT when a
 * frame is not guest RAM (any more).
 */
static int collect(struct placement *pl, const struct place_req *r,
		   uint64_t *addr, uint64_t *gpfn)
{
	uint64_t frames = 1ull << r->order, i;
	int n = 0;

	if (r->gpfn >= pl->max_pfn || frames > pl->max_pfn - r->gpfn)
		return -ENOENT;
	for (i = 0; i < frames; i++) {
		if (r->action == VTIER_HINT_PROMOTE &&
		    placement_fast(pl, r->gpfn + i))
			continue;
		if (pl->xlate(pl->xlate_ctx, r->gpfn + i, &addr[n]))
			return -ENOENT;
		gpfn[n++] = r->gpfn + i;
	}
	return n;
}

/*
 * A 2 MiB range backed by a transparent or hugetlb huge page moves as one
 * page when given its head address (tail addresses of a hugetlb page give
 * EACCES), so the head goes alone first; the query that starts the second
 * call then finds the rest already there.  With 4 KiB backing the head is
 * just the first of 512 pages.
 */
static void move_pages_of(struct placement *pl, const struct place_req *r,
			  const uint64_t *addr, unsigned int n, int node,
			  struct move_out *out)
{
	struct mover *mv = pl->host->mover;

	if (r->order == 9 && n == PLACE_HUGE_FRAMES &&
	    !(addr[0] & (HUGE_BYTES - 1))) {
		mv->move(mv, pl->pid, addr, 1, node, out);
		if (out[0].res == MV_MOVED || out[0].res == MV_ALREADY) {
			uint8_t head = out[0].res;

			mv->move(mv, pl->pid, addr + 1, n - 1, node, out + 1);
			out[0].res = head;
			return;
		}
	}
	mv->move(mv, pl->pid, addr, n, node, out);
}

/*
 * Demote the n victims (oldest fast frames the guest does not want) to
 * the slow node, already paid for by whoever needs their room.
 */
static void evict(struct placement *pl, const uint64_t *victim,
		  unsigned int n)
{
	static uint64_t addr[PLACE_HUGE_FRAMES], gpfn[PLACE_HUGE_FRAMES];
	static struct move_out out[PLACE_HUGE_FRAMES];
	struct place_host *h = pl->host;
	unsigned int i, m = 0, moved = 0;

	for (i = 0; i < n; i++)
		if (!pl->xlate(pl->xlate_ctx, victim[i], &addr[m]))
			gpfn[m++] = victim[i];
	h->mover->move(h->mover, pl->pid, addr, m, h->slow_node, out);
	for (i = 0; i < m; i++) {
		switch (out[i].res) {
		case MV_MOVED:
			moved++;
			/* fall through */
		case MV_ALREADY:
			pl->st.already += out[i].res == MV_ALREADY;
			pl->ft.st.evicted++;
			set_fast(pl, gpfn[i], false);
			break;
		case MV_ABSENT:
			pl->st.absent++;
			set_fast(pl, gpfn[i], false);
			break;
		case MV_BUSY:
			pl->st.busy++;
			break;
		default:
			pl->st.failed++;
			pl->st.last_errno = out[i].err;
			break;
		}
	}
	pl->st.demoted += moved;
	pl->st.moved_bytes += (uint64_t)moved * PLACE_PAGE_SIZE;
	pl->win_bytes += (uint64_t)moved * PLACE_PAGE_SIZE;
	bucket_add(&pl->bw, (double)(n - moved) * PLACE_PAGE_SIZE);
	bucket_add(&h->bw, (double)(n - moved) * PLACE_PAGE_SIZE);
}

static enum verdict process(struct placement *pl, const struct place_req *r,
			    uint64_t now)
{
	static uint64_t addr[PLACE_HUGE_FRAMES], gpfn[PLACE_HUGE_FRAMES];
	static uint64_t victim[PLACE_HUGE_FRAMES];
	static struct move_out out[PLACE_HUGE_FRAMES];
	struct place_host *h = pl->host;
	bool promote = r->action == VTIER_HINT_PROMOTE;
	uint64_t moved = 0, frames = 1ull << r->order, room;
	unsigned int busy = 0, failed = 0, need = 0;
	int i, n = collect(pl, r, addr, gpfn);
	double cost;

	if (n < 0)
		return V_REJECTED;
	if (promote && n == 0) {	/* all placed on the fast node already */
		pl->st.already += frames;
		return V_APPLIED;
	}
	room = promote ? placement_room(pl) : 0;
	if (promote && (uint64_t)n > room) {
		/* The oldest fast frames the guest does not want (any more). */
		need = (unsigned int)((uint64_t)n - room);
		if (!(pl->ft.on || h->lazy_demote) ||
		    placement_ft_victims(pl, r->gpfn, frames, victim, need) < need)
			return V_NOROOM;
	}
	cost = (double)(n + (int)need) * PLACE_PAGE_SIZE;
	if (!bucket_has(&pl->hints, 1, now) || !bucket_has(&pl->bw, cost, now) ||
	    !bucket_has(&h->bw, cost, now))
		return V_WAIT;
	bucket_add(&pl->hints, -1);
	bucket_add(&pl->bw, -cost);
	bucket_add(&h->bw, -cost);
	if (need) {
		evict(pl, victim, need);
		if (placement_room(pl) < (uint64_t)n) {	/* a victim stayed */
			cost = (double)n * PLACE_PAGE_SIZE;
			bucket_add(&pl->hints, 1);
			bucket_add(&pl->bw, cost);
			bucket_add(&h->bw, cost);
			return V_NOROOM;
		}
	}
	move_pages_of(pl, r, addr, (unsigned int)n,
		      promote ? h->fast_node : h->slow_node, out);
	for (i = 0; i < n; i++) {
		switch (out[i].res) {
		case MV_MOVED:
			moved++;
			/* fall through */
		case MV_ALREADY:
			pl->st.already += out[i].res == MV_ALREADY;
			set_fast(pl, gpfn[i], promote);
			break;
		case MV_ABSENT:	/* nothing there: it is on no fast page */
			pl->st.absent++;
			set_fast(pl, gpfn[i], false);
			break;
		case MV_BUSY:
			pl->st.busy++;
			busy++;
			break;
		default:
			pl->st.failed++;
			pl->st.last_errno = out[i].err;
			failed++;
			break;
		}
	}
	/* Pay only for what moved. */
	cost = (double)(n - (int)moved) * PLACE_PAGE_SIZE;
	bucket_add(&pl->bw, cost);
	bucket_add(&h->bw, cost);
	if (promote)
		pl->st.promoted += moved;
	else
		pl->st.demoted += moved;
	if (moved)
		note_moved(pl, r, moved, h->clock_ns ? h->clock_ns() : now);
	return failed ? V_REJECTED : busy ? V_DEFERRED : V_APPLIED;
}

static void count(struct place_ack *ack, enum verdict v)
{
	if (v == V_APPLIED)
		ack->applied++;
	else if (v == V_REJECTED)
		ack->rejected++;
	else
		ack->deferred++;	/* deferred, waiting or dropped */
}

/* No room: remember the promotion, it is retried when room appears. */
static void defer(struct placement *pl, const struct place_req *r)
{
	pl->st.deferred++;
	deferred_push(&pl->def, r->gpfn, r->order);
}

/* Process now, or queue behind earlier waiting hints. */
static void submit(struct placement *pl, const struct place_req *r,
		   uint64_t now, struct place_ack *ack)
{
	enum verdict v = pl->q_len ? V_WAIT : process(pl, r, now);
	unsigned int cap = pl->host->queue_len;

	if (v == V_NOROOM)
		defer(pl, r);
	if (v == V_WAIT) {
		if (pl->q_len >= cap) {
			pl->st.dropped++;
		} else {
			pl->q[(pl->q_head + pl->q_len++) % cap] = *r;
			pl->st.queued++;
		}
	}
	count(ack, v);
}

/*
 * Over the quota (it shrank) while holding frames the guest does not want
 * fast (lazy demotions, first-touched frames): those leave first, within
 * the bandwidth limits.  What stays over is the quota deadline's.
 */
static void trim(struct placement *pl, uint64_t now)
{
	static uint64_t victim[PLACE_HUGE_FRAMES];
	struct place_host *h = pl->host;
	uint64_t over, before;
	size_t got;
	double cost;

	while (pl->fast && pl->held_pages > pl->quota_pages) {
		over = pl->held_pages - pl->quota_pages;
		got = placement_ft_victims(pl, 0, 0, victim,
					   over < PLACE_HUGE_FRAMES ? over :
					   PLACE_HUGE_FRAMES);
		cost = (double)got * PLACE_PAGE_SIZE;
		if (!got || !bucket_has(&pl->bw, cost, now) ||
		    !bucket_has(&h->bw, cost, now))
			return;
		bucket_add(&pl->bw, -cost);
		bucket_add(&h->bw, -cost);
		before = pl->held_pages;
		evict(pl, victim, (unsigned int)got);
		if (pl->held_pages == before)
			return;		/* busy: the next batch or tick */
	}
}

void placement_batch(struct placement *pl, const struct vtier_hint_host *h,
		     unsigned int n, uint64_t now_ns, struct place_ack *ack)
{
	unsigned int pass, i;

	memset(ack, 0, sizeof(*ack));
	for (pass = 0; pass < 2; pass++) {
		uint8_t want = pass ? VTIER_HINT_PROMOTE : VTIER_HINT_DEMOTE;

		for (i = 0; i < n; i++) {
			struct place_req r = {
				.gpfn = h[i].gpfn, .t_ns = now_ns,
				.order = h[i].order, .action = h[i].action,
			};

			if (h[i].action != want)
				continue;
			deferred_want(&pl->def, r.gpfn, r.order, pass);
			if (!pass)	/* a fast frame may be a victim now */
				pl->ft.victim_from = 0;
			if (!pl->fast)
				count(ack, V_REJECTED);	/* no VMM memory */
			else if (!pass && pl->host->lazy_demote)
				/* Stays fast, a victim; beyond RAM as eager would. */
				count(ack, r.gpfn < pl->max_pfn &&
				      (1ull << r.order) <= pl->max_pfn - r.gpfn ?
				      V_APPLIED : V_REJECTED);
			else
				submit(pl, &r, now_ns, ack);
		}
		/* The demotions made room: older deferred promotions first. */
		if (!pass)
			placement_retry(pl, now_ns);
	}
	trim(pl, now_ns);
	placement_ft_policy(pl);
}

uint64_t placement_demote_oldest(struct placement *pl, uint64_t n,
				 uint64_t now_ns)
{
	uint64_t one[256], *buf;
	struct place_ack ack;
	size_t got, i;

	if (!pl->fast || !n)
		return 0;
	n = n < pl->held_pages ? n : pl->held_pages;
	/* All at once: a queued demotion still counts as fast. */
	buf = malloc(n * sizeof(*buf));
	if (!buf) {
		buf = one;
		n = n < 256 ? n : 256;
	}
	got = fast_order_oldest(&pl->order, pl->max_pfn, is_fast, pl, buf, n);
	pl->ft.victim_from = 0;
	for (i = 0; i < got; i++) {
		struct place_req r = { .gpfn = buf[i], .t_ns = now_ns,
				       .action = VTIER_HINT_DEMOTE };

		deferred_want(&pl->def, buf[i], 0, false);
		memset(&ack, 0, sizeof(ack));
		submit(pl, &r, now_ns, &ack);
	}
	if (buf != one)
		free(buf);
	placement_ft_policy(pl);
	return got;
}

struct retry_ctx {
	struct placement *pl;
	uint64_t now;
};

static enum deferred_try retry_one(void *ctx, uint64_t gpfn,
				   unsigned int order)
{
	struct retry_ctx *c = ctx;
	struct placement *pl = c->pl;
	struct place_req r = { .gpfn = gpfn, .t_ns = c->now,
			       .order = (uint8_t)order,
			       .action = VTIER_HINT_PROMOTE };
	uint64_t before = pl->st.promoted;
	enum verdict v = process(pl, &r, c->now);

	pl->def.retried += pl->st.promoted - before;
	pl->def_wait = v == V_WAIT;
	/* Busy or failed pages are the mover's answer: not retried. */
	return v == V_NOROOM || v == V_WAIT ? DEF_STOP : DEF_DONE;
}

bool placement_retry(struct placement *pl, uint64_t now_ns)
{
	struct retry_ctx c = { .pl = pl, .now = now_ns };

	pl->def_wait = false;
	/* Queued hints are older than any retry: they go first. */
	if (pl->fast && !pl->q_len)
		deferred_retry(&pl->def, retry_one, &c);
	/* A quota change or another VM's moves may have changed the room. */
	trim(pl, now_ns);
	placement_ft_policy(pl);
	return pl->def_wait;
}

bool placement_tick(struct placement *pl, uint64_t now_ns)
{
	unsigned int cap = pl->host->queue_len;

	while (pl->q_len) {
		struct place_req *r = &pl->q[pl->q_head];
		enum verdict v = process(pl, r, now_ns);

		if (v == V_WAIT)
			break;
		if (v == V_NOROOM)
			defer(pl, r);
		pl->q_head = (pl->q_head + 1) % cap;
		pl->q_len--;
	}
	placement_ft_policy(pl);
	return pl->q_len > 0 || placement_retry(pl, now_ns);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void placement_latency(const struct placement *pl, uint32_t *p50,
		       uint32_t *p99)
{
	uint32_t s[PLACE_LAT_SAMPLES];
	unsigned int n = pl->lat_n;

	*p50 = *p99 = 0;
	if (!n)
		return;
	memcpy(s, pl->lat_us, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_u32);
	*p50 = s[(n - 1) / 2];
	*p99 = s[(n * 99 + 99) / 100 - 1];
}

/*
 * Where first touch points the policy, and the victims of a promotion
 * without room: placement's own decisions, also made without first touch
 * (victims under --demote lazy), so they live here and firsttouch.c only
 * scans.
 */
void placement_ft_policy(struct placement *pl)
{
	struct place_ft *ft = &pl->ft;
	int node;

	if (!ft->on || !pl->fast)
		return;
	node = placement_room(pl) ? pl->host->fast_node : pl->host->slow_node;
	if (node == ft->node)
		return;
	if (ft->node >= 0)
		ft->st.switches++;
	ft->node = node;
	ft->ops->set_policy(pl->xlate_ctx, node);
}

size_t placement_ft_victims(struct placement *pl, uint64_t first,
			    uint64_t frames, uint64_t *out, size_t n)
{
	const struct fast_order *o = &pl->order;
	bool lead = true;
	size_t i, k, got = 0;

	for (i = pl->ft.victim_from; i < o->len && got < n; i++) {
		uint64_t g = o->g[i];
		bool keep = placement_fast(pl, g) &&
			    deferred_wanted(&pl->def, g, 0);

		if (!placement_fast(pl, g) || keep) {
			/* Stale or wanted: skipped until a demote hint. */
			if (lead)
				pl->ft.victim_from = i + 1;
			continue;
		}
		lead = false;
		if (g >= first && g - first < frames)
			continue;
		for (k = 0; k < got && out[k] != g; k++)
			;
		if (k == got)		/* an older duplicate entry */
			out[got++] = g;
	}
	return got;
}
