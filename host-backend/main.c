// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd: vhost-user-vsock backend serving the vtier protocol for one or
 * more VMs, plus a control socket for vtierctl.  One epoll loop.
 *
 *   vtierd --vm name=vm0,socket=PATH[,cid=3][,quota=SIZE][,port=9771]
 *          [,connect] [--vm ...] [--control PATH] [-v]
 *          [--fast-node N] [--slow-node N] [--fmem-total SIZE]
 *          [--initial slow|fast|local|first-touch] [--demote lazy|eager]
 *          [--vm-mbps N] [--host-mbps N]
 *          [--hint-rate N] [--queue-len N] [--deferred-max N]
 *          [,min=SIZE][,max=SIZE][,weight=N] (in --vm)
 *          [--balance utility|proportional|static|off] [--balance-period MS]
 *          [--balance-step SIZE] [--balance-deadband SIZE]
 *          [--quota-deadline MS]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "balance.h"
#include "control.h"
#include "migrate.h"
#include "size.h"
#include "vhost_user.h"
#include "vm.h"

#define MAX_VMS 32
#define RETRY_MS 200

static struct vm *vms[MAX_VMS];
static int nvms;
static bool stopping;
static struct migrate_opts mopts = { .fast_node = -1, .slow_node = -1,
				      .initial = INITIAL_FIRST_TOUCH };
static struct balance_opts bopts;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vtierd --vm name=NAME,socket=PATH[,cid=N][,quota=SIZE][,port=N][,connect]\n"
		"              [--vm ...] [--control PATH] [-v]\n"
		"  cid     guest CID reported in the vsock config space (default 3)\n"
		"  quota   fast-memory quota offered to the guest, e.g. 256M (default 0)\n"
		"  port    vsock port of the vtier service (default %d)\n"
		"  connect vtierd connects to a QEMU server=on socket and retries\n"
		"  --control PATH  control socket (default %s)\n"
		"Placement (hosts with two memory nodes; docs/placement.md):\n"
		"  --fast-node N   node promoted pages go to (default: first node with CPUs)\n"
		"  --slow-node N   node demoted pages go to (default: first CPU-less node)\n"
		"  --fmem-total SIZE  fast memory vtierd hands out to all VMs (default: no limit)\n"
		"  --initial slow|fast|local|first-touch  where a VM's RAM starts (default\n"
		"                  first-touch: fast until the quota is used)\n"
		"  --demote lazy|eager  a demote hint leaves the page fast until a promotion\n"
		"                  needs the room (lazy, default), or moves it at once\n"
		"  --vm-mbps N     migration bandwidth per VM, MB/s (default 0: unlimited)\n"
		"  --host-mbps N   migration bandwidth for all VMs, MB/s (default 0: unlimited)\n"
		"  --hint-rate N   hints per second per VM (default 0: unlimited)\n"
		"  --queue-len N   rate-limited hints waiting per VM (default %d)\n"
		"  --deferred-max N  promotions deferred for lack of room that are kept\n"
		"                  and retried per VM (default %d; then the oldest is dropped)\n"
		"Balancer (with --fmem-total; docs/balancer.md):\n"
		"  min=SIZE,max=SIZE,weight=N (in --vm)  guaranteed / largest fast memory, weight\n"
		"                  (default 0, --fmem-total, 1)\n"
		"  --balance utility|proportional|static|off  policy (default utility)\n"
		"  --balance-period MS  how often quotas are planned (default %d)\n"
		"  --balance-step SIZE  largest quota change per period (default total/%d)\n"
		"  --balance-deadband SIZE  smaller changes are not made (default total/%d)\n"
		"  --quota-deadline MS  time a guest has to get under a lowered quota\n"
		"                  before vtierd demotes its pages itself (default %d)\n",
		VTIER_DEFAULT_PORT, CONTROL_DEFAULT_PATH, PLACE_DEFAULT_QUEUE,
		DEFERRED_DEFAULT_MAX,
		BALANCE_DEFAULT_PERIOD_MS, BALANCE_STEP_DIV,
		BALANCE_DEADBAND_DIV, BALANCE_DEFAULT_DEADLINE_MS);
}

static int parse_vm(char *spec, struct vm *vm)
{
	char *save = NULL, *kv, *val;
	uint64_t v;

	vm->cid = 3;
	vm->port = VTIER_DEFAULT_PORT;
	vm->bal.weight = 1;
	for (kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		val = strchr(kv, '=');
		if (val)
			*val++ = 0;
		if (!strcmp(kv, "connect") && !val) {
			vm->connect_mode = true;
		} else if (!val) {
			fprintf(stderr, "vtierd: --vm: '%s' needs a value\n", kv);
			return -1;
		} else if (!strcmp(kv, "name")) {
			if (!*val || strlen(val) >= sizeof(vm->name) ||
			    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(val)) {
				fprintf(stderr, "vtierd: --vm: bad name '%s'\n", val);
				return -1;
			}
			strcpy(vm->name, val);
		} else if (!strcmp(kv, "socket")) {
			if (!*val || strlen(val) >= sizeof(vm->sock_path)) {
				fprintf(stderr, "vtierd: --vm: bad socket path\n");
				return -1;
			}
			strcpy(vm->sock_path, val);
		} else if (!strcmp(kv, "cid")) {
			if (parse_size(val, &v) || v < 3 || v >= 0xffffffffull) {
				fprintf(stderr, "vtierd: --vm: cid must be >= 3 and < 0xffffffff\n");
				return -1;
			}
			vm->cid = v;
		} else if (!strcmp(kv, "quota")) {
			if (parse_size(val, &v)) {
				fprintf(stderr, "vtierd: --vm: bad quota '%s'\n", val);
				return -1;
			}
			vm->quota_pages = v / PLACE_PAGE_SIZE;
			vm->bal.quota_set = true;
		} else if (!strcmp(kv, "min") || !strcmp(kv, "max")) {
			if (parse_size(val, &v)) {
				fprintf(stderr, "vtierd: --vm: bad %s '%s'\n", kv, val);
				return -1;
			}
			if (kv[1] == 'i') {
				vm->bal.min_pages = v / PLACE_PAGE_SIZE;
			} else {
				vm->bal.max_pages = v / PLACE_PAGE_SIZE;
				vm->bal.max_set = true;
			}
		} else if (!strcmp(kv, "weight")) {
			if (parse_size(val, &v) || v < 1 || v > BAL_MAX_WEIGHT) {
				fprintf(stderr, "vtierd: --vm: weight must be 1 to %u\n",
					BAL_MAX_WEIGHT);
				return -1;
			}
			vm->bal.weight = (uint32_t)v;
		} else if (!strcmp(kv, "port")) {
			if (parse_size(val, &v) || v == 0 || v >= 0xffffffffull) {
				fprintf(stderr, "vtierd: --vm: bad port '%s'\n", val);
				return -1;
			}
			vm->port = (uint32_t)v;
		} else {
			fprintf(stderr, "vtierd: --vm: unknown key '%s'\n", kv);
			return -1;
		}
	}
	if (!vm->name[0] || !vm->sock_path[0]) {
		fprintf(stderr, "vtierd: --vm needs name= and socket=\n");
		return -1;
	}
	return 0;
}

/* One of the placement options; numbers are plain (SIZE takes K/M/G/T). */
static int parse_placement_opt(int c, const char *arg)
{
	uint64_t v;

	if (c == 'I') {
		if (!strcmp(arg, "slow"))
			mopts.initial = INITIAL_SLOW;
		else if (!strcmp(arg, "fast"))
			mopts.initial = INITIAL_FAST;
		else if (!strcmp(arg, "local"))
			mopts.initial = INITIAL_LOCAL;
		else if (!strcmp(arg, "first-touch"))
			mopts.initial = INITIAL_FIRST_TOUCH;
		else
			goto bad;
		mopts.initial_given = true;
		return 0;
	}
	if (c == 'E') {
		if (strcmp(arg, "lazy") && strcmp(arg, "eager"))
			goto bad;
		mopts.eager_demote = !strcmp(arg, "eager");
		return 0;
	}
	if (parse_size(arg, &v))
		goto bad;
	switch (c) {
	case 'F': case 'S':
		if (v > 63)
			goto bad;
		*(c == 'F' ? &mopts.fast_node : &mopts.slow_node) = (int)v;
		break;
	case 'T':
		mopts.fmem_total = v;
		break;
	case 'B': case 'H':
		if (v > (1ull << 40))
			goto bad;
		*(c == 'B' ? &mopts.vm_mbps : &mopts.host_mbps) = v;
		break;
	case 'R':
		mopts.hint_rate = v;
		break;
	case 'Q':
		if (v == 0 || v > (1u << 20))
			goto bad;
		mopts.queue_len = (unsigned int)v;
		break;
	case 'X':
		if (v == 0 || v > (1u << 24))
			goto bad;
		mopts.deferred_max = (uint32_t)v;
		break;
	}
	return 0;
bad:
	fprintf(stderr, "vtierd: bad value '%s' for a placement option\n", arg);
	return -1;
}

/* --balance and friends; 0, or -1 after saying what is wrong. */
static int parse_balance_opt(int c, const char *arg)
{
	uint64_t v;

	if (c == 'P') {
		bopts.off = !strcmp(arg, "off");
		if (!bopts.off && bal_policy_parse(arg, &bopts.policy))
			goto bad;
		return 0;
	}
	if (parse_size(arg, &v))
		goto bad;
	switch (c) {
	case 'p':
		if (v < 10 || v > 3600000)
			goto bad;
		bopts.period_ms = (uint32_t)v;
		break;
	case 'D':
		if (v > 3600000)
			goto bad;
		bopts.deadline_ms = (uint32_t)v;
		break;
	case 's':
		bopts.step_bytes = v;
		bopts.step_set = true;
		break;
	case 'd':
		bopts.deadband_bytes = v;
		bopts.deadband_set = true;
		break;
	}
	return 0;
bad:
	fprintf(stderr, "vtierd: bad value '%s' for a balancer option\n", arg);
	return -1;
}

static struct vm *vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	unsigned int i;

	if (!vm)
		return NULL;
	vm->listen_fd = vm->conn_fd = -1;
	vm->ev_listen.fd = vm->ev_conn.fd = vm->ev_retry.fd = -1;
	vm->ev_listen.owner = vm->ev_conn.owner = vm->ev_retry.owner = vm;
	for (i = 0; i < 2; i++) {
		vm->ev_kick[i].fd = -1;
		vring_init(&vm->vq[i], i);
	}
	memtab_init(&vm->mem);
	pages_init(&vm->pages, PAGES_DEFAULT_LIMIT);
	return vm;
}

static void listen_ready(struct ev *ev, uint32_t events)
{
	struct vm *vm = ev->owner;
	int fd = accept4(ev->fd, NULL, NULL, SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	loop_del(&vm->ev_listen);	/* one VMM at a time; others queue */
	vu_attach(vm, fd);
}

static void retry_ready(struct ev *ev, uint32_t events)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm *vm = ev->owner;
	uint64_t ticks;
	int fd;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) < 0 || vm->conn_fd >= 0)
		return;
	strcpy(sa.sun_path, vm->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return;
	}
	vu_attach(vm, fd);
}

static int arm_retry(struct vm *vm, bool on)
{
	struct itimerspec it = { 0 };

	if (on) {
		it.it_value.tv_nsec = 1;	/* try at once, then every 200 ms */
		it.it_interval.tv_nsec = RETRY_MS * 1000000L;
	}
	return timerfd_settime(vm->ev_retry.fd, 0, &it, NULL);
}

void vm_wait_for_vmm(struct vm *vm)
{
	if (stopping)
		return;
	if (vm->connect_mode)
		arm_retry(vm, true);
	else if (vm->ev_listen.fd < 0)
		loop_add(&vm->ev_listen, vm->listen_fd, EPOLLIN, listen_ready);
}

static int vm_open(struct vm *vm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	strcpy(sa.sun_path, vm->sock_path);
	if (vm->connect_mode) {
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (fd < 0 || loop_add(&vm->ev_retry, fd, EPOLLIN, retry_ready))
			return -1;
		vm_log(vm, "connecting to %s every %d ms (cid %llu, port %u)",
		       vm->sock_path, RETRY_MS, (unsigned long long)vm->cid,
		       vm->port);
		return arm_retry(vm, true);
	}
	if (!lstat(vm->sock_path, &st) && S_ISSOCK(st.st_mode))
		unlink(vm->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 4)) {
		vm_log(vm, "cannot listen on %s: %s", vm->sock_path,
		       strerror(errno));
		return -1;
	}
	vm->listen_fd = fd;
	vm_log(vm, "listening on %s (cid %llu, port %u)", vm->sock_path,
	       (unsigned long long)vm->cid, vm->port);
	return loop_add(&vm->ev_listen, fd, EPOLLIN, listen_ready);
}

static void signal_ready(struct ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		fprintf(stderr, "vtierd: %s; saying BYE and exiting\n",
			strsignal((int)si.ssi_signo));
		stopping = true;
	}
}

static int parse_args(int argc, char **argv, const char **control)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'm' },
		{ "control", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fast-node", required_argument, NULL, 'F' },
		{ "slow-node", required_argument, NULL, 'S' },
		{ "fmem-total", required_argument, NULL, 'T' },
		{ "initial", required_argument, NULL, 'I' },
		{ "demote", required_argument, NULL, 'E' },
		{ "vm-mbps", required_argument, NULL, 'B' },
		{ "host-mbps", required_argument, NULL, 'H' },
		{ "hint-rate", required_argument, NULL, 'R' },
		{ "queue-len", required_argument, NULL, 'Q' },
		{ "deferred-max", required_argument, NULL, 'X' },
		{ "balance", required_argument, NULL, 'P' },
		{ "balance-period", required_argument, NULL, 'p' },
		{ "balance-step", required_argument, NULL, 's' },
		{ "balance-deadband", required_argument, NULL, 'd' },
		{ "quota-deadline", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, i;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (nvms == MAX_VMS) {
				fprintf(stderr, "vtierd: at most %d VMs\n", MAX_VMS);
				return -1;
			}
			vms[nvms] = vm_new();
			if (!vms[nvms] || parse_vm(optarg, vms[nvms]))
				return -1;
			for (i = 0; i < nvms; i++)
				if (!strcmp(vms[i]->name, vms[nvms]->name) ||
				    !strcmp(vms[i]->sock_path, vms[nvms]->sock_path)) {
					fprintf(stderr, "vtierd: duplicate VM name or socket\n");
					return -1;
				}
			nvms++;
			break;
		case 'c':
			*control = optarg;
			break;
		case 'v':
			g_verbose++;
			break;
		case 'F': case 'S': case 'T': case 'I': case 'E':
		case 'B': case 'H': case 'R': case 'Q': case 'X':
			if (parse_placement_opt(c, optarg))
				return -1;
			break;
		case 'P': case 'p': case 's': case 'd': case 'D':
			if (parse_balance_opt(c, optarg))
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || nvms == 0) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *control = CONTROL_DEFAULT_PATH;
	struct ev sig_ev = { .fd = -1 };
	sigset_t mask;
	int i;

	balance_opts_init(&bopts);
	if (parse_args(argc, argv, &control))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (loop_init() ||
	    loop_add(&sig_ev, signalfd(-1, &mask, SFD_CLOEXEC), EPOLLIN,
		     signal_ready)) {
		perror("vtierd: epoll/signalfd");
		return 1;
	}
	/* Before placement: it sets the starting quotas. */
	if (balance_setup(&bopts, mopts.fmem_total, vms, nvms))
		return 2;
	if (migrate_setup(&mopts, vms, nvms))
		return 1;
	for (i = 0; i < nvms; i++)
		if (vm_open(vms[i]))
			return 1;
	if (control_open(control, vms, nvms))
		return 1;

	while (!stopping)
		if (loop_run_once(-1))
			break;

	for (i = 0; i < nvms; i++) {
		struct vm *vm = vms[i];

		if (vm->conn_fd >= 0) {
			vsock_say_goodbye(vm);
			vu_detach(vm);
		}
		if (vm->listen_fd >= 0) {
			close(vm->listen_fd);
			unlink(vm->sock_path);
		}
		if (vm->ev_retry.fd >= 0)
			close(vm->ev_retry.fd);
		free(vm);
	}
	control_close();
	fprintf(stderr, "vtierd: exited cleanly\n");
	return 0;
}
