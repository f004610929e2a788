// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd: vhost-user-vsock backend serving the vtier protocol for one or
 * more VMs, plus a control socket for vtierctl.  One epoll loop.
 *
 *   vtierd --vm name=vm0,socket=PATH[,cid=3][,quota=SIZE][,port=9771]
 *          [,uds=PATH][,connect] [--vm ...] [--control PATH] [--control-group GROUP]
 *          [--metrics PATH|PORT] [-v] [--guest-ram-max SIZE] [--mapped-max SIZE]
 *          [--fast-node N] [--slow-node N] [--fmem-total SIZE]
 *          [--initial slow|fast|local|first-touch] [--demote lazy|eager]
 *          [--vm-mbps N] [--host-mbps N]
 *          [--hint-rate N] [--queue-len N] [--deferred-max N]
 *          [,min=SIZE][,max=SIZE][,weight=N] (in --vm)
 *          [--balance utility|fair|proportional|static|off] [--balance-period MS]
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
#include <sys/sysinfo.h>
#include <unistd.h>

#include "balance.h"
#include "control.h"
#include "mover.h"
#include "numa_topo.h"
#include "size.h"
#include "tier.h"
#include "vm.h"

#define MAX_VMS TIER_MAX_VMS

/**
 * struct vtierd - the daemon: what it set up, torn down in reverse.
 * @loop: the one epoll loop.
 * @vms: the VMs of --vm, each its own column.
 * @tvs: their tier states, for the tier.
 * @nvms: entries in @vms.
 * @stopping: SIGINT or SIGTERM arrived.
 * @verbose: -v count.
 * @control_path: --control.
 * @control_group: --control-group, NULL for none.
 * @metrics_addr: --metrics, NULL for none.
 * @topts: placement options.
 * @bopts: balancer options.
 * @mover: the move_pages(2) mover the moving tier uses.
 * @tier: the tier of all VMs (moving or observe-only, chosen once).
 * @bal: the quota layer.
 * @ctl: the control socket.
 * @sig: the signalfd.
 * @budget: the bound on guest RAM mapped (--guest-ram-max, --mapped-max).
 */
struct vtierd {
	struct loop loop;
	struct vm *vms[MAX_VMS];
	struct tier_vm *tvs[MAX_VMS];
	int nvms;
	bool stopping;
	int verbose;
	const char *control_path;
	const char *control_group;
	const char *metrics_addr;
	struct tier_opts topts;
	struct balance_opts bopts;
	struct mover mover;
	struct tier tier;
	struct balance bal;
	struct control ctl;
	struct ev sig;
	struct map_budget budget;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vtierd --vm name=NAME,socket=PATH[,cid=N][,quota=SIZE][,port=N][,uds=PATH][,connect]\n"
		"              [--vm ...] [--control PATH] [-v]\n"
		"  cid     guest CID reported in the vsock config space (default 3)\n"
		"  quota   fast-memory quota offered to the guest, e.g. 256M (default 0)\n"
		"  port    vsock port of the vtier service (default %d)\n"
		"  uds     forward every other vsock port (hybrid vsock): guest to port P\n"
		"          reaches PATH_P; a host client on PATH sends \"CONNECT P\\n\"\n"
		"  connect vtierd connects to a QEMU server=on socket and retries\n"
		"  --control PATH  control socket (default %s), mode 0600\n"
		"  --control-group GROUP  members of GROUP may use it too (mode 0660)\n"
		"  --metrics ADDR  serve Prometheus metrics over HTTP on a socket path or a\n"
		"                  loopback port (PORT, 127.0.0.1:PORT, [::1]:PORT)\n"
		"  --guest-ram-max SIZE  largest guest RAM (and top address) of one VM\n"
		"                  (default: host RAM + swap + 4G)\n"
		"  --mapped-max SIZE  guest RAM of all VMs together (default: 4x host RAM + swap)\n"
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
		"  --balance utility|fair|proportional|static|off  policy (default utility;\n"
		"                  fair: each VM its weighted share first, docs/balancer.md)\n"
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

/* --vm into a fresh vm_alloc(); 0, or -EINVAL after saying why. */
static int parse_vm(char *spec, struct vm *vm)
{
	char *save = NULL, *kv, *val;
	uint64_t v;

	for (kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		val = strchr(kv, '=');
		if (val)
			*val++ = 0;
		if (!strcmp(kv, "connect") && !val) {
			vm->connect_mode = true;
		} else if (!val) {
			fprintf(stderr, "vtierd: --vm: '%s' needs a value\n", kv);
			return -EINVAL;
		} else if (!strcmp(kv, "name")) {
			if (!*val || strlen(val) >= sizeof(vm->name) ||
			    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(val)) {
				fprintf(stderr, "vtierd: --vm: bad name '%s'\n", val);
				return -EINVAL;
			}
			strcpy(vm->name, val);
		} else if (!strcmp(kv, "socket")) {
			if (!*val || strlen(val) >= sizeof(vm->sock_path)) {
				fprintf(stderr, "vtierd: --vm: bad socket path\n");
				return -EINVAL;
			}
			strcpy(vm->sock_path, val);
		} else if (!strcmp(kv, "cid")) {
			if (parse_size(val, &v) || v < 3 || v >= 0xffffffffull) {
				fprintf(stderr, "vtierd: --vm: cid must be >= 3 and < 0xffffffff\n");
				return -EINVAL;
			}
			vm->vs.cid = v;
		} else if (!strcmp(kv, "quota")) {
			if (parse_size(val, &v)) {
				fprintf(stderr, "vtierd: --vm: bad quota '%s'\n", val);
				return -EINVAL;
			}
			vm->tier.quota_pages = v / PLACE_PAGE_SIZE;
			vm->bal.quota_set = true;
		} else if (!strcmp(kv, "min") || !strcmp(kv, "max")) {
			if (parse_size(val, &v)) {
				fprintf(stderr, "vtierd: --vm: bad %s '%s'\n", kv, val);
				return -EINVAL;
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
				return -EINVAL;
			}
			vm->bal.weight = (uint32_t)v;
		} else if (!strcmp(kv, "uds")) {
			/* <uds>_<port> must fit a socket address too */
			if (!*val || strlen(val) >= sizeof(vm->uds_path)) {
				fprintf(stderr, "vtierd: --vm: bad uds path\n");
				return -EINVAL;
			}
			strcpy(vm->uds_path, val);
		} else if (!strcmp(kv, "port")) {
			if (parse_size(val, &v) || v == 0 || v >= 0xffffffffull) {
				fprintf(stderr, "vtierd: --vm: bad port '%s'\n", val);
				return -EINVAL;
			}
			vm->vs.port = (uint32_t)v;
		} else {
			fprintf(stderr, "vtierd: --vm: unknown key '%s'\n", kv);
			return -EINVAL;
		}
	}
	if (!vm->name[0] || !vm->sock_path[0]) {
		fprintf(stderr, "vtierd: --vm needs name= and socket=\n");
		return -EINVAL;
	}
	return 0;
}

/* One of the placement options; numbers are plain (SIZE takes K/M/G/T). */
static int parse_placement_opt(struct tier_opts *o, int c, const char *arg)
{
	uint64_t v;

	if (c == 'I') {
		if (!strcmp(arg, "slow"))
			o->initial = INITIAL_SLOW;
		else if (!strcmp(arg, "fast"))
			o->initial = INITIAL_FAST;
		else if (!strcmp(arg, "local"))
			o->initial = INITIAL_LOCAL;
		else if (!strcmp(arg, "first-touch"))
			o->initial = INITIAL_FIRST_TOUCH;
		else
			goto bad;
		o->initial_given = true;
		return 0;
	}
	if (c == 'E') {
		if (strcmp(arg, "lazy") && strcmp(arg, "eager"))
			goto bad;
		o->eager_demote = !strcmp(arg, "eager");
		return 0;
	}
	if (parse_size(arg, &v))
		goto bad;
	switch (c) {
	case 'F': case 'S':
		if (v > 63)
			goto bad;
		*(c == 'F' ? &o->fast_node : &o->slow_node) = (int)v;
		break;
	case 'T':
		o->fmem_total = v;
		break;
	case 'B': case 'H':
		if (v > (1ull << 40))
			goto bad;
		*(c == 'B' ? &o->vm_mbps : &o->host_mbps) = v;
		break;
	case 'R':
		o->hint_rate = v;
		break;
	case 'Q':
		if (v == 0 || v > (1u << 20))
			goto bad;
		o->queue_len = (unsigned int)v;
		break;
	case 'X':
		if (v == 0 || v > (1u << 24))
			goto bad;
		o->deferred_max = (uint32_t)v;
		break;
	}
	return 0;
bad:
	fprintf(stderr, "vtierd: bad value '%s' for a placement option\n", arg);
	return -EINVAL;
}

/* --balance and friends; 0, or -EINVAL after saying what is wrong. */
static int parse_balance_opt(struct balance_opts *o, int c, const char *arg)
{
	uint64_t v;

	if (c == 'P') {
		o->off = !strcmp(arg, "off");
		if (!o->off && bal_policy_parse(arg, &o->policy))
			goto bad;
		return 0;
	}
	if (parse_size(arg, &v))
		goto bad;
	switch (c) {
	case 'p':
		if (v < 10 || v > 3600000)
			goto bad;
		o->period_ms = (uint32_t)v;
		break;
	case 'D':
		if (v > 3600000)
			goto bad;
		o->deadline_ms = (uint32_t)v;
		break;
	case 's':
		o->step_bytes = v;
		o->step_set = true;
		break;
	case 'd':
		o->deadband_bytes = v;
		o->deadband_set = true;
		break;
	}
	return 0;
bad:
	fprintf(stderr, "vtierd: bad value '%s' for a balancer option\n", arg);
	return -EINVAL;
}

static void signal_ready(struct ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;
	struct vtierd *d = ev->owner;

	(void)events;
	if (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		fprintf(stderr, "vtierd: %s; saying BYE and exiting\n",
			strsignal((int)si.ssi_signo));
		d->stopping = true;
	}
}

/* 0, or -EINVAL after saying what is wrong. */
static int parse_args(struct vtierd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'm' },
		{ "control", required_argument, NULL, 'c' },
		{ "control-group", required_argument, NULL, 'g' },
		{ "metrics", required_argument, NULL, 'x' },
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
		{ "guest-ram-max", required_argument, NULL, 'G' },
		{ "mapped-max", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vm *vm;
	int c, i;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (d->nvms == MAX_VMS) {
				fprintf(stderr, "vtierd: at most %d VMs\n", MAX_VMS);
				return -EINVAL;
			}
			vm = vm_alloc();
			if (!vm)
				return -ENOMEM;
			d->vms[d->nvms++] = vm;	/* freed by vtierd_exit() */
			if (parse_vm(optarg, vm))
				return -EINVAL;
			for (i = 0; i < d->nvms - 1; i++)
				if (!strcmp(d->vms[i]->name, vm->name) ||
				    !strcmp(d->vms[i]->sock_path, vm->sock_path)) {
					fprintf(stderr, "vtierd: duplicate VM name or socket\n");
					return -EINVAL;
				}
			break;
		case 'c':
			d->control_path = optarg;
			break;
		case 'g':
			d->control_group = optarg;
			break;
		case 'x':
			d->metrics_addr = optarg;
			break;
		case 'v':
			d->verbose++;
			break;
		case 'F': case 'S': case 'T': case 'I': case 'E':
		case 'B': case 'H': case 'R': case 'Q': case 'X':
			if (parse_placement_opt(&d->topts, c, optarg))
				return -EINVAL;
			break;
		case 'P': case 'p': case 's': case 'd': case 'D':
			if (parse_balance_opt(&d->bopts, c, optarg))
				return -EINVAL;
			break;
		case 'G': case 'M':
			if (parse_size(optarg, c == 'G' ? &d->budget.vm_max :
				       &d->budget.total_max) ||
			    !(c == 'G' ? d->budget.vm_max : d->budget.total_max)) {
				fprintf(stderr, "vtierd: bad size '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || d->nvms == 0) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Moving pages or observe-only: decided once, here. */
static int choose_tier(struct vtierd *d)
{
	int fast = d->topts.fast_node, slow = d->topts.slow_node;
	char why[320];

	if (numa_observe_only(&fast, &slow, why, sizeof(why))) {
		tier_observe_setup(&d->tier, &d->topts, why);
		return 0;
	}
	if (!mover_have_cap_sys_nice()) {
		tier_observe_setup(&d->tier, &d->topts, "vtierd lacks CAP_SYS_NICE, which move_pages(2) needs with MPOL_MF_MOVE_ALL to move guest pages that vtierd maps too (it would fail with EPERM); run as root or grant CAP_SYS_NICE");
		return 0;
	}
	return tier_move_setup(&d->tier, &d->topts, &d->mover, fast, slow,
			       why);
}

/* A SIGBUS in guest memory drops the VM whose mapping it hit. */
static bool guest_memory_fault(void *ctx, void *addr)
{
	struct vtierd *d = ctx;
	int i;

	for (i = 0; i < d->nvms; i++)
		if (vu_dev_fault(&d->vms[i]->vs.vu, addr))
			return true;
	return false;
}

/* What the host backs: RAM + swap; the defaults of the mapping bounds. */
static void budget_defaults(struct map_budget *b)
{
	struct sysinfo si;
	uint64_t host = 0;

	if (!sysinfo(&si))
		host = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	if (!b->vm_max)
		b->vm_max = host + (4ull << 30);	/* + the PCI hole */
	if (!b->total_max)
		b->total_max = 4 * host;
}

/* Set up in order; on failure, what was set up is torn down by exit. */
static int vtierd_start(struct vtierd *d)
{
	sigset_t mask;
	int i, err, fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	err = loop_init(&d->loop);
	fd = err ? -1 : signalfd(-1, &mask, SFD_CLOEXEC);
	d->sig.owner = d;
	if (!err)
		err = fd < 0 ? -errno :
		      loop_add(&d->loop, &d->sig, fd, EPOLLIN, signal_ready);
	if (!err)
		err = loop_catch_sigbus(&d->loop, guest_memory_fault, d);
	if (err) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "vtierd: epoll/signalfd: %s\n", strerror(-err));
		return 1;
	}
	for (i = 0; i < d->nvms; i++)
		d->tvs[i] = &d->vms[i]->tier;
	tier_init(&d->tier, &d->loop, d->tvs, d->nvms);
	/* Before the tier: it sets the starting quotas. */
	if (balance_setup(&d->bal, &d->loop, &d->tier, &d->bopts,
			  d->topts.fmem_total, d->vms, d->nvms))
		return 2;
	if (choose_tier(d))
		return 1;
	/* After the tier: WELCOME offers what it can do. */
	budget_defaults(&d->budget);
	for (i = 0; i < d->nvms; i++) {
		vm_setup(d->vms[i], &d->loop, &d->tier, d->verbose);
		d->vms[i]->vs.vu.mem.budget = &d->budget;
	}
	for (i = 0; i < d->nvms; i++)
		if (vm_open(d->vms[i]))
			return 1;
	if (control_open(&d->ctl, &d->loop, d->control_path, d->vms, d->nvms,
			 &d->bal, &d->tier, d->control_group))
		return 1;
	if (d->metrics_addr && control_listen_metrics(&d->ctl, d->metrics_addr))
		return 1;
	return 0;
}

/* Tear down whatever vtierd_start() and parse_args() set up. */
static void vtierd_exit(struct vtierd *d)
{
	int i, fd = d->sig.fd;

	for (i = 0; i < d->nvms; i++)
		if (d->vms[i]->log.name)	/* vm_setup() ran */
			vm_close(d->vms[i]);
	control_close(&d->ctl);
	if (d->tier.ops)
		d->tier.ops->teardown(&d->tier);
	balance_teardown(&d->bal);
	loop_del(&d->sig);
	if (fd >= 0)
		close(fd);
	loop_close(&d->loop);
	for (i = 0; i < d->nvms; i++)
		free(d->vms[i]);
}

int main(int argc, char **argv)
{
	struct vtierd d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.loop.epfd = d.sig.fd = d.ctl.ev.fd = d.bal.ev.fd = d.tier.tick.fd = -1;
	d.ctl.ev_idle.fd = d.ctl.ev_metrics.fd = -1;
	d.control_path = CONTROL_DEFAULT_PATH;
	d.topts = (struct tier_opts){ .fast_node = -1, .slow_node = -1,
				      .initial = INITIAL_FIRST_TOUCH };
	balance_opts_init(&d.bopts);
	mover_init_move_pages(&d.mover);
	rc = parse_args(&d, argc, argv) ? 2 : vtierd_start(&d);
	if (rc) {
		vtierd_exit(&d);
		return rc;
	}
	while (!d.stopping)
		if (loop_run_once(&d.loop, -1))
			break;
	vtierd_exit(&d);
	fprintf(stderr, "vtierd: exited cleanly\n");
	return 0;
}
