/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtierd's side of placement: options, start-up checks, the initial policy
 * of a VM's RAM, the timer that drains rate-limited work, and the bridge
 * from a VM's memory table and HINTS frames to placement.c.
 */
#ifndef VTIERD_MIGRATE_H
#define VTIERD_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "placement.h"

struct vm;

enum place_initial {
	INITIAL_SLOW, INITIAL_FAST, INITIAL_LOCAL, INITIAL_FIRST_TOUCH,
};

struct migrate_opts {
	int fast_node, slow_node;	/* -1: from the topology */
	uint64_t fmem_total;		/* bytes, 0: no host limit */
	uint64_t vm_mbps, host_mbps;	/* MB/s, 0: unlimited */
	uint64_t hint_rate;		/* hints/s per VM, 0: unlimited */
	unsigned int queue_len;
	uint32_t deferred_max;		/* 0: DEFERRED_DEFAULT_MAX */
	enum place_initial initial;
	bool initial_given;		/* --initial on the command line */
	bool eager_demote;		/* --demote eager: move at once */
};

extern struct place_host g_place;

/* Decide observe-only or moving, print it; set up the drain timer. */
int migrate_setup(const struct migrate_opts *o, struct vm **vms, int nvms);
/* After SET_MEM_TABLE: access check, initial policy, placement state. */
void migrate_attach(struct vm *vm);
/* Before the memory table goes away. */
void migrate_detach(struct vm *vm);
/* One validated HINTS batch; ack says what became of each hint. */
void migrate_hints(struct vm *vm, const struct vtier_hint_host *h,
		   unsigned int n, struct place_ack *ack);
/*
 * Room may have appeared (demotions, a quota change): every VM retries its
 * deferred promotions, oldest first (also in observe-only mode, on the
 * logical residency).
 */
void migrate_retry_all(void);
/* The host takes n fast pages back, oldest promotion first (balancer). */
uint64_t migrate_demote_oldest(struct vm *vm, uint64_t n);
uint64_t migrate_now_ns(void);

const char *migrate_initial_name(enum place_initial i);

#endif
