// SPDX-License-Identifier: GPL-2.0
/*
 * pebs and ibs: detection of the precise hardware samplers.
 *
 * Each probe goes from the cheapest question to the definitive one, which
 * is creating the real kind of event (disabled) and releasing it at once,
 * and stops at the first failure with a sentence a user can act on.  A
 * guest under QEMU TCG, or KVM with pmu=off, has no PMU at all: raw
 * events fail with -ENOENT.  KVM never exposes IBS to a guest.
 *
 * The events and periods come from the CPU model's row of the table in
 * vtier_pmu_model.c; the attributes around them are set here (struct
 * vtier_pmu_kind), and vtier_pmu_run.c runs them.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/perf_event.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/perf_event.h>
#include <asm/processor.h>

#include "vtier_pmu_run.h"

#define IBS_TYPE_PATH	"/sys/bus/event_source/devices/ibs_op/type"

static unsigned int ibs_op_type;
module_param(ibs_op_type, uint, 0444);
MODULE_PARM_DESC(ibs_op_type,
		 "perf type of the ibs_op PMU (0: read it from " IBS_TYPE_PATH ")");

/* INST_RETIRED.ANY_P: any core PMU counts it. */
#define RAW_INSTRUCTIONS	0x00c0

/* Config bits of ibs_op the kernel accepted at probe (l3missonly or not). */
static u64 ibs_config;

/* This CPU's row of the model table, or NULL (neither Intel nor AMD). */
static const struct vtier_pmu_model *this_model(void)
{
	u8 vendor = 0;

	if (boot_cpu_data.x86_vendor == X86_VENDOR_INTEL)
		vendor = VTIER_CPU_INTEL;
	else if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
		 boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		vendor = VTIER_CPU_AMD;
	return vtier_pmu_model_find(vendor, boot_cpu_data.x86,
				    boot_cpu_data.x86_model);
}

static void no_overflow(struct perf_event *event,
			struct perf_sample_data *data, struct pt_regs *regs)
{
	/* Probe events are created disabled and never overflow. */
}

/* Create attr's event on this CPU, disabled, and release it: 0 or -errno. */
static int try_event(struct perf_event_attr *attr)
{
	struct perf_event *ev;
	int cpu = get_cpu();

	put_cpu();
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	ev = perf_event_create_kernel_counter(attr, cpu, NULL, no_overflow,
					      NULL);
	if (IS_ERR(ev))
		return PTR_ERR(ev);
	perf_event_release_kernel(ev);
	return 0;
}

static int pebs_probe(char *why, size_t len)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_RAW,
		.config = RAW_INSTRUCTIONS,
		.sample_period = 1000003,
	};
	const struct vtier_pmu_model *m;
	int err = try_event(&attr);

	if (err == -ENOENT) {
		snprintf(why, len, "no PMU (perf event type RAW not available)");
		return err;
	}
	if (err) {
		snprintf(why, len, "no PMU (raw event refused, error %d)", err);
		return err;
	}
	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL) {
		snprintf(why, len, "not an Intel CPU (PEBS is Intel only)");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_PEBS) || !boot_cpu_has(X86_FEATURE_DTES64)) {
		snprintf(why, len,
			 "the vPMU has no PEBS (CPUID DS/DTES64 clear; host needs pebs_ept and -cpu host,migratable=off,pmu=on)");
		return -ENODEV;
	}
	m = this_model();
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_RAW;
	attr.config = m->ev[0].config;
	attr.sample_period = m->ev[0].period;
	attr.sample_type = PERF_SAMPLE_ADDR;
	attr.precise_ip = 1;
	attr.wakeup_events = 1;
	attr.exclude_hv = 1;
	err = try_event(&attr);
	if (err == -EOPNOTSUPP) {
		snprintf(why, len, "no precise sampling (PEBS event refused, max_precise 0)");
		return err;
	}
	if (err) {
		snprintf(why, len, "PEBS load event refused (%s, error %d)",
			 m->name, err);
		return err;
	}
	return 0;
}

/* The ibs_op PMU's dynamic perf type: the parameter, else sysfs, else 0. */
static unsigned int ibs_type(void)
{
	char buf[16] = "";
	unsigned int type;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	if (ibs_op_type)
		return ibs_op_type;
	f = filp_open(IBS_TYPE_PATH, O_RDONLY, 0);
	if (IS_ERR(f))
		return 0;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return kstrtouint(strim(buf), 10, &type) ? 0 : type;
}

static int ibs_probe(char *why, size_t len)
{
	struct perf_event_attr attr = {
		.sample_type = PERF_SAMPLE_ADDR | PERF_SAMPLE_PHYS_ADDR,
		.wakeup_events = 1,
	};
	const struct vtier_pmu_model *m;
	int err;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON) {
		snprintf(why, len, "not an AMD CPU (IBS is AMD only)");
		return -ENODEV;
	}
	if (!get_ibs_caps()) {
		snprintf(why, len,
			 "no IBS (CPUID reports none; KVM and TCG never expose IBS to a guest)");
		return -ENODEV;
	}
	attr.type = ibs_type();
	if (!attr.type) {
		snprintf(why, len, "no ibs_op PMU (no %s, no ibs_op_type=)",
			 IBS_TYPE_PATH);
		return -ENODEV;
	}
	m = this_model();
	attr.sample_period = m->ev[0].period;
	attr.config = m->ev[0].config;
	err = try_event(&attr);
	if (err == -EINVAL && attr.config) {
		/* A kernel older than its l3missonly support: sample all ops. */
		pr_info("ibs: %s: config %#llx refused, sampling all ops\n",
			m->name, attr.config);
		attr.config = 0;
		err = try_event(&attr);
	}
	if (err) {
		snprintf(why, len, "IBS op event refused (type %u, error %d)",
			 attr.type, err);
		return err;
	}
	ibs_op_type = attr.type;	/* what the counters will use */
	ibs_config = attr.config;
	return 0;
}

/*
 * Loads that missed L3 and all stores, precise, with the data address.
 * wakeup_events = 1 keeps large PEBS off: with it every record but the
 * last of a batch would go to a ring buffer a kernel counter lacks.
 */
static void pebs_attr(const struct vtier_pmu_event *e,
		      struct perf_event_attr *attr)
{
	*attr = (struct perf_event_attr){
		.type = PERF_TYPE_RAW,
		.size = sizeof(*attr),
		.config = e->config,
		.sample_period = e->period,
		.sample_type = PERF_SAMPLE_ADDR,
		.precise_ip = 1,
		.wakeup_events = 1,
		.pinned = 1,
		.exclude_hv = 1,
	};
}

static const struct vtier_pmu_kind pebs_kind = {
	.name = "pebs",
	.attr = pebs_attr,
	.selftest = true,
};

/* IBS op sampling reports the physical address of loads and stores. */
static void ibs_attr(const struct vtier_pmu_event *e,
		     struct perf_event_attr *attr)
{
	*attr = (struct perf_event_attr){
		.type = ibs_op_type,
		.size = sizeof(*attr),
		.config = ibs_config,
		.sample_period = e->period,	/* a multiple of 16 */
		.sample_type = PERF_SAMPLE_ADDR | PERF_SAMPLE_PHYS_ADDR,
		.wakeup_events = 1,
		.pinned = 1,
	};
}

static const struct vtier_pmu_kind ibs_kind = {
	.name = "ibs",
	.attr = ibs_attr,
};

static int pebs_start(const struct vtier_sampler_env *env, char *why,
		      size_t len)
{
	return vtier_pmu_start(&pebs_kind, this_model(), env, why, len);
}

static int ibs_start(const struct vtier_sampler_env *env, char *why,
		     size_t len)
{
	return vtier_pmu_start(&ibs_kind, this_model(), env, why, len);
}

const struct vtier_sampler_ops vtier_pebs_ops = {
	.name = "pebs",
	.id = VTIER_SAMPLER_PEBS,
	.probe = pebs_probe,
	.start = pebs_start,
	.stop = vtier_pmu_stop,
};

const struct vtier_sampler_ops vtier_ibs_ops = {
	.name = "ibs",
	.id = VTIER_SAMPLER_IBS,
	.probe = ibs_probe,
	.start = ibs_start,
	.stop = vtier_pmu_stop,
};
