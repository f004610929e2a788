// SPDX-License-Identifier: GPL-2.0
/* vtierd glue between VMs and placement (see migrate.h). */
#include "migrate.h"

#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "balance.h"
#include "numa_topo.h"
#include "vm.h"

#define TICK_NS (10 * 1000000L)		/* queue drain period */

struct place_host g_place;
static enum place_initial initial;
static struct ev tick_ev = { .fd = -1 };
static struct vm **all_vms;
static int n_vms;
static uint32_t deferred_max = DEFERRED_DEFAULT_MAX;

uint64_t migrate_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *migrate_initial_name(enum place_initial i)
{
	return i == INITIAL_SLOW ? "slow" : i == INITIAL_FAST ? "fast" :
	       i == INITIAL_FIRST_TOUCH ? "first-touch" : "local";
}

static void arm_tick(bool on)
{
	struct itimerspec it = { 0 };

	if (tick_ev.fd < 0)
		return;
	if (on)
		it.it_value.tv_nsec = it.it_interval.tv_nsec = TICK_NS;
	timerfd_settime(tick_ev.fd, 0, &it, NULL);
}

static void scan_first_touch(struct vm *vm, uint64_t now)
{
	const struct place_ft_stats *f = &vm->place.ft.st;
	uint64_t passes = f->passes;

	placement_ft_scan(&vm->place, now);
	if (passes || !f->passes)
		return;
	vm_log(vm, "first touch: first scan of %llu frames in %llu us: %llu pages fast (quota %llu), %llu slow, %llu moved to the slow node; policy node %d",
	       (unsigned long long)vm->place.max_pfn,
	       (unsigned long long)f->last_pass_us,
	       (unsigned long long)f->fast,
	       (unsigned long long)vm->place.quota_pages,
	       (unsigned long long)f->slow, (unsigned long long)f->excess,
	       vm->place.ft.node);
}

static void tick_ready(struct ev *ev, uint32_t events)
{
	uint64_t ticks, now = migrate_now_ns();
	bool waiting = false;
	int i;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (i = 0; i < n_vms; i++)
		if (all_vms[i]->place.fast)
			waiting |= placement_tick(&all_vms[i]->place, now);
	/* First touch: look for new pages every tick, for good. */
	for (i = 0; i < n_vms; i++)
		if (all_vms[i]->place.ft.on) {
			scan_first_touch(all_vms[i], now);
			waiting = true;
		}
	/* A tick's demotions may have made room in the pool for other VMs. */
	for (i = 0; i < n_vms; i++)
		waiting |= placement_retry(&all_vms[i]->place, now);
	if (!waiting)
		arm_tick(false);
}

int migrate_setup(const struct migrate_opts *o, struct vm **vms, int nvms)
{
	int fast = o->fast_node, slow = o->slow_node, i;
	char why[320];

	all_vms = vms;
	n_vms = nvms;
	initial = o->initial;
	if (o->deferred_max)
		deferred_max = o->deferred_max;
	g_observe_only = numa_observe_only(&fast, &slow, why, sizeof(why));
	if (!g_observe_only && !mover_have_cap_sys_nice()) {
		snprintf(why, sizeof(why), "vtierd lacks CAP_SYS_NICE, which move_pages(2) needs with MPOL_MF_MOVE_ALL to move guest pages that vtierd maps too (it would fail with EPERM); run as root or grant CAP_SYS_NICE");
		g_observe_only = true;
	}
	if (g_observe_only) {
		fprintf(stderr, "vtierd: observe-only: %s\n", why);
		if (initial == INITIAL_FIRST_TOUCH && o->initial_given)
			fprintf(stderr, "vtierd: observe-only: --initial first-touch has no effect (the logical residency counts promoted frames only)\n");
		return 0;
	}
	place_host_init(&g_place, &mover_move_pages, fast, slow);
	g_place.clock_ns = migrate_now_ns;
	g_place.fmem_total_pages = o->fmem_total / PLACE_PAGE_SIZE;
	g_place.bw.rate = o->host_mbps << 20;
	g_place.vm_bytes_per_s = o->vm_mbps << 20;
	g_place.vm_hints_per_s = o->hint_rate;
	if (o->queue_len)
		g_place.queue_len = o->queue_len;
	g_place.deferred_max = deferred_max;
	g_place.lazy_demote = !o->eager_demote;
	for (i = 0; i < nvms; i++)
		placement_init(&vms[i]->place, &g_place, vms[i]->quota_pages);
	fprintf(stderr, "vtierd: moving pages: %s; initial placement %s; demotion %s; fast memory %llu MiB for all VMs%s; %llu MB/s per VM, %llu MB/s host, %llu hints/s per VM (0: unlimited); queue %u hints, %u deferred promotions\n",
		why, migrate_initial_name(initial),
		g_place.lazy_demote ? "lazy" : "eager",
		(unsigned long long)(o->fmem_total >> 20),
		o->fmem_total ? "" : " (no limit)",
		(unsigned long long)o->vm_mbps,
		(unsigned long long)o->host_mbps,
		(unsigned long long)o->hint_rate, g_place.queue_len,
		g_place.deferred_max);
	return loop_add(&tick_ev, timerfd_create(CLOCK_MONOTONIC,
						 TFD_NONBLOCK | TFD_CLOEXEC),
			EPOLLIN, tick_ready);
}

static int xlate(void *ctx, uint64_t gpfn, uint64_t *vmm_addr)
{
	const struct vm *vm = ctx;
	uint64_t gpa = gpfn << PLACE_PAGE_SHIFT;
	int ri = memtab_find_gpa(&vm->mem, gpa, PLACE_PAGE_SIZE);

	if (ri < 0)
		return -1;
	*vmm_addr = vm->mem.r[ri].d.uaddr + (gpa - vm->mem.r[ri].d.gpa);
	return 0;
}

/*
 * The node for pages the guest touches later is a shared policy on the RAM
 * fd (shmem), set through vtierd's own mapping; QEMU's faults follow it.
 * PREFERRED rather than BIND: a full slow node must not OOM the VM.
 */
static void set_policy(struct vm *vm, int node)
{
	unsigned long mask = 1ul << node;
	unsigned int i;

	for (i = 0; i < vm->mem.n; i++) {
		struct mem_region *r = &vm->mem.r[i];

		if (mbind(r->map, r->map_len, MPOL_PREFERRED, &mask,
			  sizeof(mask) * 8, 0))
			vm_error(vm, "mbind(MPOL_PREFERRED, node %d) on region %u: %s",
				 node, i, strerror(errno));
	}
}

/* Pages the VMM touched before we saw its memory go to the slow node. */
static void sweep_to_slow(struct vm *vm)
{
	static uint64_t addr[MOVER_MAX_BATCH];
	static struct move_out out[MOVER_MAX_BATCH];
	uint64_t moved = 0, present = 0, failed = 0, off, t0 = migrate_now_ns();
	unsigned int i, j, n;

	for (i = 0; i < vm->mem.n; i++) {
		const struct memtab_region_desc *d = &vm->mem.r[i].d;

		for (off = 0; off < d->size; off += n * PLACE_PAGE_SIZE) {
			n = 0;
			while (n < MOVER_MAX_BATCH &&
			       off + n * PLACE_PAGE_SIZE < d->size) {
				addr[n] = d->uaddr + off + n * PLACE_PAGE_SIZE;
				n++;
			}
			g_place.mover->move(g_place.mover, vm->vmm_pid, addr,
					    n, g_place.slow_node, out);
			for (j = 0; j < n; j++) {
				present += out[j].res != MV_ABSENT;
				moved += out[j].res == MV_MOVED;
				failed += out[j].res == MV_FAILED ||
					  out[j].res == MV_BUSY;
			}
		}
	}
	vm_log(vm, "initial placement: %llu present pages, %llu moved to node %d, %llu not movable, %llu ms",
	       (unsigned long long)present, (unsigned long long)moved,
	       g_place.slow_node, (unsigned long long)failed,
	       (unsigned long long)((migrate_now_ns() - t0) / 1000000));
}

/* First touch: which frames have a page in the RAM file (mincore). */
static int ft_resident(void *ctx, uint64_t gpfn, unsigned int n,
		       uint8_t *vec)
{
	const struct vm *vm = ctx;
	uint64_t lo = gpfn << PLACE_PAGE_SHIFT;
	uint64_t hi = (gpfn + n) << PLACE_PAGE_SHIFT;
	unsigned int i;

	memset(vec, 0, n);
	for (i = 0; i < vm->mem.n; i++) {
		const struct mem_region *r = &vm->mem.r[i];
		uint64_t a = r->d.gpa > lo ? r->d.gpa : lo;
		uint64_t b = r->d.gpa + r->d.size < hi ? r->d.gpa + r->d.size : hi;
		uint8_t *p;

		if (a >= b)
			continue;
		/* Regions are page aligned in gpa and in the file. */
		p = r->hva + (a - r->d.gpa);
		if (((uintptr_t)p & (PLACE_PAGE_SIZE - 1)) ||
		    mincore(p, b - a, vec + ((a - lo) >> PLACE_PAGE_SHIFT)))
			return -1;
	}
	return 0;
}

static void ft_set_policy(void *ctx, int node)
{
	struct vm *vm = ctx;

	set_policy(vm, node);
	if (g_verbose)
		vm_log(vm, "first touch: new pages go to node %d (fast %llu of quota %llu)",
		       node, (unsigned long long)vm->place.held_pages,
		       (unsigned long long)vm->place.quota_pages);
}

static const struct place_ft_ops ft_ops = {
	.resident = ft_resident, .set_policy = ft_set_policy,
};

void migrate_attach(struct vm *vm)
{
	uint64_t max_pfn = memtab_top(&vm->mem) >> PLACE_PAGE_SHIFT;
	int err;

	if (g_observe_only) {
		if (residency_attach(&vm->logical, max_pfn, deferred_max))
			vm_error(vm, "out of memory for the residency table");
		return;
	}
	/* pid 0 would name vtierd itself, whose addresses differ. */
	err = vm->vmm_pid > 0 ? mover_check_access(vm->vmm_pid) : -ESRCH;
	if (err) {
		placement_detach(&vm->place);
		vm_error(vm, "cannot move pages of VMM pid %d: %s (vtierd needs ptrace read access to the VMM: same uid and a dumpable VMM, or CAP_SYS_PTRACE); its hints are rejected",
			 (int)vm->vmm_pid, strerror(-err));
		return;
	}
	if (placement_attach(&vm->place, vm->vmm_pid, max_pfn, xlate, vm,
			     migrate_now_ns())) {
		vm_error(vm, "out of memory for the placement table");
		return;
	}
	if (initial == INITIAL_SLOW) {
		set_policy(vm, g_place.slow_node);
		sweep_to_slow(vm);
	} else if (initial == INITIAL_FAST) {
		set_policy(vm, g_place.fast_node);
	} else if (initial == INITIAL_FIRST_TOUCH) {
		/* Pages already there are found by the first scan, as any. */
		if (placement_first_touch(&vm->place, &ft_ops))
			vm_error(vm, "out of memory for the first-touch table");
		arm_tick(true);
	}
}

void migrate_detach(struct vm *vm)
{
	if (!g_observe_only)
		placement_detach(&vm->place);
	residency_detach(&vm->logical);
}

uint64_t migrate_demote_oldest(struct vm *vm, uint64_t n)
{
	uint64_t done = placement_demote_oldest(&vm->place, n,
						migrate_now_ns());

	if (vm->place.q_len)	/* rate-limited: the drain timer does it */
		arm_tick(true);
	migrate_retry_all();
	return done;
}

/* Observe-only: a deferred promotion becomes logically fast if it fits. */
static enum deferred_try retry_logical(void *ctx, uint64_t gpfn,
				       unsigned int order)
{
	struct vm *vm = ctx;
	uint64_t frames = residency_new_frames(&vm->logical, gpfn, order);

	if (frames && !balance_logical_room(vm, frames))
		return DEF_STOP;
	residency_hint(&vm->logical, gpfn, order, true);
	vm->logical.def.retried += frames;
	return DEF_DONE;
}

void migrate_retry_all(void)
{
	uint64_t now = migrate_now_ns();
	bool waiting = false;
	int i;

	for (i = 0; i < n_vms; i++) {
		struct vm *vm = all_vms[i];

		if (g_observe_only)
			deferred_retry(&vm->logical.def, retry_logical, vm);
		else
			waiting |= placement_retry(&vm->place, now);
	}
	if (waiting)	/* a retry waits for a rate limit */
		arm_tick(true);
}

void migrate_hints(struct vm *vm, const struct vtier_hint_host *h,
		   unsigned int n, struct place_ack *ack)
{
	placement_batch(&vm->place, h, n, migrate_now_ns(), ack);
	if (vm->place.q_len || vm->place.def_wait)
		arm_tick(true);
	/* Its demotions may have made room for the other VMs too. */
	migrate_retry_all();
}
