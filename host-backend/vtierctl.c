// SPDX-License-Identifier: GPL-2.0
/*
 * vtierctl: query vtierd over its control socket.
 *
 *   vtierctl [--control PATH] status [--json]
 *   vtierctl [--control PATH] pages VM [--json]
 *   vtierctl [--control PATH] quota VM [min=SIZE] [max=SIZE] [weight=N] [--json]
 *   vtierctl [--control PATH] metrics
 */
#include <ctype.h>
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
#include "size.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vtierctl [--control PATH] status [--json]\n"
		   "       vtierctl [--control PATH] pages VM [--json]\n"
		   "       vtierctl [--control PATH] quota VM [min=SIZE] [max=SIZE] [weight=N] [--json]\n"
		   "         SIZE in bytes with an optional K/M/G/T suffix; applies at the next period\n"
		   "       vtierctl [--control PATH] metrics\n"
		   "         Prometheus text exposition (what --metrics serves over HTTP)\n");
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
	printf("\n%-10s %21s %9s %9s %9s %9s %7s %8s %10s %10s %9s %9s %9s %9s %9s %9s\n", "VM",
	       "FAST/QUOTA PAGES", "PROMOTED", "DEMOTED", "DEFERRED", "FAILED",
	       "DROPPED", "MB/S", "P50_US", "P99_US", "DEF_PEND", "DEF_RETRY",
	       "DEF_DROP", "FT_FAST", "FT_EXCESS", "FT_EVICT");
	json_array_foreach(vms, i, v) {
		printf("%-10s %10lld/%-10lld %9lld %9lld %9lld %9lld %7lld %8.1f %10lld %10lld %9lld %9lld %9lld %9lld %9lld %9lld\n",
		       str(v, "name"), num(v, "fast_pages"), num(v, "quota_pages"),
		       num(v, "promoted_pages"), num(v, "demoted_pages"),
		       num(v, "deferred_hints"), num(v, "failed_pages"),
		       num(v, "dropped_hints"),
		       (double)num(v, "move_bytes_per_s") / (1 << 20),
		       num(v, "latency_p50_us"), num(v, "latency_p99_us"),
		       num(v, "deferred_pending"), num(v, "deferred_retried"),
		       num(v, "deferred_dropped"), num(v, "first_touch_pages"),
		       num(v, "first_touch_excess_pages"),
		       num(v, "first_touch_evicted"));
	}
}

/* The balancer's allocation and each VM's last quota changes. */
static void print_balance(json_t *rep)
{
	json_t *b = json_object_get(rep, "balancer"), *vms, *v, *c;
	size_t i, j;

	if (!strcmp(str(b, "policy"), "off") || !*str(b, "policy"))
		return;
	vms = json_object_get(rep, "vms");
	printf("\nbalancer: policy %s, %lld of %lld pages allocated, period %lld ms, step %lld, dead band %lld pages, deadline %lld ms, %lld periods\n",
	       str(b, "policy"), num(b, "allocated_pages"),
	       num(b, "fmem_total_pages"), num(b, "period_ms"),
	       num(b, "step_pages"), num(b, "deadband_pages"),
	       num(b, "deadline_ms"), num(b, "periods"));
	printf("%-10s %10s %10s %10s %7s %10s %10s %12s\n", "VM", "QUOTA",
	       "MIN", "MAX", "WEIGHT", "FAST", "DEMAND", "HOSTDEMOTED");
	json_array_foreach(vms, i, v)
		printf("%-10s %10lld %10lld %10lld %7lld %10lld %10lld %12lld\n",
		       str(v, "name"), num(v, "quota_pages"), num(v, "min_pages"),
		       num(v, "max_pages"), num(v, "weight"),
		       num(v, "fast_pages"), num(v, "demand_pages"),
		       num(v, "host_demoted_pages"));
	printf("\nlast quota changes (pages):\n");
	json_array_foreach(vms, i, v)
		json_array_foreach(json_object_get(v, "quota_changes"), j, c)
			printf("%-10s %+10.3f s %10lld -> %-10lld %s\n",
			       str(v, "name"), (double)num(c, "t_ms") / 1000,
			       num(c, "from"), num(c, "to"), str(c, "reason"));
}

/* Bytes with an optional K/M/G/T suffix, into 4 KiB pages. */
static int parse_pages(const char *s, json_int_t *pages)
{
	uint64_t bytes;

	if (parse_size(s, &bytes))
		return -EINVAL;
	*pages = (json_int_t)(bytes >> 12);
	return 0;
}

/* min=, max=, weight= into the quota request; 0, or 2 (usage). */
static int quota_arg(json_t *req, const char *arg)
{
	const char *val = strchr(arg, '=');
	json_int_t v;
	char *end;

	if (!val)
		goto bad;
	val++;
	if (!strncmp(arg, "min=", 4) || !strncmp(arg, "max=", 4)) {
		if (parse_pages(val, &v))
			goto bad;
		json_object_set_new(req, arg[1] == 'i' ? "min_pages" : "max_pages",
				    json_integer(v));
		return 0;
	}
	if (!strncmp(arg, "weight=", 7)) {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || end == val || *end || v < 1 || v > 1000000)
			goto bad;
		json_object_set_new(req, "weight", json_integer(v));
		return 0;
	}
bad:
	fprintf(stderr, "vtierctl: bad argument '%s' (want min=SIZE, max=SIZE or weight=1..1000000)\n",
		arg);
	return 2;
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
	if (!strcmp(cmd, "pages") || !strcmp(cmd, "quota")) {
		if (i >= argc) {
			usage(stderr);
			return 2;
		}
		vm = argv[i++];
	} else if (strcmp(cmd, "status") && strcmp(cmd, "metrics")) {
		fprintf(stderr, "vtierctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	req = vm ? json_pack("{s:s, s:s}", "cmd", cmd, "vm", vm) :
		   json_pack("{s:s}", "cmd", cmd);
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (cmd[0] == 'q') {
			if (quota_arg(req, argv[i])) {
				json_decref(req);
				return 2;
			}
		} else {
			usage(stderr);
			json_decref(req);
			return 2;
		}
	}
	if (cmd[0] == 'q' && json_object_size(req) == 2) {
		fprintf(stderr, "vtierctl: quota needs min=, max= or weight=\n");
		json_decref(req);
		return 2;
	}
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
	} else if (!strcmp(cmd, "metrics")) {
		fputs(str(rep, "metrics"), stdout);
	} else if (cmd[0] == 'q') {
		printf("%s: min %lld pages, max %lld pages, weight %lld (applies at the next period)\n",
		       str(rep, "vm"), num(rep, "min_pages"),
		       num(rep, "max_pages"), num(rep, "weight"));
	} else if (vm) {
		print_pages(rep);
	} else {
		print_status(rep);
		print_balance(rep);
	}
	json_decref(rep);
	return rc;
}
