// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end hint path: a guest program fills pages with a pattern derived
 * from each page's guest-physical address and replays accesses to them;
 * vtier.ko hints them over virtio-vsock; vtierd translates each hinted
 * frame through its memory table.  The tests check, independently of
 * vtierd's code, that exactly those pages were translated and that the
 * guest RAM behind each translation holds that page's pattern.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S	240
#define STEP_S	90

/* Read the gpfns of the guest's `VTIER-PAGE <gpfn>` lines into *out. */
static int filled_pages(struct e2e *e, uint64_t **out)
{
	char **lines = NULL;
	int n = e2e_console_lines(e, "VTIER-PAGE ", &lines), i;

	if (n <= 0)
		return n;
	*out = calloc(n, sizeof(**out));
	for (i = 0; *out && i < n; i++)
		(*out)[i] = strtoull(lines[i] + strlen("VTIER-PAGE "), NULL, 16);
	e2e_free_lines(lines, n);
	return *out ? n : -1;
}

static bool contains(const uint64_t *set, int n, uint64_t v)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

/*
 * Poll `vtierctl pages VM` until it lists at least want pages or timeout.
 * Returns the last reply (json_decref it) or NULL.
 */
static json_t *wait_pages(struct e2e *e, const char *vm, size_t want,
			  int timeout_s)
{
	json_t *reply = NULL;
	int i;

	for (i = 0; i < timeout_s * 4; i++) {
		json_decref(reply);
		reply = e2e_vtierctl(e, "pages", vm, NULL);
		if (reply && json_array_size(json_object_get(reply, "pages")) >= want)
			break;
		usleep(250 * 1000);
	}
	return reply;
}

/*
 * The core assertion: vtierd translated hints for exactly the n filled
 * pages, and guest RAM at each translation holds that page's pattern.
 */
static void check_translations(struct __test_metadata *_metadata,
			       struct e2e *e, const char *vm,
			       const uint64_t *gpfn, int n)
{
	json_t *reply = wait_pages(e, vm, n, STEP_S), *pages, *p;
	uint64_t vmm, indep;
	size_t i;

	ASSERT_NE(NULL, reply);
	pages = json_object_get(reply, "pages");
	ASSERT_EQ((size_t)n, json_array_size(pages))
		TH_LOG("vtierd translated %zu pages, the guest filled %d",
		       json_array_size(pages), n);
	EXPECT_EQ(e->qemu_pid, e2e_json_int(reply, "vmm_pid"));
	json_array_foreach(pages, i, p) {
		uint64_t g = (uint64_t)e2e_json_int(p, "gpfn");

		ASSERT_TRUE(contains(gpfn, n, g))
			TH_LOG("vtierd translated gpfn 0x%" PRIx64
			       ", which the guest did not hint", g);
		EXPECT_EQ(g * 4096, (uint64_t)e2e_json_int(p, "gpa"));
		EXPECT_STREQ("promote",
			     json_string_value(json_object_get(p, "last_action")));
		vmm = (uint64_t)e2e_json_int(p, "vmm_addr");
		/* vtierd's translation agrees with QEMU's own mapping... */
		ASSERT_EQ(0, e2e_gpa_to_vmm(e, g * 4096, &indep));
		EXPECT_EQ(indep, vmm) TH_LOG("gpfn 0x%" PRIx64, g);
		/* ...and the guest RAM there holds this page's pattern. */
		EXPECT_EQ(0, e2e_pattern_mismatches(e, vmm, g * 4096))
			TH_LOG("gpfn 0x%" PRIx64 " at QEMU address 0x%" PRIx64,
			       g, vmm);
	}
	json_decref(reply);
}

static void check_status(struct __test_metadata *_metadata, struct e2e *e,
			 const char *vm_name, long long min_translated)
{
	json_t *status = e2e_vtierctl(e, "status", NULL), *vm;

	ASSERT_NE(NULL, status);
	vm = e2e_status_vm(status, vm_name);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(1, e2e_json_bool(vm, "guest_connected"));
	EXPECT_STREQ("replay",
		     json_string_value(json_object_get(vm, "sampler")));
	EXPECT_LE(min_translated, e2e_json_int(vm, "hints_translated"));
	EXPECT_EQ(0, e2e_json_int(vm, "hints_rejected"));
	EXPECT_EQ(0, e2e_json_int(vm, "frames_rejected"));
	/* One host NUMA node here: vtierd only counts what it would move. */
	if (e2e_json_bool(vm, "observe_only") == 1)
		EXPECT_LE(min_translated, e2e_json_int(vm, "would_move_pages"));
	json_decref(status);
}

FIXTURE(hints) {
	struct e2e e;
};

FIXTURE_SETUP(hints)
{
	ASSERT_EQ(0, e2e_init(&self->e, "hints"));
	if (!e2e_have_module(&self->e) || !e2e_have_vtierd(&self->e) ||
	    !e2e_have_vtierctl(&self->e))
		SKIP(return, "vtier.ko, vtierd or vtierctl not built");
}

FIXTURE_TEARDOWN(hints)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

TEST_F_TIMEOUT(hints, filled_pages_translated_exactly, 2 * BOOT_S)
{
	struct e2e_guest_opts o = {
		.script = "fill", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.pages=64 vtier.accesses=8 vtier.wait=60",
	};
	uint64_t *gpfn = NULL;
	int n;

	ASSERT_EQ(0, e2e_start_vtierd(&self->e, NULL));
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-STATE connected",
					 BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-FILL-DONE 64", STEP_S));
	n = filled_pages(&self->e, &gpfn);
	ASSERT_EQ(64, n);
	check_translations(_metadata, &self->e, "vm0", gpfn, n);
	check_status(_metadata, &self->e, "vm0", n);
	free(gpfn);
	e2e_kill_guest(&self->e);
}

/* Unload while connected (BYE), load again: hints flow on the new session. */
TEST_F_TIMEOUT(hints, module_reload_while_connected, 2 * BOOT_S)
{
	struct e2e_guest_opts o = {
		.script = "reload", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.pages=16",
	};
	uint64_t *gpfn = NULL;
	int n;

	ASSERT_EQ(0, e2e_start_vtierd(&self->e, NULL));
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-RMMOD ok", BOOT_S));
	/* The unload said goodbye on the wire rather than vanishing. */
	EXPECT_NE(NULL, e2e_wait_vtierd_log(&self->e, "guest said BYE (reason 0)",
					    STEP_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-RELOAD unloaded", STEP_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-FILL-DONE 16", STEP_S));
	n = filled_pages(&self->e, &gpfn);
	ASSERT_EQ(16, n);
	check_translations(_metadata, &self->e, "vm0", gpfn, n);
	check_status(_metadata, &self->e, "vm0", n);
	EXPECT_FALSE(e2e_console_has(&self->e, "Call Trace"));
	free(gpfn);
	e2e_kill_guest(&self->e);
}

/*
 * vtierd restarts while the guest runs.  QEMU is the vhost-user server and
 * the new vtierd connects to it; QEMU 7.2 hands the device over only at the
 * guest's next vsock device reset, after which vtier.ko, retrying with
 * backoff all along, reconnects by itself.
 */
TEST_F_TIMEOUT(hints, vtierd_restart_then_transport_reset, 2 * BOOT_S)
{
	struct e2e_guest_opts o = {
		.script = "restart", .vsock = E2E_VSOCK_SERVER,
		.append = "vtier.pages=16",
	};
	uint64_t *gpfn = NULL;
	const char *l;
	int n;

	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, "connect"));
	ASSERT_NE(NULL, e2e_wait_vtierd_log(&self->e, "vhost-user connected",
					    BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-RESTART waiting", BOOT_S));

	/* Crash, not an orderly exit: the guest gets no BYE. */
	e2e_stop_vtierd(&self->e, SIGKILL);
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, "connect"));
	ASSERT_NE(NULL, e2e_wait_vtierd_log(&self->e, "vhost-user connected",
					    STEP_S));
	ASSERT_EQ(0, e2e_send_console(&self->e, "go\n"));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-RESTART transport-reset",
					 STEP_S));
	/* The module noticed the reset and reconnected by itself. */
	l = e2e_wait_console(&self->e, "VTIER-RESTART reconnects=", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_LE(1, atoi(l + strlen("VTIER-RESTART reconnects=")));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-FILL-DONE 16", STEP_S));
	n = filled_pages(&self->e, &gpfn);
	ASSERT_EQ(16, n);
	check_translations(_metadata, &self->e, "vm0", gpfn, n);
	check_status(_metadata, &self->e, "vm0", n);
	free(gpfn);
	e2e_kill_guest(&self->e);
}

TEST_HARNESS_MAIN
