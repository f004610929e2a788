// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred promotions are remembered and retried (host-backend/deferred.c
 * through placement.c): a promotion that found no room under the quota or
 * the host pool is promoted, without a new hint, once room appears, unless
 * the guest has demoted the page since; the pool is never exceeded; a full
 * FIFO drops its oldest entry and counts it.  The mover is a table of
 * where each page is, checked against the pool after every call.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "placement.h"

#define NPAGES 4096
#define BASE 0x7f0000000000ull
#define FAST 0
#define SLOW 1
#define MS 1000000ull

struct tab_mover {
	struct mover m;		/* first: the mover callback gets &m */
	int node[NPAGES];
	unsigned int max_fast;	/* most pages on the fast node after a call */
};

static unsigned int on_fast(const struct tab_mover *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < NPAGES; i++)
		n += t->node[i] == FAST;
	return n;
}

static void tab_move(struct mover *m, pid_t pid, const uint64_t *addr,
		     unsigned int n, int node, struct move_out *out)
{
	struct tab_mover *t = (struct tab_mover *)m;
	unsigned int i;

	(void)pid;
	for (i = 0; i < n; i++) {
		uint64_t p = (addr[i] - BASE) / PLACE_PAGE_SIZE;

		out[i].err = 0;
		out[i].res = t->node[p] == node ? MV_ALREADY : MV_MOVED;
		t->node[p] = node;
	}
	if (on_fast(t) > t->max_fast)
		t->max_fast = on_fast(t);
}

static int xlate(void *ctx, uint64_t gpfn, uint64_t *vmm_addr)
{
	(void)ctx;
	if (gpfn >= NPAGES)
		return -1;
	*vmm_addr = BASE + gpfn * PLACE_PAGE_SIZE;
	return 0;
}

static void hints(struct placement *pl, uint64_t first, unsigned int n,
		  int action, struct place_ack *ack)
{
	struct vtier_hint_host h[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		h[i] = (struct vtier_hint_host){ .gpfn = first + i,
						 .action = (uint8_t)action };
	placement_batch(pl, h, n, 1000 * MS, ack);
}

#define PROMOTE(pl, g, n, ack) hints(pl, g, n, VTIER_HINT_PROMOTE, ack)
#define DEMOTE(pl, g, n, ack) hints(pl, g, n, VTIER_HINT_DEMOTE, ack)

FIXTURE(def) {
	struct tab_mover tab;
	struct place_host host;
	struct placement a, b;
	struct place_ack ack;
};

FIXTURE_SETUP(def)
{
	unsigned int i;

	memset(&self->tab, 0, sizeof(self->tab));
	self->tab.m.move = tab_move;
	for (i = 0; i < NPAGES; i++)
		self->tab.node[i] = SLOW;
	place_host_init(&self->host, &self->tab.m, FAST, SLOW);
	placement_init(&self->a, &self->host, 8);
	placement_init(&self->b, &self->host, 8);
}

FIXTURE_TEARDOWN(def)
{
	placement_detach(&self->a);
	placement_detach(&self->b);
}

static void attach(struct __test_metadata *_metadata, struct placement *pl)
{
	ASSERT_EQ(0, placement_attach(pl, 4242, NPAGES, xlate, NULL, 1000 * MS));
}

TEST_F(def, deferred_at_the_quota_is_promoted_once_a_demotion_frees_room)
{
	attach(_metadata, &self->a);
	PROMOTE(&self->a, 0, 10, &self->ack);
	EXPECT_EQ(8, self->ack.applied);
	EXPECT_EQ(2, self->ack.deferred);
	EXPECT_EQ(2, self->a.def.len);
	EXPECT_EQ(SLOW, self->tab.node[8]);

	/* The guest demotes two pages; no new promote hint is sent. */
	DEMOTE(&self->a, 0, 2, &self->ack);
	EXPECT_EQ(FAST, self->tab.node[8]);
	EXPECT_EQ(FAST, self->tab.node[9]);
	EXPECT_EQ(SLOW, self->tab.node[0]);
	EXPECT_EQ(8, self->a.held_pages);
	EXPECT_EQ(2, self->a.def.retried);
	EXPECT_EQ(0, self->a.def.len);
	EXPECT_EQ(8, self->tab.max_fast);

	/* A quota change is room too (the balancer calls placement_retry). */
	PROMOTE(&self->a, 20, 3, &self->ack);
	EXPECT_EQ(3, self->a.def.len);
	self->a.quota_pages = 10;
	EXPECT_FALSE(placement_retry(&self->a, 1001 * MS));
	EXPECT_EQ(FAST, self->tab.node[20]);
	EXPECT_EQ(FAST, self->tab.node[21]);
	EXPECT_EQ(SLOW, self->tab.node[22]);	/* oldest first, then full */
	EXPECT_EQ(1, self->a.def.len);
	EXPECT_EQ(10, on_fast(&self->tab));
}

TEST_F(def, a_deferred_page_demoted_by_a_hint_is_not_promoted_later)
{
	attach(_metadata, &self->a);
	PROMOTE(&self->a, 0, 10, &self->ack);
	EXPECT_EQ(2, self->a.def.len);
	/* The guest changed its mind about page 9, then frees room. */
	DEMOTE(&self->a, 9, 1, &self->ack);
	DEMOTE(&self->a, 0, 2, &self->ack);
	EXPECT_EQ(FAST, self->tab.node[8]);
	EXPECT_EQ(SLOW, self->tab.node[9]);
	EXPECT_EQ(7, self->a.held_pages);
	EXPECT_EQ(1, self->a.def.retried);
	EXPECT_EQ(0, self->a.def.len);
	/* A page the host took back is not wanted fast any more either. */
	PROMOTE(&self->a, 30, 2, &self->ack);	/* 30 fast, 31 deferred */
	EXPECT_EQ(1, self->a.def.len);
	EXPECT_TRUE(deferred_wanted(&self->a.def, 2, 0));
	EXPECT_EQ(1, placement_demote_oldest(&self->a, 1, 1001 * MS));
	EXPECT_EQ(SLOW, self->tab.node[2]);	/* page 2: oldest left */
	EXPECT_FALSE(deferred_wanted(&self->a.def, 2, 0));
	placement_retry(&self->a, 1001 * MS);	/* the tier's retry_all */
	EXPECT_EQ(FAST, self->tab.node[31]);	/* the room went to 31 */
	EXPECT_EQ(SLOW, self->tab.node[2]);
	EXPECT_EQ(0, self->a.def.len);
}

TEST_F(def, pool_deferral_is_retried_as_another_vm_shrinks)
{
	unsigned int i;

	self->host.fmem_total_pages = 10;
	self->a.quota_pages = self->b.quota_pages = 10;
	attach(_metadata, &self->a);
	attach(_metadata, &self->b);
	/* B fills the pool (its frames 2048.. are other pages). */
	PROMOTE(&self->b, 2048, 10, &self->ack);
	EXPECT_EQ(10, self->ack.applied);
	PROMOTE(&self->a, 0, 6, &self->ack);
	EXPECT_EQ(6, self->ack.deferred);
	EXPECT_EQ(6, self->a.def.len);
	/* The balancer moves quota from B to A; B gives back 2 at a time. */
	self->b.quota_pages = 4;
	self->a.quota_pages = 6;
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(2, placement_demote_oldest(&self->b, 2, 1001 * MS));
		placement_retry(&self->a, 1001 * MS);	/* the tier's retry_all */
		EXPECT_EQ(2 * (i + 1), self->a.held_pages);
		EXPECT_EQ(10, self->host.fmem_held_pages);
		EXPECT_EQ(10, on_fast(&self->tab));
	}
	/* Oldest first: A got its first six hints, B kept its newest. */
	for (i = 0; i < 6; i++)
		EXPECT_EQ(FAST, self->tab.node[i]);
	EXPECT_EQ(SLOW, self->tab.node[2048 + 5]);
	EXPECT_EQ(FAST, self->tab.node[2048 + 6]);
	EXPECT_EQ(6, self->a.def.retried);
	EXPECT_EQ(0, self->a.def.len);
	EXPECT_EQ(10, self->tab.max_fast);	/* never above the pool */
}

TEST_F(def, a_full_fifo_drops_the_oldest_and_counts_it)
{
	self->host.deferred_max = 3;
	self->a.quota_pages = 0;
	attach(_metadata, &self->a);
	PROMOTE(&self->a, 100, 5, &self->ack);
	EXPECT_EQ(5, self->ack.deferred);
	EXPECT_EQ(3, self->a.def.len);
	EXPECT_EQ(2, self->a.def.dropped);
	EXPECT_EQ(5, self->a.def.deferred);
	self->a.quota_pages = 8;
	placement_retry(&self->a, 1001 * MS);
	EXPECT_EQ(SLOW, self->tab.node[100]);	/* dropped: lost */
	EXPECT_EQ(SLOW, self->tab.node[101]);
	EXPECT_EQ(FAST, self->tab.node[102]);
	EXPECT_EQ(FAST, self->tab.node[104]);
	EXPECT_EQ(3, self->a.def.retried);
}

TEST_F(def, a_retry_waits_for_the_hint_rate)
{
	self->host.vm_hints_per_s = 1;	/* burst: one hint */
	self->a.quota_pages = 0;
	attach(_metadata, &self->a);
	PROMOTE(&self->a, 0, 1, &self->ack);
	EXPECT_EQ(1, self->a.def.len);
	self->a.quota_pages = 8;
	PROMOTE(&self->a, 1, 1, &self->ack);	/* retry of 0 takes the hint */
	EXPECT_EQ(FAST, self->tab.node[0]);
	EXPECT_EQ(SLOW, self->tab.node[1]);	/* queued behind it */
	EXPECT_EQ(1, self->a.q_len);
	EXPECT_TRUE(placement_tick(&self->a, 1500 * MS));	/* not yet */
	EXPECT_FALSE(placement_tick(&self->a, 2001 * MS));
	EXPECT_EQ(FAST, self->tab.node[1]);
}

TEST_HARNESS_MAIN
