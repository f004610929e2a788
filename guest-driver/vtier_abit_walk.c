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
 *
 * Upper levels, as Telescope uses them: the MMU sets the accessed bit of
 * every entry a page walk uses, PMD and PUD included, and Linux creates
 * table entries with it set (_PAGE_TABLE).  The walk clears a PMD entry's
 * bit (under the PTE lock, once the PMD is confirmed) only right before
 * checking all 512 PTEs below it, and the cold walk a PUD entry's only
 * right before descending the whole 1 GiB (under pud_lock(), setting it
 * again when it could not finish).  So a clear upper bit means no walk
 * went through that entry since every accessed bit below it was checked:
 * the range is skipped for the cost of one entry.
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

/*
 * The PTEs of [addr, end) below pmdp, read earlier as pmd.  With whole
 * (all 512 of them), the PMD entry's accessed bit is cleared first.
 * False if the table changed under us (skipped this round).
 */
static bool walk_pte_table(struct abit_walk *w, struct mm_struct *mm,
			   pmd_t *pmdp, pmd_t pmd, unsigned long addr,
			   unsigned long end, bool whole)
{
	spinlock_t *ptl;	/* the PTE table's lock */
	bool same;
	pte_t *ptep;

	rcu_read_lock();
	ptl = pte_lockptr(mm, &pmd);
	spin_lock(ptl);
	/* The MMU may set the PMD's accessed bit meanwhile: not a change. */
	same = pmd_same(pmd_mkold(pmd), pmd_mkold(READ_ONCE(*pmdp)));
	if (!same)
		goto unlock;	/* changed under us: skip it this round */
	if (whole && test_and_clear_bit(_PAGE_BIT_ACCESSED,
					(unsigned long *)pmdp))
		w->cleared++;
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
	return same;
}

/*
 * One PMD-sized range [addr, end) of a VMA.  A PTE table not used since
 * its last whole check is skipped, and so, in the cold walk, is one on the
 * hot list (its PUD bit is set again: the range may drop off the list
 * with accessed bits left); a young one the cold walk has no budget left
 * to check is listed for the next round's hot pass instead (its PMD bit
 * stays set, so nothing is lost if the list is full).
 */
static void walk_pmd(struct abit_walk *w, struct mm_struct *mm, pmd_t *pmdp,
		     unsigned long addr, unsigned long end)
{
	bool whole = !(addr & ~PMD_MASK) && end - addr == PMD_SIZE;
	pmd_t pmd = READ_ONCE(*pmdp);

	if (pmd_none(pmd) || !pmd_present(pmd))
		return;		/* empty, or a migration entry */
	if (pmd_trans_huge(pmd)) {
		walk_pmd_leaf(w, mm, pmdp, addr, end);
	} else if (pmd_bad(pmd)) {
		return;
	} else if (whole && !pmd_young(pmd)) {
		w->skipped++;
	} else if (w->cold && w->on_hot_list(w, addr & PMD_MASK)) {
		/* Checked by this round's hot pass; the next one checks again. */
		w->skipped++;
		w->missed = true;
	} else if (w->cold && whole && w->budget < PTRS_PER_PTE) {
		w->listed++;
		if (!w->young_range(w, addr))
			w->missed = true;
	} else if (!walk_pte_table(w, mm, pmdp, pmd, addr, end, whole)) {
		w->missed = true;
	}
	if (w->nbatch) {
		if (!w->young_range(w, addr & PMD_MASK))
			w->missed = true;
		flush_batch(w);
	}
}

/* Walk [addr, end) below one PUD entry: one entry each for empty PMDs. */
static unsigned long walk_pmds(struct abit_walk *w, struct mm_struct *mm,
			       pud_t *pudp, unsigned long addr,
			       unsigned long end)
{
	while (addr < end && w->budget) {
		unsigned long next = pmd_addr_end(addr, end);
		u64 before = w->entries;

		walk_pmd(w, mm, pmd_offset(pudp, addr), addr, next);
		/* An empty or skipped range still costs its entry. */
		w->budget -= min(w->budget, max(w->entries - before, 1ULL));
		addr = next;
		cond_resched();
	}
	return addr;
}

/*
 * [addr, end) below one PUD entry.  The cold walk skips a whole 1 GiB not
 * used since its last descent, and otherwise clears the bit and descends,
 * setting it again if it stops early or leaves accessed bits behind.
 */
static unsigned long walk_pud(struct abit_walk *w, struct mm_struct *mm,
			      pud_t *pudp, unsigned long addr,
			      unsigned long end)
{
	bool whole = w->cold && !(addr & ~PUD_MASK) && end - addr == PUD_SIZE;
	bool cleared = false;
	spinlock_t *ptl;	/* the PUD's lock, mm->page_table_lock */

	if (whole) {
		if (!pud_young(READ_ONCE(*pudp))) {
			w->entries++;
			w->skipped++;
			w->budget--;
			return end;
		}
		ptl = pud_lock(mm, pudp);
		cleared = pud_present(*pudp) && !pud_leaf(*pudp) &&
			  test_and_clear_bit(_PAGE_BIT_ACCESSED,
					     (unsigned long *)pudp);
		spin_unlock(ptl);
		w->cleared += cleared;
		w->missed = false;
	}
	addr = walk_pmds(w, mm, pudp, addr, end);
	if (cleared && (addr < end || w->missed)) {
		ptl = pud_lock(mm, pudp);
		if (pud_present(*pudp) && !pud_leaf(*pudp))
			set_bit(_PAGE_BIT_ACCESSED, (unsigned long *)pudp);
		spin_unlock(ptl);
	}
	return addr;
}

/* [addr, end) of one VMA, PUD range by PUD range. */
static unsigned long walk_vma_range(struct abit_walk *w, struct mm_struct *mm,
				    unsigned long addr, unsigned long end)
{
	while (addr < end && w->budget) {
		pgd_t *pgd = pgd_offset(mm, addr);
		unsigned long next = pgd_addr_end(addr, end);
		p4d_t *p4d;
		pud_t *pudp;
		pud_t pud;

		/* An empty entry at any level costs one, for its whole span. */
		w->budget--;
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			goto next;
		p4d = p4d_offset(pgd, addr);
		next = p4d_addr_end(addr, end);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			goto next;
		pudp = pud_offset(p4d, addr);
		next = pud_addr_end(addr, end);
		pud = READ_ONCE(*pudp);
		/* PUD leaves are hugetlb or DAX only, both skipped. */
		if (pud_none(pud) || pud_leaf(pud) || pud_bad(pud))
			goto next;
		w->budget++;	/* walk_pud() charges what it checks */
		next = walk_pud(w, mm, pudp, addr, next);
next:
		addr = next;
	}
	return addr;
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
		addr = walk_vma_range(w, mm, addr, min(end, vma->vm_end));
	}
	return min(addr, end);
}
