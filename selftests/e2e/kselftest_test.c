// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-side kselftests as a guest image gets them: `make -C selftests
 * install INSTALL_PATH=DIR` (selftests/Makefile) into a temporary DIR,
 * whose kselftest-list.txt names the installed programs; DIR copied into
 * the test guest's initramfs at /opt/vtier-kselftest; the guest loads
 * vtier.ko with sampler=auto and runs DIR/run_kselftest.sh against vtierd
 * (selftests/guest-kselftest/in-guest.sh).  Every test passes, none is
 * skipped, and the frame the session test made hot is in `vtierctl pages`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define GUEST_DIR	"/opt/vtier-kselftest"
#define BOOT_S		180
#define SUITE_S		600

/* The installed suite: collection vtier (selftests/guest-kselftest). */
static const char *const suite[] = {
	"vtier:module_test", "vtier:sampler_test", "vtier:session_test",
};
#define NSUITE (sizeof(suite) / sizeof(suite[0]))

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

/* snprintf that says whether it fit: 0, or -1 when truncated. */
static int fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* The lines of a command's output (or a file with "cat"); count or -1. */
static int lines_of(const char *cmd, char lines[][128], int max)
{
	FILE *f = popen(cmd, "r");
	char buf[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = 0;
		if (n < max) {
			size_t l = strlen(buf);

			/* A longer line is cut: none we compare is that long. */
			if (l >= sizeof(lines[n]))
				l = sizeof(lines[n]) - 1;
			memcpy(lines[n], buf, l);
			lines[n][l] = 0;
		}
		n++;
	}
	return pclose(f) ? -1 : n;
}

/* Console lines (without \r) matching the extended regex re. */
static int console_count(struct e2e *e, const char *re)
{
	char cmd[PATH_MAX + 256], out[1][128];

	if (fmt(cmd, sizeof(cmd),
		"tr -d '\\r' <'%s/console.log' | { grep -cE -- '%s' || true; }",
		e->dir, re))
		return -1;
	return lines_of(cmd, out, 1) == 1 ? atoi(out[0]) : -1;
}

FIXTURE(ksft) {
	struct e2e e;
	char inst[PATH_MAX];	/* INSTALL_PATH */
};

FIXTURE_SETUP(ksft)
{
	ASSERT_EQ(0, e2e_init(&self->e, "kselftest"));
	ASSERT_EQ(0, fmt(self->inst, sizeof(self->inst), "%s/ksft", self->e.dir));
}

FIXTURE_TEARDOWN(ksft)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

/*
 * The initramfs of the e2e guests plus every installed file under
 * GUEST_DIR and the guest script as /scripts/kselftest.sh.
 */
static int guest_image(struct e2e *e, const char *inst)
{
	char extras[6144] = "", files[32][128], cmd[PATH_MAX + 64];
	size_t len = 0;
	int n, i;

	if (fmt(cmd, sizeof(cmd), "cd '%s' && find . -type f | sed 's|^\\./||'", inst))
		return -1;
	n = lines_of(cmd, files, 32);
	if (n <= 0 || n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		if (fmt(extras + len, sizeof(extras) - len, " '%s/%s:%s/%s'",
			inst, files[i], GUEST_DIR, files[i]))
			return -1;
		len += strlen(extras + len);
	}
	if (run("'%s/scripts/mkinitramfs.sh' '%s/initramfs.cpio.gz' %s "
		"'%s/selftests/guest-kselftest/in-guest.sh:/scripts/kselftest.sh' >/dev/null",
		e->root, e->dir, extras, e->root))
		return -1;
	return fmt(e->initrd, sizeof(e->initrd), "%s/initramfs.cpio.gz", e->dir);
}

TEST_F_TIMEOUT(ksft, install_lists_the_suite, 300)
{
	char list[16][128], listed[16][128], cmd[PATH_MAX + 64], path[PATH_MAX];
	unsigned int i;
	int n;

	ASSERT_EQ(0, run("make -s -C '%s/selftests' install INSTALL_PATH='%s' >&2",
			 self->e.root, self->inst));
	ASSERT_EQ(0, fmt(cmd, sizeof(cmd), "cat '%s/kselftest-list.txt'", self->inst));
	n = lines_of(cmd, list, 16);
	ASSERT_EQ((int)NSUITE, n);
	for (i = 0; i < NSUITE; i++) {
		EXPECT_STREQ(suite[i], list[i]);
		/* COLLECTION:TEST is the program COLLECTION/TEST. */
		ASSERT_EQ(0, fmt(path, sizeof(path), "%s/%s", self->inst, list[i]));
		*strchr(path + strlen(self->inst), ':') = '/';
		EXPECT_EQ(0, access(path, X_OK)) TH_LOG("%s is not installed", path);
	}
	ASSERT_EQ(0, fmt(path, sizeof(path), "%s/vtier/settings", self->inst));
	EXPECT_EQ(0, access(path, R_OK));
	ASSERT_EQ(0, fmt(path, sizeof(path), "%s/kselftest/runner.sh", self->inst));
	EXPECT_EQ(0, access(path, R_OK));
	/* The installed runner lists what the list file holds. */
	ASSERT_EQ(0, fmt(cmd, sizeof(cmd), "'%s/run_kselftest.sh' -l", self->inst));
	ASSERT_EQ((int)NSUITE, lines_of(cmd, listed, 16));
	for (i = 0; i < NSUITE; i++)
		EXPECT_STREQ(list[i], listed[i]);
	/* On this host vtier.ko is not loaded: every test skips, none fails. */
	ASSERT_EQ(0, fmt(cmd, sizeof(cmd), "'%s/run_kselftest.sh' | grep -c '^ok [0-9]* selftests: vtier: .* # SKIP$'",
		 self->inst));
	ASSERT_EQ(1, lines_of(cmd, listed, 16));
	EXPECT_EQ((int)NSUITE, atoi(listed[0]));
}

TEST_F_TIMEOUT(ksft, installed_suite_passes_in_guest, 900)
{
	struct e2e_guest_opts o = { .script = "kselftest",
				    .vsock = E2E_VSOCK_CLIENT,
				    .timeout_s = SUITE_S + BOOT_S };
	char out[4][128], cmd[PATH_MAX + 64], want[128], *frame;
	json_t *pages, *p;
	const char *end;
	unsigned int i;
	size_t k;
	long long gpfn, hints;
	int found = 0;

	if (!e2e_have_module(&self->e) || !e2e_have_vtierd(&self->e) ||
	    !e2e_have_vtierctl(&self->e))
		SKIP(return, "vtier.ko, vtierd or vtierctl not built");
	ASSERT_EQ(0, run("make -s -C '%s/selftests' install INSTALL_PATH='%s' >&2",
			 self->e.root, self->inst));
	ASSERT_EQ(0, guest_image(&self->e, self->inst));
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, "quota=64M"));
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-INSMOD ok", BOOT_S));
	end = e2e_wait_console(&self->e, "VTIER-KSELFTEST-END", SUITE_S);
	ASSERT_NE(NULL, end);
	EXPECT_STREQ("VTIER-KSELFTEST-END rc=0", end);

	/* run_kselftest.sh's own result line for each test, without SKIP. */
	for (i = 0; i < NSUITE; i++) {
		const char *t = strchr(suite[i], ':') + 1;

		ASSERT_EQ(0, fmt(want, sizeof(want), "^ok [0-9]+ selftests: vtier: %s$", t));
		EXPECT_EQ(1, console_count(&self->e, want)) TH_LOG("%s did not pass", t);
	}
	/* Nor did any test inside the programs fail or skip. */
	EXPECT_EQ(0, console_count(&self->e, "not ok|# SKIP"));
	EXPECT_EQ((int)NSUITE, console_count(&self->e, "^# # PASSED: "));

	/* vtierd holds the frame the session test hinted, as a promotion. */
	ASSERT_EQ(0, fmt(cmd, sizeof(cmd), "grep -o 'hinted frame 0x[0-9a-f]*' '%s/console.log'",
		 self->e.dir));
	ASSERT_EQ(1, lines_of(cmd, out, 4));
	frame = out[0] + strlen("hinted frame ");
	gpfn = strtoll(frame, NULL, 16);
	pages = e2e_vtierctl(&self->e, "pages", "vm0", NULL);
	ASSERT_NE(NULL, pages);
	json_array_foreach(json_object_get(pages, "pages"), k, p)
		if (e2e_json_int(p, "gpfn") == gpfn) {
			found = 1;
			hints = e2e_json_int(p, "hints");
			EXPECT_LE(1, hints);
			EXPECT_STREQ("promote",
				     json_string_value(json_object_get(p, "last_action")))
				TH_LOG("frame %s: %lld hints", frame, hints);
		}
	json_decref(pages);
	EXPECT_TRUE(found) TH_LOG("vtierctl pages vm0 has no frame %s", frame);
	EXPECT_TRUE(e2e_vtierd_log_has(&self->e, "sampler abit"));
	ASSERT_EQ(0, e2e_send_console(&self->e, "done\n"));
	EXPECT_EQ(0, e2e_wait_guest_exit(&self->e, 60));
}

TEST_HARNESS_MAIN
