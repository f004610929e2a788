// SPDX-License-Identifier: GPL-2.0
/*
 * Control socket: JSON request line in, JSON reply line out (the replies
 * are control_reply.c's), and the metrics listener's HTTP scrapes.
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

#include "control_reply.h"
#include "metrics.h"

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
	const struct control_view *v = &c->ctl->view;

	if (!strstr(c->in, "\r\n\r\n") && !strstr(c->in, "\n\n")) {
		if (c->in_len >= sizeof(c->in) - 1)
			client_free(c);	/* no scraper sends 4 KiB of head */
		return;
	}
	c->out = metrics_http_response(c->in, v->vms, v->nvms, v->tier, v->bal,
				       &c->out_len);
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
	rep = nl ? control_reply(&c->ctl->view, c->in) :
		   control_error("request too long%s", "");
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
	ctl->view.vms = vms;
	ctl->view.nvms = nvms;
	ctl->view.bal = bal;
	ctl->view.tier = tier;
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
