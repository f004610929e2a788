/* SPDX-License-Identifier: GPL-2.0 */
/* vtier-sim's command line (docs/simulator.md lists the options). */
#ifndef VTIER_SIM_CLI_H
#define VTIER_SIM_CLI_H

#include "sim_multi.h"

#define MAX_POL	16

struct sim_cli {
	struct sim_params par;
	const char *trace, *label, *csv, *epoch_csv;
	const struct sim_policy_ops *pol[MAX_POL];
	int npol, quiet;
	uint64_t ratio;		/* R of 1:R; 0 when --fast-pages */
	uint64_t loop_from_ns, loops, loop_to_s;	/* --loop-from, --loop, --loop-to-s */
	struct sim_multi_opts multi;	/* with --vm */
};

/* Parse argv into o (defaults first); 0, or -1 after saying why. */
int sim_parse_opts(int argc, char **argv, struct sim_cli *o);

#endif
