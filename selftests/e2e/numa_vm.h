/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two-node e2e tests share: booting qemu-configs/run-numa-vm.sh
 * with a guest script, and turning the guest's VTIER-NUMA-TEST lines into
 * assertions.  Included after kselftest_harness.h by the test files only.
 */
#ifndef VTIER_NUMA_VM_H
#define VTIER_NUMA_VM_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "e2e_lib.h"

/* Start the two-node VM running `script`; the returned pid is QEMU's. */
static pid_t numa_vm_start(struct e2e *e, const char *script,
			   const char *timeout_s)
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
	execl(launcher, launcher, "--initrd", e->initrd, "--script", script,
	      "--timeout", timeout_s, (char *)NULL);
	_exit(127);
}

/*
 * Every named check must have passed ("VTIER-NUMA-TEST ok NAME ...") and
 * no line may say " not-ok "; the lines are logged.
 */
static void numa_vm_expect_checks(struct __test_metadata *_metadata,
				  struct e2e *e, const char *const *checks,
				  int nchecks)
{
	char **lines = NULL, want[128];
	int n, i, j, found;

	n = e2e_console_lines(e, "VTIER-NUMA-TEST ", &lines);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	for (j = 0; j < nchecks; j++) {
		snprintf(want, sizeof(want), "VTIER-NUMA-TEST ok %s ", checks[j]);
		for (found = 0, i = 0; i < n; i++)
			found |= !strncmp(lines[i], want, strlen(want));
		EXPECT_TRUE(found) TH_LOG("no passing check %s", checks[j]);
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(NULL, strstr(lines[i], " not-ok "))
			TH_LOG("%s", lines[i]);
	e2e_free_lines(lines, n);
}

#endif
