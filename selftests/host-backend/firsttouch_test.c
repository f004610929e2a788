// SPDX-License-Identifier: GPL-2.0
/*
 * First touch (--initial first-touch, host-backend/firsttouch.c) without
 * two NUMA nodes: placement.c is driven with a fake kernel that keeps
 * where each page is, places a page the "VMM" touches on the node of the
 * shared policy vtierd set last (as shmem faults do), answers residency
 * and node queries from that table and moves pages on request.  The real
 * mincore/move_pages/mbind path is tested in the two-node VM
 * (selftests/e2e/numa_firsttouch_test.c).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "placement.h"

#define NPAGES (1u << 18)	/* guest frames: several scan steps */
#define BASE 0x7f0000000000ull
#define FAST 0
#define SLOW 1
#define ABSENT -1
#define MS 1000000ull

struct fake_kernel {
	struct mover m;		/* first: the callbacks get &m */
	int node[NPAGES];	/* node, or ABSENT */
	int policy;		/* node new pages go to; -1: none set */
	unsigned int policy_calls, move_calls, queried;
};

static unsigned int page_of(uint64_t addr)
{
	return (unsigned int)((addr - BASE) / PLACE_PAGE_SIZE);
}

static void fk_move(struct mover *m, pid_t pid, const uint64_t *addr,
		    unsigned int n, int node, struct move_out *out)
{
	struct fake_kernel *k = (struct fake_kernel *)m;
	unsigned int i;

	(void)pid;
	k->move_calls++;
	for (i = 0; i < n; i++) {
		int *p = &k->node[page_of(addr[i])];

		out[i].err = 0;
		out[i].res = *p == ABSENT ? MV_ABSENT :
			     *p == node ? MV_ALREADY : MV_MOVED;
		if (*p != ABSENT)
			*p = node;
	}
}

static int fk_query(struct mover *m, pid_t pid, const uint64_t *addr,
		    unsigned int n, int *node)
{
	struct fake_kernel *k = (struct fake_kernel *)m;
	unsigned int i;

	(void)pid;
	k->queried += n;
	for (i = 0; i < n; i++) {
		int p = k->node[page_of(addr[i])];

		node[i] = p == ABSENT ? -ENOENT : p;
	}
	return 0;
}

static struct fake_kernel K;

/* ctx: where the VM's frame 0 is in the table (a second VM's RAM). */
static uint64_t first_of(const void *ctx)
{
	return (uint64_t)(uintptr_t)ctx;
}

static int xlate(void *ctx, uint64_t gpfn, uint64_t *vmm_addr)
{
	gpfn += first_of(ctx);
	if (gpfn >= NPAGES)
		return -1;
	*vmm_addr = BASE + gpfn * PLACE_PAGE_SIZE;
	return 0;
}

static int resident(void *ctx, uint64_t gpfn, unsigned int n, uint8_t *vec)
{
	unsigned int i;

	gpfn += first_of(ctx);
	for (i = 0; i < n; i++)
		vec[i] = gpfn + i < NPAGES && K.node[gpfn + i] != ABSENT;
	return 0;
}

static void set_policy(void *ctx, int node)
{
	(void)ctx;
	K.policy = node;
	K.policy_calls++;
}

static const struct place_ft_ops ops = {
	.resident = resident, .set_policy = set_policy,
};

/* The VMM touches frame g: the kernel allocates it on the policy node. */
static void touch(uint64_t g)
{
	if (K.node[g] == ABSENT)
		K.node[g] = K.policy < 0 ? FAST : K.policy;
}

static unsigned int on_fast(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < NPAGES; i++)
		n += K.node[i] == FAST;
	return n;
}

static struct vtier_hint_host hint(uint64_t gpfn, int action)
{
	struct vtier_hint_host h = { .gpfn = gpfn, .action = (uint8_t)action };

	return h;
}

#define P(g) hint(g, VTIER_HINT_PROMOTE)
#define D(g) hint(g, VTIER_HINT_DEMOTE)

FIXTURE(ft) {
	struct place_host host;
	struct placement pl;
	struct place_ack ack;
	uint64_t now;
};

static void kernel_reset(void)
{
	unsigned int i;

	memset(&K, 0, sizeof(K));
	K.m.move = fk_move;
	K.m.query = fk_query;
	K.policy = -1;
	for (i = 0; i < NPAGES; i++)
		K.node[i] = ABSENT;
}

FIXTURE_SETUP(ft)
{
	kernel_reset();
	place_host_init(&self->host, &K.m, FAST, SLOW);
	placement_init(&self->pl, &self->host, 8);	/* quota: 8 pages */
	self->now = 1000 * MS;
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      self->now));
}

FIXTURE_TEARDOWN(ft)
{
	placement_detach(&self->pl);
}

/* Ticks until one whole scan of guest RAM is done. */
static void settle(struct placement *pl, uint64_t *now)
{
	uint64_t passes = pl->ft.st.passes;

	while (pl->ft.st.passes == passes) {
		*now += 10 * MS;
		placement_ft_scan(pl, *now);
	}
}

static void batch(FIXTURE_DATA(ft) *self, const struct vtier_hint_host *h,
		  unsigned int n)
{
	self->now += MS;
	placement_batch(&self->pl, h, n, self->now, &self->ack);
}

/* The VMM touches n frames from g; then vtierd scans all RAM once. */
static void touch_range(FIXTURE_DATA(ft) *self, uint64_t g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		touch(g + i);
	settle(&self->pl, &self->now);
}

TEST_F(ft, pages_go_fast_until_the_quota_then_slow)
{
	unsigned int i;

	ASSERT_EQ(0, placement_first_touch(&self->pl, &ops));
	EXPECT_EQ(FAST, K.policy);
	EXPECT_EQ(1, K.policy_calls);
	touch_range(self, 100, 5);
	EXPECT_EQ(5, self->pl.held_pages);
	EXPECT_EQ(5, self->host.fmem_held_pages);
	EXPECT_EQ(5, self->pl.ft.st.fast);
	EXPECT_EQ(FAST, K.policy);
	touch_range(self, 200, 3);
	/* The quota is used: the policy points at the slow node now. */
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(SLOW, K.policy);
	EXPECT_EQ(1, self->pl.ft.st.switches);
	touch_range(self, 300, 4);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(SLOW, K.node[300 + i]);
	EXPECT_EQ(4, self->pl.ft.st.slow);
	EXPECT_EQ(0, self->pl.ft.st.excess);
	EXPECT_EQ(8, on_fast());
	EXPECT_TRUE(placement_fast(&self->pl, 102));
	EXPECT_TRUE(placement_fast(&self->pl, 202));
	EXPECT_FALSE(placement_fast(&self->pl, 300));
	/* Nothing new: a scan queries nothing. */
	K.queried = 0;
	settle(&self->pl, &self->now);
	EXPECT_EQ(0, K.queried);
}

TEST_F(ft, fast_pages_beyond_the_quota_between_scans_go_back_newest_first)
{
	unsigned int i;

	ASSERT_EQ(0, placement_first_touch(&self->pl, &ops));
	touch_range(self, 100, 12);	/* all while the policy says fast */
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(4, self->pl.ft.st.excess);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(FAST, K.node[100 + i]);
	for (i = 8; i < 12; i++)
		EXPECT_EQ(SLOW, K.node[100 + i]);
	EXPECT_EQ(8, on_fast());
	EXPECT_EQ(SLOW, K.policy);
	/* The moved pages are known now: not moved again, not counted. */
	settle(&self->pl, &self->now);
	EXPECT_EQ(4, self->pl.ft.st.excess);
	EXPECT_EQ(8, self->pl.ft.st.fast);
}

TEST_F(ft, pages_present_before_vtierd_are_treated_the_same)
{
	K.node[7] = FAST;
	K.node[9] = SLOW;
	K.node[11] = FAST;
	ASSERT_EQ(0, placement_first_touch(&self->pl, &ops));
	settle(&self->pl, &self->now);
	EXPECT_EQ(2, self->pl.held_pages);
	EXPECT_EQ(1, self->pl.ft.st.slow);
	EXPECT_TRUE(placement_fast(&self->pl, 11));
	EXPECT_EQ(SLOW, K.node[9]);
}

TEST_F(ft, the_scan_is_bounded_per_tick)
{
	unsigned int i, ticks = 0;

	ASSERT_EQ(0, placement_first_touch(&self->pl, &ops));
	for (i = 0; i < 10000; i++)
		touch(i);
	self->now += 10 * MS;
	placement_ft_scan(&self->pl, self->now);
	/* 4096 queries per tick, in whole 1024-frame steps. */
	EXPECT_EQ(4096, K.queried);
	EXPECT_EQ(4096, self->pl.ft.st.fast + self->pl.ft.st.slow +
		  self->pl.ft.st.excess);
	while (!self->pl.ft.st.passes) {
		self->now += 10 * MS;
		placement_ft_scan(&self->pl, self->now);
		ticks++;
	}
	EXPECT_EQ(10000, K.queried);
	EXPECT_EQ(10000, self->pl.ft.st.fast + self->pl.ft.st.slow +
		  self->pl.ft.st.excess);
	/* 2^18 frames at 65536 per tick, the rest by the query bound. */
	EXPECT_EQ(5, ticks);
	EXPECT_EQ(8, on_fast());
}

/*
 * Fill the quota by first touch: 20, 21, 22 first, then 10..14; 50..53
 * come after, on the slow node.  0 when it went so.
 */
static int fill_two_scans(FIXTURE_DATA(ft) *self)
{
	if (placement_first_touch(&self->pl, &ops))
		return -1;
	touch_range(self, 20, 3);
	touch_range(self, 10, 5);
	touch_range(self, 50, 4);
	return self->pl.held_pages == 8 && K.policy == SLOW &&
	       K.node[50] == SLOW ? 0 : -1;
}

TEST_F(ft, a_promotion_evicts_the_oldest_fast_frame_the_guest_does_not_want)
{
	struct vtier_hint_host h[] = { P(50), P(51) };

	ASSERT_EQ(0, fill_two_scans(self));
	batch(self, h, 2);
	EXPECT_EQ(2, self->ack.applied);
	EXPECT_EQ(FAST, K.node[50]);
	EXPECT_EQ(FAST, K.node[51]);
	/* Oldest seen, not lowest numbered. */
	EXPECT_EQ(SLOW, K.node[20]);
	EXPECT_EQ(SLOW, K.node[21]);
	EXPECT_EQ(FAST, K.node[22]);
	EXPECT_EQ(FAST, K.node[10]);
	EXPECT_EQ(2, self->pl.ft.st.evicted);
	EXPECT_EQ(2, self->pl.st.demoted);
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(8, on_fast());
	EXPECT_EQ(SLOW, K.policy);
	/* The promoted pages are wanted: the next victims are 22, 10. */
	h[0] = P(52);
	h[1] = P(53);
	batch(self, h, 2);
	EXPECT_EQ(SLOW, K.node[22]);
	EXPECT_EQ(SLOW, K.node[10]);
	EXPECT_EQ(FAST, K.node[50]);
	EXPECT_EQ(8, on_fast());
}

TEST_F(ft, promoting_an_already_fast_frame_marks_it_wanted)
{
	struct vtier_hint_host h[] = { P(20) };
	unsigned int moves;

	ASSERT_EQ(0, fill_two_scans(self));
	moves = K.move_calls;
	batch(self, h, 1);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(moves, K.move_calls);		/* nothing moved */
	EXPECT_EQ(0, self->pl.ft.st.evicted);
	h[0] = P(50);
	batch(self, h, 1);
	EXPECT_EQ(FAST, K.node[20]);		/* the guest's now */
	EXPECT_EQ(SLOW, K.node[21]);
	EXPECT_EQ(FAST, K.node[50]);
	EXPECT_EQ(1, self->pl.ft.st.evicted);
	/* A demote hint makes it a victim again (it stays fast if busy). */
	h[0] = D(22);
	batch(self, h, 1);
	EXPECT_EQ(SLOW, K.node[22]);
	EXPECT_EQ(FAST, K.policy);		/* room again */
	EXPECT_EQ(7, self->pl.held_pages);
}

TEST_F(ft, with_no_victim_left_the_promotion_is_deferred)
{
	struct vtier_hint_host want[8], h[] = { P(50) }, d[] = { D(10) };
	unsigned int i, switches;
	uint64_t gs[] = { 20, 21, 22, 10, 11, 12, 13, 14 };

	ASSERT_EQ(0, fill_two_scans(self));
	for (i = 0; i < 8; i++)
		want[i] = P(gs[i]);
	batch(self, want, 8);
	EXPECT_EQ(8, self->ack.applied);
	batch(self, h, 1);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(SLOW, K.node[50]);
	EXPECT_EQ(0, self->pl.ft.st.evicted);
	EXPECT_EQ(1, self->pl.def.len);
	/* A demotion makes room: the deferred promotion takes it first. */
	switches = self->pl.ft.st.switches;
	batch(self, d, 1);
	EXPECT_EQ(SLOW, K.node[10]);
	EXPECT_EQ(FAST, K.node[50]);
	EXPECT_EQ(0, self->pl.def.len);
	EXPECT_EQ(8, self->pl.held_pages);
	EXPECT_EQ(SLOW, K.policy);
	EXPECT_EQ(switches, self->pl.ft.st.switches);
}

TEST_F(ft, an_eviction_waits_for_the_hint_rate_like_any_move)
{
	struct vtier_hint_host h[] = { P(50) };

	placement_detach(&self->pl);
	self->host.vm_hints_per_s = 1;
	placement_init(&self->pl, &self->host, 8);
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES, xlate, NULL,
				      self->now));
	ASSERT_EQ(0, fill_two_scans(self));
	batch(self, h, 1);
	EXPECT_EQ(1, self->ack.applied);
	EXPECT_EQ(SLOW, K.node[20]);
	h[0] = P(51);
	batch(self, h, 1);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(1, self->pl.q_len);
	EXPECT_EQ(FAST, K.node[21]);		/* not yet */
	EXPECT_EQ(SLOW, K.node[51]);
	self->now += 1000 * MS;
	placement_tick(&self->pl, self->now);
	EXPECT_EQ(SLOW, K.node[21]);
	EXPECT_EQ(FAST, K.node[51]);
	EXPECT_EQ(2, self->pl.ft.st.evicted);
	EXPECT_EQ(8, on_fast());
}

TEST_F(ft, a_grown_quota_sends_new_pages_fast_again)
{
	ASSERT_EQ(0, fill_two_scans(self));
	self->pl.quota_pages = 10;
	placement_retry(&self->pl, self->now);	/* what a quota change does */
	EXPECT_EQ(FAST, K.policy);
	touch_range(self, 60, 3);
	EXPECT_EQ(10, self->pl.held_pages);
	EXPECT_EQ(FAST, K.node[60]);
	EXPECT_EQ(FAST, K.node[61]);
	EXPECT_EQ(SLOW, K.node[62]);
	EXPECT_EQ(1, self->pl.ft.st.excess);
	EXPECT_EQ(SLOW, K.policy);
	EXPECT_EQ(3, self->pl.ft.st.switches);	/* slow, fast, slow */
}

TEST_F(ft, the_host_pool_bounds_first_touch_across_vms)
{
	struct placement other;
	unsigned int i;

	self->host.fmem_total_pages = 6;
	placement_init(&other, &self->host, 8);
	/* Two VMs: frames 0.. and NPAGES / 2.. of the table. */
	ASSERT_EQ(0, placement_attach(&self->pl, 4242, NPAGES / 2, xlate,
				      NULL, self->now));
	ASSERT_EQ(0, placement_attach(&other, 4243, NPAGES / 2, xlate,
				      (void *)(uintptr_t)(NPAGES / 2),
				      self->now));
	ASSERT_EQ(0, placement_first_touch(&self->pl, &ops));
	ASSERT_EQ(0, placement_first_touch(&other, &ops));
	touch_range(self, 100, 4);
	for (i = 0; i < 4; i++)		/* the other VM's pages */
		touch(NPAGES / 2 + 200 + i);
	settle(&other, &self->now);
	EXPECT_EQ(4, self->pl.held_pages);
	EXPECT_EQ(2, other.held_pages);
	EXPECT_EQ(6, self->host.fmem_held_pages);
	EXPECT_EQ(2, other.ft.st.excess);
	EXPECT_EQ(6, on_fast());
	/* The pool is full: both VMs' new pages go slow. */
	placement_retry(&self->pl, self->now);
	EXPECT_EQ(SLOW, self->pl.ft.node);
	EXPECT_EQ(SLOW, other.ft.node);
	placement_detach(&other);
	EXPECT_EQ(4, self->host.fmem_held_pages);
}

TEST_F(ft, without_first_touch_a_promotion_at_the_quota_evicts_nothing)
{
	struct vtier_hint_host fill[8], h[] = { P(50) };
	unsigned int i;

	for (i = 0; i < 8; i++) {
		K.node[i] = SLOW;
		fill[i] = P(i);
	}
	K.node[50] = SLOW;
	batch(self, fill, 8);
	/* Fast but no longer wanted, as after a demotion left it busy. */
	deferred_want(&self->pl.def, 3, 0, false);
	batch(self, h, 1);
	EXPECT_EQ(1, self->ack.deferred);
	EXPECT_EQ(0, self->pl.ft.st.evicted);
	EXPECT_EQ(SLOW, K.node[50]);
	EXPECT_EQ(FAST, K.node[3]);
	EXPECT_EQ(0, K.policy_calls);
}

TEST_HARNESS_MAIN
