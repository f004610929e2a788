// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer on two NUMA nodes: boots qemu-configs/run-numa-vm.sh with
 * the guest script numa-balance, which runs vtier-numa-balance
 * (selftests/numa/numa_balance.c): the static vtierd with three test
 * frontends as VMs sharing --fmem-total 2M.  Every VTIER-NUMA-TEST line
 * becomes an assertion here; the named checks must all be there and pass.
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
#define RUN_S 300

static const char *const checks[] = {
	"bal_start_at_min", "bal_steady_split", "bal_shift_toward_hotter",
	"bal_vtierctl_quota", "bal_greedy_demoted_by_host",
	"bal_oldest_demoted_first", "bal_total_never_exceeded",
	"bal_vtierd_survives",
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
	      "numa-balance", "--timeout", "500", (char *)NULL);
	_exit(127);
}

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
	char **lines = NULL, want[128];
	int n, i, j, found;

	self->e.qemu_pid = start_numa_vm(&self->e);
	ASSERT_LT(0, self->e.qemu_pid);
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA online", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-NUMA-BAL-DONE", RUN_S));
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
	n = e2e_console_lines(&self->e, "VTIER-NUMA-BAL-LOG ", &lines);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
	/* vtierd's own account of the host-side demotion. */
	EXPECT_TRUE(e2e_console_has(&self->e, "VTIER-NUMA-BAL-LOG vtierd: vm0: over quota for"));
}

TEST_HARNESS_MAIN
