/* SPDX-License-Identifier: GPL-2.0 */
/* Host NUMA topology: decides whether vtierd can move pages at all. */
#ifndef VTIERD_NUMA_TOPO_H
#define VTIERD_NUMA_TOPO_H

#include <stdbool.h>
#include <stddef.h>

/* True when vtierd runs observe-only; why says the reason. */
bool numa_observe_only(char *why, size_t len);

#endif
