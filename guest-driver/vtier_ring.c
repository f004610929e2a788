// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU SPSC sample rings.  head and tail are free-running u32 counters;
 * the producer publishes a filled slot with a release store of head and
 * the consumer frees a slot with a release store of tail, each reading the
 * other side's counter with an acquire load.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <linux/log2.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <asm/barrier.h>

#include "vtier_ring.h"

int vtier_ringset_init(struct vtier_ringset *rs, u32 slots)
{
	unsigned int cpu;

	if (!is_power_of_2(slots))
		return -EINVAL;
	rs->slots = slots;
	rs->ring = kcalloc(nr_cpu_ids, sizeof(*rs->ring), GFP_KERNEL);
	if (!rs->ring)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		int node = cpu_to_node(cpu);
		struct vtier_ring *r;

		/* Near its CPU, unless that node has no memory online now. */
		if (node != NUMA_NO_NODE && !node_online(node))
			node = NUMA_NO_NODE;
		r = kvzalloc_node(struct_size(r, slot, slots), GFP_KERNEL, node);
		if (!r) {
			vtier_ringset_free(rs);
			return -ENOMEM;
		}
		r->mask = slots - 1;
		rs->ring[cpu] = r;
	}
	return 0;
}

void vtier_ringset_free(struct vtier_ringset *rs)
{
	unsigned int cpu;

	if (!rs->ring)
		return;
	for_each_possible_cpu(cpu)
		kvfree(rs->ring[cpu]);
	kfree(rs->ring);
	rs->ring = NULL;
}

bool vtier_ring_push(struct vtier_ringset *rs, const struct vtier_sample *s)
{
	struct vtier_ring *r = rs->ring[smp_processor_id()];
	u32 head = r->head;

	/* Acquire: the consumer has finished reading a slot it freed. */
	if (head - smp_load_acquire(&r->tail) > r->mask) {
		WRITE_ONCE(r->dropped, r->dropped + 1);
		return false;
	}
	r->slot[head & r->mask] = *s;
	/* Release: the slot contents are visible before the new head. */
	smp_store_release(&r->head, head + 1);
	return true;
}

bool vtier_ring_pop(struct vtier_ring *r, struct vtier_sample *s)
{
	u32 tail = r->tail;

	/* Acquire: pairs with the producer's release of head. */
	if (tail == smp_load_acquire(&r->head))
		return false;
	*s = r->slot[tail & r->mask];
	/* Release: we are done with the slot before the producer reuses it. */
	smp_store_release(&r->tail, tail + 1);
	return true;
}

u64 vtier_ringset_dropped(struct vtier_ringset *rs)
{
	unsigned int cpu;
	u64 sum = 0;

	if (!rs->ring)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(rs->ring[cpu]->dropped);
	return sum;
}
