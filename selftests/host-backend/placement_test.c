// SPDX-License-Identifier: GPL-2.0
/*
 * Placement accounting without two NUMA nodes: placement.c is driven with
 * a recording mover that keeps a table of where each page is (node,
 * never touched, busy, failing) and logs every call.  The real
 * move_pages(2) mover is tested in the two-node VM (selftests/e2e/numa_test.c).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "placement.h"

#define NPAGES 4096		/* guest frames */
#define BASE 0x7f0000000000ull	/* the "VMM" address of frame 0 */
#define FAST 0
#define SLOW 1
#define ABSENT -1
#define MS 1000000ull

struct rec_mover {
	struct mover m;		/* first: the mover callback gets &m */
	int node[NPAGES];	/* node, or ABSENT */
	int busy[NPAGES];	/* calls that still answer busy */
	int fail[NPAGES];	/* errno to fail with, or 0 */
	unsigned int ncalls, last_n, first_n;
	uint64_t first_addr;
	int last_node;
	pid_t last_pid;
};

static void rec_move(struct mover *m, pid_t pid, const uint64_t *addr,
		     unsigned int n, int node, struct move_out *out)
{
	struct rec_mover *r = (struct rec_mover *)m;
	unsigned int i;

	if (!r->ncalls++)
		r->first_n = n;
	r->last_n = n;
	r->last_node = node;
	r->last_pid = pid;
	r->first_addr = addr[0];
	for (i = 0; i < n; i++) {
		uint64_t p = (addr[i] - BASE) / PLACE_PAGE_SIZE;

		out[i].err = 0;
		if (r->fail[p]) {
			out[i].res = MV_FAILED;
			out[i].err = r->fail[p];
		} else if (r->node[p] == ABSENT) {
			out[i].res = MV_ABSENT;
		} else if (r->node[p] == node) {
			out[i].res = MV_ALREADY;
		} else if (r->busy[p]) {
			r->busy[p]--;
			out[i].res = MV_BUSY;
		} else {
			r->node[p] = node;
			out[i].res = MV_MOVED;
		}
	}
}

static int xlate(void *ctx, uint64_t gpfn, uint64_t *vmm_addr)
{
	(void)ctx;
	if (gpfn >= NPAGES)
		return -1;
	*vmm_addr = BASE + gpfn * PLACE_PAGE_SIZE;
	return 0;
}

static struct vtier_hint_host hint(uint64_t gpfn, int order, int action)
{
	struct vtier_hint_host h = { .gpfn = gpfn, .order = (uint8_t)order,
				     .action = (uint8_t)action };
	return h;
}

#define P(g) hint(g, 0, VTIER_HINT_PROMOTE)
#define D(g) hint(g, 0, VTIER_HINT_DEMOTE)

/* Pages on the fast node in the mover's table (what the kernel would say). */
static unsigned int on_fast(const struct rec_mover *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < NPAGES; i++)
		n += r->node[i] == FAST;
	return n;
}

FIXTURE(place) {
	struct rec_mover rec;
	struct place_host host;
	struct placement pl;
	struct place_ack ack;
};

FIXTURE_SETUP(place)
{
	unsigned int i;

	memset(&self->rec, 0, sizeof(self->rec));
	self->rec.m.move = rec_move;
	for (i = 0; i < NPAGES; i++)
		self->rec.node[i] = SLOW;	/* --initial slow */
	place_host_init(&self->host, &self->rec.m, FAST, SLOW);
	placement_init(&self->pl, &self->host, 8);	/* quota: 8 pages */
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      1000 * MS));
}

FIXTURE_TEARDOWN(place)
{
	placement_detach(&self->pl);
}

static void batch(struct placement *pl, struct place_ack *ack,
		  const struct vtier_hint_host *h, unsigned int n,
		  uint64_t now)
{
	placement_batch(pl, h, n, now, ack);
}

/*
 * --demote lazy: a demote hint leaves the page fast and no longer wanted;
 * the next promotion without room evicts it (the oldest such page), and
 * a quota that shrinks takes such pages back at once.
 */
TEST_F(place, lazy_demotion_keeps_pages_fast_until_room_is_needed)
{
	struct vtier_hint_host fill[8], d[] = { D(3), D(5) };
	struct vtier_hint_host p[] = { P(20) }, beyond = D(NPAGES + 5);
	unsigned int i;

	self->host.lazy_demote = true;
	for (i = 0; i < 8; i++)
		fill[i] = P(i);
	batch(&self->pl, &self->ack, fill, 8, 1001 * MS);
	EXPECT_EQ(8, self->pl.held_pages);
	batch(&self->pl, &self->ack, d, 2, 1002 * MS);
	EXPECT_EQ(2, self->ack.applied);
	EXPECT_EQ(8, on_fast(&self->rec));	/* nothing moved */
	batch(&self->pl, &self->ack, &beyond, 1, 1002 * MS);
	EXPECT_EQ(1, self->ack.rejected);	/* not guest RAM */
	EXPECT_TRUE(placement_fast(&self->pl, 3));
	EXPECT_EQ(0, self->pl.st.demoted);
	batch(&self->pl, &self->ack, p, 1, 1003 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_FALSE(placement_fast(&self->pl, 3));	/* the older victim */
	EXPECT_TRUE(placement_fast(&self->pl, 5));
	EXPECT_TRUE(placement_fast(&self->pl, 20));
	EXPECT_EQ(SLOW, self->rec.node[3]);
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(8, on_fast(&self->rec));
	/* The quota shrinks to 6: page 5 (unwanted) goes; one wanted stays over. */
	self->pl.quota_pages = 6;
	placement_retry(&self->pl, 1004 * MS);
	EXPECT_FALSE(placement_fast(&self->pl, 5));
	EXPECT_EQ(7, self->pl.held_pages);
	EXPECT_EQ(7, on_fast(&self->rec));
}

TEST_F(place, promotions_within_quota_move_to_the_fast_node)
{
	struct vtier_hint_host h[] = { P(10), P(11), P(12) };

	batch(&self->pl, &self->ack, h, 3, 1001 * MS);
	EXPECT_EQ(3, self->ack.applied);
	EXPECT_EQ(0, self->ack.deferred + self->ack.rejected);
	EXPECT_EQ(3, self->pl.held_pages);
	EXPECT_EQ(3, on_fast(&self->rec));
	EXPECT_EQ(3, self->pl.st.promoted);
	EXPECT_EQ(FAST, self->rec.last_node);
	EXPECT_EQ(4242, self->rec.last_pid);
	EXPECT_EQ(BASE + 12 * PLACE_PAGE_SIZE, self->rec.first_addr);
	EXPECT_TRUE(placement_fast(&self->pl, 11));
	EXPECT_EQ(3, self->host.fmem_held_pages);
}

TEST_F(place, promotions_beyond_the_quota_are_deferred)
{
	struct vtier_hint_host h[12];
	unsigned int i;

	for (i = 0; i < 12; i++)
		h[i] = P(100 + i);
	batch(&self->pl, &self->ack, h, 12, 1001 * MS);
	EXPECT_EQ(8, self->ack.applied);
	EXPECT_EQ(4, self->ack.deferred);
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(8, on_fast(&self->rec));
	EXPECT_EQ(4, self->pl.st.deferred);
	/* Promoting what is already fast costs nothing and is applied. */
	batch(&self->pl, &self->ack, h, 1, 1002 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(8, on_fast(&self->rec));
}

TEST_F(place, a_demotion_in_the_same_batch_makes_room)
{
	struct vtier_hint_host fill[8], h[] = { P(50), P(51), D(0), D(1) };
	unsigned int i;

	for (i = 0; i < 8; i++)
		fill[i] = P(i);
	batch(&self->pl, &self->ack, fill, 8, 1001 * MS);
	ASSERT_EQ(8, self->pl.held_pages);
	/* Promotions first in the batch, but the demotions are done first. */
	batch(&self->pl, &self->ack, h, 4, 1002 * MS);
	EXPECT_EQ(4, self->ack.applied);
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(SLOW, self->rec.node[0]);
	EXPECT_EQ(FAST, self->rec.node[51]);
	EXPECT_EQ(2, self->pl.st.demoted);
	EXPECT_EQ(8, on_fast(&self->rec));
}

TEST_F(place, a_demotion_in_an_earlier_batch_makes_room)
{
	struct vtier_hint_host fill[8], d[] = { D(3) }, p[] = { P(60), P(61) };
	unsigned int i;

	for (i = 0; i < 8; i++)
		fill[i] = P(i);
	batch(&self->pl, &self->ack, fill, 8, 1001 * MS);
	batch(&self->pl, &self->ack, d, 1, 1002 * MS);
	EXPECT_EQ(1, self->ack.applied);
	batch(&self->pl, &self->ack, p, 2, 1003 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(8, on_fast(&self->rec));
}

TEST_F(place, order9_moves_the_2mib_range_head_first)
{
	struct vtier_hint_host h[] = { hint(512, 9, VTIER_HINT_PROMOTE) };

	self->pl.quota_pages = 511;
	batch(&self->pl, &self->ack, h, 1, 1001 * MS);
	EXPECT_EQ(1, self->ack.deferred);	/* needs 512 pages of quota */
	EXPECT_EQ(0, self->rec.ncalls);
	self->pl.quota_pages = 512;
	batch(&self->pl, &self->ack, h, 1, 1002 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(512, self->pl.held_pages);
	EXPECT_EQ(512, on_fast(&self->rec));
	/* The 2 MiB-aligned head alone (moves a huge page whole), then the rest. */
	EXPECT_EQ(2, self->rec.ncalls);
	EXPECT_EQ(1, self->rec.first_n);
	EXPECT_EQ(511, self->rec.last_n);
}

TEST_F(place, never_touched_pages_are_not_an_error_and_not_held)
{
	struct vtier_hint_host h[] = { P(7), P(8) };

	self->rec.node[7] = ABSENT;
	batch(&self->pl, &self->ack, h, 2, 1001 * MS);
	EXPECT_EQ(2, self->ack.applied);
	EXPECT_EQ(1, self->pl.held_pages);
	EXPECT_EQ(1, self->pl.st.absent);
	EXPECT_EQ(0, self->pl.st.failed);
	EXPECT_FALSE(placement_fast(&self->pl, 7));
}

TEST_F(place, failed_and_busy_pages_are_counted_not_held)
{
	struct vtier_hint_host h[] = { P(20), P(21), P(22) };

	self->rec.fail[20] = ENOMEM;
	self->rec.busy[21] = 99;	/* stays busy */
	batch(&self->pl, &self->ack, h, 3, 1001 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(1, self->ack.rejected);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(1, self->pl.held_pages);
	EXPECT_EQ(1, self->pl.st.failed);
	EXPECT_EQ(1, self->pl.st.busy);
	EXPECT_EQ(ENOMEM, self->pl.st.last_errno);
}

TEST_F(place, a_failed_demotion_keeps_the_page_counted)
{
	struct vtier_hint_host p[] = { P(30) }, d[] = { D(30) };

	batch(&self->pl, &self->ack, p, 1, 1001 * MS);
	self->rec.fail[30] = EIO;
	batch(&self->pl, &self->ack, d, 1, 1002 * MS);
	EXPECT_EQ(1, self->ack.rejected);
	EXPECT_EQ(1, self->pl.held_pages);	/* still on the fast node */
	EXPECT_EQ(1, on_fast(&self->rec));
}

TEST_F(place, frames_outside_guest_ram_are_rejected)
{
	struct vtier_hint_host h[] = { P(NPAGES), hint(NPAGES - 256, 9,
					VTIER_HINT_PROMOTE) };

	self->pl.quota_pages = 1024;
	batch(&self->pl, &self->ack, h, 2, 1001 * MS);
	EXPECT_EQ(2, self->ack.rejected);
	EXPECT_EQ(0, self->rec.ncalls);
	EXPECT_EQ(0, self->pl.held_pages);
}

TEST_F(place, the_host_pool_is_shared_by_vms)
{
	struct placement other;
	struct vtier_hint_host a[] = { P(1), P(2), P(3) },
			       b[] = { P(1001), P(1002) };

	self->host.fmem_total_pages = 4;
	placement_init(&other, &self->host, 8);
	ASSERT_EQ(0, placement_attach(&other, 4343, NPAGES, xlate, NULL,
				      1000 * MS));
	batch(&self->pl, &self->ack, a, 3, 1001 * MS);
	EXPECT_EQ(3, self->ack.applied);
	batch(&other, &self->ack, b, 2, 1001 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(4, self->host.fmem_held_pages);
	/* A VM that goes away gives its fast pages back to the pool. */
	placement_detach(&other);
	EXPECT_EQ(3, self->host.fmem_held_pages);
}

/*
 * The balancer moves 4 pages of quota from one VM to another (shrink
 * first, as balance.c does): the grow is usable only as the shrinking VM
 * gives pages back, and the fast pages of both never exceed the pool.
 */
TEST_F(place, moving_quota_between_vms_never_exceeds_the_pool)
{
	struct vtier_hint_host a[8], b[4], back[] = { D(1), D(2) };
	struct placement other;
	unsigned int i;

	for (i = 0; i < 8; i++)
		a[i] = P(1 + i);
	for (i = 0; i < 4; i++)
		b[i] = P(1001 + i);
	self->host.fmem_total_pages = 8;
	placement_init(&other, &self->host, 0);
	ASSERT_EQ(0, placement_attach(&other, 4343, NPAGES, xlate, NULL,
				      1000 * MS));
	batch(&self->pl, &self->ack, a, 8, 1001 * MS);
	EXPECT_EQ(8, self->host.fmem_held_pages);
	self->pl.quota_pages = 4;	/* shrink, then grow */
	other.quota_pages = 4;
	batch(&other, &self->ack, b, 4, 1002 * MS);
	EXPECT_EQ(4, self->ack.deferred);
	EXPECT_EQ(8, on_fast(&self->rec));
	/* The guest gives two back: two of the grow become usable. */
	batch(&self->pl, &self->ack, back, 2, 1003 * MS);
	batch(&other, &self->ack, b, 4, 1004 * MS);
	EXPECT_EQ(2, self->ack.applied);
	EXPECT_EQ(8, on_fast(&self->rec));
	/* The host takes the rest (deadline): then the grow completes. */
	EXPECT_EQ(2, placement_demote_oldest(&self->pl, 2, 1005 * MS));
	batch(&other, &self->ack, b, 4, 1006 * MS);
	EXPECT_EQ(4, other.held_pages);
	EXPECT_EQ(4, self->pl.held_pages);
	EXPECT_EQ(8, on_fast(&self->rec));
	EXPECT_EQ(8, self->host.fmem_held_pages);
	placement_detach(&other);
}

TEST_F(place, host_demotion_takes_the_oldest_promotions_first)
{
	struct vtier_hint_host first[] = { P(30), P(10) }, then[] = { P(20) },
			       again[] = { D(30) }, back[] = { P(30) };

	batch(&self->pl, &self->ack, first, 2, 1001 * MS);
	batch(&self->pl, &self->ack, then, 1, 1002 * MS);
	/* 30 leaves and comes back: now the newest. */
	batch(&self->pl, &self->ack, again, 1, 1003 * MS);
	batch(&self->pl, &self->ack, back, 1, 1004 * MS);
	EXPECT_EQ(3, self->pl.held_pages);
	EXPECT_EQ(2, placement_demote_oldest(&self->pl, 2, 1005 * MS));
	EXPECT_FALSE(placement_fast(&self->pl, 10));
	EXPECT_FALSE(placement_fast(&self->pl, 20));
	EXPECT_TRUE(placement_fast(&self->pl, 30));
	EXPECT_EQ(SLOW, self->rec.node[10]);
	EXPECT_EQ(SLOW, self->rec.node[20]);
	EXPECT_EQ(FAST, self->rec.node[30]);
	EXPECT_EQ(1, self->pl.held_pages);
}

TEST_F(place, bandwidth_limit_queues_and_a_full_queue_drops)
{
	struct vtier_hint_host h[8];
	unsigned int i;

	placement_detach(&self->pl);
	self->host.vm_bytes_per_s = 2 << 20;	/* burst: 512 pages */
	self->host.queue_len = 2;
	self->pl.quota_pages = 2048;
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      1000 * MS));
	h[0] = hint(0, 9, VTIER_HINT_PROMOTE);
	for (i = 1; i < 4; i++)
		h[i] = hint(512 * i, 9, VTIER_HINT_PROMOTE);
	batch(&self->pl, &self->ack, h, 4, 1000 * MS);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(3, self->ack.deferred);	/* 2 queued, 1 dropped */
	EXPECT_EQ(2, self->pl.st.queued);
	EXPECT_EQ(1, self->pl.st.dropped);
	EXPECT_EQ(512, on_fast(&self->rec));
	/* Half a second later: 1 MiB of budget, not enough for 2 MiB. */
	EXPECT_TRUE(placement_tick(&self->pl, 1500 * MS));
	EXPECT_EQ(512, on_fast(&self->rec));
	EXPECT_TRUE(placement_tick(&self->pl, 2000 * MS));
	EXPECT_EQ(1024, on_fast(&self->rec));
	EXPECT_FALSE(placement_tick(&self->pl, 3000 * MS));
	EXPECT_EQ(1536, on_fast(&self->rec));
	EXPECT_EQ(1536, self->pl.held_pages);
}

TEST_F(place, hint_rate_limit_keeps_order)
{
	struct vtier_hint_host h[] = { P(5), D(5) }, p2[] = { P(6) };

	placement_detach(&self->pl);
	self->host.vm_hints_per_s = 1;
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      1000 * MS));
	batch(&self->pl, &self->ack, h, 2, 1000 * MS);
	/* Demotion first (a no-op on a slow page), the promotion waits. */
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(1, self->ack.deferred);
	batch(&self->pl, &self->ack, p2, 1, 1001 * MS);
	EXPECT_EQ(1, self->ack.deferred);	/* behind the waiting one */
	EXPECT_TRUE(placement_tick(&self->pl, 2000 * MS));
	EXPECT_FALSE(placement_tick(&self->pl, 3000 * MS));
	EXPECT_EQ(FAST, self->rec.node[5]);
	EXPECT_EQ(FAST, self->rec.node[6]);
	EXPECT_EQ(2, self->pl.held_pages);
}

TEST_F(place, latency_median_and_p99)
{
	struct vtier_hint_host h[1];
	uint32_t p50, p99;
	unsigned int i;

	placement_latency(&self->pl, &p50, &p99);
	EXPECT_EQ(0, p50);
	/* 10 hints/s, burst 10: 100 hints at 1000 ms; 10 go at once. */
	placement_detach(&self->pl);
	self->host.vm_hints_per_s = 10;
	self->pl.quota_pages = 200;
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      1000 * MS));
	for (i = 0; i < 100; i++) {
		h[0] = P(i);
		placement_batch(&self->pl, h, 1, 1000 * MS, &self->ack);
	}
	EXPECT_EQ(90, self->pl.q_len);
	/* One more every 100 ms: latencies 0 (x10), 100 ms ... 9000 ms. */
	for (i = 1; i <= 90; i++)
		placement_tick(&self->pl, 1000 * MS + i * 100 * MS);
	EXPECT_EQ(0, self->pl.q_len);
	placement_latency(&self->pl, &p50, &p99);
	EXPECT_EQ(4000000, p50);
	EXPECT_EQ(8900000, p99);
	EXPECT_EQ(100, self->pl.held_pages);
}

TEST_HARNESS_MAIN
