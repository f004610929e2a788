/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mover: moves pages of another process (the VMM) to one NUMA node and says
 * what became of each page.  Placement works only through this interface,
 * so its accounting can be tested with a recording mover; vtierd uses the
 * move_pages(2) mover (mover_init_move_pages()), owned by struct vtierd.
 */
#ifndef VTIERD_MOVER_H
#define VTIERD_MOVER_H

#include <stdint.h>
#include <sys/types.h>

/* Largest number of addresses one move_pages(2) call gets. */
#define MOVER_MAX_BATCH 1024

enum move_result {
	MV_MOVED,	/* was elsewhere, is on the target node now */
	MV_ALREADY,	/* was on the target node before the call */
	MV_BUSY,	/* still elsewhere after the bounded retries */
	MV_ABSENT,	/* never touched by the VMM: nothing to move */
	MV_FAILED,	/* error, see err */
};

struct move_out {
	uint8_t res;	/* enum move_result */
	int err;	/* errno for MV_FAILED, else 0 */
};

struct mover {
	/*
	 * Move the n pages at the VMM's addresses addr[] of process pid to
	 * node; out[i] says what became of addr[i].  Never fails as a
	 * whole: a call-wide error makes every page MV_FAILED with its errno.
	 */
	void (*move)(struct mover *m, pid_t pid, const uint64_t *addr,
		     unsigned int n, int node, struct move_out *out);
	/*
	 * Node of each of the n pages (or -errno, -ENOENT: not present);
	 * nothing is faulted in.  0, or -errno when the call failed.
	 */
	int (*query)(struct mover *m, pid_t pid, const uint64_t *addr,
		     unsigned int n, int *node);
	/* Pages handed to move_pages(2) to be moved (not queries). */
	uint64_t calls, pages_asked;
};

/* The real mover: move_pages(2) with MPOL_MF_MOVE_ALL; counters zeroed. */
void mover_init_move_pages(struct mover *m);

/* Busy pages are retried this many times in one move() call. */
#define MOVER_BUSY_PASSES 3

/*
 * Node of each page (or -errno, e.g. -ENOENT when never touched), from a
 * move_pages(2) query.  0, or -errno when the call failed as a whole.
 */
int mover_query(pid_t pid, const uint64_t *addr, unsigned int n, int *node);

/* 0 when vtierd may move pid's pages, else -errno (EPERM, ESRCH). */
int mover_check_access(pid_t pid);
/* True when vtierd has CAP_SYS_NICE in its effective set. */
int mover_have_cap_sys_nice(void);

const char *move_result_name(enum move_result r);

#endif
