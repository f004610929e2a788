// SPDX-License-Identifier: GPL-2.0
/* Start/stop vtierd for a test, run vtierctl, read the log. */
#include "vtierd_child.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* vtierd and vtierctl live next to the test binary (build/bin/). */
static void bin_path(const char *name, char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	snprintf(out, cap, "%s/%s", dirname(self), name);
}

static bool control_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

static int start(struct vtierd_child *d, int n, const char *const *extra,
		 const char *const *args);

int vtierd_start(struct vtierd_child *d, int n, const char *const *extra)
{
	memset(d, 0, sizeof(*d));
	return start(d, n, extra, NULL);
}

int vtierd_start_args(struct vtierd_child *d, int n, const char *const *extra,
		      const char *const *args)
{
	memset(d, 0, sizeof(*d));
	return start(d, n, extra, args);
}

int vtierd_start_sock(struct vtierd_child *d, const char *sock,
		      const char *extra)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->sock[0], sizeof(d->sock[0]), "%s", sock);
	return start(d, 1, &extra, NULL);
}

/* d->sock[i] already set are used as they are. */
static int start(struct vtierd_child *d, int n, const char *const *extra,
		 const char *const *args)
{
	char exe[PATH_MAX], spec[VTIERD_MAX_VMS][256];
	char *argv[4 + 2 * VTIERD_MAX_VMS + 3 + VTIERD_MAX_ARGS];
	int i, a = 0, fd;

	strcpy(d->dir, "/tmp/vtierd-test-XXXXXX");
	if (!mkdtemp(d->dir) || n < 1 || n > VTIERD_MAX_VMS)
		return -1;
	snprintf(d->control, sizeof(d->control), "%s/ctl.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/vtierd.log", d->dir);
	bin_path("vtierd", exe, sizeof(exe));
	argv[a++] = exe;
	for (i = 0; i < n; i++) {
		if (!d->sock[i][0])
			snprintf(d->sock[i], sizeof(d->sock[i]), "%s/vm%d.sock",
				 d->dir, i);
		snprintf(spec[i], sizeof(spec[i]), "name=vm%d,socket=%s%s", i,
			 d->sock[i], extra && extra[i] ? extra[i] : "");
		argv[a++] = "--vm";
		argv[a++] = spec[i];
	}
	if (getenv("VTIERD_TEST_VERBOSE"))
		argv[a++] = "-vv";
	argv[a++] = "--control";
	argv[a++] = d->control;
	for (i = 0; args && args[i] && i < VTIERD_MAX_ARGS; i++)
		argv[a++] = (char *)args[i];
	argv[a] = NULL;

	d->pid = fork();
	if (d->pid == 0) {
		/*
		 * A test that fails an assertion exits without stopping us: die
		 * with it, and keep off its stdout, whose reader (run.sh's tee)
		 * would otherwise wait for us forever.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(exe, argv);
		_exit(127);
	}
	for (i = 0; i < 1000 && d->pid > 0; i++) {	/* up to 10 s */
		if (control_answers(d->control))
			return 0;
		if (!vtierd_alive(d))
			return -1;
		usleep(10000);
	}
	return -1;
}

bool vtierd_alive(struct vtierd_child *d)
{
	int st;

	return d->pid > 0 && waitpid(d->pid, &st, WNOHANG) == 0;
}

int vtierd_stop(struct vtierd_child *d)
{
	int st;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	if (waitpid(d->pid, &st, 0) != d->pid)
		return -1;
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void vtierd_cleanup(struct vtierd_child *d)
{
	char cmd[128];

	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (getenv("VTIERD_TEST_KEEP"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	if (d->dir[0] && system(cmd)) {
		/* best effort */
	}
}

int vtierd_exit_status(const char *const *args)
{
	char exe[PATH_MAX];
	char *argv[VTIERD_MAX_ARGS + 2];
	int a = 0, st;
	pid_t pid;

	bin_path("vtierd", exe, sizeof(exe));
	argv[a++] = exe;
	while (*args && a <= VTIERD_MAX_ARGS)
		argv[a++] = (char *)*args++;
	argv[a] = NULL;
	pid = fork();
	if (pid == 0) {
		dup2(open("/dev/null", O_WRONLY), 2);
		execv(exe, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int vtierctl_run(struct vtierd_child *d, const char *args, char *out,
		 size_t cap)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 512];
	size_t len = 0, n;
	FILE *f;

	bin_path("vtierctl", exe, sizeof(exe));
	snprintf(cmd, sizeof(cmd), "'%s' --control '%s' %s 2>&1", exe,
		 d->control, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (cap && len < cap - 1 &&
	       (n = fread(out + len, 1, cap - 1 - len, f)) > 0)
		len += n;
	if (cap)
		out[len] = 0;
	n = (size_t)pclose(f);
	return WIFEXITED((int)n) ? WEXITSTATUS((int)n) : -1;
}

json_t *vtierctl_json(struct vtierd_child *d, const char *args)
{
	static char out[1 << 24];
	char a[256];

	snprintf(a, sizeof(a), "%s --json", args);
	if (vtierctl_run(d, a, out, sizeof(out)))
		return NULL;
	return json_loads(out, 0, NULL);
}

json_t *vm_status(struct vtierd_child *d, const char *vm, json_t **root)
{
	json_t *v;
	size_t i;

	*root = vtierctl_json(d, "status");
	json_array_foreach(json_object_get(*root, "vms"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), vm))
			return v;
	return NULL;
}

bool log_contains(struct vtierd_child *d, const char *needle)
{
	static char buf[1 << 20];
	FILE *f = fopen(d->log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}
