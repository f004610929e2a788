// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/vtier/: read-only state and counters, one value per file.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "vtier.h"
#include "vtier_sampler.h"

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
	unsigned int s = atomic_read(&vtier_dev.stats.state);

	if (s >= ARRAY_SIZE(state_names))
		return sysfs_emit(buf, "unknown\n");
	return sysfs_emit(buf, "%s\n", state_names[s]);
}

static ssize_t sampler_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", vtier_sampler_name(vtier_dev.sampler));
}

static ssize_t samples_dropped_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  vtier_ringset_dropped(&vtier_dev.replay_rings) +
			  vtier_ringset_dropped(&vtier_dev.sampler_rings));
}

static ssize_t host_caps_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  (unsigned int)atomic_read(&vtier_dev.stats.host_caps));
}

static ssize_t hints_pending_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", vtier_hintq_len(&vtier_dev.hintq));
}

/* Pages that reached the promotion threshold in the last finished epoch. */
static ssize_t hot_pages_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct vtier_policy_summary s;

	vtier_policy_snapshot(&s);
	return sysfs_emit(buf, "%llu\n", (unsigned long long)s.hot);
}

/* A read-only file showing one atomic64 counter of struct vtier_stats. */
struct vtier_counter_attr {
	struct kobj_attribute kattr;
	atomic64_t *val;
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct vtier_counter_attr *ca =
		container_of(attr, struct vtier_counter_attr, kattr);

	return sysfs_emit(buf, "%lld\n", atomic64_read(ca->val));
}

static struct vtier_counter_attr counters[] = {
	{ __ATTR(samples, 0444, counter_show, NULL),
	  &vtier_dev.stats.samples },
	{ __ATTR(samples_not_ram, 0444, counter_show, NULL),
	  &vtier_dev.stats.samples_not_ram },
	{ __ATTR(replay_bad_lines, 0444, counter_show, NULL),
	  &vtier_dev.stats.replay_bad_lines },
	{ __ATTR(hints_sent, 0444, counter_show, NULL),
	  &vtier_dev.stats.hints_sent },
	{ __ATTR(hints_acked, 0444, counter_show, NULL),
	  &vtier_dev.stats.hints_acked },
	{ __ATTR(hints_rejected, 0444, counter_show, NULL),
	  &vtier_dev.stats.hints_rejected },
	{ __ATTR(hints_deferred, 0444, counter_show, NULL),
	  &vtier_dev.stats.hints_deferred },
	{ __ATTR(hints_dropped, 0444, counter_show, NULL),
	  &vtier_dev.stats.hints_dropped },
	{ __ATTR(quota_pages, 0444, counter_show, NULL),
	  &vtier_dev.stats.quota_pages },
	{ __ATTR(reconnects, 0444, counter_show, NULL),
	  &vtier_dev.stats.reconnects },
	{ __ATTR(bad_frames, 0444, counter_show, NULL),
	  &vtier_dev.stats.bad_frames },
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

int vtier_sysfs_init(void)
{
	unsigned int i, n = 0;
	int err;

	vtier_attrs[n++] = &state_attr.attr;
	vtier_attrs[n++] = &sampler_attr.attr;
	vtier_attrs[n++] = &samples_dropped_attr.attr;
	vtier_attrs[n++] = &host_caps_attr.attr;
	vtier_attrs[n++] = &hints_pending_attr.attr;
	vtier_attrs[n++] = &hot_pages_attr.attr;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		vtier_attrs[n++] = &counters[i].kattr.attr;
	vtier_attrs[n] = NULL;

	vtier_kobj = kobject_create_and_add("vtier", kernel_kobj);
	if (!vtier_kobj)
		return -ENOMEM;
	err = sysfs_create_group(vtier_kobj, &vtier_group);
	if (!err)
		err = sysfs_create_group(vtier_kobj, &vtier_sampler_group);
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
	sysfs_remove_group(vtier_kobj, &vtier_sampler_group);
	sysfs_remove_group(vtier_kobj, &vtier_group);
	kobject_put(vtier_kobj);
	vtier_kobj = NULL;
}
