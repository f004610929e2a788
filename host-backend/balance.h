/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtierd's side of the balancer (docs/balancer.md): options, the period
 * timer that runs balancer_plan() over all VMs, QUOTA frames, and the
 * deadline after which vtierd demotes a VM's excess fast pages itself.
 */
#ifndef VTIERD_BALANCE_H
#define VTIERD_BALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balancer.h"

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

void balance_opts_init(struct balance_opts *o);
/*
 * Check the VMs' limits against --fmem-total (bytes, 0: none), set each
 * VM's starting quota and arm the period timer.  Prints why and returns
 * -1 on bad limits.  Before migrate_setup(), which reads the quotas.
 */
int balance_setup(const struct balance_opts *o, uint64_t fmem_total,
		  struct vm **vms, int nvms);
/* A REPORT was stored in vm->report. */
void balance_note_report(struct vm *vm);
/* Fast pages the VM holds: placement's, or observe-only the logical ones. */
uint64_t balance_fast_pages(const struct vm *vm);
/*
 * Observe-only: may the VM's logical residency grow by frames?  As
 * placement defers a promotion past the quota or --fmem-total, so the
 * residency does not count one (else a guest that keeps hinting would be
 * back over its quota right after the host demoted it).  Always true
 * without a balancer.
 */
bool balance_logical_room(const struct vm *vm, uint64_t frames);
/*
 * vtierctl quota: new limits (NULL: unchanged), applied at the next
 * period.  0, or -1 with the reason in err.
 */
int balance_set_limits(struct vm *vm, const uint64_t *min_pages,
		       const uint64_t *max_pages, const uint32_t *weight,
		       char *err, size_t cap);
void balance_get_info(struct balance_info *bi);
/* One period, at time now_ns (the timer calls it). */
void balance_period(uint64_t now_ns);

#endif
