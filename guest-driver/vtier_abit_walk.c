// SPDX-License-Identifier: GPL-2.0
/*
 * Accessed-bit page-table walk, built from what a 6.1 module may use:
 * walk_page_range() and ptep_test_and_clear_young() are not exported, so
 * this descends with the inline p?d_offset() helpers and clears the bit
 * with test_and_clear_bit(_PAGE_BIT_ACCESSED), which is what x86's
 * ptep_test_and_clear_young() does.
 *
 * Locking, as page_idle, DAMON and clear_refs do: the caller holds the
 * mmap lock for reading, so VMAs and (before 6.5) PTE tables stay put; a
 * PMD leaf is re-checked under pmd_lock() and a PTE table under its PTE
 * lock after confirming the PMD still points to it (the check
 * __pte_offset_map_lock() makes from 6.5 on, when khugepaged may free
 * tables under RCU), so no clear races with a locked rewrite of an entry.
 * Samples are pushed after the lock is dropped.
 */
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "vtier_abit_walk.h"

/* VMAs without ordinary struct-page memory, or with hugetlb's own tables. */
#define ABIT_SKIP_VMA	(VM_IO | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB)

/*
 * Push the batch into the rings.  Before one could overflow, the consumer
 * drains them and the walk waits; the wait is not the walk's CPU time.
 */
static void flush_batch(struct abit_walk *w)
{
	struct vtier_ringset *rs = &w->core->sampler_rings;
	struct vtier_sample s = { .ts_ns = ktime_get_ns() };
	u32 i;

	for (i = 0; i < w->nbatch; i++) {
		if (w->since_sync >= rs->slots / 2) {
			u64 t0 = local_clock();

			vtier_core_sync(w->core);
			w->wait_ns += local_clock() - t0;
			w->since_sync = 0;
		}
		s.pfn = w->batch[i];
		preempt_disable();
		vtier_ring_push(rs, &s);
		preempt_enable();
		w->since_sync++;
	}
	w->young += w->nbatch;
	w->nbatch = 0;
}

/* A THP: one entry maps 512 frames, of which [addr, end) are in range. */
static void walk_pmd_leaf(struct abit_walk *w, struct mm_struct *mm,
			  pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	spinlock_t *ptl = pmd_lock(mm, pmdp);
	pmd_t pmd = *pmdp;

	w->entries++;
	w->pages += (end - addr) >> PAGE_SHIFT;
	if (pmd_trans_huge(pmd) && pmd_young(pmd)) {
		unsigned long pfn = pmd_pfn(pmd) +
				    ((addr & ~PMD_MASK) >> PAGE_SHIFT);

		test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)pmdp);
		for (; addr < end; addr += PAGE_SIZE)
			w->batch[w->nbatch++] = pfn++;
	}
	spin_unlock(ptl);
}

static void walk_pte_table(struct abit_walk *w, struct mm_struct *mm,
			   pmd_t *pmdp, pmd_t pmd, unsigned long addr,
			   unsigned long end)
{
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep;

	rcu_read_lock();
	ptl = pte_lockptr(mm, &pmd);
	spin_lock(ptl);
	if (!pmd_same(pmd, READ_ONCE(*pmdp)))
		goto unlock;	/* changed under us: skip it this round */
	ptep = pte_offset_kernel(&pmd, addr);
	for (; addr < end; addr += PAGE_SIZE, ptep++) {
		pte_t pte = READ_ONCE(*ptep);
		unsigned long pfn;

		w->entries++;
		w->pages++;
		if (!pte_present(pte) || !pte_young(pte) || pte_special(pte))
			continue;
		pfn = pte_pfn(pte);
		if (is_zero_pfn(pfn))
			continue;
		test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)ptep);
		w->batch[w->nbatch++] = pfn;
	}
unlock:
	spin_unlock(ptl);
	rcu_read_unlock();
}

/* One PMD-sized range [addr, end) of a VMA. */
static void walk_pmd(struct abit_walk *w, struct mm_struct *mm,
		     unsigned long addr, unsigned long end)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmdp, pmd;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return;
	pud = pud_offset(p4d, addr);
	/* PUD leaves are hugetlb or DAX only, both skipped. */
	if (pud_none(*pud) || pud_leaf(*pud) || pud_bad(*pud))
		return;
	pmdp = pmd_offset(pud, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd) || !pmd_present(pmd))
		return;		/* empty, or a migration entry */
	if (pmd_trans_huge(pmd))
		walk_pmd_leaf(w, mm, pmdp, addr, end);
	else if (!pmd_bad(pmd))
		walk_pte_table(w, mm, pmdp, pmd, addr, end);
	if (w->nbatch) {
		w->young_range(w, addr & PMD_MASK);
		flush_batch(w);
	}
}

unsigned long abit_walk_range(struct abit_walk *w, struct mm_struct *mm,
			      unsigned long start, unsigned long end)
{
	unsigned long addr = start;
	struct vm_area_struct *vma;

	while (addr < end && w->budget) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			return end;
		addr = max(addr, vma->vm_start);
		if (vma->vm_flags & ABIT_SKIP_VMA) {
			addr = vma->vm_end;
			continue;
		}
		while (addr < min(end, vma->vm_end) && w->budget) {
			unsigned long next = pmd_addr_end(addr,
							  min(end, vma->vm_end));
			u64 before = w->entries;

			walk_pmd(w, mm, addr, next);
			/* An empty range still costs its descent. */
			w->budget -= min(w->budget,
					 max(w->entries - before, 1ULL));
			addr = next;
			cond_resched();
		}
	}
	return min(addr, end);
}
