// SPDX-License-Identifier: GPL-2.0
/*
 * abit: the accessed-bit sampler, for guests without a usable PMU (QEMU
 * TCG, shadow paging, AMD guests, most clouds).  A kernel thread runs a
 * round every interval: it checks and clears the accessed bits of user
 * page tables and pushes one sample per frame accessed since the frame's
 * previous check; a THP leaf counts as its 512 frames.
 *
 * Cost is bounded the way DAMON bounds it, by not visiting every page each
 * round.  The address space is cut into PMD-sized (2 MiB) ranges.  Ranges
 * where the last visit found accessed frames form the hot list and are
 * revisited every round, so a hot page is sampled once per round; the rest
 * is covered by a cursor that walks all processes in pid order and stops
 * when the round's entry budget is spent, so cold memory is visited once
 * per pass of the cursor.  The entry budget follows from the CPU budget
 * (cpu_budget_permille) and the measured cost per entry; when the hot list
 * alone costs more than the budget, the round interval grows.
 *
 * Cost follows what was used, not how much is mapped (vtier_abit_walk.c):
 * a 2 MiB range whose PMD entry was not used since its last check costs
 * one entry, on the hot list or under the cursor, and so does, for the
 * cursor, a 1 GiB range whose PUD entry was not.  A young range the cursor
 * has no budget left to check is put on the hot list unchecked, so a new
 * hot set is listed within one pass whatever its size; and the cursor
 * leaves ranges the hot pass checked this round alone.
 *
 * After a round that cleared any bit, one IPI round flushes every CPU's
 * TLB: x86 does not flush after clearing accessed bits, and a translation
 * still cached would never set the bit again, making hot pages look cold.
 * flush_tlb_mm_range() is not exported to modules; __flush_tlb_all() is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/bsearch.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <asm/tlbflush.h>

#include "vtier_abit_defs.h"
#include "vtier_abit_walk.h"
#include "vtier_sampler_ops.h"

#define ABIT_MAX_PIDS		16
#define ABIT_MAX_INTERVAL_US	(ABIT_MAX_INTERVAL_MS * USEC_PER_MSEC)
#define ABIT_MAX_CURSOR		BIT_ULL(26)

static unsigned int abit_interval_ms = ABIT_DEFAULT_INTERVAL_MS;
module_param(abit_interval_ms, uint, 0444);
MODULE_PARM_DESC(abit_interval_ms,
		 "abit: shortest round interval, ms (10..10000); longer while over budget");

static unsigned int abit_hot_ranges = ABIT_DEFAULT_HOT_RANGES;
module_param(abit_hot_ranges, uint, 0444);
MODULE_PARM_DESC(abit_hot_ranges,
		 "abit: 2 MiB ranges revisited every round (16..65536)");

static int abit_pids[ABIT_MAX_PIDS];
static unsigned int abit_npids;
module_param_array(abit_pids, int, &abit_npids, 0444);
MODULE_PARM_DESC(abit_pids, "abit: scan only these processes (up to 16 pids)");

static char *abit_cgroup = "";
module_param(abit_cgroup, charp, 0444);
MODULE_PARM_DESC(abit_cgroup,
		 "abit: scan only processes in this cgroup v2 path and below");

/* A PMD-sized range of one process that had accessed frames. */
struct abit_range {
	pid_t tgid;
	unsigned long addr;
	u8 quiet;			/* visits in a row with nothing accessed */
};

struct abit_state {
	struct abit_walk walk;
	const struct vtier_sampler_env *env;
	struct task_struct *thread;
	struct cgroup *cgrp;		/* filter, or NULL */
	struct abit_range *hot;		/* revisited this round */
	struct abit_range *next;	/* found this round, for the next */
	u32 nhot, nnext, cap;
	pid_t walking;			/* tgid of the mm being walked */
	pid_t cursor_tgid;		/* the cursor: where cold walks resume */
	unsigned long cursor_addr;
	u64 interval_us;
	u64 ns_per_entry;		/* moving average, >= 1 */
	u64 cursor_budget;		/* entries for the cursor next round */
	u64 last_start;			/* local_clock() of the last round */
};

static struct abit_state *abit;

static int range_cmp(const void *a, const void *b)
{
	const struct abit_range *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Walk callback: keep a range with accessed frames for the next round.
 * A range seen twice in a round (hot list, then cursor) is deduplicated
 * once the list is sorted.
 */
static bool keep_young_range(struct abit_walk *w, unsigned long addr)
{
	struct abit_state *st = container_of(w, struct abit_state, walk);

	if (st->nnext >= st->cap)
		return false;
	st->next[st->nnext++] = (struct abit_range){ st->walking, addr, 0 };
	return true;
}

/* Walk callback: whether this round's hot pass checked the range. */
static bool range_on_hot_list(struct abit_walk *w, unsigned long addr)
{
	struct abit_state *st = container_of(w, struct abit_state, walk);
	struct abit_range key = { st->walking, addr, 0 };

	return bsearch(&key, st->hot, st->nhot, sizeof(*st->hot),
		       range_cmp) != NULL;
}

/* Sort the new hot list and drop duplicates. */
static void settle_hot_list(struct abit_state *st)
{
	u32 i, n = 0;

	sort(st->hot, st->nhot, sizeof(*st->hot), range_cmp, NULL);
	for (i = 0; i < st->nhot; i++)
		if (!n || range_cmp(&st->hot[n - 1], &st->hot[i]))
			st->hot[n++] = st->hot[i];
	st->nhot = n;
}

/* The mm of user process tgid, with a reference, or NULL. */
static struct mm_struct *mm_of(pid_t tgid)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	pid = find_get_pid(tgid);
	if (!pid)
		return NULL;
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task)
		return NULL;
	mm = (task->flags & PF_KTHREAD) ? NULL : get_task_mm(task);
	put_task_struct(task);
	return mm;
}

static bool wanted(struct abit_state *st, struct task_struct *p)
{
	unsigned int i;

	if (p->flags & PF_KTHREAD)
		return false;
	if (st->cgrp && !cgroup_is_descendant(task_dfl_cgroup(p), st->cgrp))
		return false;
	if (!abit_npids)
		return true;
	for (i = 0; i < abit_npids; i++)
		if (abit_pids[i] == task_tgid_nr(p))
			return true;
	return false;
}

/* Sorted tgids of the processes to scan; *n is set.  kvfree the result. */
static pid_t *snapshot_tgids(struct abit_state *st, u32 *n)
{
	struct task_struct *p;
	u32 cap = 0;
	pid_t *tgid;

	rcu_read_lock();
	for_each_process(p)
		cap++;
	rcu_read_unlock();
	cap += 32;	/* room for processes born meanwhile */
	tgid = kvmalloc_array(cap, sizeof(*tgid), GFP_KERNEL);
	*n = 0;
	if (!tgid)
		return NULL;
	rcu_read_lock();
	for_each_process(p)
		if (*n < cap && wanted(st, p))
			tgid[(*n)++] = task_tgid_nr(p);
	rcu_read_unlock();
	sort(tgid, *n, sizeof(*tgid), pid_cmp, NULL);
	return tgid;
}

/* Walk one listed range; a quiet one stays listed ABIT_HOT_AGE visits. */
static void hot_range(struct abit_state *st, struct mm_struct *mm,
		      const struct abit_range *r)
{
	struct abit_walk *w = &st->walk;
	u64 young = w->young;

	abit_walk_range(w, mm, r->addr, r->addr + PMD_SIZE);
	if (w->young == young && r->quiet + 1 < ABIT_HOT_AGE &&
	    st->nnext < st->cap)
		st->next[st->nnext++] = (struct abit_range){ r->tgid, r->addr,
							     r->quiet + 1 };
}

/* Revisit every hot range; they are sorted, so one lock per process. */
static void hot_pass(struct abit_state *st)
{
	struct abit_walk *w = &st->walk;
	u32 i = 0, j;

	w->budget = U64_MAX;
	w->cold = false;
	while (i < st->nhot && !kthread_should_stop()) {
		pid_t tgid = st->hot[i].tgid;
		struct mm_struct *mm = mm_of(tgid);

		for (j = i; j < st->nhot && st->hot[j].tgid == tgid; j++)
			;
		if (mm && mmap_read_trylock(mm)) {
			st->walking = tgid;
			for (; i < j; i++)
				hot_range(st, mm, &st->hot[i]);
			mmap_read_unlock(mm);
		} else if (mm) {
			/* Busy: its ranges stay hot for the next round. */
			for (; i < j && st->nnext < st->cap; i++)
				st->next[st->nnext++] = st->hot[i];
		}
		if (mm)
			mmput(mm);
		i = j;
	}
}

/* Walk on from the cursor until the budget is spent or a pass ends. */
static void cursor_pass(struct abit_state *st)
{
	struct abit_walk *w = &st->walk;
	u32 n, i;
	pid_t *tgid = snapshot_tgids(st, &n);

	if (!tgid)
		return;
	w->budget = st->cursor_budget;
	w->cold = true;
	for (i = 0; i < n && tgid[i] < st->cursor_tgid; i++)
		;
	for (; i < n && w->budget && !kthread_should_stop(); i++) {
		unsigned long from = 0, reached = TASK_SIZE_MAX;
		struct mm_struct *mm = mm_of(tgid[i]);

		if (tgid[i] == st->cursor_tgid)
			from = st->cursor_addr;
		if (!mm)
			continue;
		/* Busy (being changed): skipped this pass, as DAMON does. */
		if (mmap_read_trylock(mm)) {
			st->walking = tgid[i];
			reached = abit_walk_range(w, mm, from, TASK_SIZE_MAX);
			mmap_read_unlock(mm);
		}
		mmput(mm);
		if (reached < TASK_SIZE_MAX) {
			st->cursor_tgid = tgid[i];
			st->cursor_addr = reached;
			kvfree(tgid);
			return;
		}
	}
	/* A whole pass done: the next one starts at the lowest pid. */
	st->cursor_tgid = 0;
	st->cursor_addr = 0;
	kvfree(tgid);
}

static void flush_this_cpu(void *unused)
{
	__flush_tlb_all();
}

/* Fit the next round to the budget from what this one cost. */
static void control(struct abit_state *st, u64 cost, u64 hot_cost)
{
	struct abit_walk *w = &st->walk;
	u64 permille = st->env->cpu_budget_permille;	/* 1..500 */
	u64 budget_ns = st->interval_us * permille;
	u64 per = div64_u64(cost, max(w->entries, 1ULL));
	u64 min_us = (u64)abit_interval_ms * USEC_PER_MSEC;

	/*
	 * Rounds of a few entries (ranges skipped by their upper bits) cost
	 * mostly the TLB flush and the process list: they say little about
	 * an entry, and would starve the cursor if they counted.
	 */
	if (w->entries >= ABIT_MIN_ESTIMATE)
		st->ns_per_entry = max((3 * st->ns_per_entry + per) / 4, 1ULL);
	/*
	 * The hot list costs the same per round whatever the interval, so
	 * the interval moves at once to where this round's cost would have
	 * been on budget: over budget at least 1/GROW longer (a 1 GiB hot
	 * set would otherwise take a dozen rounds over budget to get
	 * there), under half of it at least 1/SHRINK shorter, to where the
	 * round would cost 3/4 of the budget (a one-off costly round, such
	 * as the first after a hot set moves, would otherwise slow the
	 * scanner for many rounds).
	 */
	if (cost > budget_ns + budget_ns / ABIT_OVER_DIV)
		st->interval_us = min(max(st->interval_us +
					  st->interval_us / ABIT_GROW_DIV,
					  div64_u64(cost, permille)),
				      (u64)ABIT_MAX_INTERVAL_US);
	else if (cost < budget_ns / 2)
		st->interval_us = max(min(st->interval_us -
					  st->interval_us / ABIT_SHRINK_DIV,
					  div64_u64(4 * cost, 3 * permille)),
				      min_us);
	budget_ns = st->interval_us * permille;
	st->cursor_budget = hot_cost < budget_ns ?
		div64_u64(budget_ns - hot_cost, st->ns_per_entry) : 0;
	st->cursor_budget = clamp_t(u64, st->cursor_budget, ABIT_MIN_CURSOR,
				    ABIT_MAX_CURSOR);
}

static void publish(struct abit_state *st, u64 start, u64 cost)
{
	struct vtier_sampler_stats *s = st->env->stats;
	struct abit_walk *w = &st->walk;
	u64 window = st->last_start ? start - st->last_start :
				      st->interval_us * NSEC_PER_USEC;

	window = max(window, 1ULL);
	st->last_start = start;
	WRITE_ONCE(s->samples, s->samples + w->young);
	WRITE_ONCE(s->samples_per_s, div64_u64(w->young * NSEC_PER_SEC, window));
	WRITE_ONCE(s->pages_per_s, div64_u64(w->pages * NSEC_PER_SEC, window));
	WRITE_ONCE(s->overhead_ppm, div64_u64(cost * 1000000, window));
	WRITE_ONCE(s->cpu_ns_per_round, cost);
	WRITE_ONCE(s->interval_us, st->interval_us);
	WRITE_ONCE(s->rounds, s->rounds + 1);
}

static void abit_round(struct abit_state *st)
{
	struct abit_walk *w = &st->walk;
	u64 start = local_clock(), hot_cost, cost;
	struct abit_range *t;

	w->entries = 0;
	w->pages = 0;
	w->young = 0;
	w->skipped = 0;
	w->listed = 0;
	w->cleared = 0;
	w->wait_ns = 0;
	st->nnext = 0;
	hot_pass(st);
	hot_cost = local_clock() - start - w->wait_ns;
	cursor_pass(st);
	if (w->young || w->cleared)
		on_each_cpu(flush_this_cpu, NULL, 1);
	t = st->hot;
	st->hot = st->next;
	st->next = t;
	st->nhot = st->nnext;
	settle_hot_list(st);
	/* Waiting for the consumer is not our CPU time. */
	cost = local_clock() - start - w->wait_ns;
	vtier_core_kick(w->core);
	publish(st, start, cost);
	control(st, cost, hot_cost);
}

static int abit_thread(void *data)
{
	struct abit_state *st = data;

	while (!kthread_should_stop()) {
		abit_round(st);
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule_timeout(usecs_to_jiffies(st->interval_us));
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int abit_probe(char *why, size_t len)
{
	unsigned int i;

	/* Every x86 MMU keeps accessed bits; only parameters can be wrong. */
	if (abit_interval_ms < 10 || abit_interval_ms > 10000) {
		snprintf(why, len, "abit_interval_ms=%u out of range 10..10000",
			 abit_interval_ms);
		return -EINVAL;
	}
	if (abit_hot_ranges < 16 || abit_hot_ranges > 65536) {
		snprintf(why, len, "abit_hot_ranges=%u out of range 16..65536",
			 abit_hot_ranges);
		return -EINVAL;
	}
	for (i = 0; i < abit_npids; i++) {
		if (abit_pids[i] <= 0) {
			snprintf(why, len, "abit_pids: %d is not a pid",
				 abit_pids[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void abit_free(struct abit_state *st)
{
	if (st->cgrp)
		cgroup_put(st->cgrp);
	kvfree(st->hot);
	kvfree(st->next);
	kfree(st);
}

static int abit_start(const struct vtier_sampler_env *env, char *why,
		      size_t len)
{
	struct abit_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->cap = abit_hot_ranges;
	st->hot = kvcalloc(st->cap, sizeof(*st->hot), GFP_KERNEL);
	st->next = kvcalloc(st->cap, sizeof(*st->next), GFP_KERNEL);
	if (!st->hot || !st->next) {
		abit_free(st);
		return -ENOMEM;
	}
	if (abit_cgroup[0]) {
		struct cgroup *cg = cgroup_get_from_path(abit_cgroup);

		if (IS_ERR(cg)) {
			snprintf(why, len, "abit_cgroup: no cgroup v2 path %s",
				 abit_cgroup);
			abit_free(st);
			return PTR_ERR(cg);
		}
		st->cgrp = cg;
	}
	st->env = env;
	st->walk.core = env->core;
	st->walk.young_range = keep_young_range;
	st->walk.on_hot_list = range_on_hot_list;
	st->interval_us = (u64)abit_interval_ms * USEC_PER_MSEC;
	st->ns_per_entry = 100;		/* a guess, replaced after round 1 */
	st->cursor_budget = max_t(u64, ABIT_MIN_CURSOR,
				  st->interval_us * env->cpu_budget_permille /
				  st->ns_per_entry);
	st->thread = kthread_run(abit_thread, st, "vtier_abit");
	if (IS_ERR(st->thread)) {
		int err = PTR_ERR(st->thread);

		snprintf(why, len, "cannot start the scan thread (error %d)",
			 err);
		abit_free(st);
		return err;
	}
	abit = st;
	return 0;
}

static void abit_stop(void)
{
	if (!abit)
		return;
	kthread_stop(abit->thread);
	abit_free(abit);
	abit = NULL;
}

const struct vtier_sampler_ops vtier_abit_ops = {
	.name = "abit",
	.id = VTIER_SAMPLER_ABIT,
	.probe = abit_probe,
	.start = abit_start,
	.stop = abit_stop,
};
