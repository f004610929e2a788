// SPDX-License-Identifier: GPL-2.0
/*
 * Host NUMA topology.  With one memory node there is nowhere to move a
 * page, so vtierd only translates and counts hints (observe-only).  Page
 * migration between nodes is not implemented yet, so a multi-node host is
 * observe-only too, for that reason.
 */
#include "numa_topo.h"

#include <numa.h>
#include <stdio.h>

bool numa_observe_only(char *why, size_t len)
{
	int max;

	if (numa_available() < 0) {
		snprintf(why, len, "libnuma reports no NUMA support on this host (one memory node)");
		return true;
	}
	max = numa_max_node();
	if (max == 0) {
		snprintf(why, len, "host has a single NUMA node (numa_max_node() = 0); hints are translated and counted, no page is moved");
		return true;
	}
	snprintf(why, len, "page migration is not implemented yet (host has %d NUMA nodes); hints are translated and counted",
		 max + 1);
	return true;
}
