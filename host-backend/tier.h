/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tier: what becomes of a VM's translated hints.  Two implementations,
 * chosen once at start-up (main.c) and never branched on afterwards:
 *
 *   tier_move.c     moves pages between the fast and the slow node
 *                   (placement.c, first touch, the drain timer);
 *   tier_observe.c  moves nothing and keeps a logical residency: the
 *                   frames the guest's promotions made fast.
 *
 * Both keep the VM's fast pages within its quota (and the pool), defer a
 * promotion without room and retry it when room appears.  The quota layer
 * (balance.c) and vtierctl work through struct tier_ops only.
 */
#ifndef VTIERD_TIER_H
#define VTIERD_TIER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "deferred.h"
#include "log.h"
#include "loop.h"
#include "memtab.h"
#include "mover.h"
#include "placement.h"
#include "residency.h"
#include "session.h"
#include "vtier_proto.h"

#define TIER_MAX_VMS 32

enum tier_initial {
	INITIAL_SLOW, INITIAL_FAST, INITIAL_LOCAL, INITIAL_FIRST_TOUCH,
};

/* The placement options (docs/placement.md). */
struct tier_opts {
	int fast_node, slow_node;	/* -1: from the topology */
	uint64_t fmem_total;		/* bytes, 0: no host limit */
	uint64_t vm_mbps, host_mbps;	/* MB/s, 0: unlimited */
	uint64_t hint_rate;		/* hints/s per VM, 0: unlimited */
	unsigned int queue_len;
	uint32_t deferred_max;		/* 0: DEFERRED_DEFAULT_MAX */
	enum tier_initial initial;
	bool initial_given;		/* --initial on the command line */
	bool eager_demote;		/* --demote eager: move at once */
};

struct tier;

/**
 * struct tier_vm - one VM's tier state.
 * @tier: the daemon's tier.
 * @log: the VM's log.
 * @mem: the VM's memory table.
 * @vmm_pid: the VMM, while attached.
 * @quota_pages: fast pages the VM may hold (WELCOME and QUOTA say so).
 * @place: the moving tier's per-VM state.
 * @logical: the observe-only tier's logical residency.
 */
struct tier_vm {
	struct tier *tier;
	struct vlog *log;
	const struct memtab *mem;
	pid_t vmm_pid;
	uint64_t quota_pages;
	struct placement place;
	struct residency logical;
};

/**
 * struct tier_ops - one implementation of the tier.
 * @observe_only: pages are never moved (WELCOME says VTIER_CAP_OBSERVE).
 * @attach: a memory table is in force, of VMM vmm_pid.
 * @detach: the memory table is about to go.
 * @hints: one batch of translated hints; fills @ack.
 * @demote_oldest: the host takes n fast pages back, oldest promotion
 *	first; returns how many.
 * @fast_pages: fast pages the VM holds.
 * @is_fast: is the frame fast?
 * @set_quota: a new quota for the VM.
 * @deferred: the VM's deferred promotions.
 * @retry_all: room may have appeared (demotions, a quota change): every
 *	VM retries its deferred promotions, oldest first.
 * @teardown: release what setup took (timers).
 */
struct tier_ops {
	bool observe_only;
	void (*attach)(struct tier_vm *tv, pid_t vmm_pid);
	void (*detach)(struct tier_vm *tv);
	void (*hints)(struct tier_vm *tv, const struct vtier_hint_host *h,
		      unsigned int n, struct session_ack *ack);
	uint64_t (*demote_oldest)(struct tier_vm *tv, uint64_t n);
	uint64_t (*fast_pages)(const struct tier_vm *tv);
	bool (*is_fast)(const struct tier_vm *tv, uint64_t gpfn);
	void (*set_quota)(struct tier_vm *tv, uint64_t pages);
	const struct deferred *(*deferred)(const struct tier_vm *tv);
	void (*retry_all)(struct tier *t);
	void (*teardown)(struct tier *t);
};

/**
 * struct tier - the tier of all VMs.
 * @ops: the implementation chosen at start-up.
 * @loop: for the moving tier's drain timer.
 * @vms: every VM's tier state.
 * @n: entries in @vms.
 * @deferred_max: deferred promotions kept per VM.
 * @fast_node: where promoted pages go; -1 observe-only.
 * @slow_node: where demoted pages go; -1 observe-only.
 * @host: the moving tier's shared placement state.
 * @initial: the moving tier's initial placement.
 * @tick: the moving tier's drain timer.
 * @bounded: observe-only with a balancer: the logical residency stays
 *	within each quota and @pool_pages, as placement's does.
 * @pool_pages: fast pages for all VMs (--fmem-total).
 */
struct tier {
	const struct tier_ops *ops;
	struct loop *loop;
	struct tier_vm *vms[TIER_MAX_VMS];
	int n;
	uint32_t deferred_max;
	int fast_node, slow_node;
	struct place_host host;
	enum tier_initial initial;
	struct ev tick;
	bool bounded;
	uint64_t pool_pages;
};

/* Set up t for the VMs vms[0..n); no implementation chosen yet. */
void tier_init(struct tier *t, struct loop *loop, struct tier_vm **vms,
	       int n);
void tier_vm_init(struct tier_vm *tv, struct tier *t, struct vlog *log,
		  const struct memtab *mem);

/*
 * The moving tier: pages move between fast and slow (numbers from
 * numa_observe_only(), why is its description).  0, or -errno.
 */
int tier_move_setup(struct tier *t, const struct tier_opts *o,
		    struct mover *mv, int fast, int slow, const char *why);
/* The observe-only tier; why says why nothing moves (printed). */
void tier_observe_setup(struct tier *t, const struct tier_opts *o,
			const char *why);

const char *tier_initial_name(enum tier_initial i);

#endif
