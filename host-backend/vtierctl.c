// SPDX-License-Identifier: GPL-2.0
/*
 * vtierctl: query vtierd over its control socket.
 *
 *   vtierctl [--control PATH] status [--json]
 *   vtierctl [--control PATH] pages VM [--json]
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vtierctl [--control PATH] status [--json]\n"
		   "       vtierctl [--control PATH] pages VM [--json]\n");
}

/* Send one request line, read the reply until EOF, parse it. */
static json_t *call(const char *path, json_t *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 0;
	char *line, *buf = NULL;
	json_error_t err;
	json_t *rep;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vtierctl: control socket path too long\n");
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vtierctl: cannot connect to %s: %s (is vtierd running?)\n",
			path, strerror(errno));
		return NULL;
	}
	line = json_dumps(req, JSON_COMPACT);
	n = line ? (ssize_t)strlen(line) : -1;
	if (n < 0 || write(fd, line, (size_t)n) != n || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "vtierctl: cannot send request: %s\n", strerror(errno));
		free(line);
		close(fd);
		return NULL;
	}
	free(line);
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf) {
		fprintf(stderr, "vtierctl: out of memory\n");
		return NULL;
	}
	buf[len] = 0;
	rep = json_loads(buf, 0, &err);
	free(buf);
	if (!rep)
		fprintf(stderr, "vtierctl: bad reply from vtierd: %s\n", err.text);
	return rep;
}

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void print_status(json_t *rep)
{
	json_t *vms = json_object_get(rep, "vms"), *v;
	size_t i;

	printf("%-10s %-6s %-6s %5s %-7s %10s %-8s %9s %9s %8s %7s %7s %7s %10s  %s\n",
	       "VM", "VHOST", "GUEST", "CID", "SAMPLER", "QUOTA", "MODE",
	       "HINTS", "TRANSL", "REJECT", "BADFRM", "BATCHES", "REPORTS",
	       "WOULDMOVE", "LAST ERROR");
	json_array_foreach(vms, i, v) {
		printf("%-10s %-6s %-6s %5lld %-7s %10lld %-8s %9lld %9lld %8lld %7lld %7lld %7lld %10lld  %s\n",
		       str(v, "name"),
		       json_is_true(json_object_get(v, "vhost_connected")) ? "yes" : "no",
		       json_is_true(json_object_get(v, "guest_connected")) ? "yes" : "no",
		       num(v, "cid"), str(v, "sampler"), num(v, "quota_pages"),
		       json_is_true(json_object_get(v, "observe_only")) ? "observe" : "move",
		       num(v, "hints_received"), num(v, "hints_translated"),
		       num(v, "hints_rejected"), num(v, "frames_rejected"),
		       num(v, "batches"), num(v, "reports"),
		       num(v, "would_move_pages"), str(v, "last_error"));
	}
	if (json_is_true(json_object_get(json_array_get(vms, 0), "observe_only")))
		return;
	/* Placement: pages are 4 KiB; hints deferred for lack of quota. */
	printf("\n%-10s %21s %9s %9s %9s %9s %7s %8s %10s %10s\n", "VM",
	       "FAST/QUOTA PAGES", "PROMOTED", "DEMOTED", "DEFERRED", "FAILED",
	       "DROPPED", "MB/S", "P50_US", "P99_US");
	json_array_foreach(vms, i, v) {
		printf("%-10s %10lld/%-10lld %9lld %9lld %9lld %9lld %7lld %8.1f %10lld %10lld\n",
		       str(v, "name"), num(v, "fast_pages"), num(v, "quota_pages"),
		       num(v, "promoted_pages"), num(v, "demoted_pages"),
		       num(v, "deferred_hints"), num(v, "failed_pages"),
		       num(v, "dropped_hints"),
		       (double)num(v, "move_bytes_per_s") / (1 << 20),
		       num(v, "latency_p50_us"), num(v, "latency_p99_us"));
	}
}

static void print_pages(json_t *rep)
{
	json_t *pages = json_object_get(rep, "pages"), *p;
	size_t i;

	printf("VM %s, VMM pid %lld, %zu pages\n", str(rep, "vm"),
	       num(rep, "vmm_pid"), json_array_size(pages));
	printf("%12s %14s %6s %14s %14s %18s %6s %s\n", "GPFN", "GPA", "REGION",
	       "REGION_GPA", "MMAP_OFFSET", "VMM_ADDR", "HINTS", "LAST");
	json_array_foreach(pages, i, p) {
		printf("%#12llx %#14llx %6lld %#14llx %#14llx %#18llx %6lld %s\n",
		       num(p, "gpfn"), num(p, "gpa"), num(p, "region"),
		       num(p, "region_gpa"), num(p, "mmap_offset"),
		       num(p, "vmm_addr"), num(p, "hints"), str(p, "last_action"));
	}
}

int main(int argc, char **argv)
{
	const char *control = CONTROL_DEFAULT_PATH, *cmd, *vm = NULL;
	bool as_json = false;
	json_t *req, *rep;
	int i = 1, rc = 0;

	if (i + 1 < argc && !strcmp(argv[i], "--control")) {
		control = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i++];
	if (!strcmp(cmd, "pages")) {
		if (i >= argc) {
			usage(stderr);
			return 2;
		}
		vm = argv[i++];
	} else if (strcmp(cmd, "status")) {
		fprintf(stderr, "vtierctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json")) {
			usage(stderr);
			return 2;
		}
		as_json = true;
	}

	req = vm ? json_pack("{s:s, s:s}", "cmd", cmd, "vm", vm) :
		   json_pack("{s:s}", "cmd", cmd);
	rep = call(control, req);
	json_decref(req);
	if (!rep)
		return 1;
	if (json_object_get(rep, "error")) {
		fprintf(stderr, "vtierctl: %s\n", str(rep, "error"));
		rc = 1;
	} else if (as_json) {
		json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else if (vm) {
		print_pages(rep);
	} else {
		print_status(rep);
	}
	json_decref(rep);
	return rc;
}
