/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core of vtier.ko: one context owning the counters, the connection
 * state, the RAM table, the sample rings, the policy and the hint queue,
 * and the only consumer of the rings.
 *
 * Samplers only produce: they push samples into a ring set and kick the
 * core.  The consumer worker drains every ring into the policy, whose
 * hints go straight into the hint queue (the policy's sink), and then
 * tells the hint reader (the channel) through its callback.
 */
#ifndef VTIER_CORE_H
#define VTIER_CORE_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "vtier_hintq.h"
#include "vtier_policy.h"
#include "vtier_ram.h"
#include "vtier_ring.h"

/* Connection state, shown in /sys/kernel/vtier/state. */
enum vtier_state {
	VTIER_STATE_STOPPED,
	VTIER_STATE_CONNECTING,
	VTIER_STATE_CONNECTED,
	VTIER_STATE_BACKOFF,
};

/**
 * struct vtier_stats - counters shown in /sys/kernel/vtier/
 * @samples: samples the consumer took from the rings
 * @samples_not_ram: of those, frames outside the RAM table
 * @replay_bad_lines: malformed trace lines skipped
 * @hints_sent: hints sent to the host
 * @hints_acked: hints the host applied
 * @hints_rejected: hints the host rejected
 * @hints_deferred: hints the host deferred
 * @hints_dropped: hints lost to a full queue or past HELLO's max_pfn
 * @quota_pages: the host's fast-memory quota (WELCOME, QUOTA)
 * @reconnects: connection attempts after the first
 * @bad_frames: invalid frames from the host
 * @host_caps: WELCOME's capability bits
 * @state: enum vtier_state
 */
struct vtier_stats {
	atomic64_t samples;
	atomic64_t samples_not_ram;
	atomic64_t replay_bad_lines;
	atomic64_t hints_sent;
	atomic64_t hints_acked;
	atomic64_t hints_rejected;
	atomic64_t hints_deferred;
	atomic64_t hints_dropped;
	atomic64_t quota_pages;
	atomic64_t reconnects;
	atomic64_t bad_frames;
	atomic_t host_caps;
	atomic_t state;
};

/* Called after a consumer pass queued hints, from the consumer worker. */
typedef void (*vtier_hints_ready_fn)(void *arg);

/**
 * struct vtier_ctx - the whole module state, one instance
 * @stats: counters
 * @ram: the RAM table
 * @replay_rings: rings of the replay file
 * @sampler_rings: rings of the running hardware or scanning sampler
 * @lock: held by the consumer; guards @policy and @policy_mem
 * @policy: the identification engine
 * @policy_mem: per-range page state of the policy
 * @hintq: the hints waiting for the host
 * @consumer: the consumer worker: drains the rings into the policy
 * @drain_ms: period of @consumer when nobody kicks it
 * @hints_ready: told after a pass queued hints (the channel), or NULL
 * @hints_ready_arg: its argument
 * @sampler: enum vtier_sampler of the running sampler, sent in HELLO
 */
struct vtier_ctx {
	struct vtier_stats stats;
	struct vtier_ram ram;
	struct vtier_ringset replay_rings;
	struct vtier_ringset sampler_rings;
	struct mutex lock;		/* the consumer's */
	struct vtier_policy policy;
	void *policy_mem[VTIER_MAX_RANGES];
	struct vtier_hintq hintq;
	struct delayed_work consumer;
	unsigned int drain_ms;
	vtier_hints_ready_fn hints_ready;
	void *hints_ready_arg;
	u16 sampler;
};

/* Check the core's parameters, allocate, read the RAM table. */
int vtier_core_init(struct vtier_ctx *ctx);
void vtier_core_exit(struct vtier_ctx *ctx);

/* Start and stop the consumer worker; stop only once no sampler runs. */
void vtier_core_start(struct vtier_ctx *ctx, vtier_hints_ready_fn ready,
		      void *arg);
void vtier_core_stop(struct vtier_ctx *ctx);

/* A producer has samples waiting: run the consumer soon.  Never sleeps. */
void vtier_core_kick(struct vtier_ctx *ctx);

/* Run the consumer now and wait until it has drained every ring. */
void vtier_core_sync(struct vtier_ctx *ctx);

/*
 * The policy's state for REPORT frames and sysfs; returns the epoch in ms
 * (the configured one until the first epoch ends).
 */
u32 vtier_core_summary(struct vtier_ctx *ctx, struct vtier_policy_summary *s);

static inline void vtier_core_set_state(struct vtier_ctx *ctx,
					enum vtier_state s)
{
	atomic_set(&ctx->stats.state, s);
}

#endif /* VTIER_CORE_H */
