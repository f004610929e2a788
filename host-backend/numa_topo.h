/* SPDX-License-Identifier: GPL-2.0 */
/* Host NUMA topology: which node is fast, which is slow, or observe-only. */
#ifndef VTIERD_NUMA_TOPO_H
#define VTIERD_NUMA_TOPO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Pick the fast and slow nodes.  *fast and *slow come in as the user's
 * choice or -1 for the default (fast: the first memory node with CPUs;
 * slow: the first memory node without CPUs, like a CXL expander) and go
 * out as the nodes to use.  Returns true when vtierd must run
 * observe-only; why says the reason (or, when false, the choice).
 */
bool numa_observe_only(int *fast, int *slow, char *why, size_t len);

#endif
