// SPDX-License-Identifier: GPL-2.0
/*
 * vsock forwarding (see vsock_fwd.h).  Each connection pairs a vsock flow
 * with a non-blocking Unix socket.  Guest bytes go straight to the socket
 * and, when it is full, wait in the connection's buffer (held, so the
 * guest's credit counts them); socket bytes are read only while the
 * flow's queue has room, so a peer that stops reading stops the other
 * side instead of growing a buffer.  Half-closes follow the vsock spec: a
 * guest SHUTDOWN(send) becomes shutdown(SHUT_WR) once its bytes are
 * written, the socket's EOF a SHUTDOWN(send) once its bytes are
 * delivered, and when both sides are done the flow ends with an RST.
 */
#include "vsock_fwd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vsock_dev.h"

#define LINE_MAX_LEN 32		/* "CONNECT 4294967295\n" fits */
#define READ_CHUNK 16384

/**
 * struct fwd_conn - one forwarded connection.
 * @fw: its forwarder.
 * @fd: the Unix socket.
 * @ev: watches @fd while there is something to wait for.
 * @f: the vsock flow; NULL while a host client's CONNECT line is read.
 * @since_ns: accepted at (the oldest line reader gives way when full).
 * @connected: the flow carries bytes (host-initiated: the guest answered).
 * @guest_eof: the guest sends no more.
 * @host_eof: nothing more goes to the guest (socket EOF, or the guest
 *	shut its receiving side).
 * @sock_gone: the socket failed or hung up: guest bytes are dropped.
 * @wr_shut: shutdown(SHUT_WR) done.
 * @line_len: bytes in @line.
 * @line: the CONNECT line.
 * @in_off: first byte of @in not yet written to the socket.
 * @in_len: bytes of @in not yet written.
 * @in: guest bytes waiting for the socket, at most the credit given.
 */
struct fwd_conn {
	struct vsock_fwd *fw;
	int fd;
	struct ev ev;
	struct vsock_flow *f;
	uint64_t since_ns;
	bool connected, guest_eof, host_eof, sock_gone, wr_shut;
	uint32_t line_len;
	char line[LINE_MAX_LEN];
	uint32_t in_off, in_len;
	uint8_t in[VSOCK_BUF_ALLOC];
};

static void conn_ready(struct ev *ev, uint32_t events);

static void conn_free(struct fwd_conn *c)
{
	unsigned int i;

	loop_del(&c->ev);
	close(c->fd);
	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (c->fw->conn[i] == c)
			c->fw->conn[i] = NULL;
	free(c);
}

/* A slot for fd; when all are taken, the oldest line reader gives way. */
static struct fwd_conn *conn_new(struct vsock_fwd *fw, int fd)
{
	struct fwd_conn *c, *oldest = NULL;
	int i, slot = -1;

	for (i = 0; i < VSOCK_MAX_FLOWS && slot < 0; i++) {
		if (!fw->conn[i])
			slot = i;
		else if (!fw->conn[i]->f &&
			 (!oldest || fw->conn[i]->since_ns < oldest->since_ns))
			oldest = fw->conn[i];
	}
	if (slot < 0 && oldest) {
		conn_free(oldest);
		return conn_new(fw, fd);
	}
	c = slot < 0 ? NULL : calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fw = fw;
	c->fd = fd;
	c->ev.fd = -1;
	c->ev.owner = c;
	c->since_ns = loop_now_ns();
	fw->conn[slot] = c;
	return c;
}

/* Watch the socket for what the connection waits for, nothing else. */
static void watch(struct fwd_conn *c)
{
	uint32_t ev = 0;

	if (!c->f || (c->connected && !c->host_eof && vsock_flow_room(c->f)))
		ev |= EPOLLIN;
	if (c->in_len && !c->sock_gone)
		ev |= EPOLLOUT;
	if (!ev || c->sock_gone) {
		loop_del(&c->ev);	/* a hung-up socket would wake us for ever */
		return;
	}
	if (c->ev.fd < 0)
		loop_add(c->fw->dev->vu.loop, &c->ev, c->fd, ev, conn_ready);
	else
		loop_mod(&c->ev, ev);
}

/* The socket failed: RST the flow; the flow's end frees the connection. */
static void sock_failed(struct fwd_conn *c)
{
	c->sock_gone = true;
	c->in_len = 0;
	vsock_flow_close(c->f, false);
}

/* Both sides done and nothing left to write: the flow ends with RST. */
static void maybe_finish(struct fwd_conn *c)
{
	if (c->guest_eof && c->host_eof && !c->in_len)
		vsock_flow_close(c->f, false);
}

static void flush_in(struct fwd_conn *c)
{
	while (c->in_len && !c->sock_gone) {
		ssize_t n = send(c->fd, c->in + c->in_off, c->in_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				sock_failed(c);
			return;
		}
		c->in_off += (uint32_t)n;
		c->in_len -= (uint32_t)n;
		c->fw->st.bytes_to_host += (uint64_t)n;
		vsock_flow_consumed(c->f, (uint32_t)n);
	}
	c->in_off = 0;
	if (c->guest_eof && !c->wr_shut && !c->sock_gone) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = true;
	}
	maybe_finish(c);
}

static void read_sock(struct fwd_conn *c)
{
	uint8_t buf[READ_CHUNK];
	uint32_t room = vsock_flow_room(c->f);
	ssize_t n;

	if (c->host_eof || !room)
		return;
	n = read(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			sock_failed(c);
		return;
	}
	if (n == 0) {
		c->host_eof = true;
		if (c->guest_eof)
			maybe_finish(c);
		else
			vsock_flow_shutdown(c->f);
		return;
	}
	vsock_flow_write(c->f, buf, (uint32_t)n);	/* n <= room */
	c->fw->st.bytes_to_guest += (uint64_t)n;
}

/*
 * "CONNECT P\n": read up to the newline only, the rest is data.  False
 * when c was freed (refused or gone).
 */
static bool read_line(struct fwd_conn *c)
{
	struct vsock_fwd *fw = c->fw;
	unsigned long port;
	char *nl, *end;
	ssize_t n;

	n = recv(c->fd, c->line + c->line_len,
		 sizeof(c->line) - 1 - c->line_len, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		goto refuse;
	c->line[c->line_len + (uint32_t)n] = 0;
	nl = strchr(c->line + c->line_len, '\n');
	if (nl)
		n = nl + 1 - (c->line + c->line_len);
	if (read(c->fd, c->line + c->line_len, (size_t)n) != n)
		goto refuse;
	c->line_len += (uint32_t)n;
	if (!nl) {
		if (c->line_len < sizeof(c->line) - 1)
			return true;
		goto refuse;
	}
	*nl = 0;
	if (strncmp(c->line, "CONNECT ", 8) || c->line[8] < '0' ||
	    c->line[8] > '9')
		goto refuse;
	errno = 0;
	port = strtoul(c->line + 8, &end, 10);
	if (errno || (*end && strcmp(end, "\r")) || port >= 0xffffffffu)
		goto refuse;
	c->f = vsock_dev_connect(fw->dev, (uint32_t)port, c);
	if (!c->f)
		goto refuse;
	if (fw->log->verbose)
		vlog_info(fw->log, "vsock: host client to guest port %lu (host port %u)",
			  port, c->f->host_port);
	return true;
refuse:
	fw->st.refused++;
	conn_free(c);
	return false;
}

static void conn_ready(struct ev *ev, uint32_t events)
{
	struct fwd_conn *c = ev->owner;
	struct vsock_dev *dev = c->fw->dev;

	if (!c->f) {
		if (!read_line(c))
			return;
	} else {
		if (c->in_len)
			flush_in(c);
		if (c->connected && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			read_sock(c);
	}
	watch(c);
	vsock_rx_flush(dev);	/* may end the flow and free c */
}

/* vsock app ops: the device's side of each connection. */

/* A guest connected to host port P: connect to <uds>_P. */
static void *fwd_accept(void *app, struct vsock_flow *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vsock_fwd *fw = app;
	struct fwd_conn *c;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", fw->path,
		 f->host_port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fw->log->verbose)
			vlog_info(fw->log, "vsock: guest port %u to host port %u: cannot connect to %s: %s; RST",
				  f->guest_port, f->host_port, sa.sun_path,
				  strerror(errno));
		if (fd >= 0)
			close(fd);
		fw->st.refused++;
		return NULL;
	}
	c = conn_new(fw, fd);
	if (!c) {
		close(fd);
		fw->st.refused++;
		return NULL;
	}
	c->f = f;
	c->connected = true;
	fw->st.guest_conns++;
	watch(c);
	return c;
}

static int fwd_recv(void *app, void *app_flow, const uint8_t *data,
		    uint32_t len)
{
	struct fwd_conn *c = app_flow;
	ssize_t n = 0;

	(void)app;
	if (c->sock_gone || !len)
		return 0;	/* dropped: the flow is being reset */
	if (!c->in_len) {
		n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			sock_failed(c);
			return 0;
		}
		if (n < 0)
			n = 0;
		c->fw->st.bytes_to_host += (uint64_t)n;
	}
	data += n;
	len -= (uint32_t)n;
	if (!len)
		return 0;
	/* The credit bounds what the guest sends before we consume it. */
	if (len > sizeof(c->in) - c->in_off - c->in_len) {
		memmove(c->in, c->in + c->in_off, c->in_len);
		c->in_off = 0;
		if (len > sizeof(c->in) - c->in_len)
			return -ENOBUFS;
	}
	memcpy(c->in + c->in_off + c->in_len, data, len);
	c->in_len += len;
	vsock_flow_hold(c->f, len);
	watch(c);
	return 0;
}

static void fwd_connected(void *app, void *app_flow)
{
	struct fwd_conn *c = app_flow;
	char ok[24];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->f->host_port);

	(void)app;
	c->connected = true;
	c->fw->st.host_conns++;
	if (send(c->fd, ok, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		sock_failed(c);
	watch(c);
}

static void fwd_shutdown(void *app, void *app_flow, uint32_t flags)
{
	struct fwd_conn *c = app_flow;

	(void)app;
	if (flags & VSOCK_SHUTDOWN_SEND)
		c->guest_eof = true;
	if (flags & VSOCK_SHUTDOWN_RCV)
		c->host_eof = true;	/* it reads no more: stop reading */
	if (!c->in_len)
		flush_in(c);	/* SHUT_WR now, or the flow's end */
	watch(c);
}

static void fwd_drained(void *app, void *app_flow)
{
	(void)app;
	watch(app_flow);
}

static void fwd_closed(void *app, void *app_flow)
{
	struct fwd_conn *c = app_flow;

	(void)app;
	if (!c->connected)
		c->fw->st.refused++;	/* the guest's RST to our REQUEST */
	conn_free(c);
}

static const struct vsock_app_ops fwd_ops = {
	.accept = fwd_accept, .recv = fwd_recv, .connected = fwd_connected,
	.shutdown = fwd_shutdown, .drained = fwd_drained, .closed = fwd_closed,
};

static void listen_ready(struct ev *ev, uint32_t events)
{
	struct vsock_fwd *fw = ev->owner;
	int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct fwd_conn *c;

	(void)events;
	if (fd < 0)
		return;
	c = conn_new(fw, fd);
	if (!c) {
		fw->st.refused++;
		close(fd);
		return;
	}
	watch(c);
}

int vsock_fwd_open(struct vsock_fwd *fw, struct vsock_dev *dev,
		   struct vlog *log, struct loop *loop, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, err;

	memset(fw, 0, sizeof(*fw));
	fw->ev_listen.fd = -1;
	fw->dev = dev;
	fw->log = log;
	if (strlen(path) >= sizeof(fw->path)) {
		vlog_error(log, "vsock forwarding: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(fw->path, path);
	strcpy(sa.sun_path, path);
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(0177);	/* 0600: the VM's vsock is its owner's */
	err = fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	      listen(fd, 16) ? -errno : 0;
	umask(old);
	fw->ev_listen.owner = fw;
	if (!err)
		err = loop_add(loop, &fw->ev_listen, fd, EPOLLIN, listen_ready);
	if (err) {
		vlog_error(log, "vsock forwarding: cannot listen on %s: %s",
			   path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	vsock_dev_set_forward(dev, &fwd_ops, fw);
	vlog_info(log, "vsock forwarding: other ports to %s_<port>, host clients on %s",
		  path, path);
	return 0;
}

void vsock_fwd_close(struct vsock_fwd *fw)
{
	int i, fd = fw->ev_listen.fd;

	if (fw->dev)
		vsock_dev_set_forward(fw->dev, NULL, NULL);
	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct fwd_conn *c = fw->conn[i];

		if (c && c->f)
			vsock_flow_end(c->f);	/* frees c */
		else if (c)
			conn_free(c);
	}
	if (fd < 0)
		return;
	loop_del(&fw->ev_listen);
	close(fd);
	unlink(fw->path);
}

unsigned int vsock_fwd_conns(const struct vsock_fwd *fw)
{
	unsigned int i, n = 0;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		n += fw->conn[i] && fw->conn[i]->connected;
	return n;
}

uint64_t vsock_fwd_buffered(const struct vsock_fwd *fw)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		const struct fwd_conn *c = fw->conn[i];

		if (c)
			n += c->in_len + (c->f ? c->f->out_len : 0);
	}
	return n;
}
