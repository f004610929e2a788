// SPDX-License-Identifier: GPL-2.0
/*
 * Placement proof on two NUMA nodes: boots qemu-configs/run-numa-vm.sh
 * (node 1: memory, no CPUs) with the guest script numa-place, which runs
 * the static vtierd against vtier-numa-driver inside the guest.  Every
 * VTIER-NUMA-TEST line becomes an assertion here; VTIER-NUMA-BENCH lines
 * (emulated figures) are printed as TAP comments.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "e2e_lib.h"
#include "kselftest_harness.h"

#define BOOT_S 240	/* generous: TCG shares 2 cores with other tests */

/* What the driver must have checked (selftests/numa/numa_driver.c). */
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

static pid_t start_numa_vm(struct e2e *e)
{
	char launcher[PATH_MAX + 64];
	pid_t parent = getpid(), pid;
	int fd;

	snprintf(launcher, sizeof(launcher), "%s/qemu-configs/run-numa-vm.sh",
		 e->root);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	fd = open(e->console.path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 1);
	dup2(fd, 2);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	/* run-numa-vm.sh execs QEMU: this pid is QEMU's. */
	execl(launcher, launcher, "--initrd", e->initrd, "--script",
	      "numa-place", "--timeout", "220", (char *)NULL);
	_exit(127);
}

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
	char **lines = NULL, want[128];
	int n, i, j, found;

	self->e.qemu_pid = start_numa_vm(&self->e);
	ASSERT_LT(0, self->e.qemu_pid);
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA online", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-DONE", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-BENCH-END", BOOT_S));
	n = e2e_console_lines(&self->e, "VTIER-NUMA-TEST ", &lines);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	for (j = 0; j < (int)(sizeof(checks) / sizeof(checks[0])); j++) {
		snprintf(want, sizeof(want), "VTIER-NUMA-TEST ok %s ", checks[j]);
		for (found = 0, i = 0; i < n; i++)
			found |= !strncmp(lines[i], want, strlen(want));
		EXPECT_TRUE(found) TH_LOG("no passing check %s", checks[j]);
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(NULL, strstr(lines[i], " not-ok "))
			TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
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
