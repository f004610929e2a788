/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier.ko internals shared between its files.
 */
#ifndef VTIER_H
#define VTIER_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "vtier_proto.h"
#include "vtier_policy.h"
#include "vtier_ring.h"

/* Connection state, shown in /sys/kernel/vtier/state. */
enum vtier_state {
	VTIER_STATE_STOPPED,
	VTIER_STATE_CONNECTING,
	VTIER_STATE_CONNECTED,
	VTIER_STATE_BACKOFF,
};

/* Module parameters (vtier_main.c); fixed once the module is loaded. */
extern unsigned int vtier_port;
extern unsigned int vtier_cid;
extern unsigned int vtier_report_ms;
extern unsigned int vtier_epoch_ms;
extern unsigned int vtier_backoff_min_ms;
extern unsigned int vtier_backoff_max_ms;
extern unsigned int vtier_connect_timeout_ms;
extern unsigned int vtier_io_timeout_ms;
extern unsigned int vtier_handshake_timeout_ms;
extern unsigned int vtier_ack_timeout_ms;

/* Counters shown in sysfs; updated with atomic64_*. */
struct vtier_stats {
	atomic64_t samples;
	atomic64_t samples_not_ram;
	atomic64_t replay_bad_lines;	/* malformed trace lines skipped */
	atomic64_t hints_sent;
	atomic64_t hints_acked;
	atomic64_t hints_rejected;
	atomic64_t hints_deferred;
	atomic64_t hints_dropped;
	atomic64_t quota_pages;
	atomic64_t reconnects;
	atomic64_t bad_frames;
	atomic_t host_caps;
	atomic_t state;			/* enum vtier_state */
};

/*
 * Bounded queue of promotion hints waiting for the host.  When full the
 * oldest hint is dropped (stats.hints_dropped).  Positions are
 * free-running counters so the single sender can peek a batch, send it,
 * and only then commit it, even if the producer dropped entries meanwhile.
 */
struct vtier_hintq {
	spinlock_t lock;		/* guards all fields below */
	struct vtier_hint_host *buf;
	u32 cap;
	u64 head;			/* oldest queued hint */
	u64 tail;			/* next free position */
};

/* The whole module state; one instance, vtier_dev in vtier_main.c. */
struct vtier_dev {
	struct vtier_stats stats;
	struct vtier_ringset replay_rings;	/* producer: replay writes */
	struct vtier_ringset sampler_rings;	/* producer: the sampler */
	struct mutex drain_lock;		/* single ring consumer; policy */
	struct vtier_policy policy;
	struct vtier_hintq hintq;
	u16 sampler;				/* enum vtier_sampler, in HELLO */
};

extern struct vtier_dev vtier_dev;

/* vtier_main.c: drain every ring into the policy, in process context. */
void vtier_drain(void);

/* Copy of the last finished epoch's summary, for REPORT frames. */
void vtier_policy_snapshot(struct vtier_policy_summary *out);

/* vtier_hintq.c */
int vtier_hintq_init(struct vtier_hintq *q, u32 cap);
void vtier_hintq_free(struct vtier_hintq *q);
void vtier_hintq_push(struct vtier_hintq *q, const struct vtier_hint_host *h);
u32 vtier_hintq_peek(struct vtier_hintq *q, struct vtier_hint_host *out,
		     u32 max, u64 *pos);
void vtier_hintq_commit(struct vtier_hintq *q, u64 pos, u32 n);
bool vtier_hintq_at(struct vtier_hintq *q, u64 i, struct vtier_hint_host *out);
u32 vtier_hintq_len(struct vtier_hintq *q);

/* vtier_channel.c */
int vtier_channel_start(void);
void vtier_channel_stop(void);
void vtier_channel_kick(void);

/* vtier_replay.c */
int vtier_replay_init(void);
void vtier_replay_exit(void);

/* vtier_sysfs.c */
int vtier_sysfs_init(void);
void vtier_sysfs_exit(void);

static inline void vtier_set_state(enum vtier_state s)
{
	atomic_set(&vtier_dev.stats.state, s);
}

#endif /* VTIER_H */
