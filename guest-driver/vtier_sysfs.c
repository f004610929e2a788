// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/vtier/ and /sys/kernel/vtier/samplers/: read-only state and
 * counters, one value per file.
 */
#include <linux/kobject.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>

#include "vtier_sampler.h"
#include "vtier_sysfs.h"

/* The one core the files show; set at init, before any file exists. */
static struct vtier_ctx *core;
static struct kobject *vtier_kobj;

static const char *const state_names[] = {
	[VTIER_STATE_STOPPED] = "stopped",
	[VTIER_STATE_CONNECTING] = "connecting",
	[VTIER_STATE_CONNECTED] = "connected",
	[VTIER_STATE_BACKOFF] = "backoff",
};

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	unsigned int s = atomic_read(&core->stats.state);

	if (s >= ARRAY_SIZE(state_names))
		return sysfs_emit(buf, "unknown\n");
	return sysfs_emit(buf, "%s\n", state_names[s]);
}

static ssize_t sampler_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", vtier_sampler_name(core->sampler));
}

static ssize_t samples_dropped_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  vtier_ringset_dropped(&core->replay_rings) +
			  vtier_ringset_dropped(&core->sampler_rings));
}

static ssize_t host_caps_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  (unsigned int)atomic_read(&core->stats.host_caps));
}

static ssize_t hints_pending_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", vtier_hintq_len(&core->hintq));
}

/* Pages that reached the promotion threshold in the last finished epoch. */
static ssize_t hot_pages_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct vtier_policy_summary s;

	vtier_core_summary(core, &s);
	return sysfs_emit(buf, "%llu\n", (unsigned long long)s.hot);
}

/**
 * struct vtier_counter_attr - a file showing one counter of the core
 * @kattr: the file
 * @off: offset of its atomic64_t in struct vtier_stats
 */
struct vtier_counter_attr {
	struct kobj_attribute kattr;
	size_t off;
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct vtier_counter_attr *ca =
		container_of(attr, struct vtier_counter_attr, kattr);
	atomic64_t *val = (atomic64_t *)((char *)&core->stats + ca->off);

	return sysfs_emit(buf, "%lld\n", atomic64_read(val));
}

static struct vtier_counter_attr counters[] = {
	{ __ATTR(samples, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, samples) },
	{ __ATTR(samples_not_ram, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, samples_not_ram) },
	{ __ATTR(replay_bad_lines, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, replay_bad_lines) },
	{ __ATTR(hints_sent, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, hints_sent) },
	{ __ATTR(hints_acked, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, hints_acked) },
	{ __ATTR(hints_rejected, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, hints_rejected) },
	{ __ATTR(hints_deferred, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, hints_deferred) },
	{ __ATTR(hints_dropped, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, hints_dropped) },
	{ __ATTR(quota_pages, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, quota_pages) },
	{ __ATTR(reconnects, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, reconnects) },
	{ __ATTR(bad_frames, 0444, counter_show, NULL),
	  offsetof(struct vtier_stats, bad_frames) },
};

static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute sampler_attr = __ATTR_RO(sampler);
static struct kobj_attribute samples_dropped_attr = __ATTR_RO(samples_dropped);
static struct kobj_attribute host_caps_attr = __ATTR_RO(host_caps);
static struct kobj_attribute hints_pending_attr = __ATTR_RO(hints_pending);
static struct kobj_attribute hot_pages_attr = __ATTR_RO(hot_pages);

/* Filled at init: the fixed files, then every counter, then NULL. */
static struct attribute *vtier_attrs[6 + ARRAY_SIZE(counters) + 1];

static const struct attribute_group vtier_group = {
	.attrs = vtier_attrs,
};

/* samplers/ */

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", vtier_sampler_active());
}

/* One line per sampler that was probed and passed over: `name: reason`. */
static ssize_t refused_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const char *name, *why;
	unsigned int i;
	int n = 0;

	for (i = 0; vtier_sampler_refused(i, &name, &why); i++)
		if (why)
			n += sysfs_emit_at(buf, n, "%s: %s\n", name, why);
	return n;
}

static ssize_t drops_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  vtier_ringset_dropped(&core->sampler_rings));
}

static ssize_t budget_ppm_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", vtier_sampler_budget_permille() * 1000);
}

/**
 * struct stat_attr - a file showing one u64 of struct vtier_sampler_stats
 * @kattr: the file
 * @off: offset of the u64
 */
struct stat_attr {
	struct kobj_attribute kattr;
	size_t off;
};

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct stat_attr *sa = container_of(attr, struct stat_attr, kattr);
	const u64 *val = (const u64 *)((const char *)vtier_sampler_figures() +
				       sa->off);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(*val));
}

static struct stat_attr stat_attrs[] = {
	{ __ATTR(samples, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, samples) },
	{ __ATTR(samples_per_s, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, samples_per_s) },
	{ __ATTR(overhead_ppm, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, overhead_ppm) },
	{ __ATTR(interval_us, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, interval_us) },
	{ __ATTR(period, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, period) },
	{ __ATTR(pages_per_s, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, pages_per_s) },
	{ __ATTR(cpu_ns_per_round, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, cpu_ns_per_round) },
	{ __ATTR(rounds, 0444, stat_show, NULL),
	  offsetof(struct vtier_sampler_stats, rounds) },
};

static struct kobj_attribute active_attr = __ATTR_RO(active);
static struct kobj_attribute refused_attr = __ATTR_RO(refused);
static struct kobj_attribute drops_attr = __ATTR_RO(drops);
static struct kobj_attribute budget_ppm_attr = __ATTR_RO(budget_ppm);

/* Filled at init: the fixed files, then every figure, then NULL. */
static struct attribute *sampler_attrs[4 + ARRAY_SIZE(stat_attrs) + 1];

static const struct attribute_group sampler_group = {
	.name = "samplers",
	.attrs = sampler_attrs,
};

static void fill_attrs(void)
{
	unsigned int i, n = 0;

	vtier_attrs[n++] = &state_attr.attr;
	vtier_attrs[n++] = &sampler_attr.attr;
	vtier_attrs[n++] = &samples_dropped_attr.attr;
	vtier_attrs[n++] = &host_caps_attr.attr;
	vtier_attrs[n++] = &hints_pending_attr.attr;
	vtier_attrs[n++] = &hot_pages_attr.attr;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		vtier_attrs[n++] = &counters[i].kattr.attr;
	vtier_attrs[n] = NULL;

	n = 0;
	sampler_attrs[n++] = &active_attr.attr;
	sampler_attrs[n++] = &refused_attr.attr;
	sampler_attrs[n++] = &drops_attr.attr;
	sampler_attrs[n++] = &budget_ppm_attr.attr;
	for (i = 0; i < ARRAY_SIZE(stat_attrs); i++)
		sampler_attrs[n++] = &stat_attrs[i].kattr.attr;
	sampler_attrs[n] = NULL;
}

int vtier_sysfs_init(struct vtier_ctx *ctx)
{
	int err;

	core = ctx;
	fill_attrs();
	vtier_kobj = kobject_create_and_add("vtier", kernel_kobj);
	if (!vtier_kobj)
		return -ENOMEM;
	err = sysfs_create_group(vtier_kobj, &vtier_group);
	if (!err)
		err = sysfs_create_group(vtier_kobj, &sampler_group);
	if (err) {
		kobject_put(vtier_kobj);
		vtier_kobj = NULL;
	}
	return err;
}

void vtier_sysfs_exit(void)
{
	if (!vtier_kobj)
		return;
	sysfs_remove_group(vtier_kobj, &sampler_group);
	sysfs_remove_group(vtier_kobj, &vtier_group);
	kobject_put(vtier_kobj);
	vtier_kobj = NULL;
}
