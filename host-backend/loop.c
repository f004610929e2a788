// SPDX-License-Identifier: GPL-2.0
/* The one epoll loop of vtierd. */
#include "loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

static int epfd = -1;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

int loop_add(struct ev *ev, int fd, uint32_t events,
	     void (*fn)(struct ev *ev, uint32_t events))
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	ev->fd = fd;
	ev->fn = fn;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		ev->fd = -1;
		return -1;
	}
	return 0;
}

int loop_mod(struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, ev->fd, &e);
}

void loop_del(struct ev *ev)
{
	if (ev->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, ev->fd, NULL);
	ev->fd = -1;
}

/*
 * A handler may delete other evs of the same batch, so events are
 * dispatched one per epoll_wait call; the loop is not throughput bound.
 */
int loop_run_once(int timeout_ms)
{
	struct epoll_event e;
	struct ev *ev;
	int n = epoll_wait(epfd, &e, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	ev = e.data.ptr;
	if (ev->fd >= 0)
		ev->fn(ev, e.events);
	return 0;
}
