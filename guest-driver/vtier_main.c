// SPDX-License-Identifier: GPL-2.0
/*
 * vtier.ko: guest side of vtier tiered memory.  Samplers push page accesses
 * into per-CPU rings; the core's consumer worker feeds them to the policy,
 * whose hints wait in the hint queue; the channel thread sends hints and
 * reports to the host daemon over AF_VSOCK.  This file only builds the
 * layers up at load and takes them down, in reverse, at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vtier_channel.h"
#include "vtier_core.h"
#include "vtier_debugfs.h"
#include "vtier_sampler.h"
#include "vtier_sysfs.h"

static struct vtier_ctx vtier;

static int __init vtier_init(void)
{
	int err;

	err = vtier_core_init(&vtier);
	if (err)
		return err;
	err = vtier_sysfs_init(&vtier);
	if (err)
		goto core;
	/* The consumer runs before any producer (replay file, sampler). */
	vtier_core_start(&vtier, vtier_channel_kick, NULL);
	err = vtier_debugfs_init(&vtier);
	if (err)
		goto consumer;
	/* Before the channel: HELLO names the sampler. */
	err = vtier_sampler_start(&vtier);
	if (err)
		goto debugfs;
	err = vtier_channel_start(&vtier);
	if (err)
		goto sampler;
	pr_info("loaded: sampler %s\n", vtier_sampler_name(vtier.sampler));
	return 0;

sampler:
	vtier_sampler_stop();
debugfs:
	vtier_debugfs_exit();
consumer:
	vtier_core_stop(&vtier);
	vtier_sysfs_exit();
core:
	vtier_core_exit(&vtier);
	return err;
}

/* The mirror of vtier_init(): no producer is left once the consumer stops. */
static void __exit vtier_exit(void)
{
	vtier_channel_stop();
	vtier_sampler_stop();
	vtier_debugfs_exit();
	vtier_core_stop(&vtier);
	vtier_sysfs_exit();
	vtier_core_exit(&vtier);
	pr_info("unloaded\n");
}

module_init(vtier_init);
module_exit(vtier_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vtier project");
MODULE_DESCRIPTION("vtier guest: page-hotness hints to the host over vsock");
