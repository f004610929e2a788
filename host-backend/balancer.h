/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The balancer: splits the host's fast memory (--fmem-total) among VMs.
 * Pure C, no vtierd state: vtierd (balance.c) and the simulator (bench/)
 * link the same file.  docs/balancer.md explains the policies.
 *
 * Usage, once per period:
 *
 *	struct bal_params p = { BAL_UTILITY, total, step, deadband };
 *	for each VM i: vms[i].min_pages/max_pages/weight = its limits,
 *		vms[i].quota_pages = its current quota (a new VM: min_pages),
 *		vms[i].fresh = a fresh REPORT is in vms[i].rep;
 *	balancer_plan(&p, vms, n);
 *	for each VM i with vms[i].changed: quota = vms[i].target_pages
 *		(apply shrinks before grows).
 *
 * Guarantees: every target lies in [min_pages, min(max_pages,
 * total_pages)] and the targets sum to at most total_pages.
 */
#ifndef VTIER_BALANCER_H
#define VTIER_BALANCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtier_proto.h"

#define BAL_REASON_LEN		96
#define BAL_DEMAND_PCT		95	/* demand: pages with this share of accesses */
#define BAL_MAX_WEIGHT		1000000u

/*
 * BAL_FAIR: each VM first gets its demand up to its weighted share of the
 * pool (a guarantee, like memory.low), then the rest goes by utility.
 */
enum bal_policy { BAL_UTILITY, BAL_PROPORTIONAL, BAL_STATIC, BAL_FAIR };

struct bal_params {
	enum bal_policy policy;
	uint64_t total_pages;		/* fast memory of all VMs together */
	uint64_t step_pages;		/* largest change per plan; 0: unbounded */
	uint64_t deadband_pages;	/* smaller changes are not made; 0: none */
};

/* A guest's REPORT as decoded (docs/protocol.md); untrusted values. */
struct bal_report {
	uint32_t sample_rate, epoch_ms;
	uint64_t wss_pages;
	uint64_t hist[VTIER_HIST_BUCKETS];
};

struct bal_vm {
	/* in */
	uint64_t min_pages, max_pages;
	uint32_t weight;		/* 1 .. BAL_MAX_WEIGHT */
	uint64_t quota_pages;		/* current quota; a new VM: min_pages */
	bool fresh;			/* rep holds a fresh REPORT */
	struct bal_report rep;
	/* out */
	uint64_t optimum_pages;		/* the policy's split, before damping */
	uint64_t target_pages;		/* the new quota */
	uint64_t demand_pages;		/* bal_demand(), 0 without a fresh REPORT */
	bool changed;			/* target_pages != quota_pages */
	char reason[BAL_REASON_LEN];	/* why, when changed */
};

/*
 * Plan one period.  Returns 0, or -1 when the limits are unusable (a
 * weight out of range, min above max, or minimums adding up to more than
 * the total): then every target is the current quota and nothing changes.
 */
int balancer_plan(const struct bal_params *p, struct bal_vm *vms, size_t n);

/*
 * The access curve of one REPORT: U(pages) = sampled accesses per second
 * that the hottest `pages` pages serve.  Concave, piecewise linear, flat
 * beyond the pages with heat > 0.  bal_marginal() is the slope for the
 * page after the first `pages` (accesses/s per page).
 */
double bal_curve(const struct bal_report *r, uint64_t pages);
double bal_marginal(const struct bal_report *r, uint64_t pages);
/* Pages that serve BAL_DEMAND_PCT % of U's maximum (0 if U is flat 0). */
uint64_t bal_demand(const struct bal_report *r);

const char *bal_policy_name(enum bal_policy p);
/* 0, or -1 for an unknown name. */
int bal_policy_parse(const char *s, enum bal_policy *p);

#endif
