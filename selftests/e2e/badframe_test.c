// SPDX-License-Identifier: GPL-2.0
/*
 * Two guests under one vtierd: vm0 sends malformed frames, vm1 hints
 * normally.  vtierd rejects each bad frame with a logged reason naming vm0,
 * closes only that connection, and keeps translating vm1's hints.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S	300
#define STEP_S	120

FIXTURE(badframe) {
	struct e2e bad, good;	/* vm0 (malformed frames), vm1 (fill) */
};

FIXTURE_SETUP(badframe)
{
	ASSERT_EQ(0, e2e_init(&self->bad, "badframe-vm0"));
	ASSERT_EQ(0, e2e_init(&self->good, "badframe-vm1"));
	if (!e2e_have_module(&self->good) || !e2e_have_vtierd(&self->bad) ||
	    !e2e_have_vtierctl(&self->bad))
		SKIP(return, "vtier.ko, vtierd or vtierctl not built");
	/* One vtierd (owned by `bad`) serves both; vm1's socket and control
	 * socket live in vm0's directory so both fixtures talk to it.
	 */
	if (strlen(self->bad.dir) + sizeof("/vm1.sock") >
	    sizeof(self->good.vu_sock))
		SKIP(return, "temporary directory path too long");
	strcpy(self->good.vu_sock, self->bad.dir);
	strcat(self->good.vu_sock, "/vm1.sock");
	strcpy(self->good.control, self->bad.control);
}

FIXTURE_TEARDOWN(badframe)
{
	e2e_cleanup(&self->good, !_metadata->passed);
	e2e_cleanup(&self->bad, !_metadata->passed);
}

static json_t *vm_status(struct e2e *e, const char *name, json_t **status)
{
	*status = e2e_vtierctl(e, "status", NULL);
	return *status ? e2e_status_vm(*status, name) : NULL;
}

TEST_F_TIMEOUT(badframe, rejected_and_other_vm_served, 2 * BOOT_S)
{
	struct e2e_guest_opts bad = {
		.script = "badframe", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.modes=badmagic,badlen,badpfn vtier.wait=20",
	};
	struct e2e_guest_opts good = {
		.script = "fill", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.pages=32 vtier.accesses=8 vtier.wait=90",
	};
	char vm0[PATH_MAX + 32], vm1[PATH_MAX + 32];
	const char *args[] = { "--vm", vm0, "--vm", vm1, "--control",
			       self->bad.control, "-v", NULL };
	json_t *status, *vm;
	const char *l;
	int i, translated = 0;

	snprintf(vm0, sizeof(vm0), "name=vm0,socket=%s,cid=3", self->bad.vu_sock);
	snprintf(vm1, sizeof(vm1), "name=vm1,socket=%s,cid=4", self->good.vu_sock);
	ASSERT_EQ(0, e2e_start_vtierd_argv(&self->bad, args));
	for (i = 0; i < 40 && (access(self->good.vu_sock, F_OK) ||
			       access(self->bad.vu_sock, F_OK)); i++)
		usleep(250 * 1000);
	ASSERT_EQ(0, e2e_start_guest(&self->bad, &bad));
	ASSERT_EQ(0, e2e_start_guest(&self->good, &good));

	/* Every malformed frame is refused and the connection closed. */
	static const char *const modes[] = { "badmagic", "badlen", "badpfn" };

	for (i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "VTIER-BADFRAME-MODE %s", modes[i]);
		ASSERT_NE(NULL, e2e_wait_console(&self->bad, want, BOOT_S));
		l = e2e_wait_console(&self->bad, "VTIER-BADFRAME ", STEP_S);
		ASSERT_NE(NULL, l);
		if (!strcmp(modes[i], "badpfn")) {
			/* A valid HELLO is welcomed before the bad HINTS. */
			EXPECT_EQ(0, strncmp(l, "VTIER-BADFRAME welcome=yes", 26))
				TH_LOG("%s", l);
			l = e2e_wait_console(&self->bad, "VTIER-BADFRAME ", STEP_S);
			ASSERT_NE(NULL, l);
		}
		/* vtierd may say BYE (a 24-byte frame) before it closes. */
		while (l && !strncmp(l, "VTIER-BADFRAME received", 23))
			l = e2e_wait_console(&self->bad, "VTIER-BADFRAME ", STEP_S);
		ASSERT_NE(NULL, l);
		EXPECT_STREQ("VTIER-BADFRAME closed", l) TH_LOG("mode %s", modes[i]);
	}
	EXPECT_TRUE(e2e_vtierd_log_has(&self->bad,
		"vtierd: vm0: rejected frame: bad magic; closing connection"));
	EXPECT_TRUE(e2e_vtierd_log_has(&self->bad,
		"vtierd: vm0: rejected frame: frame number past guest RAM; closing connection"));
	EXPECT_FALSE(e2e_vtierd_log_has(&self->bad, "vtierd: vm1: rejected"));

	/* vm1 is served throughout: its pages get translated. */
	ASSERT_NE(NULL, e2e_wait_console(&self->good, "VTIER-FILL-DONE 32", BOOT_S));
	for (i = 0; i < STEP_S * 4 && translated < 32; i++) {
		vm = vm_status(&self->bad, "vm1", &status);
		translated = vm ? (int)e2e_json_int(vm, "hints_translated") : 0;
		json_decref(status);
		usleep(250 * 1000);
	}
	EXPECT_LE(32, translated);

	ASSERT_TRUE(e2e_vtierd_running(&self->bad));
	vm = vm_status(&self->bad, "vm0", &status);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(3, e2e_json_int(vm, "frames_rejected"));
	json_decref(status);
	vm = vm_status(&self->bad, "vm1", &status);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(0, e2e_json_int(vm, "frames_rejected"));
	EXPECT_EQ(1, e2e_json_bool(vm, "guest_connected"));
	json_decref(status);
	e2e_kill_guest(&self->good);
	e2e_kill_guest(&self->bad);
}

TEST_HARNESS_MAIN
