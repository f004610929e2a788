// SPDX-License-Identifier: GPL-2.0
/*
 * Sampler selection and the /sys/kernel/vtier/samplers/ files.
 *
 * sampler=auto tries pebs, then ibs, then abit, and runs the first whose
 * probe and start succeed; every one passed over keeps its reason in words
 * for the `refused` file.  sampler=NAME runs only NAME and fails the load
 * with its reason.  sampler=replay runs no source: only the replay debugfs
 * file (always present) feeds the policy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vtier.h"
#include "vtier_abit_defs.h"
#include "vtier_sampler.h"

unsigned int vtier_cpu_budget_permille = VTIER_DEFAULT_CPU_BUDGET_PERMILLE;
module_param_named(cpu_budget_permille, vtier_cpu_budget_permille, uint, 0444);
MODULE_PARM_DESC(cpu_budget_permille,
		 "CPU time a sampler may use, per mille of one CPU (1..500; default 10 = 1%)");

struct vtier_sampler_stats vtier_sampler_stats;

/* Probe order of sampler=auto: precise hardware first. */
static const struct vtier_sampler_ops *const samplers[] = {
	&vtier_pebs_ops,
	&vtier_ibs_ops,
	&vtier_abit_ops,
};

static const struct vtier_sampler_ops *active;
static char refused[ARRAY_SIZE(samplers)][VTIER_WHY_LEN];

/* Probe and start one sampler; on failure its reason is in refused[i]. */
static int try_sampler(unsigned int i)
{
	const struct vtier_sampler_ops *ops = samplers[i];
	char *why = refused[i];
	int err;

	why[0] = '\0';
	err = ops->probe(why, VTIER_WHY_LEN);
	if (!err) {
		memset(&vtier_sampler_stats, 0, sizeof(vtier_sampler_stats));
		err = ops->start(&vtier_dev.sampler_rings, why, VTIER_WHY_LEN);
	}
	if (!err) {
		WRITE_ONCE(active, ops);
		vtier_dev.sampler = ops->id;
		return 0;
	}
	if (!why[0])
		snprintf(why, VTIER_WHY_LEN, "failed (error %d)", err);
	return err;
}

int vtier_sampler_start(const char *param)
{
	unsigned int i;
	int err = -EINVAL;

	if (vtier_cpu_budget_permille < 1 || vtier_cpu_budget_permille > 500) {
		pr_err("parameter cpu_budget_permille=%u out of range 1..500\n",
		       vtier_cpu_budget_permille);
		return -EINVAL;
	}
	vtier_dev.sampler = VTIER_SAMPLER_REPLAY;
	if (!strcmp(param, "replay"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(samplers); i++) {
		bool forced = !strcmp(param, samplers[i]->name);

		if (!forced && strcmp(param, "auto"))
			continue;
		err = try_sampler(i);
		if (!err)
			return 0;
		if (forced) {
			pr_err("sampler=%s cannot run: %s\n", param, refused[i]);
			return err;
		}
		pr_info("sampler %s refused: %s\n", samplers[i]->name,
			refused[i]);
	}
	if (strcmp(param, "auto")) {
		pr_err("sampler=%s is unknown (auto, pebs, ibs, abit or replay)\n",
		       param);
		return -EINVAL;
	}
	/* Nothing can sample here: the replay file still works. */
	pr_warn("no sampler can run; only trace replay feeds the policy\n");
	return 0;
}

void vtier_sampler_stop(void)
{
	if (active)
		active->stop();
	WRITE_ONCE(active, NULL);
}

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	const struct vtier_sampler_ops *ops = READ_ONCE(active);

	return sysfs_emit(buf, "%s\n", ops ? ops->name : "replay");
}

/* One line per sampler that was probed and passed over: `name: reason`. */
static ssize_t refused_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(samplers); i++)
		if (refused[i][0] && samplers[i] != active)
			n += sysfs_emit_at(buf, n, "%s: %s\n", samplers[i]->name,
					   refused[i]);
	return n;
}

static ssize_t drops_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  vtier_ringset_dropped(&vtier_dev.sampler_rings));
}

static ssize_t budget_ppm_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", vtier_cpu_budget_permille * 1000);
}

/* A file showing one u64 of vtier_sampler_stats. */
struct stat_attr {
	struct kobj_attribute kattr;
	u64 *val;
};

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct stat_attr *sa = container_of(attr, struct stat_attr, kattr);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(*sa->val));
}

static struct stat_attr stat_attrs[] = {
	{ __ATTR(samples, 0444, stat_show, NULL), &vtier_sampler_stats.samples },
	{ __ATTR(samples_per_s, 0444, stat_show, NULL), &vtier_sampler_stats.samples_per_s },
	{ __ATTR(overhead_ppm, 0444, stat_show, NULL), &vtier_sampler_stats.overhead_ppm },
	{ __ATTR(interval_us, 0444, stat_show, NULL), &vtier_sampler_stats.interval_us },
	{ __ATTR(period, 0444, stat_show, NULL), &vtier_sampler_stats.period },
	{ __ATTR(pages_per_s, 0444, stat_show, NULL), &vtier_sampler_stats.pages_per_s },
	{ __ATTR(cpu_ns_per_round, 0444, stat_show, NULL), &vtier_sampler_stats.cpu_ns_per_round },
	{ __ATTR(rounds, 0444, stat_show, NULL), &vtier_sampler_stats.rounds },
};

static struct kobj_attribute active_attr = __ATTR_RO(active);
static struct kobj_attribute refused_attr = __ATTR_RO(refused);
static struct kobj_attribute drops_attr = __ATTR_RO(drops);
static struct kobj_attribute budget_ppm_attr = __ATTR_RO(budget_ppm);

static struct attribute *sampler_attrs[] = {
	&active_attr.attr,
	&refused_attr.attr,
	&drops_attr.attr,
	&budget_ppm_attr.attr,
	&stat_attrs[0].kattr.attr,
	&stat_attrs[1].kattr.attr,
	&stat_attrs[2].kattr.attr,
	&stat_attrs[3].kattr.attr,
	&stat_attrs[4].kattr.attr,
	&stat_attrs[5].kattr.attr,
	&stat_attrs[6].kattr.attr,
	&stat_attrs[7].kattr.attr,
	NULL,
};

const struct attribute_group vtier_sampler_group = {
	.name = "samplers",
	.attrs = sampler_attrs,
};
