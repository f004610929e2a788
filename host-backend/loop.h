/* SPDX-License-Identifier: GPL-2.0 */
/* The one epoll loop: each watched fd has a struct ev with its handler. */
#ifndef VTIERD_LOOP_H
#define VTIERD_LOOP_H

#include <stdint.h>

struct ev {
	int fd;			/* -1 when not watched */
	void *owner;		/* what the handler works on, e.g. a struct vm */
	int idx;		/* which of the owner's fds, e.g. a vring index */
	void (*fn)(struct ev *ev, uint32_t events);
};

int loop_init(void);
int loop_add(struct ev *ev, int fd, uint32_t events,
	     void (*fn)(struct ev *ev, uint32_t events));
int loop_mod(struct ev *ev, uint32_t events);
void loop_del(struct ev *ev);
/* Wait once and dispatch; returns -1 on a fatal epoll error. */
int loop_run_once(int timeout_ms);

#endif
