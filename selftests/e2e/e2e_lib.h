/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e2e_lib: helpers for end-to-end tests that boot a QEMU guest with vtier.ko
 * and run vtierd on the host.  Tests use the kselftest harness; a fixture
 * holds one struct e2e, FIXTURE_SETUP calls e2e_init() and FIXTURE_TEARDOWN
 * calls e2e_cleanup(&self->e, !_metadata->passed), which also runs after a
 * failed ASSERT.  Every child gets PR_SET_PDEATHSIG, so a test killed by the
 * harness' timeout takes QEMU and vtierd with it.
 *
 * Files of one test live in a temporary directory (e->dir): console.log
 * (QEMU's serial console and its stderr), vtierd.log, vm0.sock (vhost-user)
 * and control.sock (vtierd control).  It is removed after a passing test and
 * kept (and its logs printed) after a failing one; VTIER_KEEP=1 keeps it.
 */
#ifndef VTIER_E2E_LIB_H
#define VTIER_E2E_LIB_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define E2E_LINE_MAX	1024

/* Reads a growing file line by line (QEMU's console, vtierd's log). */
struct e2e_tail {
	char path[PATH_MAX];
	off_t off;			/* bytes already returned as lines */
	char line[E2E_LINE_MAX];	/* the last line returned */
};

struct e2e {
	char name[64];
	char root[PATH_MAX];		/* repository root */
	char dir[PATH_MAX];		/* this test's temporary directory */
	char vu_sock[PATH_MAX];		/* vhost-user socket, dir/vm0.sock */
	char control[PATH_MAX];		/* vtierd control, dir/control.sock */
	char initrd[PATH_MAX];		/* the kernel's initramfs in build/ */
	char kver[64];			/* guest kernel (VTIER_KERNEL) */
	char qemu_version[32];		/* QEMU's version (VTIER_QEMU) */
	char vtierd[PATH_MAX];		/* build/bin/vtierd */
	char vtierctl[PATH_MAX];	/* build/bin/vtierctl */
	pid_t vtierd_pid, qemu_pid;	/* 0: not running */
	int console_in;			/* write end of QEMU's stdin, or -1 */
	int vtierd_status, qemu_status;	/* waitpid() status once exited */
	struct e2e_tail console, vtierd_log;
};

enum e2e_vsock {
	E2E_VSOCK_NONE,		/* no vsock device: boot-only runs */
	E2E_VSOCK_CLIENT,	/* QEMU connects to vtierd (listening) */
	E2E_VSOCK_SERVER,	/* QEMU listens; vtierd `connect`s */
};

struct e2e_guest_opts {
	const char *script;	/* guest script: /scripts/<script>.sh */
	const char *append;	/* extra kernel command line, or NULL */
	enum e2e_vsock vsock;	/* socket is e->vu_sock */
	const char *mem;	/* guest RAM, default "1G" */
	int smp;		/* vCPUs, default 2 */
	int timeout_s;		/* guest powers off after this; 0: never */
	const char *const *qemu_args;	/* extra QEMU arguments, NULL-ended */
};

/* Set up paths and the temp dir; (re)build the initramfs.  0 or -1. */
int e2e_init(struct e2e *e, const char *name);
/* Stop everything; on failure print the logs (TAP "# " lines). */
void e2e_cleanup(struct e2e *e, bool failed);
/* Print console.log and vtierd.log to stderr as "# " lines. */
void e2e_dump(struct e2e *e);

bool e2e_have_vtierd(const struct e2e *e);	/* build/bin/vtierd built */
bool e2e_have_vtierctl(const struct e2e *e);	/* build/bin/vtierctl built */
bool e2e_have_module(const struct e2e *e);	/* guest-driver/vtier.ko built */

/*
 * Start vtierd with the given arguments (NULL-terminated, without argv[0]);
 * stdout and stderr go to dir/vtierd.log.  0 or -1.
 */
int e2e_start_vtierd_argv(struct e2e *e, const char *const args[]);
/*
 * Start `vtierd --vm name=vm0,socket=<vu_sock>[,vm_opts] --control
 * <control> -v` and wait up to 10 s for its sockets to appear (the
 * vhost-user one only when vm_opts has no `connect`).  0 or -1.
 */
int e2e_start_vtierd(struct e2e *e, const char *vm_opts);
/* Send sig to vtierd, wait for it; returns its waitpid status or -1. */
int e2e_stop_vtierd(struct e2e *e, int sig);
bool e2e_vtierd_running(struct e2e *e);

/* Start QEMU via qemu-configs/run-guest.sh.  0 or -1. */
int e2e_start_guest(struct e2e *e, const struct e2e_guest_opts *o);
/* Type text on the guest's serial console (guest scripts `read` it). */
int e2e_send_console(struct e2e *e, const char *text);
/* Wait for QEMU to exit; returns its exit code, or -1 on timeout/signal. */
int e2e_wait_guest_exit(struct e2e *e, int timeout_s);
void e2e_kill_guest(struct e2e *e);
bool e2e_guest_running(struct e2e *e);

/*
 * Wait for the next console line (after the last one this returned)
 * containing needle.  Returns the line from needle on (valid until the
 * next call), or NULL on timeout or when QEMU exited without printing it.
 */
const char *e2e_wait_console(struct e2e *e, const char *needle, int timeout_s);
/* The same for vtierd's log (gives up when vtierd exited). */
const char *e2e_wait_vtierd_log(struct e2e *e, const char *needle,
				int timeout_s);
/* Whole file so far: does any line contain needle? */
bool e2e_console_has(struct e2e *e, const char *needle);
bool e2e_vtierd_log_has(struct e2e *e, const char *needle);
/*
 * Every console line so far containing prefix, each from prefix on, as a
 * malloc'ed array of malloc'ed strings (free with e2e_free_lines).
 * Returns the count or -1.
 */
int e2e_console_lines(struct e2e *e, const char *prefix, char ***lines);
void e2e_free_lines(char **lines, int n);

/*
 * Run `vtierctl --control <control> ARGS... --json` (args NULL-terminated,
 * e.g. "status", NULL or "pages", "vm0", NULL) and parse its output.
 * Returns a new reference (json_decref it) or NULL, with the reason on
 * stderr.
 */
json_t *e2e_vtierctl(struct e2e *e, ...) __attribute__((sentinel));
/* The object in status["vms"] whose "name" is name (borrowed), or NULL. */
json_t *e2e_status_vm(json_t *status, const char *name);
/* Integer member key of obj, or -1 when missing or not an integer. */
long long e2e_json_int(const json_t *obj, const char *key);
/* Boolean member key of obj: 1, 0, or -1 when missing. */
int e2e_json_bool(const json_t *obj, const char *key);

/* Read len bytes of QEMU's memory at its virtual address.  0 or -1. */
int e2e_read_vmm(struct e2e *e, uint64_t vmm_addr, void *buf, size_t len);
/*
 * QEMU's virtual address of guest-physical address gpa, found from the
 * memfd mapping in /proc/<qemu>/maps and q35's RAM layout (independent of
 * vtierd).  0 or -1.
 */
int e2e_gpa_to_vmm(struct e2e *e, uint64_t gpa, uint64_t *vmm_addr);
/*
 * Words of the 4 KiB page at QEMU address vmm_addr that differ from the
 * pattern vtier-fill wrote for guest-physical page_gpa (0: intact), or -1
 * if the page cannot be read.
 */
long e2e_pattern_mismatches(struct e2e *e, uint64_t vmm_addr,
			    uint64_t page_gpa);

#endif /* VTIER_E2E_LIB_H */
