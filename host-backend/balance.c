// SPDX-License-Identifier: GPL-2.0
/* vtierd glue for the balancer (see balance.h). */
#include "balance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tier.h"
#include "vm.h"

#define NS_PER_MS 1000000ull
#define REPORT_GAP_MAX_NS (60000 * NS_PER_MS)	/* report_ms's maximum */

void balance_opts_init(struct balance_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = BAL_UTILITY;
	o->period_ms = BALANCE_DEFAULT_PERIOD_MS;
	o->deadline_ms = BALANCE_DEFAULT_DEADLINE_MS;
}

static uint64_t fast_pages(const struct balance *b, const struct vm *vm)
{
	return b->tier->ops->fast_pages(&vm->tier);
}

/*
 * A REPORT is fresh for twice the longest of: its epoch, the period, the
 * guest's interval between REPORTs (module parameter report_ms, at most
 * 60 s), so a guest reporting on schedule never looks stale.
 */
static bool report_fresh(const struct balance *b, const struct vm *vm,
			 uint64_t now)
{
	const struct vm_report *r = &vm->report;
	uint64_t span = (uint64_t)r->epoch_ms * NS_PER_MS;

	if (span < (uint64_t)b->period_ms * NS_PER_MS)
		span = (uint64_t)b->period_ms * NS_PER_MS;
	if (span < r->gap_ns)
		span = r->gap_ns < REPORT_GAP_MAX_NS ? r->gap_ns :
		       REPORT_GAP_MAX_NS;
	return r->valid && r->at_ns && now - r->at_ns <= 2 * span;
}

void balance_get_info(const struct balance *b, struct balance_info *bi)
{
	bi->on = b->on;
	bi->policy = b->on ? bal_policy_name(b->p.policy) : "off";
	bi->period_ms = b->on ? b->period_ms : 0;
	bi->deadline_ms = b->on ? b->deadline_ms : 0;
	bi->total_pages = b->p.total_pages;
	bi->step_pages = b->p.step_pages;
	bi->deadband_pages = b->p.deadband_pages;
	bi->periods = b->periods;
}

static void apply(struct balance *b, struct vm *vm, const struct bal_vm *bv,
		  uint64_t now)
{
	struct vm_balance *vb = &vm->bal;
	struct quota_change *c = &vb->changes[vb->nchanges++ % VM_QUOTA_CHANGES];

	c->t_ms = (now - b->t0_ns) / NS_PER_MS;
	c->from = vm->tier.quota_pages;
	c->to = bv->target_pages;
	snprintf(c->reason, sizeof(c->reason), "%s", bv->reason);
	vlog_info(&vm->log, "quota %llu -> %llu pages: %s",
		  (unsigned long long)c->from, (unsigned long long)c->to,
		  c->reason);
	b->tier->ops->set_quota(&vm->tier, bv->target_pages);
	vm_send_quota(vm);
	if (fast_pages(b, vm) > vm->tier.quota_pages && !vb->over_since_ns)
		vb->over_since_ns = now;
}

/* A guest still over its quota after the deadline loses the excess. */
static void enforce(struct balance *b, struct vm *vm, uint64_t now)
{
	struct vm_balance *vb = &vm->bal;
	uint64_t fast = fast_pages(b, vm), excess, done;

	if (fast <= vm->tier.quota_pages) {
		vb->over_since_ns = 0;
		return;
	}
	if (!vb->over_since_ns)
		vb->over_since_ns = now;
	if (now - vb->over_since_ns < (uint64_t)b->deadline_ms * NS_PER_MS)
		return;
	excess = fast - vm->tier.quota_pages;
	done = b->tier->ops->demote_oldest(&vm->tier, excess);
	vb->host_demoted_pages += done;
	vlog_info(&vm->log, "over quota for %llu ms (fast %llu pages, quota %llu): host demoted %llu pages, oldest promotion first",
		  (unsigned long long)((now - vb->over_since_ns) / NS_PER_MS),
		  (unsigned long long)fast,
		  (unsigned long long)vm->tier.quota_pages,
		  (unsigned long long)done);
	vb->over_since_ns = 0;
}

void balance_period(struct balance *b, uint64_t now)
{
	int i, pass;

	for (i = 0; i < b->n; i++) {
		const struct vm *vm = b->vms[i];
		struct bal_vm *bv = &b->bv[i];
		unsigned int k;

		memset(bv, 0, sizeof(*bv));
		bv->min_pages = vm->bal.min_pages;
		bv->max_pages = vm->bal.max_pages;
		bv->weight = vm->bal.weight;
		bv->quota_pages = vm->tier.quota_pages;
		bv->fresh = report_fresh(b, vm, now);
		bv->rep.sample_rate = vm->report.sample_rate;
		bv->rep.epoch_ms = vm->report.epoch_ms;
		bv->rep.wss_pages = vm->report.wss_pages;
		for (k = 0; k < VTIER_HIST_BUCKETS; k++)
			bv->rep.hist[k] = vm->report.hist[k];
	}
	/* Limits are checked where they are set, so this is not expected. */
	if (balancer_plan(&b->p, b->bv, (size_t)b->n) && !b->warned) {
		fprintf(stderr, "vtierd: balancer: limits unusable; quotas unchanged\n");
		b->warned = true;
	}
	/* Shrinks first: grows are usable only as others give back. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < b->n; i++) {
			struct bal_vm *bv = &b->bv[i];

			b->vms[i]->bal.demand_pages = bv->demand_pages;
			if (bv->changed &&
			    (bv->target_pages < bv->quota_pages) == !pass)
				apply(b, b->vms[i], bv, now);
		}
	for (i = 0; i < b->n; i++)
		enforce(b, b->vms[i], now);
	/* Grows and host demotions made room: deferred promotions go on. */
	b->tier->ops->retry_all(b->tier);
	b->periods++;
}

static void tick_ready(struct ev *ev, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		balance_period(ev->owner, loop_now_ns());
}

int balance_set_limits(struct balance *b, struct vm *vm,
		       const uint64_t *min_pages, const uint64_t *max_pages,
		       const uint32_t *weight, char *err, size_t cap)
{
	uint64_t min = min_pages ? *min_pages : vm->bal.min_pages;
	uint64_t max = max_pages ? *max_pages : vm->bal.max_pages;
	uint64_t sum = min;
	int i;

	if (!b->on) {
		snprintf(err, cap, "no balancer (vtierd runs without --fmem-total or with --balance off)");
		return -EINVAL;
	}
	if (weight && (*weight < 1 || *weight > BAL_MAX_WEIGHT)) {
		snprintf(err, cap, "weight must be 1 to %u", BAL_MAX_WEIGHT);
		return -EINVAL;
	}
	if (min > max) {
		snprintf(err, cap, "min above max");
		return -EINVAL;
	}
	for (i = 0; i < b->n; i++)
		if (b->vms[i] != vm)
			sum += b->vms[i]->bal.min_pages;
	if (sum > b->p.total_pages) {
		snprintf(err, cap, "minimums would add up to %llu pages, more than --fmem-total (%llu pages)",
			 (unsigned long long)sum,
			 (unsigned long long)b->p.total_pages);
		return -EINVAL;
	}
	vm->bal.min_pages = min;
	vm->bal.max_pages = max;
	if (weight)
		vm->bal.weight = *weight;
	vlog_info(&vm->log, "limits: min %llu, max %llu pages, weight %u (vtierctl)",
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
			return -EINVAL;
		}
		if (!vb->max_set)
			vb->max_pages = total;
		if (vb->min_pages > vb->max_pages) {
			fprintf(stderr, "vtierd: %s: min above max\n",
				vms[i]->name);
			return -EINVAL;
		}
		sum += vb->min_pages;
	}
	if (sum > total) {
		fprintf(stderr, "vtierd: the VMs' minimums add up to %llu pages, more than --fmem-total (%llu pages)\n",
			(unsigned long long)sum, (unsigned long long)total);
		return -EINVAL;
	}
	return 0;
}

int balance_setup(struct balance *b, struct loop *loop, struct tier *t,
		  const struct balance_opts *o, uint64_t fmem_total,
		  struct vm **vms, int nvms)
{
	uint64_t total = fmem_total / PLACE_PAGE_SIZE;
	struct itimerspec it = { 0 };
	int i, fd, err;

	memset(b, 0, sizeof(*b));
	b->ev.fd = -1;
	b->tier = t;
	b->t0_ns = loop_now_ns();
	b->vms = vms;
	b->n = nvms;
	b->p.total_pages = total;
	if (!fmem_total || o->off)
		return 0;
	err = check_limits(vms, nvms, total);
	if (err)
		return err;
	b->p.policy = o->policy;
	b->p.step_pages = o->step_set ? o->step_bytes / PLACE_PAGE_SIZE :
			  total / BALANCE_STEP_DIV;
	b->p.deadband_pages = o->deadband_set ?
			      o->deadband_bytes / PLACE_PAGE_SIZE :
			      total / BALANCE_DEADBAND_DIV;
	b->period_ms = o->period_ms;
	b->deadline_ms = o->deadline_ms;
	b->bv = calloc((size_t)nvms, sizeof(*b->bv));
	if (!b->bv)
		return -ENOMEM;
	for (i = 0; i < nvms; i++)
		vms[i]->tier.quota_pages = vms[i]->bal.min_pages;	/* new VM */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	it.it_value.tv_sec = it.it_interval.tv_sec = o->period_ms / 1000;
	it.it_value.tv_nsec = it.it_interval.tv_nsec =
		(long)(o->period_ms % 1000) * 1000000L;
	b->ev.owner = b;
	err = fd < 0 ? -errno : loop_add(loop, &b->ev, fd, EPOLLIN, tick_ready);
	if (!err && timerfd_settime(fd, 0, &it, NULL))
		err = -errno;
	if (err) {
		fprintf(stderr, "vtierd: balancer timer: %s\n", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	b->on = true;
	/* Observe-only, the logical residency keeps within the same bounds. */
	t->bounded = true;
	t->pool_pages = total;
	fprintf(stderr, "vtierd: balancer: policy %s, %llu pages for all VMs, period %u ms, step %llu pages, dead band %llu pages, quota deadline %u ms\n",
		bal_policy_name(b->p.policy), (unsigned long long)total,
		b->period_ms, (unsigned long long)b->p.step_pages,
		(unsigned long long)b->p.deadband_pages, b->deadline_ms);
	return 0;
}

void balance_teardown(struct balance *b)
{
	int fd = b->ev.fd;

	loop_del(&b->ev);
	if (fd >= 0)
		close(fd);
	free(b->bv);
	b->bv = NULL;
	b->on = false;
}
