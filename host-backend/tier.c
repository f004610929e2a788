// SPDX-License-Identifier: GPL-2.0
/* What both tier implementations share (see tier.h). */
#include "tier.h"

#include <string.h>

void tier_init(struct tier *t, struct loop *loop, struct tier_vm **vms,
	       int n)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->n = n < TIER_MAX_VMS ? n : TIER_MAX_VMS;
	for (i = 0; i < t->n; i++)
		t->vms[i] = vms[i];
	t->deferred_max = DEFERRED_DEFAULT_MAX;
	t->fast_node = t->slow_node = -1;
	t->tick.fd = -1;
}

void tier_vm_init(struct tier_vm *tv, struct tier *t, struct vlog *log,
		  const struct memtab *mem)
{
	tv->tier = t;
	tv->log = log;
	tv->mem = mem;
}

const char *tier_initial_name(enum tier_initial i)
{
	return i == INITIAL_SLOW ? "slow" : i == INITIAL_FAST ? "fast" :
	       i == INITIAL_FIRST_TOUCH ? "first-touch" : "local";
}
