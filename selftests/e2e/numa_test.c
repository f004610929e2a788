// SPDX-License-Identifier: GPL-2.0
/*
 * Placement proof on two NUMA nodes: boots qemu-configs/run-numa-vm.sh
 * (node 1: memory, no CPUs) with the guest script numa-place, which runs
 * the static vtierd against vtier-numa-driver inside the guest.  Every
 * VTIER-NUMA-TEST line becomes an assertion here; VTIER-NUMA-BENCH lines
 * (emulated figures) are printed as TAP comments.
 */
#include "kselftest_harness.h"
#include "numa_vm.h"

#define BOOT_S 240	/* generous: TCG shares 2 cores with other tests */

/* What the driver must have checked (selftests/guest/numa/numa_driver.c). */
static const char *const checks[] = {
	"welcome_move", "topology_defaults", "initial_slow",
	"promote_applied", "promoted_on_fast", "order9_applied", "order9_whole",
	"over_quota_deferred", "quota_full", "deferred_stay_slow",
	"order9_over_quota_deferred", "demotion_makes_room", "demoted_on_slow",
	"room_promoted", "order9_demote", "order9_demoted", "deferred_retried",
	"deferred_counters",
	"untouched_not_an_error", "untouched_stays_absent", "hole_rejected",
	"order9_after_room", "order9_promoted", "sampled_within_quota",
	"fast_pages_match", "promoted_minus_demoted", "acks_add_up",
	"checksums_intact", "disconnect_mid_batch", "reconnect",
	"reconnect_promoted", "limits_ack", "limits_wait",
	"limits_queue_drained", "limits_numbers", "limits_checksums",
	"limits_vtierd_exits", "vtierd_survives", "thp_head_moves_whole",
	"mover_pinned_busy", "mover_bad_node_failed",
};

FIXTURE(numa) {
	struct e2e e;
};

FIXTURE_SETUP(numa)
{
	ASSERT_EQ(0, e2e_init(&self->e, "numa"));
}

FIXTURE_TEARDOWN(numa)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

TEST_F_TIMEOUT(numa, placement_on_two_nodes, 300)
{
	char **lines = NULL;
	int n, i;

	self->e.qemu_pid = numa_vm_start(&self->e, "numa-place", "220");
	ASSERT_LT(0, self->e.qemu_pid);
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA online", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-DONE", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-BENCH-END", BOOT_S));
	numa_vm_expect_checks(_metadata, &self->e, checks,
			      (int)(sizeof(checks) / sizeof(checks[0])));
	n = e2e_console_lines(&self->e, "VTIER-NUMA-BENCH ", &lines);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	EXPECT_LT(0, n);
	e2e_free_lines(lines, n);
	EXPECT_TRUE(e2e_console_has(&self->e, "VTIER-NUMA-BENCH move 4KiB batch=1024"));
	/* vtierd's own account of its start-up (its log, echoed). */
	EXPECT_TRUE(e2e_console_has(&self->e,
		"VTIER-NUMA-LOG vtierd: moving pages: fast node 0, slow node 1"));
	EXPECT_TRUE(e2e_console_has(&self->e,
		"VTIER-NUMA-LOG vtierd: vm0: initial placement:"));
}

TEST_HARNESS_MAIN
