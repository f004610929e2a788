// SPDX-License-Identifier: GPL-2.0
/*
 * The tier alone, through struct tier_ops only (host-backend/tier.c,
 * tier_observe.c), linked without the daemon: two VMs' tier states over
 * real memory tables (a memfd), hints in, fast pages, deferrals, retries
 * and host demotions out.  The moving tier needs two NUMA nodes; its
 * placement engine has its own tests (placement, deferred, firsttouch)
 * and the two-node VM runs it whole (e2e_numa_test).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tier.h"

#define RAM_BYTES	(2u << 20)	/* 512 frames per VM */
#define NVMS		2

FIXTURE(tier) {
	int memfd;
	struct memtab mem[NVMS];
	struct vlog log[NVMS];
	struct tier_vm tv[NVMS];
	struct tier_vm *tvs[NVMS];
	struct loop loop;
	struct tier t;
	const struct tier_ops *ops;
};

FIXTURE_SETUP(tier)
{
	const struct memtab_region_desc d = {
		.gpa = 0, .size = RAM_BYTES, .uaddr = 0x7f0000000000ull,
	};
	const struct tier_opts o = { .initial = INITIAL_FIRST_TOUCH };
	const char *why = NULL;
	int i;

	self->memfd = memfd_create("tier-test-ram", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, RAM_BYTES));
	self->loop.epfd = -1;
	for (i = 0; i < NVMS; i++) {
		memset(&self->tv[i], 0, sizeof(self->tv[i]));
		memtab_init(&self->mem[i]);
		ASSERT_EQ(0, memtab_set(&self->mem[i], &d, 1, &self->memfd,
					&why));
		self->log[i] = (struct vlog){ .name = i ? "vm1" : "vm0" };
		self->tvs[i] = &self->tv[i];
	}
	tier_init(&self->t, &self->loop, self->tvs, NVMS);
	for (i = 0; i < NVMS; i++)
		tier_vm_init(&self->tv[i], &self->t, &self->log[i],
			     &self->mem[i]);
	tier_observe_setup(&self->t, &o, "tier test");
	self->ops = self->t.ops;
	for (i = 0; i < NVMS; i++)
		self->ops->attach(&self->tv[i], 4242 + i);
}

FIXTURE_TEARDOWN(tier)
{
	int i;

	for (i = 0; i < NVMS; i++) {
		self->ops->detach(&self->tv[i]);
		memtab_clear(&self->mem[i]);
	}
	self->ops->teardown(&self->t);
	close(self->memfd);
}

static struct session_ack hint(FIXTURE_DATA(tier) *self, int vm,
			       uint64_t gpfn, unsigned int order, bool promote)
{
	const struct vtier_hint_host h = {
		.gpfn = gpfn, .order = (uint8_t)order,
		.action = promote ? VTIER_HINT_PROMOTE : VTIER_HINT_DEMOTE,
	};
	struct session_ack ack = { 0 };

	self->ops->hints(&self->tv[vm], &h, 1, &ack);
	return ack;
}

TEST_F(tier, observe_only_is_said_and_nothing_has_a_node)
{
	EXPECT_TRUE(self->ops->observe_only);
	EXPECT_EQ(-1, self->t.fast_node);
	EXPECT_EQ(-1, self->t.slow_node);
	EXPECT_EQ(0, self->ops->fast_pages(&self->tv[0]));
}

TEST_F(tier, promotions_make_frames_fast_and_demotions_take_them_back)
{
	struct session_ack a = hint(self, 0, 0, 9, true);

	EXPECT_EQ(1, a.applied);
	EXPECT_EQ(0, a.deferred);
	EXPECT_EQ(512, self->ops->fast_pages(&self->tv[0]));
	EXPECT_TRUE(self->ops->is_fast(&self->tv[0], 511));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[1], 0));
	hint(self, 0, 7, 0, false);
	EXPECT_EQ(511, self->ops->fast_pages(&self->tv[0]));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 7));
	/* Without a balancer there is no bound: no deferral. */
	EXPECT_EQ(0, self->ops->deferred(&self->tv[0])->len);
}

TEST_F(tier, with_a_balancer_the_quota_bounds_and_a_raise_lands_the_rest)
{
	int i;

	self->t.bounded = true;
	self->t.pool_pages = 1024;
	self->ops->set_quota(&self->tv[0], 4);
	for (i = 0; i < 6; i++)
		hint(self, 0, (uint64_t)i, 0, true);
	EXPECT_EQ(4, self->ops->fast_pages(&self->tv[0]));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 4));
	EXPECT_EQ(2, self->ops->deferred(&self->tv[0])->len);

	/* A demotion makes room: the oldest deferral lands at once. */
	hint(self, 0, 0, 0, false);
	EXPECT_EQ(4, self->ops->fast_pages(&self->tv[0]));
	EXPECT_TRUE(self->ops->is_fast(&self->tv[0], 4));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 5));

	/* A grown quota lands the rest on the next retry. */
	self->ops->set_quota(&self->tv[0], 8);
	EXPECT_EQ(8, self->tv[0].quota_pages);
	self->ops->retry_all(&self->t);
	EXPECT_TRUE(self->ops->is_fast(&self->tv[0], 5));
	EXPECT_EQ(5, self->ops->fast_pages(&self->tv[0]));
	EXPECT_EQ(0, self->ops->deferred(&self->tv[0])->len);
	EXPECT_EQ(2, self->ops->deferred(&self->tv[0])->retried);
}

TEST_F(tier, the_pool_bounds_all_vms_together)
{
	self->t.bounded = true;
	self->t.pool_pages = 600;
	self->ops->set_quota(&self->tv[0], 512);
	self->ops->set_quota(&self->tv[1], 512);
	hint(self, 0, 0, 9, true);
	EXPECT_EQ(1, hint(self, 1, 0, 9, true).applied);
	EXPECT_EQ(512, self->ops->fast_pages(&self->tv[0]));
	EXPECT_EQ(0, self->ops->fast_pages(&self->tv[1]));
	EXPECT_EQ(1, self->ops->deferred(&self->tv[1])->len);
	/* vm0 gives back 400: vm1's deferred 2 MiB still does not fit. */
	EXPECT_EQ(400, self->ops->demote_oldest(&self->tv[0], 400));
	self->ops->retry_all(&self->t);
	EXPECT_EQ(112, self->ops->fast_pages(&self->tv[0]));
	EXPECT_EQ(0, self->ops->fast_pages(&self->tv[1]));
	/* 100 more, and it does. */
	EXPECT_EQ(100, self->ops->demote_oldest(&self->tv[0], 100));
	self->ops->retry_all(&self->t);
	EXPECT_EQ(12, self->ops->fast_pages(&self->tv[0]));
	EXPECT_EQ(512, self->ops->fast_pages(&self->tv[1]));
	EXPECT_GE(600, self->ops->fast_pages(&self->tv[0]) +
		  self->ops->fast_pages(&self->tv[1]));
}

TEST_F(tier, the_host_takes_back_the_oldest_promotions_first)
{
	int i;

	for (i = 0; i < 8; i++)
		hint(self, 0, (uint64_t)(100 + i), 0, true);
	hint(self, 0, 100, 0, false);	/* demoted and promoted again: */
	hint(self, 0, 100, 0, true);	/* the newest now */
	EXPECT_EQ(3, self->ops->demote_oldest(&self->tv[0], 3));
	EXPECT_TRUE(self->ops->is_fast(&self->tv[0], 100));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 101));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 102));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 103));
	EXPECT_TRUE(self->ops->is_fast(&self->tv[0], 104));
	EXPECT_EQ(5, self->ops->fast_pages(&self->tv[0]));
}

TEST_F(tier, a_new_memory_table_starts_empty)
{
	hint(self, 0, 0, 9, true);
	self->ops->detach(&self->tv[0]);
	EXPECT_EQ(0, self->ops->fast_pages(&self->tv[0]));
	self->ops->attach(&self->tv[0], 4242);
	EXPECT_EQ(0, self->ops->fast_pages(&self->tv[0]));
	EXPECT_FALSE(self->ops->is_fast(&self->tv[0], 0));
	EXPECT_EQ(4242, self->tv[0].vmm_pid);
}

TEST_HARNESS_MAIN
