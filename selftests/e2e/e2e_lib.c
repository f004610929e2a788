// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_lib: start, watch and stop vtierd and QEMU for end-to-end tests.
 * Console/log reading, vtierctl and guest memory access are in e2e_io.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_lib.h"

#ifndef E2E_ROOT
#define E2E_ROOT "."
#endif

/* Live tests, so an exit() anywhere still stops their children. */
#define E2E_MAX_LIVE 4
static struct e2e *live[E2E_MAX_LIVE];

static void stop_all_at_exit(void)
{
	for (int i = 0; i < E2E_MAX_LIVE; i++)
		if (live[i])
			e2e_cleanup(live[i], false);
}

static void fmt_path(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, PATH_MAX, fmt, ap);
	va_end(ap);
}

/*
 * The guest kernel, QEMU and initramfs that run-guest.sh picks (from
 * VTIER_KERNEL and VTIER_QEMU, qemu-configs/platform.sh), printed as a TAP
 * comment in every test, so every result says what it ran on.  0 or -1.
 */
static int read_platform(struct e2e *e)
{
	char cmd[PATH_MAX + 64], line[PATH_MAX + 64];
	bool kernel = false, qemu = false, initrd = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s/qemu-configs/run-guest.sh' --platform",
		 e->root);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "kernel ", 7))
			kernel = snprintf(e->kver, sizeof(e->kver), "%s",
					  line + 7) < (int)sizeof(e->kver);
		else if (!strncmp(line, "qemu ", 5))
			qemu = snprintf(e->qemu_version, sizeof(e->qemu_version),
					"%.*s", (int)strcspn(line + 5, " "),
					line + 5) < (int)sizeof(e->qemu_version);
		else if (!strncmp(line, "initrd ", 7))
			initrd = snprintf(e->initrd, sizeof(e->initrd), "%s",
					  line + 7) < (int)sizeof(e->initrd);
	}
	if (pclose(p) != 0 || !kernel || !qemu || !initrd) {
		fprintf(stderr, "# e2e: %s failed\n", cmd);
		return -1;
	}
	fprintf(stderr, "# e2e platform: linux %s, qemu %s\n", e->kver,
		e->qemu_version);
	return 0;
}

int e2e_init(struct e2e *e, const char *name)
{
	static bool atexit_done;
	const char *root = getenv("VTIER_ROOT");
	char cmd[3 * PATH_MAX];
	int i;

	memset(e, 0, sizeof(*e));
	e->console_in = -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	fmt_path(e->root, "%s", root && *root ? root : E2E_ROOT);
	fmt_path(e->dir, "/tmp/vtier-e2e-%s-XXXXXX", e->name);
	if (!mkdtemp(e->dir)) {
		fprintf(stderr, "# e2e: mkdtemp %s: %s\n", e->dir, strerror(errno));
		return -1;
	}
	fmt_path(e->vu_sock, "%s/vm0.sock", e->dir);
	fmt_path(e->control, "%s/control.sock", e->dir);
	fmt_path(e->vtierd, "%s/build/bin/vtierd", e->root);
	fmt_path(e->vtierctl, "%s/build/bin/vtierctl", e->root);
	fmt_path(e->console.path, "%s/console.log", e->dir);
	fmt_path(e->vtierd_log.path, "%s/vtierd.log", e->dir);

	for (i = 0; i < E2E_MAX_LIVE && live[i]; i++)
		;
	if (i < E2E_MAX_LIVE)
		live[i] = e;
	if (!atexit_done) {
		atexit(stop_all_at_exit);
		atexit_done = true;
	}

	if (read_platform(e))
		return -1;
	/* Cheap when nothing changed; picks up a freshly built vtier.ko. */
	snprintf(cmd, sizeof(cmd), "'%s/scripts/mkinitramfs.sh' '%s' >&2",
		 e->root, e->initrd);
	if (system(cmd) != 0) {
		fprintf(stderr, "# e2e: building the initramfs failed\n");
		return -1;
	}
	return 0;
}

static bool is_exec(const char *path)
{
	return access(path, X_OK) == 0;
}

bool e2e_have_vtierd(const struct e2e *e)
{
	return is_exec(e->vtierd);
}

bool e2e_have_vtierctl(const struct e2e *e)
{
	return is_exec(e->vtierctl);
}

/* Does the initramfs the tests boot carry vtier.ko? (its .contents list) */
bool e2e_have_module(const struct e2e *e)
{
	char path[PATH_MAX + 16], line[PATH_MAX];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s.contents", e->initrd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "lib/modules/vtier.ko\n");
	fclose(f);
	return found;
}

/*
 * fork + exec argv with stdin from in_fd (or /dev/null when in_fd < 0) and
 * stdout+stderr appended to log.  The child leads its own process group (so a kill reaches whatever
 * it starts) and dies with the test process (PR_SET_PDEATHSIG).
 */
static pid_t spawn(const char *const argv[], const char *log, int in_fd)
{
	pid_t parent = getpid(), pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("# e2e: fork");
		return -1;
	}
	if (pid > 0) {
		setpgid(pid, pid);	/* also in the child: no race */
		return pid;
	}
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "e2e: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Has *pid exited?  Reaps it and records the status. */
static bool reap(pid_t *pid, int *status, int flags)
{
	pid_t r;

	if (*pid <= 0)
		return true;
	do {
		r = waitpid(*pid, status, flags);
	} while (r < 0 && errno == EINTR);
	if (r == *pid || (r < 0 && errno == ECHILD)) {
		*pid = 0;
		return true;
	}
	return false;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* sig to the group, up to 5 s to go, then SIGKILL. */
static void stop_group(pid_t *pid, int *status, int sig)
{
	if (*pid <= 0)
		return;
	kill(-*pid, sig);
	kill(*pid, sig);
	for (int i = 0; i < 250; i++) {
		if (reap(pid, status, WNOHANG))
			return;
		sleep_ms(20);
	}
	fprintf(stderr, "# e2e: pid %d ignored signal %d; killing\n", *pid, sig);
	kill(-*pid, SIGKILL);
	kill(*pid, SIGKILL);
	reap(pid, status, 0);
}

bool e2e_vtierd_running(struct e2e *e)
{
	return !reap(&e->vtierd_pid, &e->vtierd_status, WNOHANG);
}

bool e2e_guest_running(struct e2e *e)
{
	return !reap(&e->qemu_pid, &e->qemu_status, WNOHANG);
}

int e2e_start_vtierd_argv(struct e2e *e, const char *const args[])
{
	const char *argv[64];
	int n = 0;

	if (e->vtierd_pid) {
		fprintf(stderr, "# e2e: vtierd already running\n");
		return -1;
	}
	argv[n++] = e->vtierd;
	for (; args && *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	e->vtierd_pid = spawn(argv, e->vtierd_log.path, -1);
	return e->vtierd_pid > 0 ? 0 : -1;
}

/* Wait until path exists while vtierd keeps running. */
static int wait_vtierd_path(struct e2e *e, const char *path, int timeout_s)
{
	for (int i = 0; i < timeout_s * 50; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		if (!e2e_vtierd_running(e)) {
			fprintf(stderr, "# e2e: vtierd exited (status 0x%x) before "
				"creating %s\n", e->vtierd_status, path);
			return -1;
		}
		sleep_ms(20);
	}
	fprintf(stderr, "# e2e: %s did not appear in %d s\n", path, timeout_s);
	return -1;
}

int e2e_start_vtierd(struct e2e *e, const char *vm_opts)
{
	char vm[2 * PATH_MAX];
	const char *args[] = { "--vm", vm, "--control", e->control, "-v", NULL };
	bool connect = vm_opts && strstr(vm_opts, "connect");

	snprintf(vm, sizeof(vm), "name=vm0,socket=%s%s%s", e->vu_sock,
		 vm_opts && *vm_opts ? "," : "", vm_opts ? vm_opts : "");
	if (e2e_start_vtierd_argv(e, args))
		return -1;
	if (!connect && wait_vtierd_path(e, e->vu_sock, 10))
		return -1;
	return wait_vtierd_path(e, e->control, 10);
}

int e2e_stop_vtierd(struct e2e *e, int sig)
{
	if (!e->vtierd_pid)
		return -1;
	stop_group(&e->vtierd_pid, &e->vtierd_status, sig);
	return e->vtierd_status;
}

int e2e_start_guest(struct e2e *e, const struct e2e_guest_opts *o)
{
	char script[PATH_MAX], smp[16], timeout[16];
	const char *argv[32];
	int n = 0, in[2];

	if (e->qemu_pid) {
		fprintf(stderr, "# e2e: QEMU already running\n");
		return -1;
	}
	fmt_path(script, "%s/qemu-configs/run-guest.sh", e->root);
	snprintf(smp, sizeof(smp), "%d", o->smp > 0 ? o->smp : 2);
	argv[n++] = script;
	argv[n++] = "--initrd";
	argv[n++] = e->initrd;
	argv[n++] = "--name";
	argv[n++] = e->name;
	argv[n++] = "--mem";
	argv[n++] = o->mem ? o->mem : "1G";
	argv[n++] = "--smp";
	argv[n++] = smp;
	if (o->script) {
		argv[n++] = "--script";
		argv[n++] = o->script;
	}
	if (o->append) {
		argv[n++] = "--append";
		argv[n++] = o->append;
	}
	if (o->timeout_s > 0) {
		snprintf(timeout, sizeof(timeout), "%d", o->timeout_s);
		argv[n++] = "--timeout";
		argv[n++] = timeout;
	}
	if (o->vsock == E2E_VSOCK_CLIENT)
		argv[n++] = "--socket";
	else if (o->vsock == E2E_VSOCK_SERVER)
		argv[n++] = "--socket-server";
	if (o->vsock != E2E_VSOCK_NONE)
		argv[n++] = e->vu_sock;
	if (o->qemu_args) {
		argv[n++] = "--";
		for (const char *const *a = o->qemu_args; *a; a++) {
			if (n == 31) {
				fprintf(stderr, "# e2e: too many QEMU arguments\n");
				return -1;
			}
			argv[n++] = *a;
		}
	}
	argv[n] = NULL;
	/* The serial console's input is a pipe: see e2e_send_console(). */
	if (e->console_in >= 0)
		close(e->console_in);
	if (pipe2(in, O_CLOEXEC))
		return -1;
	/* run-guest.sh execs QEMU: this pid is QEMU's. */
	e->qemu_pid = spawn(argv, e->console.path, in[0]);
	close(in[0]);
	e->console_in = in[1];
	return e->qemu_pid > 0 ? 0 : -1;
}

int e2e_send_console(struct e2e *e, const char *text)
{
	size_t len = strlen(text);

	if (e->console_in < 0 || write(e->console_in, text, len) != (ssize_t)len) {
		fprintf(stderr, "# e2e: cannot write to the guest console\n");
		return -1;
	}
	return 0;
}

int e2e_wait_guest_exit(struct e2e *e, int timeout_s)
{
	for (long i = 0; i < (long)timeout_s * 50; i++) {
		if (!e2e_guest_running(e))
			return WIFEXITED(e->qemu_status) ?
				WEXITSTATUS(e->qemu_status) : -1;
		sleep_ms(20);
	}
	return -1;
}

void e2e_kill_guest(struct e2e *e)
{
	stop_group(&e->qemu_pid, &e->qemu_status, SIGTERM);
}

/* Print a file to stderr as TAP diagnostics. */
static void dump_file(const char *title, const char *path)
{
	char line[E2E_LINE_MAX];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	fprintf(stderr, "# ---- %s (%s)\n", title, path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		fprintf(stderr, "# | %s\n", line);
	}
	fclose(f);
	fprintf(stderr, "# ---- end of %s\n", title);
}

void e2e_dump(struct e2e *e)
{
	dump_file("guest console", e->console.path);
	dump_file("vtierd log", e->vtierd_log.path);
}

void e2e_cleanup(struct e2e *e, bool failed)
{
	const char *keep = getenv("VTIER_KEEP");
	char cmd[PATH_MAX + 16];

	for (int i = 0; i < E2E_MAX_LIVE; i++)
		if (live[i] == e)
			live[i] = NULL;
	if (!e->dir[0])
		return;
	stop_group(&e->qemu_pid, &e->qemu_status, SIGTERM);
	stop_group(&e->vtierd_pid, &e->vtierd_status, SIGTERM);
	if (e->console_in >= 0)
		close(e->console_in);
	e->console_in = -1;
	if (failed)
		e2e_dump(e);
	if (failed || (keep && *keep && strcmp(keep, "0"))) {
		fprintf(stderr, "# e2e: files kept in %s\n", e->dir);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# e2e: could not remove %s\n", e->dir);
	}
	e->dir[0] = '\0';
}
