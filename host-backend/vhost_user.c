// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user control messages.  Message order QEMU 7.2 uses is described in
 * docs/vtierd.md; GET_VRING_BASE is treated as a device reset since QEMU
 * sends nothing else when the guest resets the device.
 */
#include "vhost_user.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "vhost_user_proto.h"

struct vu_msg {
	struct { uint32_t request, flags, size; } hdr;
	union {
		uint64_t u64;
		struct { uint32_t index, num; } state;
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} addr;
		struct {
			uint32_t n, pad;
			struct memtab_region_desc r[MEMTAB_MAX_REGIONS];
		} mem;
		struct { uint32_t offset, size, flags; uint8_t data[256]; } cfg;
		uint8_t raw[VU_MAX_PAYLOAD];
	} p;
	int fds[VU_MAX_FDS];
	int nfds;
};

static void kick_ready(struct ev *ev, uint32_t events);
static void set_nonblock(int fd);

void vu_dev_init(struct vu_dev *dev, struct vlog *log, struct loop *loop,
		 const struct vu_dev_ops *ops)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->log = log;
	dev->loop = loop;
	dev->ops = ops;
	dev->conn_fd = -1;
	dev->ev_conn.fd = -1;
	for (i = 0; i < VU_RINGS; i++) {
		dev->ev_kick[i].fd = -1;
		vring_init(&dev->vq[i], i);
	}
	memtab_init(&dev->mem);
}

void vu_dev_break(struct vu_dev *dev, unsigned int ring, const char *why)
{
	if (dev->broken)
		return;
	dev->broken = true;
	dev->ops->reset(dev);
	vlog_error(dev->log, "device broken: %s ring: %s; stopped until the guest resets the device",
		   dev->ring_name[ring], why);
}

static int vu_reply(struct vu_dev *dev, const struct vu_msg *req, const void *p,
		    uint32_t size)
{
	uint8_t buf[VU_HDR_SIZE + sizeof(((struct vu_msg *)0)->p.cfg)];
	uint32_t h[3] = { req->hdr.request, VU_FLAG_VERSION | VU_FLAG_REPLY, size };

	memcpy(buf, h, VU_HDR_SIZE);
	memcpy(buf + VU_HDR_SIZE, p, size);
	/* A VMM that leaves its replies unread loses its connection. */
	if (send(dev->conn_fd, buf, VU_HDR_SIZE + size,
		 MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)(VU_HDR_SIZE + size)) {
		int err = errno ? -errno : -EIO;

		vlog_error(dev->log, "vhost-user: cannot send reply: %s",
			   strerror(-err));
		return err;
	}
	return 0;
}

static int reply_u64(struct vu_dev *dev, const struct vu_msg *m, uint64_t v)
{
	return vu_reply(dev, m, &v, sizeof(v));
}

/* Keep the fds that came with this part of a message; -EPROTO if too many. */
static int take_fds(struct vu_dev *dev, struct msghdr *mh)
{
	struct cmsghdr *c;
	int err = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int k, j, *fds = (int *)CMSG_DATA(c);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (j = 0; j < k; j++) {
			int fd;

			memcpy(&fd, fds + j, sizeof(fd));
			if (dev->rx_nfds < VU_MAX_FDS)
				dev->rx_fds[dev->rx_nfds++] = fd;
			else
				close(fd), err = -EPROTO;
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		err = -EPROTO;
	return err;
}

/*
 * Read what the socket has of the current message, never waiting: a VMM
 * that sends a byte at a time stalls only itself.  1 when a message is
 * complete in dev->rx, 0 while more is due, -ECONNRESET on EOF, -EPROTO
 * if malformed.
 */
static int vu_read_some(struct vu_dev *dev)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	uint32_t size, want;
	struct iovec iov;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	ssize_t n;

	memcpy(&size, dev->rx + 8, sizeof(size));
	want = dev->rx_have < VU_HDR_SIZE ? VU_HDR_SIZE : VU_HDR_SIZE + size;
	iov.iov_base = dev->rx + dev->rx_have;
	iov.iov_len = want - dev->rx_have;
	n = recvmsg(dev->conn_fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -ECONNRESET;
	if (take_fds(dev, &mh)) {
		vlog_error(dev->log, "vhost-user: truncated or excess fds in a message");
		return -EPROTO;
	}
	if (n == 0)
		return -ECONNRESET;
	dev->rx_have += (uint32_t)n;
	if (dev->rx_have == VU_HDR_SIZE) {
		memcpy(&size, dev->rx + 8, sizeof(size));
		if (size > VU_MAX_PAYLOAD) {
			uint32_t req;

			memcpy(&req, dev->rx, sizeof(req));
			vlog_error(dev->log, "vhost-user: request %u payload %u too large",
				   req, size);
			return -EPROTO;
		}
	}
	memcpy(&size, dev->rx + 8, sizeof(size));
	return dev->rx_have >= VU_HDR_SIZE &&
	       dev->rx_have == VU_HDR_SIZE + size;
}

/* The complete message in dev->rx, its fds moved into m. */
static void vu_take_msg(struct vu_dev *dev, struct vu_msg *m)
{
	memcpy(&m->hdr, dev->rx, VU_HDR_SIZE);
	memcpy(&m->p, dev->rx + VU_HDR_SIZE, m->hdr.size);
	memcpy(m->fds, dev->rx_fds, sizeof(m->fds));
	m->nfds = dev->rx_nfds;
	dev->rx_have = 0;
	dev->rx_nfds = 0;
}

static void rx_drop(struct vu_dev *dev)
{
	int i;

	for (i = 0; i < dev->rx_nfds; i++)
		close(dev->rx_fds[i]);
	dev->rx_nfds = 0;
	dev->rx_have = 0;
	memset(dev->rx, 0, VU_HDR_SIZE);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void ring_stop(struct vu_dev *dev, unsigned int i)
{
	loop_del(&dev->ev_kick[i]);
	close_fd(&dev->vq[i].kick_fd);
	dev->vq[i].started = false;
}

/* Start a ring at its first kick fd; check placement now. */
static void ring_start(struct vu_dev *dev, unsigned int i)
{
	const char *why;

	dev->vq[i].event_idx = !!(dev->features & VU_F_EVENT_IDX);
	if (vring_map(&dev->vq[i], &dev->mem, &why)) {
		vu_dev_break(dev, i, why);
		return;
	}
	vring_start(&dev->vq[i]);
	dev->ops->kick(dev, i);
}

static void device_reset(struct vu_dev *dev)
{
	dev->ops->reset(dev);
	dev->broken = false;
}

static int on_mem_table(struct vu_dev *dev, struct vu_msg *m)
{
	const char *why;
	unsigned int i;
	int ack;

	if (m->hdr.size < 8 || m->p.mem.n > MEMTAB_MAX_REGIONS ||
	    m->hdr.size < 8 + m->p.mem.n * sizeof(m->p.mem.r[0]) ||
	    (int)m->p.mem.n != m->nfds) {
		vlog_error(dev->log, "vhost-user: malformed SET_MEM_TABLE");
		return 1;
	}
	dev->ops->mem_unmap(dev);	/* old translations are meaningless */
	ack = memtab_set(&dev->mem, m->p.mem.r, m->p.mem.n, m->fds, &why) != 0;
	if (ack)
		vlog_error(dev->log, "vhost-user: memory table rejected: %s", why);
	else
		dev->ops->mem_mapped(dev);
	/*
	 * Started rings point into the old mappings, which are gone even when
	 * the new table was refused (it is then empty): map them again, or
	 * break the device so no kick touches freed addresses.
	 */
	for (i = 0; i < VU_RINGS; i++) {
		if (dev->vq[i].started && vring_map(&dev->vq[i], &dev->mem, &why))
			vu_dev_break(dev, i, why);
	}
	if (ack)
		return 1;
	if (dev->log->verbose)
		vlog_info(dev->log, "memory table: %u regions", dev->mem.n);
	return 0;
}

static int on_get_config(struct vu_dev *dev, struct vu_msg *m)
{
	uint32_t off = m->p.cfg.offset, size = m->p.cfg.size, i;

	if (m->hdr.size < 12 || size > sizeof(m->p.cfg.data) ||
	    m->hdr.size != 12 + size) {
		vlog_error(dev->log, "vhost-user: malformed GET_CONFIG");
		return -EPROTO;
	}
	/* The device's config space; read past it as zeros. */
	for (i = 0; i < size; i++)
		m->p.cfg.data[i] = (uint64_t)off + i < sizeof(dev->config) ?
				   dev->config[off + i] : 0;
	return vu_reply(dev, m, &m->p.cfg, m->hdr.size);
}

/* on_vring() answered the request itself (GET_VRING_BASE): no REPLY_ACK. */
#define VU_REPLIED	(-EALREADY)

/*
 * Requests for one vring; returns the REPLY_ACK status (0 ok) or
 * VU_REPLIED.  *take is set when the handler keeps fds[0].
 */
static int on_vring(struct vu_dev *dev, struct vu_msg *m, bool *take)
{
	uint64_t u = m->p.u64;
	unsigned int i = m->hdr.request == VU_SET_VRING_KICK ||
			 m->hdr.request == VU_SET_VRING_CALL ||
			 m->hdr.request == VU_SET_VRING_ERR ?
			 (unsigned int)(u & 0xff) : m->p.state.index;
	bool has_fd = !(u & VU_VRING_NOFD) && m->nfds > 0;
	struct vring *vr;

	if (i >= VU_RINGS || m->hdr.size < 8) {
		vlog_error(dev->log, "vhost-user: request %u for bad vring %u",
			   m->hdr.request, i);
		if (m->hdr.request == VU_GET_VRING_BASE) {
			m->p.state.num = 0;
			vu_reply(dev, m, &m->p.state, 8);
			return VU_REPLIED;
		}
		return 1;
	}
	vr = &dev->vq[i];
	switch (m->hdr.request) {
	case VU_SET_VRING_NUM:
		/* A started ring's mapping was checked for its old size. */
		if (vr->started) {
			vlog_error(dev->log, "vhost-user: SET_VRING_NUM on started vring %u", i);
			return 1;
		}
		vr->num = m->p.state.num;
		return 0;
	case VU_SET_VRING_BASE:
		vr->last_avail = (uint16_t)m->p.state.num;
		return 0;
	case VU_SET_VRING_ADDR:
		if (m->hdr.size < sizeof(m->p.addr))
			return 1;
		vr->desc_ua = m->p.addr.desc;
		vr->used_ua = m->p.addr.used;
		vr->avail_ua = m->p.addr.avail;
		vr->addr_set = true;
		return 0;
	case VU_SET_VRING_ENABLE:
		vr->enabled = m->p.state.num != 0;
		if (vr->enabled && vr->started && dev->ops->enabled)
			dev->ops->enabled(dev, i);
		return 0;
	case VU_GET_VRING_BASE:
		/* Device reset: forget every connection; answer 0 for rings
		 * never seen (after a vtierd restart). */
		ring_stop(dev, i);
		vr->enabled = false;
		if (i == 0)
			vlog_info(dev->log, "device reset (GET_VRING_BASE): connections dropped");
		device_reset(dev);
		m->p.state.num = vr->last_avail;
		vu_reply(dev, m, &m->p.state, 8);
		return VU_REPLIED;
	case VU_SET_VRING_CALL:
		close_fd(&vr->call_fd);
		vr->call_fd = has_fd ? m->fds[0] : -1;
		if (has_fd)	/* a full eventfd or pipe gives EAGAIN */
			set_nonblock(vr->call_fd);
		*take = has_fd;
		return 0;
	case VU_SET_VRING_ERR:
		close_fd(&vr->err_fd);
		vr->err_fd = has_fd ? m->fds[0] : -1;
		*take = has_fd;
		return 0;
	default:	/* VU_SET_VRING_KICK */
		ring_stop(dev, i);
		if (!has_fd) {
			vlog_error(dev->log, "vhost-user: vring %u without kick fd is not supported", i);
			return 1;
		}
		vr->kick_fd = m->fds[0];
		set_nonblock(vr->kick_fd);
		*take = true;
		dev->ev_kick[i].owner = dev;
		dev->ev_kick[i].idx = (int)i;
		loop_add(dev->loop, &dev->ev_kick[i], vr->kick_fd, EPOLLIN, kick_ready);
		/* Without PROTOCOL_FEATURES rings start enabled. */
		if (!(dev->features & VU_F_PROTOCOL_FEATURES))
			vr->enabled = true;
		ring_start(dev, i);
		return 0;
	}
}

/* Handle one request; negative: drop the connection. */
static int vu_dispatch(struct vu_dev *dev, struct vu_msg *m)
{
	bool take = false;
	int ack = 0;

	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		return reply_u64(dev, m, VU_FEATURES);
	case VU_GET_PROTOCOL_FEATURES:
		return reply_u64(dev, m, VU_PROTOCOL_FEATURES);
	case VU_GET_QUEUE_NUM:
		return reply_u64(dev, m, VU_QUEUE_NUM);
	case VU_GET_CONFIG:
		return on_get_config(dev, m);
	case VU_SET_FEATURES:
		if (m->hdr.size < 8 || (m->p.u64 & ~VU_FEATURES)) {
			vlog_error(dev->log, "vhost-user: unsupported features 0x%llx",
				   (unsigned long long)m->p.u64);
			ack = 1;
		} else {
			dev->features = m->p.u64;
		}
		break;
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_OWNER:
	case VU_SET_CONFIG:
		break;
	case VU_RESET_OWNER:
		device_reset(dev);
		break;
	case VU_SET_MEM_TABLE:
		ack = on_mem_table(dev, m);
		break;
	case VU_SET_VRING_NUM: case VU_SET_VRING_ADDR: case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE: case VU_SET_VRING_KICK: case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR: case VU_SET_VRING_ENABLE:
		ack = on_vring(dev, m, &take);
		if (take)
			m->fds[0] = -1;
		if (ack == VU_REPLIED)
			return 0;
		break;
	default:
		vlog_error(dev->log, "vhost-user: unsupported request %u", m->hdr.request);
		ack = 1;
		break;
	}
	if (m->hdr.flags & VU_FLAG_NEED_REPLY)
		return reply_u64(dev, m, (uint64_t)ack);
	return 0;
}

static void conn_ready(struct ev *ev, uint32_t events)
{
	struct vu_dev *dev = ev->owner;
	struct vu_msg m;
	int i, r;

	(void)events;
	r = vu_read_some(dev);
	if (r == 0)
		return;
	if (r > 0) {
		vu_take_msg(dev, &m);
		r = vu_dispatch(dev, &m);
		for (i = 0; i < m.nfds; i++)
			if (m.fds[i] >= 0)
				close(m.fds[i]);
	}
	if (r < 0)
		vu_detach(dev);
}

/* Nothing vtierd reads or writes on a VMM's fd may block the loop. */
static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void kick_ready(struct ev *ev, uint32_t events)
{
	struct vu_dev *dev = ev->owner;
	unsigned int i = (unsigned int)ev->idx;
	uint64_t v;
	ssize_t n = read(ev->fd, &v, sizeof(v));

	if (n != 0)
		dev->ops->kick(dev, i);
	/* A hung-up kick fd stays readable for good: stop watching it. */
	if (n == 0 || (events & (EPOLLHUP | EPOLLERR))) {
		loop_del(&dev->ev_kick[i]);
		vlog_error(dev->log, "vhost-user: %s ring kick fd hung up; no longer watched",
			   dev->ring_name[i]);
	}
}

bool vu_dev_fault(struct vu_dev *dev, const void *addr)
{
	unsigned int i;

	if (!memtab_owns(&dev->mem, addr))
		return false;
	/* Nothing may touch the vanished memory on the way out. */
	dev->broken = true;
	for (i = 0; i < VU_RINGS; i++)
		dev->vq[i].started = false;
	vlog_error(dev->log, "guest memory vanished (SIGBUS at %p: its fd was truncated); device dropped",
		   addr);
	vu_detach(dev);
	return true;
}

void vu_attach(struct vu_dev *dev, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	set_nonblock(fd);
	rx_drop(dev);
	dev->conn_fd = fd;
	dev->vmm_pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ?
		      0 : cred.pid;
	dev->features = VU_FEATURES;
	dev->ev_conn.owner = dev;
	loop_add(dev->loop, &dev->ev_conn, fd, EPOLLIN, conn_ready);
	vlog_info(dev->log, "vhost-user connected (VMM pid %d)", (int)dev->vmm_pid);
}

void vu_detach(struct vu_dev *dev)
{
	unsigned int i;

	loop_del(&dev->ev_conn);
	close_fd(&dev->conn_fd);
	rx_drop(dev);
	for (i = 0; i < VU_RINGS; i++) {
		ring_stop(dev, i);
		close_fd(&dev->vq[i].call_fd);
		close_fd(&dev->vq[i].err_fd);
		vring_init(&dev->vq[i], i);
	}
	device_reset(dev);
	dev->ops->mem_unmap(dev);
	memtab_clear(&dev->mem);
	dev->vmm_pid = 0;
	vlog_info(dev->log, "vhost-user disconnected; waiting for the next connection");
	dev->ops->disconnected(dev);
}
