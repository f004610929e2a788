// SPDX-License-Identifier: GPL-2.0
/*
 * The RAM table (see vtier_ram.h).  Each change builds a new table and
 * publishes it with rcu_assign_pointer(); the old one is freed after a
 * grace period, which also waits for NMI handlers still reading it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "vtier_ram.h"

/* Add [start, start + n) to table t and tell the owner; under lock. */
static int ram_add(struct vtier_ram *ram, struct vtier_ram_table *t,
		   u64 start, u64 n)
{
	if (vtier_ram_add(t, start, start + n))
		pr_warn("more than %u RAM ranges; pfn %#llx+%llu not sampled\n",
			VTIER_RAM_RANGES, start, n);
	return ram->added(ram->arg, start, n);
}

/* Memory came online: a new table replaces the one readers may hold. */
static void ram_grow(struct vtier_ram *ram, u64 start, u64 n)
{
	struct vtier_ram_table *old, *t;

	old = rcu_dereference_protected(ram->table,
					lockdep_is_held(&ram->lock));
	t = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!t) {
		pr_warn("no memory to track RAM at pfn %#llx+%llu\n", start, n);
		return;
	}
	ram_add(ram, t, start, n);
	rcu_assign_pointer(ram->table, t);
	synchronize_rcu();
	kfree(old);
}

/* One "System RAM" resource of /proc/iomem: its whole pages. */
static int ram_resource(struct resource *res, void *arg)
{
	u64 start = PFN_UP(res->start);
	u64 end = PFN_DOWN(res->end + 1);
	struct vtier_ram *ram = arg;

	/* At load nobody reads the table yet: fill it in place. */
	if (end <= start)
		return 0;
	return ram_add(ram, rcu_dereference_protected(ram->table, 1), start,
		       end - start);
}

static int ram_event(struct notifier_block *nb, unsigned long action,
		     void *data)
{
	struct vtier_ram *ram = container_of(nb, struct vtier_ram, nb);
	struct memory_notify *mn = data;

	if (action != MEM_ONLINE)
		return NOTIFY_OK;
	mutex_lock(&ram->lock);
	ram_grow(ram, mn->start_pfn, mn->nr_pages);
	mutex_unlock(&ram->lock);
	return NOTIFY_OK;
}

int vtier_ram_init(struct vtier_ram *ram, vtier_ram_added_fn added, void *arg)
{
	struct vtier_ram_table *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int err;

	if (!t)
		return -ENOMEM;
	mutex_init(&ram->lock);
	RCU_INIT_POINTER(ram->table, t);
	ram->added = added;
	ram->arg = arg;
	mutex_lock(&ram->lock);
	err = walk_iomem_res_desc(IORES_DESC_NONE,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, U64_MAX, ram, ram_resource);
	mutex_unlock(&ram->lock);
	if (err)
		goto fail;
	/* Hot-added memory joins the table once it is online. */
	ram->nb.notifier_call = ram_event;
	err = register_memory_notifier(&ram->nb);
	if (err)
		goto fail;
	return 0;
fail:
	kfree(rcu_dereference_protected(ram->table, 1));
	RCU_INIT_POINTER(ram->table, NULL);
	return err;
}

void vtier_ram_exit(struct vtier_ram *ram)
{
	unregister_memory_notifier(&ram->nb);
	kfree(rcu_dereference_protected(ram->table, 1));
	RCU_INIT_POINTER(ram->table, NULL);
}

bool vtier_ram_contains(struct vtier_ram *ram, u64 pfn)
{
	bool ok;

	rcu_read_lock();
	ok = vtier_ram_has(rcu_dereference(ram->table), pfn);
	rcu_read_unlock();
	return ok;
}

void vtier_ram_span(struct vtier_ram *ram, u64 *end_pfn, u64 *npages)
{
	const struct vtier_ram_table *t;
	u32 i;

	*end_pfn = 0;
	*npages = 0;
	rcu_read_lock();
	t = rcu_dereference(ram->table);
	for (i = 0; i < t->n; i++)
		*npages += t->r[i].end - t->r[i].start;
	if (t->n)
		*end_pfn = t->r[t->n - 1].end;
	rcu_read_unlock();
}
