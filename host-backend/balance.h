/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The quota layer, on top of every VM's column: vtierd's side of the
 * balancer (docs/balancer.md): options, the period timer that runs
 * balancer_plan() over all VMs, QUOTA frames, and the deadline after
 * which vtierd demotes a VM's excess fast pages itself (through the
 * tier's ops).
 */
#ifndef VTIERD_BALANCE_H
#define VTIERD_BALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balancer.h"
#include "loop.h"

struct tier;
struct vm;

#define BALANCE_DEFAULT_PERIOD_MS	1000
#define BALANCE_DEFAULT_DEADLINE_MS	5000
#define BALANCE_STEP_DIV		8	/* default step: total / 8 */
#define BALANCE_DEADBAND_DIV		64	/* default dead band: total / 64 */

struct balance_opts {
	bool off;			/* --balance off */
	enum bal_policy policy;
	uint32_t period_ms, deadline_ms;
	uint64_t step_bytes, deadband_bytes;
	bool step_set, deadband_set;
};

struct balance_info {
	bool on;
	const char *policy;		/* "off" when not balancing */
	uint32_t period_ms, deadline_ms;
	uint64_t total_pages, step_pages, deadband_pages, periods;
};

/**
 * struct balance - the quota layer's state (one per vtierd).
 * @on: a balancer runs (--fmem-total without --balance off).
 * @warned: balancer_plan() refused the limits once (said once).
 * @p: the balancer's parameters.
 * @period_ms: how often quotas are planned.
 * @deadline_ms: time a guest has to get under a lowered quota.
 * @periods: periods run.
 * @t0_ns: when vtierd started (quota change times count from it).
 * @vms: all VMs.
 * @n: entries in @vms.
 * @bv: balancer_plan()'s input and output, one per VM.
 * @ev: the period timer.
 * @tier: where fast pages are counted and taken back.
 */
struct balance {
	bool on, warned;
	struct bal_params p;
	uint32_t period_ms, deadline_ms;
	uint64_t periods, t0_ns;
	struct vm **vms;
	int n;
	struct bal_vm *bv;
	struct ev ev;
	struct tier *tier;
};

void balance_opts_init(struct balance_opts *o);
/*
 * Check the VMs' limits against --fmem-total (bytes, 0: none), set each
 * VM's starting quota and arm the period timer.  Prints why and returns
 * -EINVAL on bad limits.  After tier_init() and before the tier's setup,
 * which reads the quotas.
 */
int balance_setup(struct balance *b, struct loop *loop, struct tier *t,
		  const struct balance_opts *o, uint64_t fmem_total,
		  struct vm **vms, int nvms);
/* Undo balance_setup(). */
void balance_teardown(struct balance *b);
/*
 * vtierctl quota: new limits (NULL: unchanged), applied at the next
 * period.  0, or -EINVAL with the reason in err.
 */
int balance_set_limits(struct balance *b, struct vm *vm,
		       const uint64_t *min_pages, const uint64_t *max_pages,
		       const uint32_t *weight, char *err, size_t cap);
void balance_get_info(const struct balance *b, struct balance_info *bi);
/* One period, at time now_ns (the timer calls it). */
void balance_period(struct balance *b, uint64_t now_ns);

#endif
