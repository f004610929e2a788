// SPDX-License-Identifier: GPL-2.0
/*
 * vtier.ko: guest side of vtier tiered memory.  Samplers push page accesses
 * into per-CPU rings; the drain path feeds them to the policy, which queues
 * promotion hints; the channel thread sends hints and reports to the host
 * daemon over AF_VSOCK.  This file holds the parameters, the drain path
 * and module init/exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "vtier.h"
#include "vtier_sampler.h"

unsigned int vtier_port = VTIER_DEFAULT_PORT;
module_param_named(port, vtier_port, uint, 0444);
MODULE_PARM_DESC(port, "vsock port of the host daemon (default 9771)");

unsigned int vtier_cid = VTIER_HOST_CID;
module_param_named(cid, vtier_cid, uint, 0444);
MODULE_PARM_DESC(cid, "vsock CID of the host daemon (default 2, the host)");

static char *sampler = "auto";
module_param(sampler, charp, 0444);
MODULE_PARM_DESC(sampler,
		 "access sampler: auto (pebs, else ibs, else abit), pebs, ibs, abit or replay");

unsigned int vtier_report_ms = 1000;
module_param_named(report_ms, vtier_report_ms, uint, 0444);
MODULE_PARM_DESC(report_ms, "interval between REPORT frames, ms (100..60000)");

/*
 * Identification engine parameters (docs/identification.md).  The defaults
 * and the checks live in the shared core, vtier_policy.c.
 */
unsigned int vtier_epoch_ms = 1000;
module_param_named(epoch_ms, vtier_epoch_ms, uint, 0444);
MODULE_PARM_DESC(epoch_ms, "cooling epoch: every page cools once per epoch of sample time, ms (10..60000)");

static unsigned int max_epoch_ms = VTIER_DEFAULT_MAX_EPOCH_MS;
module_param(max_epoch_ms, uint, 0444);
MODULE_PARM_DESC(max_epoch_ms,
		 "longest cooling epoch when samples are sparse, ms (0: epoch_ms fixed)");

static unsigned int target_heat = VTIER_DEFAULT_TARGET_HEAT;
module_param(target_heat, uint, 0444);
MODULE_PARM_DESC(target_heat,
		 "epochs lengthen while the hot threshold stays below this many samples (1..1023)");

static unsigned int vtier_promote_threshold = 1;
module_param_named(promote_threshold, vtier_promote_threshold, uint, 0444);
MODULE_PARM_DESC(promote_threshold,
		 "lowest heat (sampled accesses, cooled) the hot threshold may take (1..4095)");

static unsigned int cooling_pct = 50;
module_param(cooling_pct, uint, 0444);
MODULE_PARM_DESC(cooling_pct, "heat removed per epoch, percent (1..100)");

static unsigned int hysteresis_pct = 50;
module_param(hysteresis_pct, uint, 0444);
MODULE_PARM_DESC(hysteresis_pct, "a hot page leaves the hot set below threshold * (100 - this) / 100 (0..90)");

static unsigned int rate_limit_pps = 65536;
module_param(rate_limit_pps, uint, 0444);
MODULE_PARM_DESC(rate_limit_pps, "hinted pages per second of sample time, 0 = unlimited");

static unsigned int huge_pct = 60;
module_param(huge_pct, uint, 0444);
MODULE_PARM_DESC(huge_pct, "percent of hot subpages that makes a 2 MiB region one order-9 hint (1..100)");

static unsigned int default_quota_pct = 95;
module_param(default_quota_pct, uint, 0444);
MODULE_PARM_DESC(default_quota_pct, "while the host's quota is 0 (unknown): percent of recent accesses the hot set holds (1..100)");

unsigned int vtier_backoff_min_ms = 100;
module_param_named(backoff_min_ms, vtier_backoff_min_ms, uint, 0444);
MODULE_PARM_DESC(backoff_min_ms, "first reconnect delay, ms (10..60000)");

unsigned int vtier_backoff_max_ms = 5000;
module_param_named(backoff_max_ms, vtier_backoff_max_ms, uint, 0444);
MODULE_PARM_DESC(backoff_max_ms, "largest reconnect delay, ms (>= backoff_min_ms, <= 60000)");

unsigned int vtier_connect_timeout_ms = 1000;
module_param_named(connect_timeout_ms, vtier_connect_timeout_ms, uint, 0444);
MODULE_PARM_DESC(connect_timeout_ms, "vsock connect timeout, ms (100..2000)");

unsigned int vtier_io_timeout_ms = 1000;
module_param_named(io_timeout_ms, vtier_io_timeout_ms, uint, 0444);
MODULE_PARM_DESC(io_timeout_ms, "send timeout before the link counts as dead, ms (100..2000)");

unsigned int vtier_handshake_timeout_ms = 3000;
module_param_named(handshake_timeout_ms, vtier_handshake_timeout_ms, uint, 0444);
MODULE_PARM_DESC(handshake_timeout_ms, "wait for WELCOME after HELLO, ms (100..60000)");

unsigned int vtier_ack_timeout_ms = 5000;
module_param_named(ack_timeout_ms, vtier_ack_timeout_ms, uint, 0444);
MODULE_PARM_DESC(ack_timeout_ms, "a HINTS batch unacknowledged this long means the host is gone, ms (500..60000)");

static unsigned int ring_slots = 4096;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "samples per per-CPU ring, power of two (64..65536)");

static unsigned int hint_queue_len = 4096;
module_param(hint_queue_len, uint, 0444);
MODULE_PARM_DESC(hint_queue_len, "hints kept while the host is away (16..1048576)");

static unsigned int drain_ms = 20;
module_param(drain_ms, uint, 0444);
MODULE_PARM_DESC(drain_ms, "period of the ring drain worker, ms (1..1000)");

struct vtier_dev vtier_dev;

/* Per-range page state of the policy, one allocation per RAM range. */
static void *policy_mem[VTIER_MAX_RANGES];
static struct vtier_hint_host hint_buf[64];	/* under drain_lock */
static struct notifier_block vtier_memory_nb;
static void vtier_drain_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(drain_work, vtier_drain_work);

/*
 * Is this frame ordinary guest RAM?  page_is_ram() takes resource_lock, so
 * this runs only in the consumer, never in a sampler's (NMI) context.
 */
static bool pfn_is_guest_ram(u64 pfn)
{
	return pfn_valid(pfn) && page_is_ram(pfn) == 1;
}

/* Hand the policy's queued hints to the channel's queue. */
static bool move_hints(void)
{
	struct vtier_policy *p = &vtier_dev.policy;
	u32 i, n;
	bool any = false;

	while ((n = vtier_policy_pop_hints(p, hint_buf, ARRAY_SIZE(hint_buf)))) {
		for (i = 0; i < n; i++)
			vtier_hintq_push(&vtier_dev.hintq, &hint_buf[i]);
		any = true;
	}
	return any;
}

static void drain_ring(struct vtier_ring *r, bool *hinted)
{
	struct vtier_dev *d = &vtier_dev;
	struct vtier_sample s;
	u32 budget = r->mask + 1;

	while (budget-- && vtier_ring_pop(r, &s)) {
		atomic64_inc(&d->stats.samples);
		if (!pfn_is_guest_ram(s.pfn)) {
			atomic64_inc(&d->stats.samples_not_ram);
			continue;
		}
		vtier_policy_sample(&d->policy, s.pfn, s.ts_ns,
				    (s.flags & VTIER_SAMPLE_WRITE) ?
				    VTIER_SAMPLE_IS_WRITE : 0);
		*hinted |= move_hints();
	}
}

void vtier_drain(void)
{
	struct vtier_dev *d = &vtier_dev;
	bool hinted = false;
	unsigned int cpu;
	u64 quota;

	mutex_lock(&d->drain_lock);
	/* WELCOME and QUOTA set quota_pages; the policy follows it here. */
	quota = atomic64_read(&d->stats.quota_pages);
	if (quota != d->policy.quota)
		vtier_policy_set_quota(&d->policy, quota);
	for_each_possible_cpu(cpu) {
		drain_ring(d->replay_rings.ring[cpu], &hinted);
		drain_ring(d->sampler_rings.ring[cpu], &hinted);
		cond_resched();
	}
	mutex_unlock(&d->drain_lock);
	if (hinted)
		vtier_channel_kick();
}

void vtier_policy_snapshot(struct vtier_policy_summary *out)
{
	mutex_lock(&vtier_dev.drain_lock);
	vtier_policy_summarize(&vtier_dev.policy, out);
	mutex_unlock(&vtier_dev.drain_lock);
}

static void vtier_drain_work(struct work_struct *work)
{
	vtier_drain();
	schedule_delayed_work(&drain_work, msecs_to_jiffies(drain_ms));
}

static bool param_in_range(const char *name, unsigned int v, unsigned int lo,
			   unsigned int hi)
{
	if (v >= lo && v <= hi)
		return true;
	pr_err("parameter %s=%u out of range %u..%u\n", name, v, lo, hi);
	return false;
}

static bool pow2_in_range(const char *name, unsigned int v, unsigned int lo,
			  unsigned int hi)
{
	if (!param_in_range(name, v, lo, hi))
		return false;
	if (is_power_of_2(v))
		return true;
	pr_err("parameter %s=%u is not a power of two\n", name, v);
	return false;
}

static void policy_params(struct vtier_policy_params *par)
{
	par->epoch_ms = vtier_epoch_ms;
	par->cooling_pct = cooling_pct;
	par->hysteresis_pct = hysteresis_pct;
	par->rate_limit_pps = rate_limit_pps;
	par->huge_pct = huge_pct;
	par->min_heat = vtier_promote_threshold;
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

	ok &= param_in_range("port", vtier_port, 1, U32_MAX - 1);
	ok &= param_in_range("cid", vtier_cid, 1, U32_MAX - 1);
	ok &= param_in_range("report_ms", vtier_report_ms, 100, 60000);
	ok &= param_in_range("backoff_min_ms", vtier_backoff_min_ms, 10, 60000);
	ok &= param_in_range("backoff_max_ms", vtier_backoff_max_ms,
		       vtier_backoff_min_ms, 60000);
	ok &= param_in_range("connect_timeout_ms", vtier_connect_timeout_ms, 100, 2000);
	ok &= param_in_range("io_timeout_ms", vtier_io_timeout_ms, 100, 2000);
	ok &= param_in_range("handshake_timeout_ms", vtier_handshake_timeout_ms,
		       100, 60000);
	ok &= param_in_range("ack_timeout_ms", vtier_ack_timeout_ms, 500, 60000);
	ok &= pow2_in_range("ring_slots", ring_slots, 64, 65536);
	ok &= param_in_range("hint_queue_len", hint_queue_len, 16, 1u << 20);
	ok &= param_in_range("drain_ms", drain_ms, 1, 1000);
	return ok ? 0 : -EINVAL;
}

static void free_state(void)
{
	struct vtier_dev *d = &vtier_dev;
	unsigned int i;

	unregister_memory_notifier(&vtier_memory_nb);

	vtier_ringset_free(&d->replay_rings);
	vtier_ringset_free(&d->sampler_rings);
	vtier_hintq_free(&d->hintq);
	for (i = 0; i < ARRAY_SIZE(policy_mem); i++) {
		kvfree(policy_mem[i]);
		policy_mem[i] = NULL;
	}
}

/* Track one range of RAM: at init, and for memory onlined later. */
static int add_ram_range(unsigned long start_pfn, unsigned long nr_pages,
			 void *arg)
{
	struct vtier_policy *p = &vtier_dev.policy;
	size_t bytes = vtier_policy_range_bytes(start_pfn, nr_pages);
	unsigned int slot = p->nranges;
	int err;

	if (slot >= ARRAY_SIZE(policy_mem)) {
		pr_warn("more than %u RAM ranges; pfn %#lx+%lu not tracked\n",
			VTIER_MAX_RANGES, start_pfn, nr_pages);
		return 0;
	}
	policy_mem[slot] = kvzalloc(bytes, GFP_KERNEL);
	if (!policy_mem[slot])
		return -ENOMEM;
	err = vtier_policy_add_range(p, start_pfn, nr_pages, policy_mem[slot]);
	if (err) {
		/* Nested resources (kernel code, data) are tracked already. */
		if (err != -EEXIST)
			pr_warn("RAM range pfn %#lx+%lu not tracked (%d)\n",
				start_pfn, nr_pages, err);
		kvfree(policy_mem[slot]);
		policy_mem[slot] = NULL;
	}
	return 0;
}

/* One "System RAM" resource of /proc/iomem: its whole pages. */
static int add_ram_resource(struct resource *res, void *arg)
{
	unsigned long start = PFN_UP(res->start);
	unsigned long end = PFN_DOWN(res->end + 1);

	return end > start ? add_ram_range(start, end - start, arg) : 0;
}

static int vtier_memory_event(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct memory_notify *mn = data;

	if (action != MEM_ONLINE)
		return NOTIFY_OK;
	mutex_lock(&vtier_dev.drain_lock);
	add_ram_range(mn->start_pfn, mn->nr_pages, NULL);
	mutex_unlock(&vtier_dev.drain_lock);
	return NOTIFY_OK;
}

static struct notifier_block vtier_memory_nb = {
	.notifier_call = vtier_memory_event,
};

static int alloc_state(void)
{
	struct vtier_dev *d = &vtier_dev;
	struct vtier_policy_params par;
	int err;

	mutex_init(&d->drain_lock);
	d->sampler = VTIER_SAMPLER_REPLAY;
	vtier_set_state(VTIER_STATE_STOPPED);

	err = vtier_ringset_init(&d->replay_rings, ring_slots);
	if (err)
		goto fail;
	err = vtier_ringset_init(&d->sampler_rings, ring_slots);
	if (err)
		goto fail;
	err = vtier_hintq_init(&d->hintq, hint_queue_len);
	if (err)
		goto fail;
	policy_params(&par);
	err = vtier_policy_init(&d->policy, &par);
	if (err)
		goto fail;
	/* The policy's tables follow System RAM; holes cost nothing. */
	err = walk_iomem_res_desc(IORES_DESC_NONE,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, U64_MAX, NULL, add_ram_resource);
	if (err)
		goto fail;
	/* Hot-added memory becomes one more range once it is online. */
	err = register_memory_notifier(&vtier_memory_nb);
	if (err)
		goto fail;
	return 0;
fail:
	free_state();
	return err;
}

static int __init vtier_init(void)
{
	int err;

	err = check_params();
	if (err)
		return err;
	err = alloc_state();
	if (err)
		return err;
	err = vtier_sysfs_init();
	if (err)
		goto free;
	err = vtier_replay_init();
	if (err)
		goto sysfs;
	schedule_delayed_work(&drain_work, msecs_to_jiffies(drain_ms));
	/* Before the channel: HELLO names the sampler. */
	err = vtier_sampler_start(sampler);
	if (err)
		goto replay;
	err = vtier_channel_start();
	if (err)
		goto sampler;
	pr_info("loaded: sampler %s, host cid %u port %u\n",
		vtier_sampler_name(vtier_dev.sampler), vtier_cid, vtier_port);
	return 0;

sampler:
	vtier_sampler_stop();
replay:
	vtier_replay_exit();
	cancel_delayed_work_sync(&drain_work);
sysfs:
	vtier_sysfs_exit();
free:
	free_state();
	return err;
}

static void __exit vtier_exit(void)
{
	vtier_channel_stop();
	/* No producer is left once the sampler and replay file are gone. */
	vtier_sampler_stop();
	vtier_replay_exit();
	cancel_delayed_work_sync(&drain_work);
	vtier_sysfs_exit();
	free_state();
	pr_info("unloaded\n");
}

module_init(vtier_init);
module_exit(vtier_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vtier project");
MODULE_DESCRIPTION("vtier guest: page-hotness hints to the host over vsock");
