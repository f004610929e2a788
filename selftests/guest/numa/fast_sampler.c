// SPDX-License-Identifier: GPL-2.0
/* The two-node tests' fast-page sampler (see fast_sampler.h). */
#include "fast_sampler.h"

#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int fast_sampler_start(struct fast_sampler *s, int (*count)(void *ctx),
		       void *ctx)
{
	if (pipe(s->to))
		return -1;
	if (pipe(s->from)) {
		close(s->to[0]);
		close(s->to[1]);
		return -1;
	}
	s->pid = fork();
	if (s->pid == 0) {
		struct pollfd pfd = { .fd = s->to[0], .events = POLLIN };
		int max = 0, samples = 0, errors = 0, n;
		char out[64];

		close(s->to[1]);
		/* Until the parent closes its end. */
		while (poll(&pfd, 1, 1) == 0) {
			n = count(ctx);
			if (n < 0) {
				errors++;
				continue;
			}
			max = n > max ? n : max;
			samples++;
		}
		n = snprintf(out, sizeof(out), "%d %d %d\n", max, samples, errors);
		_exit(write(s->from[1], out, (size_t)n) < 0);
	}
	close(s->to[0]);
	close(s->from[1]);
	return s->pid < 0 ? -1 : 0;
}

void fast_sampler_stop(struct fast_sampler *s, int *max, int *samples,
		       int *errors)
{
	char buf[64] = "";

	close(s->to[1]);
	if (s->pid <= 0 || read(s->from[0], buf, sizeof(buf) - 1) < 0 ||
	    sscanf(buf, "%d %d %d", max, samples, errors) != 3)
		*max = *samples = *errors = -1;
	close(s->from[0]);
	if (s->pid > 0)
		waitpid(s->pid, NULL, 0);
}
