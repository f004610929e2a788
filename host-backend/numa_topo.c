// SPDX-License-Identifier: GPL-2.0
/*
 * Host NUMA topology from /sys/devices/system/node.  With one memory node
 * there is nowhere to move a page, so vtierd only translates and counts
 * hints (observe-only).  Nodes are checked against has_memory: move_pages
 * to a node without memory fails with ENODEV for the whole call.
 */
#include "numa_topo.h"

#include <numa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NODE_DIR "/sys/devices/system/node/"

/* Node list like "0-1,3" from a sysfs file as a bit mask (nodes < 64). */
static uint64_t read_nodes(const char *file)
{
	char buf[256], *p = buf, *end;
	uint64_t mask = 0;
	FILE *f = fopen(file, "r");
	unsigned long a, b;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		a = b = strtoul(p, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < 64; a++)
			mask |= 1ull << a;
		p = *end == ',' ? end + 1 : end;
	}
	return mask;
}

static int first(uint64_t mask)
{
	return mask ? __builtin_ctzll(mask) : -1;
}

static bool has(uint64_t mask, int node)
{
	return node >= 0 && node < 64 && (mask >> node) & 1;
}

bool numa_observe_only(int *fast, int *slow, char *why, size_t len)
{
	uint64_t mem, cpu;

	if (numa_available() < 0) {
		snprintf(why, len, "libnuma reports no NUMA support on this host (one memory node)");
		return true;
	}
	if (numa_max_node() == 0) {
		snprintf(why, len, "host has a single NUMA node (numa_max_node() = 0); hints are translated and counted, no page is moved");
		return true;
	}
	mem = read_nodes(NODE_DIR "has_memory");
	cpu = read_nodes(NODE_DIR "has_cpu");
	if (__builtin_popcountll(mem) < 2) {
		snprintf(why, len, "host has only one NUMA node with memory (has_memory); hints are translated and counted, no page is moved");
		return true;
	}
	if (*fast < 0)
		*fast = first(mem & cpu);
	if (*slow < 0)
		*slow = first(mem & ~cpu & ~(*fast >= 0 ? 1ull << *fast : 0));
	if (!has(mem, *fast) || !has(mem, *slow) || *fast == *slow) {
		snprintf(why, len, "no usable fast/slow node pair (fast %d, slow %d; both must be distinct nodes in has_memory, a CPU-less node is the default slow one: give --fast-node and --slow-node)",
			 *fast, *slow);
		return true;
	}
	snprintf(why, len, "fast node %d, slow node %d", *fast, *slow);
	return false;
}
