// SPDX-License-Identifier: GPL-2.0
/*
 * vtier.ko: guest side of vtier tiered memory.  Samplers push page accesses
 * into per-CPU rings; the drain path feeds them to the policy, which queues
 * promotion hints; the channel thread sends hints and reports to the host
 * daemon over AF_VSOCK.  This file holds the parameters, the drain path
 * and module init/exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "vtier.h"

unsigned int vtier_port = VTIER_DEFAULT_PORT;
module_param_named(port, vtier_port, uint, 0444);
MODULE_PARM_DESC(port, "vsock port of the host daemon (default 9771)");

unsigned int vtier_cid = VTIER_HOST_CID;
module_param_named(cid, vtier_cid, uint, 0444);
MODULE_PARM_DESC(cid, "vsock CID of the host daemon (default 2, the host)");

static char *sampler = "replay";
module_param(sampler, charp, 0444);
MODULE_PARM_DESC(sampler, "access sampler; only \"replay\" so far");

unsigned int vtier_report_ms = 1000;
module_param_named(report_ms, vtier_report_ms, uint, 0444);
MODULE_PARM_DESC(report_ms, "interval between REPORT frames, ms (100..60000)");

unsigned int vtier_epoch_ms = 1000;
module_param_named(epoch_ms, vtier_epoch_ms, uint, 0444);
MODULE_PARM_DESC(epoch_ms, "policy epoch length in sample time, ms (10..60000)");

unsigned int vtier_promote_threshold = 4;
module_param_named(promote_threshold, vtier_promote_threshold, uint, 0444);
MODULE_PARM_DESC(promote_threshold,
		 "accesses per epoch that make a page hot (1..65535)");

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

static unsigned int table_slots = 65536;
module_param(table_slots, uint, 0444);
MODULE_PARM_DESC(table_slots, "policy count-table slots, power of two (1024..4194304)");

static unsigned int hint_queue_len = 4096;
module_param(hint_queue_len, uint, 0444);
MODULE_PARM_DESC(hint_queue_len, "hints kept while the host is away (16..1048576)");

static unsigned int drain_ms = 20;
module_param(drain_ms, uint, 0444);
MODULE_PARM_DESC(drain_ms, "period of the ring drain worker, ms (1..1000)");

struct vtier_dev vtier_dev;

static struct vtier_policy_slot *policy_table;
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

static void drain_ring(struct vtier_ring *r, bool *hinted)
{
	struct vtier_dev *d = &vtier_dev;
	struct vtier_hint_host hint;
	struct vtier_sample s;
	u32 budget = r->mask + 1;

	while (budget-- && vtier_ring_pop(r, &s)) {
		atomic64_inc(&d->stats.samples);
		if (!pfn_is_guest_ram(s.pfn)) {
			atomic64_inc(&d->stats.samples_not_ram);
			continue;
		}
		if (vtier_policy_record(&d->policy, s.pfn, s.ts_ns, &hint)) {
			vtier_hintq_push(&d->hintq, &hint);
			*hinted = true;
		}
	}
}

void vtier_drain(void)
{
	struct vtier_dev *d = &vtier_dev;
	bool hinted = false;
	unsigned int cpu;

	mutex_lock(&d->drain_lock);
	for_each_possible_cpu(cpu) {
		drain_ring(d->replay_rings.ring[cpu], &hinted);
		cond_resched();
	}
	mutex_unlock(&d->drain_lock);
	if (hinted)
		vtier_channel_kick();
}

void vtier_policy_snapshot(struct vtier_policy_summary *out)
{
	mutex_lock(&vtier_dev.drain_lock);
	*out = vtier_dev.policy.last;
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

static int check_params(void)
{
	bool ok = true;

	if (strcmp(sampler, "replay")) {
		pr_err("sampler=%s is not supported; only \"replay\" is\n",
		       sampler);
		ok = false;
	}
	ok &= param_in_range("port", vtier_port, 1, U32_MAX - 1);
	ok &= param_in_range("cid", vtier_cid, 1, U32_MAX - 1);
	ok &= param_in_range("report_ms", vtier_report_ms, 100, 60000);
	ok &= param_in_range("epoch_ms", vtier_epoch_ms, 10, 60000);
	ok &= param_in_range("promote_threshold", vtier_promote_threshold, 1, 65535);
	ok &= param_in_range("backoff_min_ms", vtier_backoff_min_ms, 10, 60000);
	ok &= param_in_range("backoff_max_ms", vtier_backoff_max_ms,
		       vtier_backoff_min_ms, 60000);
	ok &= param_in_range("connect_timeout_ms", vtier_connect_timeout_ms, 100, 2000);
	ok &= param_in_range("io_timeout_ms", vtier_io_timeout_ms, 100, 2000);
	ok &= param_in_range("handshake_timeout_ms", vtier_handshake_timeout_ms,
		       100, 60000);
	ok &= param_in_range("ack_timeout_ms", vtier_ack_timeout_ms, 500, 60000);
	ok &= pow2_in_range("ring_slots", ring_slots, 64, 65536);
	ok &= pow2_in_range("table_slots", table_slots, 1024, 1u << 22);
	ok &= param_in_range("hint_queue_len", hint_queue_len, 16, 1u << 20);
	ok &= param_in_range("drain_ms", drain_ms, 1, 1000);
	return ok ? 0 : -EINVAL;
}

static void free_state(void)
{
	struct vtier_dev *d = &vtier_dev;

	vtier_ringset_free(&d->replay_rings);
	vtier_hintq_free(&d->hintq);
	kvfree(policy_table);
	policy_table = NULL;
}

static int alloc_state(void)
{
	struct vtier_dev *d = &vtier_dev;
	int err;

	mutex_init(&d->drain_lock);
	d->sampler = VTIER_SAMPLER_REPLAY;
	vtier_set_state(VTIER_STATE_STOPPED);

	err = vtier_ringset_init(&d->replay_rings, ring_slots);
	if (err)
		goto fail;
	err = vtier_hintq_init(&d->hintq, hint_queue_len);
	if (err)
		goto fail;
	policy_table = kvzalloc(vtier_policy_table_bytes(table_slots),
				GFP_KERNEL);
	err = -ENOMEM;
	if (!policy_table)
		goto fail;
	err = vtier_policy_init(&d->policy, policy_table, table_slots,
				vtier_promote_threshold,
				(u64)vtier_epoch_ms * NSEC_PER_MSEC);
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
	err = vtier_channel_start();
	if (err)
		goto replay;
	pr_info("loaded: sampler %s, host cid %u port %u\n", sampler,
		vtier_cid, vtier_port);
	return 0;

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
