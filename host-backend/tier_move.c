// SPDX-License-Identifier: GPL-2.0
/*
 * The moving tier: translated hints go to placement.c, which moves the
 * pages between the fast and the slow node; the initial policy of a VM's
 * RAM, first touch and the timer that drains rate-limited work.
 */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tier.h"

#define TICK_NS (10 * 1000000L)		/* queue drain period */

static void arm_tick(struct tier *t, bool on)
{
	struct itimerspec it = { 0 };

	if (t->tick.fd < 0)
		return;
	if (on)
		it.it_value.tv_nsec = it.it_interval.tv_nsec = TICK_NS;
	timerfd_settime(t->tick.fd, 0, &it, NULL);
}

static void scan_first_touch(struct tier_vm *tv, uint64_t now)
{
	const struct place_ft_stats *f = &tv->place.ft.st;
	uint64_t passes = f->passes;

	placement_ft_scan(&tv->place, now);
	if (passes || !f->passes)
		return;
	vlog_info(tv->log, "first touch: first scan of %llu frames in %llu us: %llu pages fast (quota %llu), %llu slow, %llu moved to the slow node; policy node %d",
		  (unsigned long long)tv->place.max_pfn,
		  (unsigned long long)f->last_pass_us,
		  (unsigned long long)f->fast,
		  (unsigned long long)tv->place.quota_pages,
		  (unsigned long long)f->slow, (unsigned long long)f->excess,
		  tv->place.ft.node);
}

static void tick_ready(struct ev *ev, uint32_t events)
{
	struct tier *t = ev->owner;
	uint64_t ticks, now = loop_now_ns();
	bool waiting = false;
	int i;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (i = 0; i < t->n; i++)
		if (t->vms[i]->place.fast)
			waiting |= placement_tick(&t->vms[i]->place, now);
	/* First touch: look for new pages every tick, for good. */
	for (i = 0; i < t->n; i++)
		if (t->vms[i]->place.ft.on) {
			scan_first_touch(t->vms[i], now);
			waiting = true;
		}
	/* A tick's demotions may have made room in the pool for other VMs. */
	for (i = 0; i < t->n; i++)
		waiting |= placement_retry(&t->vms[i]->place, now);
	if (!waiting)
		arm_tick(t, false);
}

static int xlate(void *ctx, uint64_t gpfn, uint64_t *vmm_addr)
{
	const struct tier_vm *tv = ctx;
	uint64_t gpa = gpfn << PLACE_PAGE_SHIFT;
	int ri = memtab_find_gpa(tv->mem, gpa, PLACE_PAGE_SIZE);

	if (ri < 0)
		return ri;
	*vmm_addr = tv->mem->r[ri].d.uaddr + (gpa - tv->mem->r[ri].d.gpa);
	return 0;
}

/*
 * The node for pages the guest touches later is a shared policy on the RAM
 * fd (shmem), set through vtierd's own mapping; QEMU's faults follow it.
 * PREFERRED rather than BIND: a full slow node must not OOM the VM.
 */
static void set_policy(struct tier_vm *tv, int node)
{
	unsigned long mask = 1ul << node;
	unsigned int i;

	for (i = 0; i < tv->mem->n; i++) {
		const struct mem_region *r = &tv->mem->r[i];

		if (mbind(r->map, r->map_len, MPOL_PREFERRED, &mask,
			  sizeof(mask) * 8, 0))
			vlog_error(tv->log, "mbind(MPOL_PREFERRED, node %d) on region %u: %s",
				   node, i, strerror(errno));
	}
}

/* Pages the VMM touched before we saw its memory go to the slow node. */
static void sweep_to_slow(struct tier_vm *tv)
{
	static uint64_t addr[MOVER_MAX_BATCH];
	static struct move_out out[MOVER_MAX_BATCH];
	struct mover *mv = tv->tier->host.mover;
	uint64_t moved = 0, present = 0, failed = 0, off, t0 = loop_now_ns();
	unsigned int i, j, n;

	for (i = 0; i < tv->mem->n; i++) {
		const struct memtab_region_desc *d = &tv->mem->r[i].d;

		for (off = 0; off < d->size; off += n * PLACE_PAGE_SIZE) {
			n = 0;
			while (n < MOVER_MAX_BATCH &&
			       off + n * PLACE_PAGE_SIZE < d->size) {
				addr[n] = d->uaddr + off + n * PLACE_PAGE_SIZE;
				n++;
			}
			mv->move(mv, tv->vmm_pid, addr, n,
				 tv->tier->host.slow_node, out);
			for (j = 0; j < n; j++) {
				present += out[j].res != MV_ABSENT;
				moved += out[j].res == MV_MOVED;
				failed += out[j].res == MV_FAILED ||
					  out[j].res == MV_BUSY;
			}
		}
	}
	vlog_info(tv->log, "initial placement: %llu present pages, %llu moved to node %d, %llu not movable, %llu ms",
		  (unsigned long long)present, (unsigned long long)moved,
		  tv->tier->host.slow_node, (unsigned long long)failed,
		  (unsigned long long)((loop_now_ns() - t0) / 1000000));
}

/* First touch: which frames have a page in the RAM file (mincore). */
static int ft_resident(void *ctx, uint64_t gpfn, unsigned int n,
		       uint8_t *vec)
{
	const struct tier_vm *tv = ctx;
	uint64_t lo = gpfn << PLACE_PAGE_SHIFT;
	uint64_t hi = (gpfn + n) << PLACE_PAGE_SHIFT;
	unsigned int i;

	memset(vec, 0, n);
	for (i = 0; i < tv->mem->n; i++) {
		const struct mem_region *r = &tv->mem->r[i];
		uint64_t a = r->d.gpa > lo ? r->d.gpa : lo;
		uint64_t b = r->d.gpa + r->d.size < hi ? r->d.gpa + r->d.size : hi;
		uint8_t *p;

		if (a >= b)
			continue;
		/* Regions are page aligned in gpa and in the file. */
		p = r->hva + (a - r->d.gpa);
		if (((uintptr_t)p & (PLACE_PAGE_SIZE - 1)) ||
		    mincore(p, b - a, vec + ((a - lo) >> PLACE_PAGE_SHIFT)))
			return -EINVAL;
	}
	return 0;
}

static void ft_set_policy(void *ctx, int node)
{
	struct tier_vm *tv = ctx;

	set_policy(tv, node);
	if (tv->log->verbose)
		vlog_info(tv->log, "first touch: new pages go to node %d (fast %llu of quota %llu)",
			  node, (unsigned long long)tv->place.held_pages,
			  (unsigned long long)tv->place.quota_pages);
}

static const struct place_ft_ops ft_ops = {
	.resident = ft_resident, .set_policy = ft_set_policy,
};

static void mv_attach(struct tier_vm *tv, pid_t vmm_pid)
{
	struct tier *t = tv->tier;
	uint64_t max_pfn = memtab_top(tv->mem) >> PLACE_PAGE_SHIFT;
	int err;

	tv->vmm_pid = vmm_pid;
	/* pid 0 would name vtierd itself, whose addresses differ. */
	err = vmm_pid > 0 ? mover_check_access(vmm_pid) : -ESRCH;
	if (err) {
		placement_detach(&tv->place);
		vlog_error(tv->log, "cannot move pages of VMM pid %d: %s (vtierd needs ptrace read access to the VMM: same uid and a dumpable VMM, or CAP_SYS_PTRACE); its hints are rejected",
			   (int)vmm_pid, strerror(-err));
		return;
	}
	if (placement_attach(&tv->place, vmm_pid, max_pfn, xlate, tv,
			     loop_now_ns())) {
		vlog_error(tv->log, "out of memory for the placement table");
		return;
	}
	if (t->initial == INITIAL_SLOW) {
		set_policy(tv, t->host.slow_node);
		sweep_to_slow(tv);
	} else if (t->initial == INITIAL_FAST) {
		set_policy(tv, t->host.fast_node);
	} else if (t->initial == INITIAL_FIRST_TOUCH) {
		/* Pages already there are found by the first scan, as any. */
		if (placement_first_touch(&tv->place, &ft_ops))
			vlog_error(tv->log, "out of memory for the first-touch table");
		arm_tick(t, true);
	}
}

static void mv_detach(struct tier_vm *tv)
{
	placement_detach(&tv->place);
	residency_detach(&tv->logical);
}

static void mv_retry_all(struct tier *t)
{
	uint64_t now = loop_now_ns();
	bool waiting = false;
	int i;

	for (i = 0; i < t->n; i++)
		waiting |= placement_retry(&t->vms[i]->place, now);
	if (waiting)	/* a retry waits for a rate limit */
		arm_tick(t, true);
}

static uint64_t mv_demote_oldest(struct tier_vm *tv, uint64_t n)
{
	uint64_t done = placement_demote_oldest(&tv->place, n, loop_now_ns());

	if (tv->place.q_len)	/* rate-limited: the drain timer does it */
		arm_tick(tv->tier, true);
	mv_retry_all(tv->tier);
	return done;
}

static void mv_hints(struct tier_vm *tv, const struct vtier_hint_host *h,
		     unsigned int n, struct session_ack *ack)
{
	struct place_ack pa = { 0 };

	if (!n)
		return;
	placement_batch(&tv->place, h, n, loop_now_ns(), &pa);
	ack->applied = pa.applied;
	ack->rejected = pa.rejected;
	ack->deferred = pa.deferred;
	if (tv->place.q_len || tv->place.def_wait)
		arm_tick(tv->tier, true);
	/* Its demotions may have made room for the other VMs too. */
	mv_retry_all(tv->tier);
}

static uint64_t mv_fast_pages(const struct tier_vm *tv)
{
	return tv->place.held_pages;
}

static bool mv_is_fast(const struct tier_vm *tv, uint64_t gpfn)
{
	return placement_fast(&tv->place, gpfn);
}

static void mv_set_quota(struct tier_vm *tv, uint64_t pages)
{
	tv->quota_pages = pages;
	tv->place.quota_pages = pages;
}

static const struct deferred *mv_deferred(const struct tier_vm *tv)
{
	return &tv->place.def;
}

static void mv_teardown(struct tier *t)
{
	int fd = t->tick.fd;

	loop_del(&t->tick);
	if (fd >= 0)
		close(fd);
}

static const struct tier_ops move_ops = {
	.observe_only = false,
	.attach = mv_attach, .detach = mv_detach, .hints = mv_hints,
	.demote_oldest = mv_demote_oldest, .fast_pages = mv_fast_pages,
	.is_fast = mv_is_fast, .set_quota = mv_set_quota,
	.deferred = mv_deferred, .retry_all = mv_retry_all,
	.teardown = mv_teardown,
};

int tier_move_setup(struct tier *t, const struct tier_opts *o,
		    struct mover *mv, int fast, int slow, const char *why)
{
	struct place_host *h = &t->host;
	int i, fd, err;

	t->ops = &move_ops;
	t->initial = o->initial;
	if (o->deferred_max)
		t->deferred_max = o->deferred_max;
	t->fast_node = fast;
	t->slow_node = slow;
	place_host_init(h, mv, fast, slow);
	h->clock_ns = loop_now_ns;
	h->fmem_total_pages = o->fmem_total / PLACE_PAGE_SIZE;
	h->bw.rate = o->host_mbps << 20;
	h->vm_bytes_per_s = o->vm_mbps << 20;
	h->vm_hints_per_s = o->hint_rate;
	if (o->queue_len)
		h->queue_len = o->queue_len;
	h->deferred_max = t->deferred_max;
	h->lazy_demote = !o->eager_demote;
	for (i = 0; i < t->n; i++)
		placement_init(&t->vms[i]->place, h, t->vms[i]->quota_pages);
	fprintf(stderr, "vtierd: moving pages: %s; initial placement %s; demotion %s; fast memory %llu MiB for all VMs%s; %llu MB/s per VM, %llu MB/s host, %llu hints/s per VM (0: unlimited); queue %u hints, %u deferred promotions\n",
		why, tier_initial_name(t->initial),
		h->lazy_demote ? "lazy" : "eager",
		(unsigned long long)(o->fmem_total >> 20),
		o->fmem_total ? "" : " (no limit)",
		(unsigned long long)o->vm_mbps,
		(unsigned long long)o->host_mbps,
		(unsigned long long)o->hint_rate, h->queue_len,
		h->deferred_max);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	t->tick.owner = t;
	err = loop_add(t->loop, &t->tick, fd, EPOLLIN, tick_ready);
	if (err)
		close(fd);
	return err;
}
