// SPDX-License-Identifier: GPL-2.0
/*
 * Control socket: JSON request line in, JSON reply line out (libjansson).
 * Only root, vtierd's own user and (with a group) its members may talk to
 * it: the file mode says so and SO_PEERCRED is checked on each client, so
 * a socket file left with a wider mode grants nothing.  A client that
 * sends no request within CONTROL_IDLE_MS is closed, and when every slot
 * is taken the oldest client still reading gives way to the new one, so
 * idle connections cannot lock vtierctl out.
 */
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>

#include "balance.h"
#include "metrics.h"
#include "tier.h"
#include "vm.h"

#define CONTROL_MAX_REQUEST 4096
#define CONTROL_SWEEP_MS 500

struct client {
	struct control *ctl;
	unsigned int slot;	/* in ctl->client[] */
	struct ev ev;
	int fd;
	bool http;		/* a metrics scrape, not a JSON request */
	uint64_t since_ns;	/* accepted at */
	char in[CONTROL_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_pos;
};

/*
 * Placement figures (all zero while observe-only but fast_pages and the
 * deferred promotions, which logical residency keeps too).
 */
static void add_placement(json_t *o, const struct tier *t,
			  const struct vm *vm)
{
	const struct placement *pl = &vm->tier.place;
	const struct place_stats *p = &pl->st;
	uint32_t p50, p99;
	const struct deferred *d = t->ops->deferred(&vm->tier);

	placement_latency(pl, &p50, &p99);
	json_object_update_new(o, json_pack(
		"{s:I, s:I, s:I}",
		"deferred_pending", (json_int_t)d->len,
		"deferred_retried", (json_int_t)d->retried,
		"deferred_dropped", (json_int_t)d->dropped));
	/* First touch (--initial first-touch); node -1 when off. */
	json_object_update_new(o, json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"first_touch_node", pl->ft.on ? pl->ft.node : -1,
		"first_touch_pages", (json_int_t)pl->ft.st.fast,
		"first_touch_slow_pages", (json_int_t)pl->ft.st.slow,
		"first_touch_excess_pages", (json_int_t)pl->ft.st.excess,
		"first_touch_evicted", (json_int_t)pl->ft.st.evicted,
		"first_touch_switches", (json_int_t)pl->ft.st.switches,
		"first_touch_passes", (json_int_t)pl->ft.st.passes,
		"first_touch_pass_us", (json_int_t)pl->ft.st.last_pass_us));
	json_object_update_new(o, json_pack(
		"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
		"fast_node", t->fast_node,
		"slow_node", t->slow_node,
		"fast_pages", (json_int_t)t->ops->fast_pages(&vm->tier),
		"promoted_pages", (json_int_t)p->promoted,
		"demoted_pages", (json_int_t)p->demoted,
		"already_pages", (json_int_t)p->already,
		"absent_pages", (json_int_t)p->absent,
		"busy_pages", (json_int_t)p->busy,
		"failed_pages", (json_int_t)p->failed,
		"deferred_hints", (json_int_t)p->deferred,
		"queued_hints", (json_int_t)p->queued,
		"dropped_hints", (json_int_t)p->dropped,
		"queue_depth", (json_int_t)pl->q_len,
		"moved_bytes", (json_int_t)p->moved_bytes,
		"move_bytes_per_s", (json_int_t)pl->bytes_per_s,
		"latency_p50_us", (json_int_t)p50,
		"latency_p99_us", (json_int_t)p99,
		"last_move_errno", p->last_errno));
}

/* The balancer's view of the VM (docs/balancer.md). */
static void add_balance(json_t *o, const struct vm *vm)
{
	const struct vm_balance *vb = &vm->bal;
	json_t *arr = json_array();
	unsigned int i, n = vb->nchanges < VM_QUOTA_CHANGES ?
			    vb->nchanges : VM_QUOTA_CHANGES;

	for (i = vb->nchanges - n; i < vb->nchanges; i++) {
		const struct quota_change *c =
			&vb->changes[i % VM_QUOTA_CHANGES];

		json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s}",
			"t_ms", (json_int_t)c->t_ms, "from", (json_int_t)c->from,
			"to", (json_int_t)c->to, "reason", c->reason));
	}
	json_object_update_new(o, json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:o}",
		"min_pages", (json_int_t)vb->min_pages,
		"max_pages", (json_int_t)vb->max_pages,
		"weight", (json_int_t)vb->weight,
		"demand_pages", (json_int_t)vb->demand_pages,
		"host_demoted_pages", (json_int_t)vb->host_demoted_pages,
		"quota_changes", arr));
}

/* The vsock device's work budget and the forwarder (docs/vtierd.md). */
static void add_vsock(json_t *o, const struct vm *vm)
{
	const struct fwd_stats *f = &vm->fwd.st;

	json_object_update_new(o, json_pack(
		"{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"vsock_tx_yields", (json_int_t)vm->vs.tx_yields,
		"vsock_forwarding", vm->uds_path[0] != 0,
		"vsock_fwd_conns", (json_int_t)vsock_fwd_conns(&vm->fwd),
		"vsock_fwd_buffered_bytes",
		(json_int_t)vsock_fwd_buffered(&vm->fwd),
		"vsock_fwd_guest_conns", (json_int_t)f->guest_conns,
		"vsock_fwd_host_conns", (json_int_t)f->host_conns,
		"vsock_fwd_refused", (json_int_t)f->refused,
		"vsock_fwd_bytes_to_host", (json_int_t)f->bytes_to_host,
		"vsock_fwd_bytes_to_guest", (json_int_t)f->bytes_to_guest));
}

static json_t *vm_status(const struct control *ctl, const struct vm *vm)
{
	const struct session_stats *s = &vm->sv.st;
	json_t *o;

	o = json_pack("{s:s, s:b, s:b, s:I, s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:s}",
			 "name", vm->name,
			 "vhost_connected", vm->vs.vu.conn_fd >= 0,
			 "guest_connected", vm_guest_connected(vm),
			 "cid", (json_int_t)vm->vs.cid,
			 "sampler", vtier_sampler_name(vm->sv.sampler),
			 "quota_pages", (json_int_t)vm->tier.quota_pages,
			 "observe_only", ctl->tier->ops->observe_only,
			 "hints_received", (json_int_t)s->hints_received,
			 "hints_translated", (json_int_t)s->hints_translated,
			 "hints_rejected", (json_int_t)s->hints_rejected,
			 "frames_rejected", (json_int_t)s->frames_rejected,
			 "batches", (json_int_t)s->batches,
			 "reports", (json_int_t)s->reports,
			 "would_move_pages", (json_int_t)s->would_move_pages,
			 "device_broken", vm->vs.vu.broken,
			 "untracked_pages", (json_int_t)vm->pages.untracked,
			 "last_error", vm->log.last_error);
	if (o) {
		add_placement(o, ctl->tier, vm);
		add_balance(o, vm);
		add_vsock(o, vm);
	}
	return o;
}

static json_t *status_reply(const struct control *ctl)
{
	json_t *arr = json_array();
	int i;

	struct balance_info bi;
	uint64_t allocated = 0;

	balance_get_info(ctl->bal, &bi);
	for (i = 0; i < ctl->nvms; i++) {
		json_array_append_new(arr, vm_status(ctl, ctl->vms[i]));
		allocated += ctl->vms[i]->tier.quota_pages;
	}
	return json_pack("{s:o, s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			 "vms", arr, "balancer",
			 "policy", bi.policy,
			 "period_ms", (json_int_t)bi.period_ms,
			 "fmem_total_pages", (json_int_t)bi.total_pages,
			 "allocated_pages", (json_int_t)allocated,
			 "step_pages", (json_int_t)bi.step_pages,
			 "deadband_pages", (json_int_t)bi.deadband_pages,
			 "deadline_ms", (json_int_t)bi.deadline_ms,
			 "periods", (json_int_t)bi.periods);
}

static int by_gpfn(const void *a, const void *b)
{
	const struct page_entry *x = *(const struct page_entry *const *)a;
	const struct page_entry *y = *(const struct page_entry *const *)b;

	return x->gpfn < y->gpfn ? -1 : x->gpfn > y->gpfn;
}

static const char *action_name(uint8_t a)
{
	return a == VTIER_HINT_PROMOTE ? "promote" :
	       a == VTIER_HINT_DEMOTE ? "demote" : "none";
}

static json_t *pages_reply(const struct control *ctl, const struct vm *vm)
{
	const struct page_table *pt = &vm->pages;
	struct page_entry **sorted = calloc(pt->count + 1, sizeof(*sorted));
	json_t *arr = json_array();
	size_t i, n = 0;

	for (i = 0; sorted && i < pt->cap; i++)
		if (pt->slot[i].used)
			sorted[n++] = &pt->slot[i];
	qsort(sorted, n, sizeof(*sorted), by_gpfn);
	for (i = 0; i < n; i++) {
		const struct page_entry *e = sorted[i];

		bool fast = ctl->tier->ops->is_fast(&vm->tier, e->gpfn);

		json_array_append_new(arr, json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:b}",
			"gpfn", (json_int_t)e->gpfn, "gpa", (json_int_t)e->gpa,
			"region", (json_int_t)e->region,
			"region_gpa", (json_int_t)e->region_gpa,
			"mmap_offset", (json_int_t)e->mmap_offset,
			"vmm_addr", (json_int_t)e->vmm_addr,
			"hints", (json_int_t)e->hints,
			"last_action", action_name(e->last_action),
			"fast", fast));
	}
	free(sorted);
	return json_pack("{s:s, s:i, s:I, s:o}", "vm", vm->name,
			 "vmm_pid", (int)vm->vs.vu.vmm_pid,
			 "untracked_pages", (json_int_t)pt->untracked,
			 "pages", arr);
}

static json_t *error_reply(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	return json_pack("{s:s}", "error", msg);
}

/* Optional non-negative integer field; 0 absent, 1 set, -EINVAL bad. */
static int opt_u64(json_t *req, const char *k, uint64_t *v)
{
	json_t *j = json_object_get(req, k);

	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -EINVAL;
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

static json_t *quota_request(struct control *ctl, json_t *req, struct vm *vm)
{
	uint64_t min = 0, max = 0, w = 0;
	uint32_t weight;
	int hmin = opt_u64(req, "min_pages", &min);
	int hmax = opt_u64(req, "max_pages", &max);
	int hw = opt_u64(req, "weight", &w);
	char err[200];

	if (hmin < 0 || hmax < 0 || hw < 0)
		return error_reply("bad value in quota request%s", "");
	if (hw && w > BAL_MAX_WEIGHT)
		w = 0;		/* out of range: refused below */
	weight = (uint32_t)w;
	if (balance_set_limits(ctl->bal, vm, hmin ? &min : NULL, hmax ? &max : NULL,
			       hw ? &weight : NULL, err, sizeof(err)))
		return error_reply("%s", err);
	return json_pack("{s:s, s:I, s:I, s:I}", "vm", vm->name,
			 "min_pages", (json_int_t)vm->bal.min_pages,
			 "max_pages", (json_int_t)vm->bal.max_pages,
			 "weight", (json_int_t)vm->bal.weight);
}

static json_t *handle_request(struct control *ctl, const char *line)
{
	const char *cmd = NULL, *name = NULL;
	json_error_t err;
	json_t *req = json_loads(line, 0, &err), *rep;
	int i;

	if (!req || json_unpack(req, "{s:s, s?s}", "cmd", &cmd, "vm", &name)) {
		json_decref(req);
		return error_reply("malformed request%s", "");
	}
	if (!strcmp(cmd, "status")) {
		rep = status_reply(ctl);
	} else if (!strcmp(cmd, "metrics")) {
		size_t len;
		char *text = metrics_text(ctl->vms, ctl->nvms, ctl->tier,
					  ctl->bal, &len);

		rep = text ? json_pack("{s:s}", "metrics", text) :
			     error_reply("out of memory%s", "");
		free(text);
	} else if (!strcmp(cmd, "pages") || !strcmp(cmd, "quota")) {
		rep = NULL;
		for (i = 0; name && i < ctl->nvms; i++)
			if (!strcmp(ctl->vms[i]->name, name))
				rep = cmd[0] == 'p' ?
				      pages_reply(ctl, ctl->vms[i]) :
				      quota_request(ctl, req, ctl->vms[i]);
		if (!rep)
			rep = error_reply("unknown VM '%s'", name ? name : "");
	} else {
		rep = error_reply("unknown command '%s'", cmd);
	}
	json_decref(req);
	return rep;
}

static void arm_sweep(struct control *ctl, bool on)
{
	struct itimerspec it = { 0 };

	if (on) {
		it.it_value.tv_nsec = CONTROL_SWEEP_MS * 1000000L;
		it.it_interval = it.it_value;
	}
	if (ctl->ev_idle.fd >= 0)
		timerfd_settime(ctl->ev_idle.fd, 0, &it, NULL);
}

static void client_free(struct client *c)
{
	struct control *ctl = c->ctl;
	unsigned int i;

	loop_del(&c->ev);
	close(c->fd);
	free(c->out);
	ctl->client[c->slot] = NULL;
	free(c);
	for (i = 0; i < CONTROL_MAX_CLIENTS && !ctl->client[i]; i++)
		;
	if (i == CONTROL_MAX_CLIENTS)
		arm_sweep(ctl, false);
}

/* Close clients that sent no complete request within CONTROL_IDLE_MS. */
static void sweep_ready(struct ev *ev, uint32_t events)
{
	struct control *ctl = ev->owner;
	uint64_t ticks, now = loop_now_ns();
	unsigned int i;

	(void)events;
	if (read(ev->fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *c = ctl->client[i];

		if (c && !c->out &&
		    now - c->since_ns >= CONTROL_IDLE_MS * 1000000ull)
			client_free(c);
	}
}

/*
 * Root, vtierd's user, or a member of the control group (by its primary
 * group or /etc/group).
 */
static bool peer_allowed(const struct control *ctl, int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);
	struct passwd pw, *pwp = NULL;
	gid_t groups[256];
	int i, n = 256;
	char buf[4096];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len))
		return false;
	if (uc->uid == 0 || uc->uid == geteuid())
		return true;
	if (!ctl->group_set)
		return false;
	if (uc->gid == ctl->group)
		return true;
	if (getpwuid_r(uc->uid, &pw, buf, sizeof(buf), &pwp) || !pwp ||
	    getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == ctl->group)
			return true;
	return false;
}

/* A free slot, or the one of the oldest client still sending its request. */
static int take_slot(struct control *ctl)
{
	int i, oldest = -1;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *c = ctl->client[i];

		if (!c)
			return i;
		if (!c->out && (oldest < 0 ||
				c->since_ns < ctl->client[oldest]->since_ns))
			oldest = i;
	}
	if (oldest >= 0)
		client_free(ctl->client[oldest]);
	return oldest;
}

/* A scrape: once the request head is complete, the whole response. */
static void http_read(struct client *c)
{
	const struct control *ctl = c->ctl;

	if (!strstr(c->in, "\r\n\r\n") && !strstr(c->in, "\n\n")) {
		if (c->in_len >= sizeof(c->in) - 1)
			client_free(c);	/* no scraper sends 4 KiB of head */
		return;
	}
	c->out = metrics_http_response(c->in, ctl->vms, ctl->nvms, ctl->tier,
				       ctl->bal, &c->out_len);
	if (!c->out) {
		client_free(c);
		return;
	}
	loop_mod(&c->ev, EPOLLOUT);
}

/* Read the request line; once complete, build the whole reply. */
static void client_read(struct client *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len,
			 sizeof(c->in) - 1 - c->in_len);
	json_t *rep;
	char *nl;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_free(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = 0;
	if (c->http) {
		http_read(c);
		return;
	}
	nl = strchr(c->in, '\n');
	if (!nl && c->in_len < sizeof(c->in) - 1)
		return;
	if (nl)
		*nl = 0;
	rep = nl ? handle_request(c->ctl, c->in) :
		   error_reply("request too long%s", "");
	c->out = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rep);
	if (!c->out) {
		client_free(c);
		return;
	}
	c->out_len = strlen(c->out);
	c->out[c->out_len++] = '\n';	/* replaces the terminating NUL */
	loop_mod(&c->ev, EPOLLOUT);
}

static void client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
			 MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->out_pos += (size_t)n;
	if (n <= 0 || c->out_pos == c->out_len)
		client_free(c);
}

static void client_ready(struct ev *ev, uint32_t events)
{
	struct client *c = ev->owner;

	if (c->out)
		client_write(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
}

static void accept_ready(struct ev *ev, uint32_t events)
{
	int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct control *ctl = ev->owner;
	struct client *c = NULL;
	struct ucred uc;
	int i;

	(void)events;
	if (fd < 0)
		return;
	/* Loopback TCP has no peer credentials; it only reads metrics. */
	uc = (struct ucred){ 0 };
	if ((ev != &ctl->ev_metrics || ctl->metrics_path[0]) &&
	    !peer_allowed(ctl, fd, &uc)) {
		/* First few, then every 1000th: a local user cannot flood the log. */
		if (ctl->refused++ < 4 || ctl->refused % 1000 == 0)
			fprintf(stderr, "vtierd: control: refused a client of uid %u gid %u (not root, vtierd's user or the control group; %llu refused)\n",
				(unsigned int)uc.uid, (unsigned int)uc.gid,
				(unsigned long long)ctl->refused);
		close(fd);
		return;
	}
	i = take_slot(ctl);
	if (i >= 0)
		c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->slot = (unsigned int)i;
	c->fd = fd;
	c->http = ev == &ctl->ev_metrics;
	c->since_ns = loop_now_ns();
	c->ev.owner = c;
	if (loop_add(ctl->ev.loop, &c->ev, fd, EPOLLIN, client_ready)) {
		close(fd);
		free(c);
		return;
	}
	ctl->client[i] = c;
	arm_sweep(ctl, true);
}

/* Bind path 0600 (0660 with a group) whatever the umask; -errno. */
static int bind_private(struct control *ctl, int fd,
			const struct sockaddr_un *sa)
{
	mode_t old = umask(0177);	/* no window with a wider mode */
	int err = bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;

	umask(old);
	if (err || !ctl->group_set)
		return err;
	if (chown(sa->sun_path, (uid_t)-1, ctl->group) ||
	    chmod(sa->sun_path, 0660))
		return -errno;
	return 0;
}

/* --control-group NAME (or a number) into ctl->group; -errno. */
static int set_group(struct control *ctl, const char *group)
{
	struct group gr, *grp = NULL;
	char buf[4096], *end;
	unsigned long v;

	if (!group)
		return 0;
	v = strtoul(group, &end, 10);
	if (*group && !*end) {
		ctl->group = (gid_t)v;
	} else if (!getgrnam_r(group, &gr, buf, sizeof(buf), &grp) && grp) {
		ctl->group = grp->gr_gid;
	} else {
		fprintf(stderr, "vtierd: --control-group: no group '%s'\n", group);
		return -ENOENT;
	}
	ctl->group_set = true;
	return 0;
}

int control_open(struct control *ctl, struct loop *loop, const char *path,
		 struct vm **vms, int nvms, struct balance *bal,
		 const struct tier *tier, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	struct stat st;
	int fd, err;

	memset(ctl, 0, sizeof(*ctl));
	ctl->ev.fd = ctl->ev_idle.fd = ctl->ev_metrics.fd = -1;
	err = set_group(ctl, group);
	if (err)
		return err;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vtierd: control socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "vtierd: cannot create directory for %s: %s\n",
			path, strerror(-err));
		return err;
	}
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : bind_private(ctl, fd, &sa);
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		fprintf(stderr, "vtierd: cannot listen on control socket %s: %s\n",
			path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->vms = vms;
	ctl->nvms = nvms;
	ctl->bal = bal;
	ctl->tier = tier;
	ctl->ev.owner = ctl;
	ctl->ev_idle.owner = ctl;
	err = loop_add(loop, &ctl->ev, fd, EPOLLIN, accept_ready);
	if (err) {
		close(fd);
		unlink(ctl->path);
		return err;
	}
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	err = fd < 0 ? -errno : loop_add(loop, &ctl->ev_idle, fd, EPOLLIN,
					 sweep_ready);
	if (err) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "vtierd: control: timerfd: %s\n", strerror(-err));
	}
	return err;
}

/* [HOST:]PORT with a loopback HOST; the port, or -1. */
static int loopback_port(const char *addr, bool *v6)
{
	const char *colon = strrchr(addr, ':'), *port = colon ? colon + 1 : addr;
	size_t hlen = colon ? (size_t)(colon - addr) : 0;
	unsigned long v;
	char *end;

	*v6 = hlen == 5 && !strncmp(addr, "[::1]", 5);
	if (colon && !*v6 && !(hlen == 9 && !strncmp(addr, "127.0.0.1", 9)) &&
	    !(hlen == 9 && !strncmp(addr, "localhost", 9)))
		return -1;
	v = strtoul(port, &end, 10);
	return *port && !*end && v > 0 && v < 65536 ? (int)v : -1;
}

static int metrics_socket(struct control *ctl, const char *addr)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	int fd, port, one = 1;
	struct stat st;
	bool v6;

	if (addr[0] == '/') {
		if (strlen(addr) >= sizeof(su.sun_path))
			return -ENAMETOOLONG;
		strcpy(su.sun_path, addr);
		strcpy(ctl->metrics_path, addr);
		if (!lstat(addr, &st) && S_ISSOCK(st.st_mode))
			unlink(addr);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		port = bind_private(ctl, fd, &su);
		if (port) {
			close(fd);
			return port;
		}
		return fd;
	}
	port = loopback_port(addr, &v6);
	if (port < 0)
		return -EINVAL;
	fd = socket(v6 ? AF_INET6 : AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	s6.sin6_port = s4.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6 ? bind(fd, (struct sockaddr *)&s6, sizeof(s6)) :
		 bind(fd, (struct sockaddr *)&s4, sizeof(s4))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int control_listen_metrics(struct control *ctl, const char *addr)
{
	int fd = metrics_socket(ctl, addr), err;

	err = fd < 0 ? fd : listen(fd, 16) ? -errno : 0;
	ctl->ev_metrics.owner = ctl;
	if (!err)
		err = loop_add(ctl->ev.loop, &ctl->ev_metrics, fd, EPOLLIN,
			       accept_ready);
	if (err) {
		fprintf(stderr, "vtierd: cannot listen for metrics on %s: %s%s\n",
			addr, strerror(-err), err == -EINVAL ?
			" (want a socket path, PORT or 127.0.0.1:PORT: loopback only)" : "");
		if (fd >= 0)
			close(fd);
		if (ctl->metrics_path[0])
			unlink(ctl->metrics_path);
		ctl->metrics_path[0] = 0;
		return err;
	}
	fprintf(stderr, "vtierd: metrics on %s (HTTP GET /metrics)\n", addr);
	return 0;
}

void control_close(struct control *ctl)
{
	int fd = ctl->ev.fd;
	unsigned int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->client[i])
			client_free(ctl->client[i]);
	if (ctl->ev_idle.fd >= 0) {
		int tfd = ctl->ev_idle.fd;

		loop_del(&ctl->ev_idle);
		close(tfd);
	}
	if (ctl->ev_metrics.fd >= 0) {
		int mfd = ctl->ev_metrics.fd;

		loop_del(&ctl->ev_metrics);
		close(mfd);
		if (ctl->metrics_path[0])
			unlink(ctl->metrics_path);
	}
	if (fd < 0)
		return;
	loop_del(&ctl->ev);
	close(fd);
	unlink(ctl->path);
}
