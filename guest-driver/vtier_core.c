// SPDX-License-Identifier: GPL-2.0
/*
 * The core (see vtier_core.h): the identification engine's parameters, the
 * consumer worker and the context's setup.  The consumer is the only
 * reader of the rings and the only caller of the policy's sample path; a
 * sampler's CPU time is its own, the consumer's is the worker's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vtier_core.h"
#include "vtier_param.h"

/* Identification engine parameters (docs/identification.md). */
static unsigned int epoch_ms = VTIER_DEFAULT_EPOCH_MS;
module_param(epoch_ms, uint, 0444);
MODULE_PARM_DESC(epoch_ms, "cooling epoch: every page cools once per epoch of sample time, ms (10..60000)");

static unsigned int max_epoch_ms = VTIER_DEFAULT_MAX_EPOCH_MS;
module_param(max_epoch_ms, uint, 0444);
MODULE_PARM_DESC(max_epoch_ms,
		 "longest cooling epoch when samples are sparse, ms (0: epoch_ms fixed)");

static unsigned int target_heat = VTIER_DEFAULT_TARGET_HEAT;
module_param(target_heat, uint, 0444);
MODULE_PARM_DESC(target_heat,
		 "epochs lengthen while the hot threshold stays below this many samples (1..1023)");

static unsigned int promote_threshold = VTIER_DEFAULT_MIN_HEAT;
module_param(promote_threshold, uint, 0444);
MODULE_PARM_DESC(promote_threshold,
		 "lowest heat (sampled accesses, cooled) the hot threshold may take (1..4095)");

static unsigned int cooling_pct = VTIER_DEFAULT_COOLING_PCT;
module_param(cooling_pct, uint, 0444);
MODULE_PARM_DESC(cooling_pct, "heat removed per epoch, percent (1..100)");

static unsigned int hysteresis_pct = VTIER_DEFAULT_HYSTERESIS_PCT;
module_param(hysteresis_pct, uint, 0444);
MODULE_PARM_DESC(hysteresis_pct, "a hot page leaves the hot set below threshold * (100 - this) / 100 (0..90)");

static unsigned int rate_limit_pps = VTIER_DEFAULT_RATE_LIMIT_PPS;
module_param(rate_limit_pps, uint, 0444);
MODULE_PARM_DESC(rate_limit_pps, "hinted pages per second of sample time, 0 = unlimited");

static unsigned int huge_pct = VTIER_DEFAULT_HUGE_PCT;
module_param(huge_pct, uint, 0444);
MODULE_PARM_DESC(huge_pct, "percent of hot subpages that makes a 2 MiB region one order-9 hint (1..100)");

static unsigned int default_quota_pct = VTIER_DEFAULT_QUOTA_PCT;
module_param(default_quota_pct, uint, 0444);
MODULE_PARM_DESC(default_quota_pct, "while the host's quota is 0 (unknown): percent of recent accesses the hot set holds (1..100)");

/* The consumer's rings and queue. */
static unsigned int ring_slots = 4096;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "samples per per-CPU ring, power of two (64..65536)");

static unsigned int hint_queue_len = 4096;
module_param(hint_queue_len, uint, 0444);
MODULE_PARM_DESC(hint_queue_len, "hints kept while the host is away (16..1048576)");

static unsigned int drain_ms = 20;
module_param(drain_ms, uint, 0444);
MODULE_PARM_DESC(drain_ms, "period of the ring drain worker, ms (1..1000)");

static void policy_params(struct vtier_policy_params *par)
{
	par->epoch_ms = epoch_ms;
	par->cooling_pct = cooling_pct;
	par->hysteresis_pct = hysteresis_pct;
	par->rate_limit_pps = rate_limit_pps;
	par->huge_pct = huge_pct;
	par->min_heat = promote_threshold;
	par->default_quota_pct = default_quota_pct;
	par->max_epoch_ms = max_epoch_ms;
	par->target_heat = target_heat;
}

static int check_params(void)
{
	struct vtier_policy_params par;
	const char *why;
	bool ok = true;

	policy_params(&par);
	why = vtier_policy_check_params(&par);
	if (why) {
		pr_err("policy parameters: %s\n", why);
		ok = false;
	}
	ok &= vtier_param_pow2("ring_slots", ring_slots, 64, 65536);
	ok &= vtier_param_in_range("hint_queue_len", hint_queue_len, 16,
				   1u << 20);
	ok &= vtier_param_in_range("drain_ms", drain_ms, 1, 1000);
	return ok ? 0 : -EINVAL;
}

static void drain_ring(struct vtier_ctx *ctx, struct vtier_ring *r)
{
	struct vtier_sample s;
	u32 budget = r->mask + 1;

	while (budget-- && vtier_ring_pop(r, &s)) {
		atomic64_inc(&ctx->stats.samples);
		if (!vtier_ram_contains(&ctx->ram, s.pfn)) {
			atomic64_inc(&ctx->stats.samples_not_ram);
			continue;
		}
		vtier_policy_sample(&ctx->policy, s.pfn, s.ts_ns, 0);
	}
}

/* One pass over every ring; the policy's hints go to the hint queue. */
static void consume(struct vtier_ctx *ctx)
{
	struct vtier_policy *p = &ctx->policy;
	unsigned int cpu;
	u64 hints;
	u64 quota;

	mutex_lock(&ctx->lock);
	/* WELCOME and QUOTA set quota_pages; the policy follows it here. */
	quota = atomic64_read(&ctx->stats.quota_pages);
	if (quota != p->quota)
		vtier_policy_set_quota(p, quota);
	hints = p->promotions + p->demotions;
	for_each_possible_cpu(cpu) {
		drain_ring(ctx, ctx->replay_rings.ring[cpu]);
		drain_ring(ctx, ctx->sampler_rings.ring[cpu]);
		cond_resched();
	}
	hints = p->promotions + p->demotions - hints;
	mutex_unlock(&ctx->lock);
	if (hints && ctx->hints_ready)
		ctx->hints_ready(ctx->hints_ready_arg);
}

static void consumer_work(struct work_struct *work)
{
	struct vtier_ctx *ctx = container_of(to_delayed_work(work),
					     struct vtier_ctx, consumer);

	consume(ctx);
	schedule_delayed_work(&ctx->consumer, msecs_to_jiffies(ctx->drain_ms));
}

void vtier_core_kick(struct vtier_ctx *ctx)
{
	mod_delayed_work(system_wq, &ctx->consumer, 0);
}

void vtier_core_sync(struct vtier_ctx *ctx)
{
	/* Queue a pass that starts after our pushes, then wait for it. */
	mod_delayed_work(system_wq, &ctx->consumer, 0);
	flush_delayed_work(&ctx->consumer);
}

u32 vtier_core_summary(struct vtier_ctx *ctx, struct vtier_policy_summary *s)
{
	u32 ms;

	mutex_lock(&ctx->lock);
	vtier_policy_summarize(&ctx->policy, s);
	ms = ctx->policy.par.epoch_ms;
	mutex_unlock(&ctx->lock);
	return s->epochs ? (u32)(s->epoch_ns / NSEC_PER_MSEC) : ms;
}

/* The policy's sink: every hint goes into the one hint queue. */
static void queue_hint(void *arg, const struct vtier_hint_host *h)
{
	struct vtier_ctx *ctx = arg;

	vtier_hintq_push(&ctx->hintq, h);
}

/* The RAM table added a range (at load, or memory onlined): track it. */
static int track_range(void *arg, u64 start_pfn, u64 nr_pages)
{
	struct vtier_ctx *ctx = arg;
	struct vtier_policy *p = &ctx->policy;
	size_t bytes = vtier_policy_range_bytes(start_pfn, nr_pages);
	unsigned int slot;
	int err = 0;

	mutex_lock(&ctx->lock);
	slot = p->nranges;
	if (slot >= ARRAY_SIZE(ctx->policy_mem)) {
		pr_warn("more than %u RAM ranges; pfn %#llx+%llu not tracked\n",
			VTIER_MAX_RANGES, start_pfn, nr_pages);
		goto out;
	}
	ctx->policy_mem[slot] = kvzalloc(bytes, GFP_KERNEL);
	if (!ctx->policy_mem[slot]) {
		err = -ENOMEM;
		goto out;
	}
	err = vtier_policy_add_range(p, start_pfn, nr_pages,
				     ctx->policy_mem[slot]);
	if (err) {
		/* Nested resources (kernel code, data) are tracked already. */
		if (err != -EEXIST)
			pr_warn("RAM range pfn %#llx+%llu not tracked (%d)\n",
				start_pfn, nr_pages, err);
		kvfree(ctx->policy_mem[slot]);
		ctx->policy_mem[slot] = NULL;
		err = 0;
	}
out:
	mutex_unlock(&ctx->lock);
	return err;
}

static void free_policy(struct vtier_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ctx->policy_mem); i++) {
		kvfree(ctx->policy_mem[i]);
		ctx->policy_mem[i] = NULL;
	}
}

int vtier_core_init(struct vtier_ctx *ctx)
{
	struct vtier_policy_params par;
	int err;

	err = check_params();
	if (err)
		return err;
	mutex_init(&ctx->lock);
	INIT_DELAYED_WORK(&ctx->consumer, consumer_work);
	ctx->drain_ms = drain_ms;
	ctx->sampler = VTIER_SAMPLER_REPLAY;
	vtier_core_set_state(ctx, VTIER_STATE_STOPPED);

	err = vtier_ringset_init(&ctx->replay_rings, ring_slots);
	if (err)
		goto rings;
	err = vtier_ringset_init(&ctx->sampler_rings, ring_slots);
	if (err)
		goto rings;
	err = vtier_hintq_init(&ctx->hintq, hint_queue_len,
			       &ctx->stats.hints_dropped);
	if (err)
		goto rings;
	policy_params(&par);
	err = vtier_policy_init(&ctx->policy, &par);
	if (err)
		goto hintq;
	vtier_policy_set_sink(&ctx->policy, queue_hint, ctx);
	/* The policy's tables follow the RAM table; holes cost nothing. */
	err = vtier_ram_init(&ctx->ram, track_range, ctx);
	if (err)
		goto policy;
	return 0;

policy:
	free_policy(ctx);
hintq:
	vtier_hintq_free(&ctx->hintq);
rings:
	vtier_ringset_free(&ctx->sampler_rings);
	vtier_ringset_free(&ctx->replay_rings);
	return err;
}

void vtier_core_exit(struct vtier_ctx *ctx)
{
	vtier_ram_exit(&ctx->ram);
	free_policy(ctx);
	vtier_hintq_free(&ctx->hintq);
	vtier_ringset_free(&ctx->sampler_rings);
	vtier_ringset_free(&ctx->replay_rings);
}

void vtier_core_start(struct vtier_ctx *ctx, vtier_hints_ready_fn ready,
		      void *arg)
{
	ctx->hints_ready = ready;
	ctx->hints_ready_arg = arg;
	schedule_delayed_work(&ctx->consumer, msecs_to_jiffies(ctx->drain_ms));
}

void vtier_core_stop(struct vtier_ctx *ctx)
{
	cancel_delayed_work_sync(&ctx->consumer);
}
