/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier-sim's multi-VM mode (issue 7, docs/simulator.md "Multi-VM"):
 * several VMs, each its own trace, its own vtier engine and quota, share
 * one fast tier; the balancer of vtierd (host-backend/balancer.c, the same
 * file) moves the quotas every period.
 */
#ifndef VTIER_SIM_MULTI_H
#define VTIER_SIM_MULTI_H

#include "balance.h"	/* vtierd's balancer defaults */
#include "sim.h"

#define BALANCE_PERIOD_NS	((uint64_t)BALANCE_DEFAULT_PERIOD_MS * 1000000)
#define BALANCE_DEADLINE_NS	((uint64_t)BALANCE_DEFAULT_DEADLINE_MS * 1000000)

#define SIM_MAX_VMS	16

/* oracle_split: vtier at the global oracle's fixed split (the split's share
 * of the gap to the oracle, apart from identification). */
enum sim_mode { SIM_STATIC, SIM_PROPORTIONAL, SIM_UTILITY, SIM_FAIR,
		SIM_ORACLE_SPLIT, SIM_ORACLE, SIM_NMODES };

struct sim_vm_spec {
	char trace[1024];
	char label[64];
	uint32_t weight;	/* the balancer's weight= */
	uint64_t min, max;	/* pages */
	uint64_t scale;		/* accesses per record; 0: --weight */
	int lie;		/* its REPORTs claim every page red hot */
};

struct sim_multi_opts {
	const struct sim_params *par;
	struct sim_vm_spec vm[SIM_MAX_VMS];
	int nvm;
	uint64_t ratio;		/* R of 1:R over the sum of footprints; 0: */
	uint64_t fast_pages;	/* ... the total given */
	unsigned int modes;	/* bit per enum sim_mode */
	uint64_t period_ns, deadline_ns;
	uint64_t step_pages, deadband_pages;	/* UINT64_MAX: vtierd's default */
	int start_min;		/* quotas start at min (vtierd), else static split */
	const char *label, *csv, *epoch_csv;
	int quiet;
};

/* "PATH[,label=L][,weight=N][,min=P][,max=P][,scale=W][,lie=1]"; 0 or -1. */
int sim_vm_parse(const char *s, struct sim_vm_spec *vm);
const char *sim_mode_name(int mode);
/* "utility,static,..." or "all" into a mode mask; 0 or -1. */
int sim_modes_parse(const char *s, unsigned int *modes);
/* Run every mode and print the table and the issue-7 goals; exit code. */
int sim_multi_main(const struct sim_multi_opts *o);

#endif
