// SPDX-License-Identifier: GPL-2.0
/* The one epoll loop of vtierd. */
#include "loop.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/*
 * Where a SIGBUS inside a handler returns to.  Process-wide by nature (a
 * signal has one disposition), so file-local and used by this file only.
 */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static void *volatile fault_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!fault_armed) {	/* not in a handler: die as before */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

int loop_catch_sigbus(struct loop *l, bool (*fault)(void *ctx, void *addr),
		      void *ctx)
{
	/* NODEFER: the handler leaves by siglongjmp, SIGBUS stays unblocked */
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		return -errno;
	l->fault = fault;
	l->fault_ctx = ctx;
	return 0;
}

/* Run one handler; a SIGBUS in it comes back here, through l->fault. */
static void dispatch(struct loop *l, struct ev *ev, uint32_t events)
{
	if (l->fault) {
		if (sigsetjmp(fault_jmp, 0)) {	/* no mask to save: no syscall */
			if (!l->fault(l->fault_ctx, fault_addr))
				abort();	/* not guest memory: a bug */
			return;
		}
		fault_armed = 1;
	}
	ev->fn(ev, events);
	fault_armed = 0;
}

int loop_init(struct loop *l)
{
	l->fault = NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int loop_add(struct loop *l, struct ev *ev, int fd, uint32_t events,
	     void (*fn)(struct ev *ev, uint32_t events))
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	ev->fd = fd;
	ev->fn = fn;
	ev->loop = l;
	if (fd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		int err = fd < 0 ? -EBADF : -errno;

		ev->fd = -1;
		return err;
	}
	return 0;
}

int loop_mod(struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(ev->loop->epfd, EPOLL_CTL_MOD, ev->fd, &e) ? -errno : 0;
}

void loop_del(struct ev *ev)
{
	if (ev->fd >= 0 && ev->loop)
		epoll_ctl(ev->loop->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
	ev->fd = -1;
}

/*
 * A handler may delete other evs of the same batch, so events are
 * dispatched one per epoll_wait call; the loop is not throughput bound.
 */
int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event e;
	struct ev *ev;
	int n = epoll_wait(l->epfd, &e, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	ev = e.data.ptr;
	if (ev->fd >= 0)
		dispatch(l, ev, e.events);
	return 0;
}

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
