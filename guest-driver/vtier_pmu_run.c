// SPDX-License-Identifier: GPL-2.0
/*
 * Running a PMU sampler (pebs or ibs): one pinned kernel counter per event
 * and online CPU, created and released by CPU-hotplug callbacks; an
 * overflow handler in NMI context feeding the record path; a control work
 * item that, once a second, gives each event's period controller
 * (vtier_pmu_period.c) the handlers' CPU time and the event's counts and
 * overflows, and sets the period it returns; and for PEBS a self-test at
 * start.
 *
 * Neither sampler can run under QEMU TCG (no PMU) and this machine has
 * neither; this code is built and checked, and its record path is unit
 * tested (selftests/guest-driver/record_test.c), but it has not run on hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/perf_event.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "vtier_pmu_period.h"
#include "vtier_pmu_run.h"
#include "vtier_ram.h"
#include "vtier_record.h"

#define CTL_MS		1000
#define SELFTEST_PAGES	256		/* 1 MiB of known frames */
#define SELFTEST_NS	(200 * NSEC_PER_MSEC)

struct pmu_cpu {
	struct perf_event *ev[VTIER_PMU_EVENTS];
	struct vtier_record_stats st;	/* written by this CPU's NMI only */
	u64 ns;				/* handler time, likewise */
	u64 overflows[VTIER_PMU_EVENTS];	/* handler calls, likewise */
};

static DEFINE_PER_CPU(struct pmu_cpu, pmu_cpu);
static DEFINE_MUTEX(pmu_lock);		/* counters vs hotplug vs control */
static const struct vtier_pmu_kind *kind;
/**
 * struct pmu_run - the running events, under pmu_lock
 * @model: the CPU model's row: events and their periods' ranges
 * @attr: each event's attributes, with its current period
 * @ctl: each event's period controller
 * @last_count: each event's count at the last control window
 * @last_overflows: likewise its handler calls
 */
static struct pmu_run {
	const struct vtier_pmu_model *model;
	struct perf_event_attr attr[VTIER_PMU_EVENTS];
	struct vtier_period_ctl ctl[VTIER_PMU_EVENTS];
	u64 last_count[VTIER_PMU_EVENTS];
	u64 last_overflows[VTIER_PMU_EVENTS];
} run;
static const struct vtier_sampler_env *env;
static struct vtier_record_ctx ctx;	/* .ram is read per record */
static int hp_state;
static u64 last_ns, last_pushed, last_time;
static void control_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(ctl_work, control_work);

/*
 * Lockless walk of the interrupted task's page tables, as
 * perf_get_pgtable_size() does: interrupts are off (NMI), and x86 frees
 * page tables only after an IPI or an RCU grace period, so they stay put.
 */
static bool user_pfn(u64 addr, u64 *pfn)
{
	struct mm_struct *mm = current->mm;
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	if (!mm || addr >= TASK_SIZE_MAX)
		return false;
	pgdp = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgdp)))
		return false;
	p4dp = p4d_offset(pgdp, addr);
	if (!p4d_present(READ_ONCE(*p4dp)))
		return false;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (!pud_present(pud))
		return false;
	if (pud_leaf(pud)) {
		*pfn = pud_pfn(pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
		return true;
	}
	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (!pmd_present(pmd))
		return false;
	if (pmd_leaf(pmd)) {
		*pfn = pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		return true;
	}
	pte = READ_ONCE(*pte_offset_kernel(&pmd, addr));
	if (!pte_present(pte))
		return false;
	*pfn = pte_pfn(pte);
	return true;
}

static bool kernel_pfn(u64 addr, u64 *pfn)
{
	if (!virt_addr_valid((void *)(unsigned long)addr))
		return false;
	*pfn = __pa(addr) >> PAGE_SHIFT;
	return true;
}

/* NMI context: no locks, no allocation, no printk. */
static void pmu_overflow(struct perf_event *ev, struct perf_sample_data *data,
			 struct pt_regs *regs)
{
	struct pmu_cpu *pc = this_cpu_ptr(&pmu_cpu);
	struct vtier_record rec = { .ts_ns = ktime_get_mono_fast_ns() };
	struct vtier_record_ctx c = ctx;
	u64 t0 = local_clock();

	/* perf_sample_data fields are valid only when flagged (6.1). */
	if ((data->sample_flags & PERF_SAMPLE_ADDR) && data->addr) {
		rec.addr = data->addr;
		rec.flags |= VTIER_REC_ADDR;
		if (data->addr < TASK_SIZE_MAX)
			rec.flags |= VTIER_REC_USER;
	}
	if ((data->sample_flags & PERF_SAMPLE_PHYS_ADDR) && data->phys_addr) {
		rec.phys = data->phys_addr;
		rec.flags |= VTIER_REC_PHYS;
	}
	/* The RAM table now: memory may have come online since the start. */
	c.ram = vtier_ram_table(&env->core->ram);
	vtier_record_push(&c, &rec, &pc->st);
	pc->overflows[ev == pc->ev[1]]++;
	pc->ns += local_clock() - t0;
}

static int pmu_cpu_online(unsigned int cpu)
{
	struct pmu_cpu *pc = per_cpu_ptr(&pmu_cpu, cpu);
	int i, err = 0;

	mutex_lock(&pmu_lock);
	for (i = 0; i < run.model->nevents; i++) {
		struct perf_event *ev;

		ev = perf_event_create_kernel_counter(&run.attr[i], cpu, NULL,
						      pmu_overflow, NULL);
		if (IS_ERR(ev)) {
			err = PTR_ERR(ev);
			break;
		}
		pc->ev[i] = ev;
	}
	/*
	 * The hotplug core does not call the teardown of a CPU whose startup
	 * failed: release the events made so far, or they would keep firing
	 * into this module after it is gone.
	 */
	while (err && i-- > 0) {
		perf_event_release_kernel(pc->ev[i]);
		pc->ev[i] = NULL;
	}
	mutex_unlock(&pmu_lock);
	return err;
}

/* After this returns the CPU's handlers never run again. */
static int pmu_cpu_offline(unsigned int cpu)
{
	struct pmu_cpu *pc = per_cpu_ptr(&pmu_cpu, cpu);
	int i;

	mutex_lock(&pmu_lock);
	for (i = 0; i < VTIER_PMU_EVENTS; i++) {
		if (pc->ev[i])
			perf_event_release_kernel(pc->ev[i]);
		pc->ev[i] = NULL;
	}
	mutex_unlock(&pmu_lock);
	return 0;
}

static void sum_stats(struct vtier_record_stats *sum, u64 *ns)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	*ns = 0;
	for_each_possible_cpu(cpu) {
		struct pmu_cpu *pc = per_cpu_ptr(&pmu_cpu, cpu);

		sum->pushed += READ_ONCE(pc->st.pushed);
		sum->records += READ_ONCE(pc->st.records);
		sum->watched += READ_ONCE(pc->st.watched);
		*ns += READ_ONCE(pc->ns);
	}
}

/* Event i over all CPUs: events counted and handler calls, since start. */
static void event_totals(int i, u64 *count, u64 *overflows)
{
	unsigned int cpu;
	u64 enabled, running;

	*count = 0;
	*overflows = 0;
	for_each_online_cpu(cpu) {
		struct pmu_cpu *pc = per_cpu_ptr(&pmu_cpu, cpu);

		if (pc->ev[i])
			*count += perf_event_read_value(pc->ev[i], &enabled,
							&running);
		*overflows += READ_ONCE(pc->overflows[i]);
	}
}

/* Hold the handlers' time under the budget, and the rate under perf's. */
static void control_work(struct work_struct *work)
{
	struct vtier_sampler_stats *s = env->stats;
	u64 now = local_clock(), ns, window, count, overflows, p, q;
	struct vtier_record_stats sum;
	unsigned int cpu;
	int i;

	sum_stats(&sum, &ns);
	window = max(now - last_time, 1ULL);
	WRITE_ONCE(s->samples, sum.pushed);
	WRITE_ONCE(s->samples_per_s,
		   div64_u64((sum.pushed - last_pushed) * NSEC_PER_SEC, window));
	WRITE_ONCE(s->overhead_ppm,
		   div64_u64((ns - last_ns) * 1000000, window));

	mutex_lock(&pmu_lock);
	for (i = 0; i < run.model->nevents; i++) {
		struct vtier_period_window w = {
			.handler_ns = ns - last_ns, .window_ns = window,
			.period = run.attr[i].sample_period,
		};

		event_totals(i, &count, &overflows);
		/* A CPU gone offline takes its count with it: no negative. */
		w.events = count > run.last_count[i] ?
			   count - run.last_count[i] : 0;
		w.overflows = overflows - run.last_overflows[i];
		run.last_count[i] = count;
		run.last_overflows[i] = overflows;
		p = w.period;
		q = vtier_period_step(&run.ctl[i], &w,
				      env->cpu_budget_permille * 1000ULL);
		run.attr[i].sample_period = q;
		for_each_online_cpu(cpu) {
			struct perf_event *ev = per_cpu_ptr(&pmu_cpu, cpu)->ev[i];

			if (!ev)
				continue;
			/* A pinned event the PMU cannot schedule says so here. */
			if (READ_ONCE(ev->state) == PERF_EVENT_STATE_ERROR)
				pr_warn_once("%s: a counter cannot be scheduled (CPU %u); no samples from it\n",
					     kind->name, cpu);
			else if (q != p)
				perf_event_period(ev, q);
		}
	}
	WRITE_ONCE(s->period, run.attr[0].sample_period);
	mutex_unlock(&pmu_lock);
	last_ns = ns;
	last_pushed = sum.pushed;
	last_time = now;
	schedule_delayed_work(&ctl_work, msecs_to_jiffies(CTL_MS));
}

/*
 * PEBS self-test: store to 1 MiB of known frames for up to 200 ms and
 * require samples there.  Catches vPMUs whose PEBS records never arrive
 * and shadow paging, where PEBS cannot write its records.
 */
static int pmu_selftest(char *why, size_t len)
{
	struct page *pg = alloc_pages(GFP_KERNEL, get_order(SELFTEST_PAGES * PAGE_SIZE));
	struct vtier_record_stats sum;
	u64 t0 = local_clock(), ns;
	u64 *buf;
	size_t i;

	if (!pg)
		return -ENOMEM;
	buf = page_address(pg);
	WRITE_ONCE(ctx.watch_lo, page_to_pfn(pg));
	WRITE_ONCE(ctx.watch_hi, page_to_pfn(pg) + SELFTEST_PAGES);
	do {
		for (i = 0; i < SELFTEST_PAGES * PAGE_SIZE / sizeof(u64); i += 8)
			WRITE_ONCE(buf[i], i);
		sum_stats(&sum, &ns);
		cond_resched();
	} while (!sum.watched && local_clock() - t0 < SELFTEST_NS);
	WRITE_ONCE(ctx.watch_hi, 0);
	__free_pages(pg, get_order(SELFTEST_PAGES * PAGE_SIZE));
	if (sum.watched)
		return 0;
	snprintf(why, len,
		 "PEBS self-test failed: %llu records in 200 ms, none in the test buffer (no working guest PEBS; shadow paging?)",
		 sum.records);
	return -EIO;
}

int vtier_pmu_start(const struct vtier_pmu_kind *k,
		    const struct vtier_pmu_model *m,
		    const struct vtier_sampler_env *e, char *why, size_t len)
{
	unsigned int cpu;
	int i, err;

	kind = k;
	env = e;
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&pmu_cpu, cpu), 0, sizeof(struct pmu_cpu));
	ctx = (struct vtier_record_ctx){
		.rs = &e->core->sampler_rings,
		.user_pfn = user_pfn, .kernel_pfn = kernel_pfn,
	};
	memset(&run, 0, sizeof(run));
	run.model = m;
	for (i = 0; i < m->nevents; i++) {
		const struct vtier_pmu_event *ev = &m->ev[i];

		vtier_period_init(&run.ctl[i], ev->period, ev->min_period,
				  ev->max_period, m->period_align);
		k->attr(ev, &run.attr[i]);
		run.attr[i].sample_period = run.ctl[i].period;
	}
	pr_info("%s: %s events, periods %llu %llu\n", k->name, m->name,
		run.attr[0].sample_period,
		m->nevents > 1 ? run.attr[1].sample_period : 0ULL);
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vtier/pmu:online",
				pmu_cpu_online, pmu_cpu_offline);
	if (err < 0) {
		snprintf(why, len, "cannot create the %s counters (error %d)",
			 k->name, err);
		return err;
	}
	hp_state = err;
	if (k->selftest) {
		err = pmu_selftest(why, len);
		if (err) {
			cpuhp_remove_state(hp_state);
			return err;
		}
	}
	last_time = local_clock();
	last_ns = 0;
	last_pushed = 0;
	WRITE_ONCE(e->stats->period, run.attr[0].sample_period);
	schedule_delayed_work(&ctl_work, msecs_to_jiffies(CTL_MS));
	return 0;
}

/* Counters go first: after this no handler can push into the rings. */
void vtier_pmu_stop(void)
{
	int i;

	cancel_delayed_work_sync(&ctl_work);
	cpuhp_remove_state(hp_state);
	for (i = 0; i < run.model->nevents; i++)
		pr_info("%s: event %#llx: %llu period adaptations, %llu throttled seconds, last period %llu\n",
			kind->name, run.attr[i].config, run.ctl[i].adaptations,
			run.ctl[i].throttled, run.ctl[i].period);
}
