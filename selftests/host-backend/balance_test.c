// SPDX-License-Identifier: GPL-2.0
/*
 * The quota layer alone (host-backend/balance.c on top of real VM columns
 * and the observe-only tier), linked without the daemon: no sockets, no
 * guest; REPORTs go in through each column's session ops, periods are run
 * by calling balance_period(), fast pages come from promote hints through
 * the tier.  The algorithm (balancer.c) has its own test; vtierd whole is
 * host_backend_balance_vtierd_test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "balance.h"
#include "kselftest_harness.h"
#include "vm.h"

#define NVMS		2
#define RAM_BYTES	(4u << 20)	/* 1024 frames per VM */
#define TOTAL_PAGES	384
#define STEP_PAGES	32

FIXTURE(quota) {
	int memfd;
	struct loop loop;
	struct vm *vms[NVMS];
	struct tier_vm *tvs[NVMS];
	struct tier t;
	struct balance b;
};

FIXTURE_SETUP(quota)
{
	const struct memtab_region_desc d = {
		.gpa = 0, .size = RAM_BYTES, .uaddr = 0x7f0000000000ull,
	};
	const struct tier_opts to = { .initial = INITIAL_FIRST_TOUCH };
	struct balance_opts bo;
	const char *why = NULL;
	int i;

	self->memfd = memfd_create("quota-test-ram", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, RAM_BYTES));
	ASSERT_EQ(0, loop_init(&self->loop));
	for (i = 0; i < NVMS; i++) {
		self->vms[i] = vm_alloc();
		ASSERT_NE(NULL, self->vms[i]);
		strcpy(self->vms[i]->name, i ? "vm1" : "vm0");
		self->tvs[i] = &self->vms[i]->tier;
	}
	balance_opts_init(&bo);
	bo.step_bytes = STEP_PAGES * 4096ull;
	bo.step_set = true;
	bo.deadband_bytes = 0;
	bo.deadband_set = true;
	bo.deadline_ms = 50;
	tier_init(&self->t, &self->loop, self->tvs, NVMS);
	ASSERT_EQ(0, balance_setup(&self->b, &self->loop, &self->t, &bo,
				   TOTAL_PAGES * 4096ull, self->vms, NVMS));
	tier_observe_setup(&self->t, &to, "quota test");
	for (i = 0; i < NVMS; i++) {
		struct vm *vm = self->vms[i];

		vm_setup(vm, &self->loop, &self->t, 0);
		ASSERT_EQ(0, memtab_set(&vm->vs.vu.mem, &d, 1, &self->memfd,
					&why));
		self->t.ops->attach(&vm->tier, 4242 + i);
	}
}

FIXTURE_TEARDOWN(quota)
{
	int i;

	for (i = 0; i < NVMS; i++) {
		self->t.ops->detach(&self->vms[i]->tier);
		memtab_clear(&self->vms[i]->vs.vu.mem);
		vm_close(self->vms[i]);
		free(self->vms[i]);
	}
	self->t.ops->teardown(&self->t);
	balance_teardown(&self->b);
	loop_close(&self->loop);
	close(self->memfd);
}

/*
 * A REPORT as the session would pass it up: `pages` equally hot pages
 * sharing `rate` samples per second.
 */
static void report(struct vm *vm, uint32_t rate, uint64_t pages)
{
	struct vtier_msg m;

	memset(&m, 0, sizeof(m));
	m.type = VTIER_MSG_REPORT;
	m.report.sample_rate = rate;
	m.report.epoch_ms = 1000;
	m.report.wss_pages = pages;
	m.report.samples = 100000;
	m.report.hist[8] = pages;
	vm->sv.ops->report(vm->sv.ctx, &m);
}

static void promote(struct vm *vm, uint64_t first, unsigned int n)
{
	struct session_ack ack;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vtier_hint_host h = { .gpfn = first + i,
					     .action = VTIER_HINT_PROMOTE };

		memset(&ack, 0, sizeof(ack));
		vm->sv.ops->hints(vm->sv.ctx, &h, 1, &ack);
	}
}

static uint64_t quota(const struct vm *vm)
{
	return vm->tier.quota_pages;
}

TEST_F(quota, new_vms_start_at_their_min_and_the_hot_one_gets_more)
{
	uint64_t before[NVMS], sum;
	int k, i;

	EXPECT_EQ(0, quota(self->vms[0]));
	EXPECT_EQ(0, quota(self->vms[1]));
	for (k = 0; k < 40; k++) {
		report(self->vms[0], 32000, 256);	/* hot */
		report(self->vms[1], 1000, 256);	/* cold */
		for (i = 0; i < NVMS; i++)
			before[i] = quota(self->vms[i]);
		balance_period(&self->b, loop_now_ns());
		sum = 0;
		for (i = 0; i < NVMS; i++) {
			uint64_t q = quota(self->vms[i]);

			sum += q;
			/* At most one step per period, either way. */
			EXPECT_GE(STEP_PAGES, q > before[i] ? q - before[i] :
				  before[i] - q);
		}
		EXPECT_GE(TOTAL_PAGES, sum);
	}
	/* The hot VM holds all it uses, the cold one the rest. */
	EXPECT_EQ(256, quota(self->vms[0]));
	EXPECT_EQ(TOTAL_PAGES - 256, quota(self->vms[1]));
	/* Settled: another period changes nothing. */
	before[0] = quota(self->vms[0]);
	before[1] = quota(self->vms[1]);
	report(self->vms[0], 32000, 256);
	report(self->vms[1], 1000, 256);
	balance_period(&self->b, loop_now_ns());
	EXPECT_EQ(before[0], quota(self->vms[0]));
	EXPECT_EQ(before[1], quota(self->vms[1]));
	EXPECT_LE(1, self->vms[0]->bal.nchanges);
	EXPECT_EQ(41, self->b.periods);
}

TEST_F(quota, a_vm_without_a_report_keeps_its_quota)
{
	int k;

	for (k = 0; k < 10; k++) {
		report(self->vms[0], 32000, 256);
		balance_period(&self->b, loop_now_ns());
	}
	EXPECT_LT(0, quota(self->vms[0]));
	EXPECT_EQ(0, quota(self->vms[1]));
	EXPECT_EQ(0, self->vms[1]->bal.nchanges);
}

TEST_F(quota, a_guest_over_a_lowered_quota_loses_its_oldest_pages)
{
	uint64_t max = 16;
	int k;

	for (k = 0; k < 20; k++) {
		report(self->vms[0], 32000, 256);
		balance_period(&self->b, loop_now_ns());
	}
	ASSERT_LE(64, quota(self->vms[0]));
	promote(self->vms[0], 100, 64);
	ASSERT_EQ(64, self->t.ops->fast_pages(&self->vms[0]->tier));

	/* The host lowers its max: the quota follows, the guest ignores it. */
	ASSERT_EQ(0, balance_set_limits(&self->b, self->vms[0], NULL, &max,
					NULL, NULL, 0));
	for (k = 0; k < 20 && quota(self->vms[0]) > max; k++) {
		report(self->vms[0], 32000, 256);
		balance_period(&self->b, loop_now_ns());
	}
	ASSERT_EQ(max, quota(self->vms[0]));
	/* Within the deadline nothing is taken... */
	EXPECT_EQ(0, self->vms[0]->bal.host_demoted_pages);
	usleep(60 * 1000);	/* past --quota-deadline (50 ms) */
	report(self->vms[0], 32000, 256);
	balance_period(&self->b, loop_now_ns());
	/* ...after it, the excess, oldest promotion first. */
	EXPECT_EQ(max, self->t.ops->fast_pages(&self->vms[0]->tier));
	EXPECT_EQ(64 - max, self->vms[0]->bal.host_demoted_pages);
	EXPECT_FALSE(self->t.ops->is_fast(&self->vms[0]->tier, 100));
	EXPECT_FALSE(self->t.ops->is_fast(&self->vms[0]->tier, 100 + 47));
	EXPECT_TRUE(self->t.ops->is_fast(&self->vms[0]->tier, 100 + 48));
	EXPECT_TRUE(self->t.ops->is_fast(&self->vms[0]->tier, 100 + 63));
}

TEST_F(quota, bad_limits_are_refused_with_a_reason)
{
	uint64_t min = 300, max = 100;
	char err[200];

	EXPECT_EQ(-EINVAL, balance_set_limits(&self->b, self->vms[0], &min,
					      &max, NULL, err, sizeof(err)));
	EXPECT_STREQ("min above max", err);
	max = TOTAL_PAGES;
	ASSERT_EQ(0, balance_set_limits(&self->b, self->vms[0], &min, &max,
					NULL, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, balance_set_limits(&self->b, self->vms[1], &min,
					      NULL, NULL, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "more than --fmem-total"));
	/* The refused change left vm1 as it was. */
	EXPECT_EQ(0, self->vms[1]->bal.min_pages);
}

TEST_HARNESS_MAIN
