// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer on two NUMA nodes: boots qemu-configs/run-numa-vm.sh with
 * the guest script numa-balance, which runs vtier-numa-balance
 * (selftests/guest/numa/numa_balance.c): the static vtierd with three test
 * frontends as VMs sharing --fmem-total 2M.  Every VTIER-NUMA-TEST line
 * becomes an assertion here; the named checks must all be there and pass.
 */
#include "kselftest_harness.h"
#include "numa_vm.h"

#define BOOT_S 240	/* generous: TCG shares 2 cores with other tests */
#define RUN_S 300

static const char *const checks[] = {
	"bal_start_at_min", "bal_steady_split", "bal_shift_toward_hotter",
	"bal_vtierctl_quota", "bal_greedy_demoted_by_host",
	"bal_oldest_demoted_first", "bal_total_never_exceeded",
	"bal_vtierd_survives",
};

FIXTURE(numa_balance) {
	struct e2e e;
};

FIXTURE_SETUP(numa_balance)
{
	ASSERT_EQ(0, e2e_init(&self->e, "numa-balance"));
}

FIXTURE_TEARDOWN(numa_balance)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

TEST_F_TIMEOUT(numa_balance, fast_total_never_exceeded, BOOT_S + RUN_S + 60)
{
	char **lines = NULL;
	int n, i;

	self->e.qemu_pid = numa_vm_start(&self->e, "numa-balance", "500");
	ASSERT_LT(0, self->e.qemu_pid);
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA online", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-BAL-DONE", RUN_S));
	numa_vm_expect_checks(_metadata, &self->e, checks,
			      (int)(sizeof(checks) / sizeof(checks[0])));
	n = e2e_console_lines(&self->e, "VTIER-NUMA-BAL-LOG ", &lines);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
	/* vtierd's own account of the host-side demotion. */
	EXPECT_TRUE(e2e_console_has(&self->e, "VTIER-NUMA-BAL-LOG vtierd: vm0: over quota for"));
}

TEST_HARNESS_MAIN
