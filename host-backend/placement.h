/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement: turns translated hints into page moves between the fast and
 * the slow node and keeps, per VM, which guest pages it has placed on the
 * fast node.  The quota is the host's: a promotion that would take a VM
 * (or the host's fast-memory pool) past its limit is deferred.  Rate
 * limits put work into a bounded queue that a timer drains; what does not
 * fit is dropped and counted.  All moves go through a struct mover, and
 * time is passed in, so this file can be tested without two nodes.
 */
#ifndef VTIERD_PLACEMENT_H
#define VTIERD_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "deferred.h"
#include "mover.h"
#include "residency.h"
#include "vtier_proto.h"

#define PLACE_PAGE_SHIFT	12
#define PLACE_PAGE_SIZE		(1ull << PLACE_PAGE_SHIFT)
#define PLACE_HUGE_FRAMES	512	/* order-9 hint: one 2 MiB range */
#define PLACE_DEFAULT_QUEUE	4096	/* hints waiting per VM */
#define PLACE_LAT_SAMPLES	4096	/* latencies kept for median/p99 */

/* Token bucket; rate 0 means unlimited. */
struct bucket {
	uint64_t rate;		/* units per second */
	double tokens, burst;
	uint64_t last_ns;
};

/* What all VMs share: nodes, the fast-memory pool, the host bandwidth. */
struct place_host {
	struct mover *mover;
	int fast_node, slow_node;
	uint64_t fmem_total_pages;	/* 0: no host-wide limit */
	uint64_t fmem_held_pages;
	struct bucket bw;		/* bytes/s for all VMs together */
	uint64_t vm_bytes_per_s;	/* each VM's limit, 0: none */
	uint64_t vm_hints_per_s;	/* each VM's hint rate, 0: none */
	unsigned int queue_len;		/* hints waiting per VM */
	uint32_t deferred_max;		/* deferred promotions kept per VM */
	/*
	 * A demote hint leaves the frame fast but not wanted, the first
	 * victim a promotion without room evicts (--demote lazy).
	 */
	bool lazy_demote;
	/* Clock for hint-to-placement latency; NULL: the time passed in. */
	uint64_t (*clock_ns)(void);
};

struct place_req {
	uint64_t gpfn;
	uint64_t t_ns;		/* when its HINTS frame arrived */
	uint8_t order, action;
};

struct place_stats {
	uint64_t promoted, demoted;	/* pages moved */
	uint64_t already, absent, busy, failed;	/* pages */
	uint64_t deferred;	/* hints: no room under the quota/pool */
	uint64_t queued, dropped;	/* hints: rate-limited / queue full */
	uint64_t moved_bytes;
	int last_errno;
};

/* Gives the VMM's address of guest frame gpfn; 0, or -ENOENT if not RAM. */
typedef int (*place_xlate_fn)(void *ctx, uint64_t gpfn, uint64_t *vmm_addr);

/*
 * First touch (--initial first-touch, firsttouch.c): what vtierd's side
 * provides.  ctx is placement's xlate_ctx.
 */
struct place_ft_ops {
	/*
	 * Which of the n frames from gpfn have memory behind them (vec[i]
	 * bit 0, as mincore(2)); frames that are not RAM give 0.  0 or -errno.
	 */
	int (*resident)(void *ctx, uint64_t gpfn, unsigned int n, uint8_t *vec);
	/* Pages the VMM faults in from now on go to node (shared policy). */
	void (*set_policy)(void *ctx, int node);
};

struct place_ft_stats {
	uint64_t fast;		/* pages found fast and counted (first touch) */
	uint64_t slow;		/* pages found on another node */
	uint64_t excess;	/* found fast without room: moved to slow */
	uint64_t evicted;	/* demoted to make room for a promotion */
	uint64_t switches;	/* policy changes after the first */
	uint64_t passes;	/* complete scans of guest RAM */
	uint64_t last_pass_us;	/* how long the last complete scan took */
};

struct place_ft {
	bool on;
	const struct place_ft_ops *ops;
	uint64_t *seen;		/* bitmap: first touch recorded, or placed by vtierd */
	uint64_t cursor;	/* next frame the scan looks at */
	uint64_t pass_start_ns;
	int node;		/* where the policy points, -1: not set yet */
	size_t victim_from;	/* fast_order entries before it: no victims */
	struct place_ft_stats st;
};

struct placement {
	struct place_host *host;
	uint64_t quota_pages;	/* fast pages this VM may hold */
	uint64_t held_pages;	/* fast pages it holds (bits set) */

	/* Set while a VMM is attached. */
	pid_t pid;
	place_xlate_fn xlate;
	void *xlate_ctx;
	uint64_t *fast;		/* bitmap: gpfn placed on the fast node */
	uint64_t max_pfn;
	struct fast_order order;	/* when each fast gpfn became fast */
	struct deferred def;	/* promotions waiting for room */
	bool def_wait;		/* a retry waits for a rate limit */
	struct place_ft ft;	/* --initial first-touch */

	struct bucket bw, hints;
	struct place_req *q;	/* FIFO ring of host->queue_len */
	unsigned int q_head, q_len;

	struct place_stats st;
	uint32_t lat_us[PLACE_LAT_SAMPLES];
	unsigned int lat_n, lat_pos;
	uint64_t win_start_ns, win_bytes, bytes_per_s;
};

/* Per-batch answer, as the ACK reports it. */
struct place_ack {
	uint32_t applied, rejected, deferred;
};

void place_host_init(struct place_host *h, struct mover *mv, int fast_node,
		     int slow_node);
void placement_init(struct placement *pl, struct place_host *h,
		    uint64_t quota_pages);
/* A VMM with guest RAM below max_pfn attached.  0 or -ENOMEM. */
int placement_attach(struct placement *pl, pid_t pid, uint64_t max_pfn,
		     place_xlate_fn xlate, void *ctx, uint64_t now_ns);
/* The VMM went away: its pages leave the pool, waiting hints are dropped. */
void placement_detach(struct placement *pl);

/*
 * Act on one HINTS batch (already validated): demotions first, then
 * promotions, so a demotion in the batch makes room for a promotion.
 */
void placement_batch(struct placement *pl, const struct vtier_hint_host *h,
		     unsigned int n, uint64_t now_ns, struct place_ack *ack);
/*
 * Work the queue as far as the limits allow, then retry deferred
 * promotions; true if hints or retries wait for a rate limit (the timer
 * should run again).
 */
bool placement_tick(struct placement *pl, uint64_t now_ns);
/*
 * Room may have appeared (a demotion in any VM, a quota change): retry the
 * deferred promotions, oldest first, within the quota, the pool and the
 * rate limits.  True if a retry waits for a rate limit.
 */
bool placement_retry(struct placement *pl, uint64_t now_ns);

bool placement_fast(const struct placement *pl, uint64_t gpfn);
/*
 * The host takes fast memory back (a guest over its quota past the
 * deadline): demote n fast pages, oldest promotion first, through the
 * usual limits and queue.  Returns the pages submitted.
 */
uint64_t placement_demote_oldest(struct placement *pl, uint64_t n,
				 uint64_t now_ns);
/*
 * First touch (firsttouch.c, docs/placement.md): from now on the VM's
 * pages first touched while it holds less than its quota (and the pool
 * has room) are counted as fast, later ones go to the slow node, and a
 * promotion without room evicts the oldest fast frame the guest does not
 * want.  Sets the policy at once.  0, -ENODEV (not attached) or -ENOMEM.
 */
int placement_first_touch(struct placement *pl,
			  const struct place_ft_ops *ops);
/*
 * One bounded step of the scan for newly present pages (the drain timer
 * calls it every tick while first touch is on).
 */
void placement_ft_scan(struct placement *pl, uint64_t now_ns);
/* Point the policy where the room says (fast while any is left). */
void placement_ft_policy(struct placement *pl);

/* For firsttouch.c: count gpfn fast (or not); room for more fast pages. */
void placement_set_fast(struct placement *pl, uint64_t gpfn, bool on);
uint64_t placement_room(const struct placement *pl);
/*
 * Up to n victims for a promotion of [first, first + frames), oldest
 * first: fast frames the guest does not want fast
 * (!deferred_wanted), outside the promotion's range.  Returns how many.
 */
size_t placement_ft_victims(struct placement *pl, uint64_t first,
			    uint64_t frames, uint64_t *out, size_t n);

/* Hint-to-placement latency of the recent moves, µs (0 if none). */
void placement_latency(const struct placement *pl, uint32_t *p50,
		       uint32_t *p99);

#endif
