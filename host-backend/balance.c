// SPDX-License-Identifier: GPL-2.0
/* vtierd glue for the balancer (see balance.h). */
#include "balance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "migrate.h"
#include "session.h"
#include "vm.h"
#include "vsock_dev.h"

#define NS_PER_MS 1000000ull
#define REPORT_GAP_MAX_NS (60000 * NS_PER_MS)	/* report_ms's maximum */

static struct {
	bool on, warned;
	struct bal_params p;
	uint32_t period_ms, deadline_ms;
	uint64_t periods, t0_ns;
	struct vm **vms;
	int n;
	struct bal_vm *bv;
	struct ev ev;
} B = { .ev = { .fd = -1 } };

void balance_opts_init(struct balance_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = BAL_UTILITY;
	o->period_ms = BALANCE_DEFAULT_PERIOD_MS;
	o->deadline_ms = BALANCE_DEFAULT_DEADLINE_MS;
}

uint64_t balance_fast_pages(const struct vm *vm)
{
	return g_observe_only ? vm->logical.held : vm->place.held_pages;
}

bool balance_logical_room(const struct vm *vm, uint64_t frames)
{
	uint64_t held = 0;
	int i;

	if (!B.on)
		return true;
	if (vm->logical.held + frames > vm->quota_pages)
		return false;
	for (i = 0; i < B.n; i++)
		held += B.vms[i]->logical.held;
	return held + frames <= B.p.total_pages;
}

void balance_note_report(struct vm *vm)
{
	uint64_t now = migrate_now_ns();

	if (vm->bal.report_ns)
		vm->bal.report_gap_ns = now - vm->bal.report_ns;
	vm->bal.report_ns = now;
}

/*
 * A REPORT is fresh for twice the longest of: its epoch, the period, the
 * guest's interval between REPORTs (module parameter report_ms, at most
 * 60 s), so a guest reporting on schedule never looks stale.
 */
static bool report_fresh(const struct vm *vm, uint64_t now)
{
	uint64_t span = (uint64_t)vm->report.epoch_ms * NS_PER_MS;

	if (span < (uint64_t)B.period_ms * NS_PER_MS)
		span = (uint64_t)B.period_ms * NS_PER_MS;
	if (span < vm->bal.report_gap_ns)
		span = vm->bal.report_gap_ns < REPORT_GAP_MAX_NS ?
		       vm->bal.report_gap_ns : REPORT_GAP_MAX_NS;
	return vm->report.valid && vm->bal.report_ns &&
	       now - vm->bal.report_ns <= 2 * span;
}

void balance_get_info(struct balance_info *bi)
{
	bi->on = B.on;
	bi->policy = B.on ? bal_policy_name(B.p.policy) : "off";
	bi->period_ms = B.on ? B.period_ms : 0;
	bi->deadline_ms = B.on ? B.deadline_ms : 0;
	bi->total_pages = B.p.total_pages;
	bi->step_pages = B.p.step_pages;
	bi->deadband_pages = B.p.deadband_pages;
	bi->periods = B.periods;
}

/* Tell the guest: QUOTA on each of its vtier sessions. */
static void send_quota(struct vm *vm)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct vsock_flow *f = &vm->vs.flow[i];

		if (f->used && !f->closing && f->sess.state == SESSION_READY)
			session_quota(vm, f, vm->quota_pages);
	}
	vsock_rx_flush(vm);
}

static void apply(struct vm *vm, const struct bal_vm *b, uint64_t now)
{
	struct vm_balance *vb = &vm->bal;
	struct quota_change *c = &vb->changes[vb->nchanges++ % VM_QUOTA_CHANGES];

	c->t_ms = (now - B.t0_ns) / NS_PER_MS;
	c->from = vm->quota_pages;
	c->to = b->target_pages;
	snprintf(c->reason, sizeof(c->reason), "%s", b->reason);
	vm_log(vm, "quota %llu -> %llu pages: %s",
	       (unsigned long long)c->from, (unsigned long long)c->to,
	       c->reason);
	vm->quota_pages = b->target_pages;
	if (!g_observe_only)
		vm->place.quota_pages = b->target_pages;
	send_quota(vm);
	if (balance_fast_pages(vm) > vm->quota_pages && !vb->over_since_ns)
		vb->over_since_ns = now;
}

/* A guest still over its quota after the deadline loses the excess. */
static void enforce(struct vm *vm, uint64_t now)
{
	struct vm_balance *vb = &vm->bal;
	uint64_t fast = balance_fast_pages(vm), excess, done;

	if (fast <= vm->quota_pages) {
		vb->over_since_ns = 0;
		return;
	}
	if (!vb->over_since_ns)
		vb->over_since_ns = now;
	if (now - vb->over_since_ns < (uint64_t)B.deadline_ms * NS_PER_MS)
		return;
	excess = fast - vm->quota_pages;
	done = g_observe_only ?
	       residency_demote_oldest(&vm->logical, excess) :
	       migrate_demote_oldest(vm, excess);
	vb->host_demoted_pages += done;
	vm_log(vm, "over quota for %llu ms (fast %llu pages, quota %llu): host demoted %llu pages, oldest promotion first",
	       (unsigned long long)((now - vb->over_since_ns) / NS_PER_MS),
	       (unsigned long long)fast, (unsigned long long)vm->quota_pages,
	       (unsigned long long)done);
	vb->over_since_ns = 0;
}

void balance_period(uint64_t now)
{
	int i, pass;

	for (i = 0; i < B.n; i++) {
		const struct vm *vm = B.vms[i];
		struct bal_vm *b = &B.bv[i];
		unsigned int k;

		memset(b, 0, sizeof(*b));
		b->min_pages = vm->bal.min_pages;
		b->max_pages = vm->bal.max_pages;
		b->weight = vm->bal.weight;
		b->quota_pages = vm->quota_pages;
		b->fresh = report_fresh(vm, now);
		b->rep.sample_rate = vm->report.sample_rate;
		b->rep.epoch_ms = vm->report.epoch_ms;
		b->rep.wss_pages = vm->report.wss_pages;
		for (k = 0; k < VTIER_HIST_BUCKETS; k++)
			b->rep.hist[k] = vm->report.hist[k];
	}
	/* Limits are checked where they are set, so this is not expected. */
	if (balancer_plan(&B.p, B.bv, (size_t)B.n) && !B.warned) {
		fprintf(stderr, "vtierd: balancer: limits unusable; quotas unchanged\n");
		B.warned = true;
	}
	/* Shrinks first: grows are usable only as others give back. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < B.n; i++) {
			struct bal_vm *b = &B.bv[i];

			B.vms[i]->bal.demand_pages = b->demand_pages;
			if (b->changed &&
			    (b->target_pages < b->quota_pages) == !pass)
				apply(B.vms[i], b, now);
		}
	for (i = 0; i < B.n; i++)
		enforce(B.vms[i], now);
	/* Grows and host demotions made room: deferred promotions go on. */
	migrate_retry_all();
	B.periods++;
}

static void tick_ready(struct ev *ev, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		balance_period(migrate_now_ns());
}

int balance_set_limits(struct vm *vm, const uint64_t *min_pages,
		       const uint64_t *max_pages, const uint32_t *weight,
		       char *err, size_t cap)
{
	uint64_t min = min_pages ? *min_pages : vm->bal.min_pages;
	uint64_t max = max_pages ? *max_pages : vm->bal.max_pages;
	uint64_t sum = min;
	int i;

	if (!B.on) {
		snprintf(err, cap, "no balancer (vtierd runs without --fmem-total or with --balance off)");
		return -1;
	}
	if (weight && (*weight < 1 || *weight > BAL_MAX_WEIGHT)) {
		snprintf(err, cap, "weight must be 1 to %u", BAL_MAX_WEIGHT);
		return -1;
	}
	if (min > max) {
		snprintf(err, cap, "min above max");
		return -1;
	}
	for (i = 0; i < B.n; i++)
		if (B.vms[i] != vm)
			sum += B.vms[i]->bal.min_pages;
	if (sum > B.p.total_pages) {
		snprintf(err, cap, "minimums would add up to %llu pages, more than --fmem-total (%llu pages)",
			 (unsigned long long)sum,
			 (unsigned long long)B.p.total_pages);
		return -1;
	}
	vm->bal.min_pages = min;
	vm->bal.max_pages = max;
	if (weight)
		vm->bal.weight = *weight;
	vm_log(vm, "limits: min %llu, max %llu pages, weight %u (vtierctl)",
	       (unsigned long long)min, (unsigned long long)max,
	       vm->bal.weight);
	return 0;
}

static int check_limits(struct vm **vms, int nvms, uint64_t total)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < nvms; i++) {
		struct vm_balance *vb = &vms[i]->bal;

		if (vb->quota_set) {
			fprintf(stderr, "vtierd: %s: quota= is set by the balancer; use min= and max= (or --balance off)\n",
				vms[i]->name);
			return -1;
		}
		if (!vb->max_set)
			vb->max_pages = total;
		if (vb->min_pages > vb->max_pages) {
			fprintf(stderr, "vtierd: %s: min above max\n",
				vms[i]->name);
			return -1;
		}
		sum += vb->min_pages;
	}
	if (sum > total) {
		fprintf(stderr, "vtierd: the VMs' minimums add up to %llu pages, more than --fmem-total (%llu pages)\n",
			(unsigned long long)sum, (unsigned long long)total);
		return -1;
	}
	return 0;
}

int balance_setup(const struct balance_opts *o, uint64_t fmem_total,
		  struct vm **vms, int nvms)
{
	uint64_t total = fmem_total / PLACE_PAGE_SIZE;
	struct itimerspec it = { 0 };
	int i, fd;

	B.t0_ns = migrate_now_ns();
	B.vms = vms;
	B.n = nvms;
	B.p.total_pages = total;
	if (!fmem_total || o->off)
		return 0;
	if (check_limits(vms, nvms, total))
		return -1;
	B.p.policy = o->policy;
	B.p.step_pages = o->step_set ? o->step_bytes / PLACE_PAGE_SIZE :
			 total / BALANCE_STEP_DIV;
	B.p.deadband_pages = o->deadband_set ?
			     o->deadband_bytes / PLACE_PAGE_SIZE :
			     total / BALANCE_DEADBAND_DIV;
	B.period_ms = o->period_ms;
	B.deadline_ms = o->deadline_ms;
	B.bv = calloc((size_t)nvms, sizeof(*B.bv));
	if (!B.bv)
		return -1;
	for (i = 0; i < nvms; i++)
		vms[i]->quota_pages = vms[i]->bal.min_pages;	/* new VM */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	it.it_value.tv_sec = it.it_interval.tv_sec = o->period_ms / 1000;
	it.it_value.tv_nsec = it.it_interval.tv_nsec =
		(long)(o->period_ms % 1000) * 1000000L;
	if (fd < 0 || loop_add(&B.ev, fd, EPOLLIN, tick_ready) ||
	    timerfd_settime(fd, 0, &it, NULL)) {
		perror("vtierd: balancer timer");
		return -1;
	}
	B.on = true;
	fprintf(stderr, "vtierd: balancer: policy %s, %llu pages for all VMs, period %u ms, step %llu pages, dead band %llu pages, quota deadline %u ms\n",
		bal_policy_name(B.p.policy), (unsigned long long)total,
		B.period_ms, (unsigned long long)B.p.step_pages,
		(unsigned long long)B.p.deadband_pages, B.deadline_ms);
	return 0;
}
