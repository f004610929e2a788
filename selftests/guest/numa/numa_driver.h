/* SPDX-License-Identifier: GPL-2.0 */
/* vtier-numa-driver: shared by its steps (numa_driver.c, numa_limits.c). */
#ifndef VTIER_NUMA_DRIVER_H
#define VTIER_NUMA_DRIVER_H

#include "numa_common.h"
#include "test_common.h"

#define FAST 0
#define SLOW 1
#define NPAGES (FE_RAM_SIZE / PAGE)
#define QUOTA 768			/* quota=3M */
/* Guest RAM the frontend leaves alone: 7.5-12 MiB data, 12-14 untouched. */
#define SMALL 1920u			/* 128 pages at 7.5 MiB */
#define HUGE_A 2048u			/* 2 MiB at 8 MiB */
#define HUGE_B 2560u			/* 2 MiB at 10 MiB */
#define DATA_FIRST SMALL
#define DATA_END 3072u
#define UNTOUCHED 3072u
#define HOLE_GPFN (FE_HOLE_START / PAGE)

#define ACKFMT "ack %u/%u/%u (applied/rejected/deferred)"
#define ACKARGS(a) (a).ack.applied, (a).ack.rejected, (a).ack.deferred

extern struct vu_fe fe;		/* the frontend: its memfd is guest RAM */
extern struct fe_conn conn;	/* its vtier connection */
extern int st[NPAGES];		/* scratch for placement queries */

/* Node of every page of guest RAM in process pid (0: this one). */
int where(pid_t pid, uint8_t *mem, int *st);
unsigned int count(const int *st, unsigned int first, unsigned int end,
		   int node);
/* Check n pages from first are on node and want_fast pages are fast. */
int check_place(const char *name, const char *what, uint64_t first,
		unsigned int n, int node, unsigned int want_fast);
/* Send one HINTS frame and read its ACK.  0 or -1. */
int hints(const struct vtier_hint_host *h, unsigned int n,
	  struct vtier_msg *ack);
struct vtier_hint_host H(uint64_t gpfn, int order, int action);
unsigned int range(struct vtier_hint_host *h, uint64_t first, unsigned int n,
		   int action);
int ack_is(const struct vtier_msg *a, uint32_t ap, uint32_t rj, uint32_t df);

void step_limits(void);

#endif
