/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table of guest RAM: System RAM at load, and memory onlined
 * later (a memory hotplug notifier).  Every user asks it: the policy is
 * given each range as it is added, the consumer checks samples against
 * it, the PMU samplers check records against it in NMI context, HELLO
 * reports its span.
 */
#ifndef VTIER_RAM_H
#define VTIER_RAM_H

#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "vtier_record.h"

/*
 * Told of each range of RAM added: at load (an error fails the load), then
 * as memory comes online.
 */
typedef int (*vtier_ram_added_fn)(void *arg, u64 start_pfn, u64 npages);

/**
 * struct vtier_ram - guest RAM as sorted, merged frame ranges
 * @table: the current table; replaced whole (RCU) when memory is added, so
 *	readers in any context, NMI included, see a consistent one
 * @lock: serialises writers
 * @nb: the memory hotplug notifier
 * @added: called with each range added, under @lock
 * @arg: its argument
 */
struct vtier_ram {
	struct vtier_ram_table __rcu *table;
	struct mutex lock;		/* writers */
	struct notifier_block nb;
	vtier_ram_added_fn added;
	void *arg;
};

/* Read System RAM, tell added() each range, follow memory hotplug. */
int vtier_ram_init(struct vtier_ram *ram, vtier_ram_added_fn added, void *arg);
void vtier_ram_exit(struct vtier_ram *ram);

/* Is pfn guest RAM?  Any context. */
bool vtier_ram_contains(struct vtier_ram *ram, u64 pfn);

/* The table now; call with interrupts off or under rcu_read_lock(). */
static inline const struct vtier_ram_table *
vtier_ram_table(struct vtier_ram *ram)
{
	return rcu_dereference_check(ram->table, 1);
}

/* One past the highest RAM frame, and the number of RAM frames. */
void vtier_ram_span(struct vtier_ram *ram, u64 *end_pfn, u64 *npages);

#endif /* VTIER_RAM_H */
