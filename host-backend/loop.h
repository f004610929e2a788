/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one epoll loop: each watched fd has a struct ev with its handler.
 * struct loop is owned by struct vtierd; an ev remembers its loop.
 */
#ifndef VTIERD_LOOP_H
#define VTIERD_LOOP_H

#include <stdint.h>

#include <stdbool.h>

/**
 * struct loop - one epoll instance.
 * @epfd: the epoll fd, -1 before loop_init() and after loop_close().
 * @fault: called with the address of a SIGBUS raised by a handler; true
 *	if it was guest memory and its owner was dropped (else vtierd aborts).
 * @fault_ctx: @fault's first argument.
 */
struct loop {
	int epfd;
	bool (*fault)(void *ctx, void *addr);
	void *fault_ctx;
};

/**
 * struct ev - one watched fd.
 * @fd: -1 when not watched.
 * @owner: what the handler works on, e.g. a struct vm.
 * @idx: which of the owner's fds, e.g. a vring index.
 * @fn: the handler.
 * @loop: the loop it was added to.
 */
struct ev {
	int fd;
	void *owner;
	int idx;
	void (*fn)(struct ev *ev, uint32_t events);
	struct loop *loop;
};

/* 0, or -errno. */
int loop_init(struct loop *l);
void loop_close(struct loop *l);
/* 0, or -errno (then ev->fd is -1; fd stays the caller's). */
int loop_add(struct loop *l, struct ev *ev, int fd, uint32_t events,
	     void (*fn)(struct ev *ev, uint32_t events));
int loop_mod(struct ev *ev, uint32_t events);
void loop_del(struct ev *ev);
/*
 * Guest memory can vanish under vtierd (the VMM truncates an unsealed fd)
 * and touching it raises SIGBUS.  From here on, a handler that faults so
 * is abandoned and l->fault decides; 0, or -errno.
 */
int loop_catch_sigbus(struct loop *l, bool (*fault)(void *ctx, void *addr),
		      void *ctx);
/* Wait once and dispatch; 0, or -errno on a fatal epoll error. */
int loop_run_once(struct loop *l, int timeout_ms);

/* CLOCK_MONOTONIC in ns: the clock of every timer and rate limit. */
uint64_t loop_now_ns(void);

#endif
