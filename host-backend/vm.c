// SPDX-License-Identifier: GPL-2.0
/*
 * One VM's column (see vm.h): the vsock app (a session per flow), the
 * sessions' ops (hints to the tier, REPORTs kept for the quota layer) and
 * the VM's vhost-user socket.
 */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define RETRY_MS 200

/* vsock app ops: the vtier protocol behind the port. */

static void *app_accept(void *app, struct vsock_flow *f)
{
	struct vm *vm = app;
	struct session *s = &vm->sess[f - vm->vs.flow];

	session_init(s, &vm->sv, f);
	return s;
}

static int app_recv(void *app, void *app_flow, const uint8_t *data,
		    uint32_t len)
{
	(void)app;
	return session_input(app_flow, data, len);
}

static void app_mem_unmap(void *app)
{
	struct vm *vm = app;

	pages_clear(&vm->pages);	/* old translations are meaningless */
	vm->tier.tier->ops->detach(&vm->tier);
}

static void app_mem_mapped(void *app)
{
	struct vm *vm = app;

	vm->tier.tier->ops->attach(&vm->tier, vm->vs.vu.vmm_pid);
}

static void wait_for_vmm(struct vm *vm);

static void app_disconnected(void *app)
{
	wait_for_vmm(app);
}

static const struct vsock_app_ops vm_app_ops = {
	.accept = app_accept, .recv = app_recv,
	.mem_unmap = app_mem_unmap, .mem_mapped = app_mem_mapped,
	.disconnected = app_disconnected,
};

/* session ops: what becomes of hints and REPORTs. */

static void sess_hints(void *ctx, const struct vtier_hint_host *h,
		       unsigned int n, struct session_ack *ack)
{
	struct vm *vm = ctx;

	vm->tier.tier->ops->hints(&vm->tier, h, n, ack);
	vm->acks.applied += ack->applied;
	vm->acks.rejected += ack->rejected;
	vm->acks.deferred += ack->deferred;
}

static void sess_report(void *ctx, const struct vtier_msg *m)
{
	struct vm *vm = ctx;
	struct vm_report *r = &vm->report;
	uint64_t now = loop_now_ns();
	unsigned int i;

	r->valid = true;
	r->sample_rate = m->report.sample_rate;
	r->epoch_ms = m->report.epoch_ms;
	r->wss_pages = m->report.wss_pages;
	r->samples = m->report.samples;
	for (i = 0; i < VTIER_HIST_BUCKETS; i++)
		r->hist[i] = m->report.hist[i];
	if (r->at_ns)
		r->gap_ns = now - r->at_ns;
	r->at_ns = now;
}

static const struct session_ops vm_session_ops = {
	.hints = sess_hints, .report = sess_report,
};

struct vm *vm_alloc(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->vs.cid = 3;
	vm->vs.port = VTIER_DEFAULT_PORT;
	vm->bal.weight = 1;
	vm->listen_fd = -1;
	vm->ev_listen.fd = vm->ev_retry.fd = vm->fwd.ev_listen.fd = -1;
	return vm;
}

void vm_setup(struct vm *vm, struct loop *loop, struct tier *t, int verbose)
{
	vm->log.name = vm->name;
	vm->log.verbose = verbose;
	vsock_dev_init(&vm->vs, &vm->log, loop, vm->vs.cid, vm->vs.port,
		       &vm_app_ops, vm);
	pages_init(&vm->pages, PAGES_DEFAULT_LIMIT);
	tier_vm_init(&vm->tier, t, &vm->log, &vm->vs.vu.mem);
	vm->sv.log = &vm->log;
	vm->sv.mem = &vm->vs.vu.mem;
	vm->sv.pages = &vm->pages;
	vm->sv.quota_pages = &vm->tier.quota_pages;
	vm->sv.caps = t->ops->observe_only ? VTIER_CAP_OBSERVE : VTIER_CAP_MOVE;
	vm->sv.ops = &vm_session_ops;
	vm->sv.ctx = vm;
	vm->ev_listen.owner = vm->ev_retry.owner = vm;
	vm->ev_listen.loop = vm->ev_retry.loop = loop;
}

/* Flow i is a vtier session (not a forwarded connection). */
static bool is_session(const struct vm *vm, int i)
{
	return vm->vs.flow[i].used && vm->vs.flow[i].app_flow == &vm->sess[i];
}

bool vm_guest_connected(const struct vm *vm)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (is_session(vm, i) && session_ready(&vm->sess[i]))
			return true;
	return false;
}

void vm_send_quota(struct vm *vm)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (is_session(vm, i) && session_ready(&vm->sess[i]))
			session_quota(&vm->sess[i], vm->tier.quota_pages);
	vsock_rx_flush(&vm->vs);
}

/* BYE (reason shutdown) and SHUTDOWN to every guest connection. */
static void say_goodbye(struct vm *vm)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct vsock_flow *f = &vm->vs.flow[i];

		if (!vsock_flow_open(f))
			continue;
		if (is_session(vm, i) && vm->sess[i].state == SESSION_READY)
			session_bye(&vm->sess[i], VTIER_BYE_SHUTDOWN);
		vsock_flow_close(f, true);
	}
	vsock_rx_flush(&vm->vs);
}

/* The VM's vhost-user socket. */

static void listen_ready(struct ev *ev, uint32_t events)
{
	struct vm *vm = ev->owner;
	int fd = accept4(ev->fd, NULL, NULL, SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	loop_del(&vm->ev_listen);	/* one VMM at a time; others queue */
	vu_attach(&vm->vs.vu, fd);
}

static void retry_ready(struct ev *ev, uint32_t events)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm *vm = ev->owner;
	uint64_t ticks;
	int fd;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) < 0 || vm->vs.vu.conn_fd >= 0)
		return;
	strcpy(sa.sun_path, vm->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return;
	}
	vu_attach(&vm->vs.vu, fd);
}

static int arm_retry(struct vm *vm, bool on)
{
	struct itimerspec it = { 0 };

	if (on) {
		it.it_value.tv_nsec = 1;	/* try at once, then every 200 ms */
		it.it_interval.tv_nsec = RETRY_MS * 1000000L;
	}
	return timerfd_settime(vm->ev_retry.fd, 0, &it, NULL) ? -errno : 0;
}

static void wait_for_vmm(struct vm *vm)
{
	if (vm->closing)
		return;
	if (vm->connect_mode)
		arm_retry(vm, true);
	else if (vm->ev_listen.fd < 0)
		loop_add(vm->ev_listen.loop, &vm->ev_listen, vm->listen_fd,
			 EPOLLIN, listen_ready);
}

int vm_open(struct vm *vm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int fd, err;

	strcpy(sa.sun_path, vm->sock_path);
	if (vm->uds_path[0]) {
		err = vsock_fwd_open(&vm->fwd, &vm->vs, &vm->log,
				     vm->ev_listen.loop, vm->uds_path);
		if (err)
			return err;
	}
	if (vm->connect_mode) {
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		err = fd < 0 ? -errno :
		      loop_add(vm->ev_retry.loop, &vm->ev_retry, fd, EPOLLIN,
			       retry_ready);
		if (err) {
			if (fd >= 0)
				close(fd);
			return err;
		}
		vlog_info(&vm->log, "connecting to %s every %d ms (cid %llu, port %u)",
			  vm->sock_path, RETRY_MS,
			  (unsigned long long)vm->vs.cid, vm->vs.port);
		return arm_retry(vm, true);
	}
	if (!lstat(vm->sock_path, &st) && S_ISSOCK(st.st_mode))
		unlink(vm->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/*
	 * Created 0600 whatever the umask: whoever connects first owns the
	 * VM's device.  vtierd is single-threaded, so the umask is ours.
	 */
	old_mask = umask(0177);
	err = fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	      listen(fd, 4) ? -errno : 0;
	umask(old_mask);
	if (err) {
		vlog_info(&vm->log, "cannot listen on %s: %s", vm->sock_path,
			  strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	vm->listen_fd = fd;
	vlog_info(&vm->log, "listening on %s (cid %llu, port %u)",
		  vm->sock_path, (unsigned long long)vm->vs.cid, vm->vs.port);
	return loop_add(vm->ev_listen.loop, &vm->ev_listen, fd, EPOLLIN,
			listen_ready);
}

void vm_close(struct vm *vm)
{
	vm->closing = true;
	if (vm->vs.vu.conn_fd >= 0) {
		say_goodbye(vm);
		vu_detach(&vm->vs.vu);
	}
	loop_del(&vm->ev_listen);
	if (vm->listen_fd >= 0) {
		close(vm->listen_fd);
		unlink(vm->sock_path);
		vm->listen_fd = -1;
	}
	if (vm->ev_retry.fd >= 0) {
		int fd = vm->ev_retry.fd;

		loop_del(&vm->ev_retry);
		close(fd);
	}
	pages_clear(&vm->pages);
	vsock_fwd_close(&vm->fwd);
	vsock_dev_close(&vm->vs);
	vlog_flush(&vm->log);
}
