// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd --initial first-touch on two NUMA nodes: boots
 * qemu-configs/run-numa-vm.sh with the guest script numa-firsttouch,
 * which runs vtier-numa-firsttouch (selftests/guest/numa/numa_firsttouch.c):
 * the static vtierd against the test frontend, guest RAM touched in a
 * known order and checked with the frontend's own move_pages(2) queries.
 * Every VTIER-NUMA-TEST line becomes an assertion here; the named checks
 * must all be there and pass.  VTIER-NUMA-BENCH lines (emulated figures)
 * are printed as TAP comments.
 */
#include "kselftest_harness.h"
#include "numa_vm.h"

#define BOOT_S 240	/* generous: TCG shares 2 cores with other tests */
#define RUN_S 300

static const char *const checks[] = {
	"ft_setup", "ft_paced_exact", "ft_paced_counters", "ft_evict_oldest",
	"ft_wanted_not_evicted", "ft_no_victim_deferred",
	"ft_sampled_within_quota", "ft_room_policy_fast",
	"ft_burst_newest_moved_back", "ft_burst_counters",
	"ft_free_burst_exact", "ft_checksums", "ft_vtierd_survives",
};

FIXTURE(numa_ft) {
	struct e2e e;
};

FIXTURE_SETUP(numa_ft)
{
	ASSERT_EQ(0, e2e_init(&self->e, "numa-firsttouch"));
}

FIXTURE_TEARDOWN(numa_ft)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

TEST_F_TIMEOUT(numa_ft, first_touched_pages_fill_the_quota, BOOT_S + RUN_S + 60)
{
	char **lines = NULL;
	int n, i;

	self->e.qemu_pid = numa_vm_start(&self->e, "numa-firsttouch", "500");
	ASSERT_LT(0, self->e.qemu_pid);
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA online", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-FT-DONE", RUN_S));
	numa_vm_expect_checks(_metadata, &self->e, checks,
			      (int)(sizeof(checks) / sizeof(checks[0])));
	n = e2e_console_lines(&self->e, "VTIER-NUMA-BENCH ", &lines);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
	n = e2e_console_lines(&self->e, "VTIER-NUMA-FT-LOG ", &lines);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
	/* vtierd's own account of its start-up and first scan. */
	EXPECT_TRUE(e2e_console_has(&self->e,
		"VTIER-NUMA-FT-LOG vtierd: moving pages: fast node 0, slow node 1; initial placement first-touch"));
	EXPECT_TRUE(e2e_console_has(&self->e,
		"VTIER-NUMA-FT-LOG vtierd: vm0: first touch: first scan of"));
}

TEST_HARNESS_MAIN
