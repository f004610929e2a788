/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A forked process that asks move_pages(2) where pages are, as often as
 * it can, until it is stopped, and reports the most fast-node pages one
 * query found: how the two-node tests show a limit held at every moment,
 * not only at the moments they look.
 */
#ifndef VTIER_FAST_SAMPLER_H
#define VTIER_FAST_SAMPLER_H

#include <sys/types.h>

struct fast_sampler {
	pid_t pid;
	int to[2], from[2];
};

/*
 * count(ctx) runs in the child (getppid() is the caller): the fast pages
 * now, or -1 when a query failed.  0, or -1 if the child could not start.
 */
int fast_sampler_start(struct fast_sampler *s, int (*count)(void *ctx),
		       void *ctx);
/* Stop it: the most fast pages seen, the queries, the failed ones (-1: lost). */
void fast_sampler_stop(struct fast_sampler *s, int *max, int *samples,
		       int *errors);

#endif
