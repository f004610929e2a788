// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_lib: reading the guest console and vtierd's log, vtierctl --json,
 * and reading guest RAM through QEMU's /proc/<pid>/mem.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_lib.h"
#include "pattern.h"

/*
 * Next complete line of the file after t->off into t->line (without the
 * line end; a line longer than the buffer is cut).  1 if there was one.
 */
static int tail_next(struct e2e_tail *t)
{
	char buf[E2E_LINE_MAX];
	ssize_t n;
	char *nl;
	size_t len, use;
	int fd = open(t->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf), t->off);
	close(fd);
	if (n <= 0)
		return 0;
	nl = memchr(buf, '\n', (size_t)n);
	if (!nl && n < (ssize_t)sizeof(buf))
		return 0;		/* incomplete line: wait for more */
	len = nl ? (size_t)(nl - buf) : (size_t)n;
	t->off += (off_t)len + (nl ? 1 : 0);
	use = len < sizeof(t->line) - 1 ? len : sizeof(t->line) - 1;
	memcpy(t->line, buf, use);
	while (use && (t->line[use - 1] == '\r' || t->line[use - 1] == '\0'))
		use--;
	t->line[use] = '\0';
	return 1;
}

/* Same, for a scan of the whole file with a private cursor. */
static int scan_next(const struct e2e_tail *src, struct e2e_tail *cur)
{
	if (cur->path[0] == '\0') {
		memcpy(cur->path, src->path, sizeof(cur->path));
		cur->off = 0;
	}
	return tail_next(cur);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for a line containing needle; alive() says whether the writer is
 * still there (after it is gone, the rest of the file is read, then NULL).
 */
static const char *tail_wait(struct e2e *e, struct e2e_tail *t,
			     const char *needle, int timeout_s,
			     bool (*alive)(struct e2e *))
{
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	const char *hit;
	bool was_alive;

	for (;;) {
		was_alive = alive(e);
		while (tail_next(t)) {
			hit = strstr(t->line, needle);
			if (hit)
				return hit;
		}
		if (!was_alive) {
			fprintf(stderr, "# e2e: \"%s\" not seen before %s ended\n",
				needle, t == &e->console ? "QEMU" : "vtierd");
			return NULL;
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "# e2e: \"%s\" not seen within %d s\n",
				needle, timeout_s);
			return NULL;
		}
		sleep_ms(20);
	}
}

const char *e2e_wait_console(struct e2e *e, const char *needle, int timeout_s)
{
	return tail_wait(e, &e->console, needle, timeout_s, e2e_guest_running);
}

const char *e2e_wait_vtierd_log(struct e2e *e, const char *needle,
				int timeout_s)
{
	return tail_wait(e, &e->vtierd_log, needle, timeout_s,
			 e2e_vtierd_running);
}

static bool file_has(const struct e2e_tail *src, const char *needle)
{
	struct e2e_tail cur = { .path = "" };

	while (scan_next(src, &cur))
		if (strstr(cur.line, needle))
			return true;
	return false;
}

bool e2e_console_has(struct e2e *e, const char *needle)
{
	return file_has(&e->console, needle);
}

bool e2e_vtierd_log_has(struct e2e *e, const char *needle)
{
	return file_has(&e->vtierd_log, needle);
}

int e2e_console_lines(struct e2e *e, const char *prefix, char ***lines)
{
	struct e2e_tail cur = { .path = "" };
	char **v = NULL, **nv;
	const char *hit;
	int n = 0, cap = 0;

	while (scan_next(&e->console, &cur)) {
		hit = strstr(cur.line, prefix);
		if (!hit)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		v[n] = strdup(hit);
		if (!v[n])
			goto fail;
		n++;
	}
	*lines = v;
	return n;
fail:
	e2e_free_lines(v, n);
	*lines = NULL;
	return -1;
}

void e2e_free_lines(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/*
 * Run argv and return its stdout as a malloc'ed string (NULL on error);
 * *rc gets its exit code.  Gives it 10 s.
 */
static char *run_capture(const char *const argv[], int *rc)
{
	size_t used = 0, cap = 1 << 16;
	char *out = malloc(cap), *grown;
	int64_t deadline = now_ms() + 10000;
	int p[2], status = 0;
	pid_t pid;
	ssize_t n;

	*rc = -1;
	if (!out || pipe2(p, O_CLOEXEC)) {
		free(out);
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		free(out);
		return NULL;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "# e2e: %s timed out\n", argv[0]);
			kill(pid, SIGKILL);
			break;
		}
		if (cap - used < 4096) {
			grown = realloc(out, cap * 2);
			if (!grown)
				break;
			out = grown;
			cap *= 2;
		}
		n = read(p[0], out + used, cap - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	out[used] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return out;
}

json_t *e2e_vtierctl(struct e2e *e, ...)
{
	const char *argv[16];
	json_error_t err;
	json_t *j = NULL;
	const char *a;
	va_list ap;
	int n = 0, rc;
	char *out;

	argv[n++] = e->vtierctl;
	argv[n++] = "--control";
	argv[n++] = e->control;
	va_start(ap, e);
	while ((a = va_arg(ap, const char *)) && n < 14)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = "--json";
	argv[n] = NULL;
	out = run_capture(argv, &rc);
	if (!out) {
		fprintf(stderr, "# e2e: cannot run %s\n", argv[0]);
		return NULL;
	}
	if (rc != 0)
		fprintf(stderr, "# e2e: vtierctl %s exited %d: %.300s\n",
			argv[3], rc, out);
	else if (!(j = json_loads(out, 0, &err)))
		fprintf(stderr, "# e2e: vtierctl %s: bad JSON (%s at line %d): "
			"%.200s\n", argv[3], err.text, err.line, out);
	free(out);
	return j;
}

json_t *e2e_status_vm(json_t *status, const char *name)
{
	json_t *vms = json_object_get(status, "vms"), *vm;
	size_t i;

	json_array_foreach(vms, i, vm) {
		const char *n = json_string_value(json_object_get(vm, "name"));

		if (n && !strcmp(n, name))
			return vm;
	}
	return NULL;
}

long long e2e_json_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

int e2e_json_bool(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

int e2e_read_vmm(struct e2e *e, uint64_t vmm_addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!e->qemu_pid)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)e->qemu_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "# e2e: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = pread(fd, buf, len, (off_t)vmm_addr);
	close(fd);
	if (n != (ssize_t)len) {
		fprintf(stderr, "# e2e: read %zu bytes at 0x%" PRIx64 " of %s: %s\n",
			len, vmm_addr, path, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

/*
 * q35 puts RAM below 4 GiB up to 2 GiB (if RAM >= 2.75 GiB) or 2.75 GiB,
 * the rest from 4 GiB; one memfd holds it all in that order, so the file
 * offset of a GPA below 4 GiB is the GPA itself.
 */
int e2e_gpa_to_vmm(struct e2e *e, uint64_t gpa, uint64_t *vmm_addr)
{
	unsigned long long start, end, off, size = 0, base = 0;
	uint64_t lowmem, below4g, fileoff;
	char path[64], line[512];
	FILE *f;

	if (!e->qemu_pid)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)e->qemu_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/*
	 * Guest RAM: the largest shared mapping of a memfd at file offset 0
	 * (QEMU 7.2 names it "memfd:memory-backend-memfd").
	 */
	while (fgets(line, sizeof(line), f)) {
		char perms[8];

		if (!strstr(line, "/memfd:"))
			continue;
		if (sscanf(line, "%llx-%llx %7s %llx", &start, &end, perms,
			   &off) == 4 && perms[3] == 's' && off == 0 &&
		    end - start > size) {
			size = end - start;
			base = start;
		}
	}
	fclose(f);
	if (!size) {
		fprintf(stderr, "# e2e: no shared memfd mapping in %s\n", path);
		return -1;
	}
	lowmem = size >= 0xb0000000ULL ? 0x80000000ULL : 0xb0000000ULL;
	below4g = size < lowmem ? size : lowmem;
	if (gpa < below4g)
		fileoff = gpa;
	else if (gpa >= 0x100000000ULL && gpa - 0x100000000ULL < size - below4g)
		fileoff = below4g + (gpa - 0x100000000ULL);
	else
		return -1;
	*vmm_addr = base + fileoff;
	return 0;
}

long e2e_pattern_mismatches(struct e2e *e, uint64_t vmm_addr,
			    uint64_t page_gpa)
{
	unsigned char page[VTIER_PATTERN_PAGE];

	if (e2e_read_vmm(e, vmm_addr, page, sizeof(page)))
		return -1;
	return (long)vtier_pattern_mismatches(page, page_gpa);
}
