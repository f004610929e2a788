// SPDX-License-Identifier: GPL-2.0
/*
 * Boot smoke tests: the test guest boots the Debian guest kernel with the
 * busybox initramfs, loads the virtio/vsock transport and (when built)
 * vtier.ko, and powers off cleanly; guest RAM written inside the guest is
 * readable from the host through QEMU's memory; with vtierd built, the
 * module connects to it over vhost-user-vsock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

/* Generous: TCG boots in ~7 s on an idle machine, far slower under load. */
#define BOOT_S	180
#define STEP_S	60

static bool valid_state(const char *s)
{
	return !strcmp(s, "connected") || !strcmp(s, "connecting") ||
	       !strcmp(s, "backoff") || !strcmp(s, "stopped");
}

FIXTURE(boot) {
	struct e2e e;
};

FIXTURE_SETUP(boot)
{
	ASSERT_EQ(0, e2e_init(&self->e, "boot"));
}

FIXTURE_TEARDOWN(boot)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

/* Boot without any vsock backend; the module loads and names a state. */
TEST_F_TIMEOUT(boot, guest_boots_and_powers_off, 2 * BOOT_S)
{
	struct e2e_guest_opts o = { .script = "smoke", .append = "vtier.wait=2" };
	char kver[64], want[96];
	const char *l;

	/* The kernel run-guest.sh boots (GUEST_KVER or VTIER_KERNEL's). */
	snprintf(kver, sizeof(kver), "%s", self->e.kver);
	ASSERT_NE('\0', kver[0]);
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));

	l = e2e_wait_console(&self->e, "VTIER-READY", BOOT_S);
	ASSERT_NE(NULL, l);
	snprintf(want, sizeof(want), "kernel=%s ", kver);
	EXPECT_NE(NULL, strstr(l, want)) TH_LOG("READY line: %s", l);
	EXPECT_NE(NULL, strstr(l, "cpus=2 ")) TH_LOG("READY line: %s", l);

	if (e2e_have_module(&self->e)) {
		l = e2e_wait_console(&self->e, "VTIER-INSMOD", STEP_S);
		ASSERT_NE(NULL, l);
		ASSERT_STREQ("VTIER-INSMOD ok", l);
		l = e2e_wait_console(&self->e, "VTIER-STATE ", STEP_S);
		ASSERT_NE(NULL, l);
		EXPECT_TRUE(valid_state(l + strlen("VTIER-STATE ")))
			TH_LOG("state line: %s", l);
		l = e2e_wait_console(&self->e, "VTIER-RMMOD", STEP_S);
		ASSERT_NE(NULL, l);
		EXPECT_STREQ("VTIER-RMMOD ok", l);
	} else {
		TH_LOG("guest-driver/vtier.ko not built: boot only");
		EXPECT_NE(NULL, e2e_wait_console(&self->e, "VTIER-SMOKE no-module",
						 STEP_S));
	}
	l = e2e_wait_console(&self->e, "VTIER-SCRIPT-END smoke", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-SCRIPT-END smoke rc=0", l);
	/* Powered off by the guest, not killed: exit code 0. */
	EXPECT_EQ(0, e2e_wait_guest_exit(&self->e, STEP_S));
	EXPECT_FALSE(e2e_console_has(&self->e, "VTIER-MODULE-FAIL"));
	EXPECT_FALSE(e2e_console_has(&self->e, "Kernel panic"));
	EXPECT_FALSE(e2e_console_has(&self->e, "Call Trace"));
}

/*
 * vtier-fill writes a GPA-derived pattern into pinned pages; the host finds
 * each page in QEMU's memfd mapping and sees exactly that pattern.
 */
TEST_F_TIMEOUT(boot, guest_pages_readable_from_host, 2 * BOOT_S)
{
	struct e2e_guest_opts o = {
		.script = "fill",
		.append = "vtier.pages=32 vtier.accesses=0 vtier.wait=1",
	};
	uint64_t gpfn, vmm;
	char **pages = NULL;
	int n, i;

	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-FILL-DONE 32", BOOT_S));
	n = e2e_console_lines(&self->e, "VTIER-PAGE ", &pages);
	ASSERT_EQ(32, n);
	for (i = 0; i < n; i++) {
		gpfn = strtoull(pages[i] + strlen("VTIER-PAGE "), NULL, 16);
		ASSERT_EQ(0, e2e_gpa_to_vmm(&self->e, gpfn * 4096, &vmm))
			TH_LOG("gpfn 0x%" PRIx64, gpfn);
		EXPECT_EQ(0, e2e_pattern_mismatches(&self->e, vmm, gpfn * 4096))
			TH_LOG("page %s", pages[i]);
		/* Control: the same bytes do not match another page's pattern. */
		EXPECT_EQ(512, e2e_pattern_mismatches(&self->e, vmm,
						      (gpfn + 1) * 4096));
	}
	e2e_free_lines(pages, n);
	e2e_kill_guest(&self->e);
}

/* With vtierd built: the module reaches "connected" over vhost-user-vsock. */
TEST_F_TIMEOUT(boot, module_connects_to_vtierd, 2 * BOOT_S)
{
	struct e2e_guest_opts o = {
		.script = "smoke", .append = "vtier.wait=60",
		.vsock = E2E_VSOCK_CLIENT,
	};
	json_t *status, *vm;
	const char *l;

	if (!e2e_have_module(&self->e))
		SKIP(return, "guest-driver/vtier.ko not built");
	if (!e2e_have_vtierd(&self->e) || !e2e_have_vtierctl(&self->e))
		SKIP(return, "build/bin/vtierd or vtierctl not built");
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, NULL));
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));

	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-INSMOD ok", BOOT_S));
	l = e2e_wait_console(&self->e, "VTIER-STATE ", 2 * STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-STATE connected", l);
	l = e2e_wait_console(&self->e, "VTIER-SCRIPT-END smoke", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-SCRIPT-END smoke rc=0", l);
	EXPECT_EQ(0, e2e_wait_guest_exit(&self->e, STEP_S));

	/* vtierd survived the guest going away and rejected nothing. */
	ASSERT_TRUE(e2e_vtierd_running(&self->e));
	status = e2e_vtierctl(&self->e, "status", NULL);
	ASSERT_NE(NULL, status);
	vm = e2e_status_vm(status, "vm0");
	EXPECT_NE(NULL, vm);
	if (vm)
		EXPECT_EQ(0, e2e_json_int(vm, "frames_rejected"));
	json_decref(status);
}

TEST_HARNESS_MAIN
