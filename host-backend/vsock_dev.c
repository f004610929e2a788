// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock device: a service port and, optionally, a second app for
 * every other port.  Guest packets are copied out of the tx ring once,
 * their 44-byte header validated, then dispatched by flow and op.  Packets
 * towards the guest wait in small per-flow queues until the guest posts rx
 * buffers.
 */
#include "vsock_dev.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct vsock_flow *flow_find(struct vsock_dev *d, uint32_t guest_port,
				    uint32_t host_port)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (d->flow[i].used && d->flow[i].guest_port == guest_port &&
		    d->flow[i].host_port == host_port)
			return &d->flow[i];
	return NULL;
}

/* Flows to the service's port (or, !service, to every other port). */
static unsigned int flows_of(const struct vsock_dev *d, bool service)
{
	unsigned int i, n = 0;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		n += d->flow[i].used &&
		     (d->flow[i].host_port == d->port) == service;
	return n;
}

/* Each kind within its share, so forwarding never crowds out vtier. */
static bool flow_room(const struct vsock_dev *d, bool service)
{
	return flows_of(d, service) <
	       (service ? VSOCK_PORT_FLOWS : VSOCK_FWD_FLOWS);
}

static struct vsock_flow *flow_new(struct vsock_dev *d, uint32_t guest_port,
				   uint32_t host_port,
				   const struct vsock_app_ops *ops, void *app)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct vsock_flow *f = &d->flow[i];

		if (f->used)
			continue;
		memset(f, 0, offsetof(struct vsock_flow, out));
		f->used = true;
		f->guest_port = guest_port;
		f->host_port = host_port;
		f->ops = ops;
		f->app = app;
		return f;
	}
	return NULL;
}

/* Queue an RST answering h, unless h is itself an RST. */
static void reply_rst(struct vsock_dev *d, const struct vsock_hdr *h)
{
	struct vsock_ctrl *c;

	if (h->op == VSOCK_OP_RST || d->nctrl >= VSOCK_CTRL_CAP)
		return;
	c = &d->ctrl[d->nctrl++];
	c->src_port = h->dst_port;
	c->dst_port = h->src_port;
	c->op = VSOCK_OP_RST;
}

void vsock_reset(struct vsock_dev *d)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (d->flow[i].used)
			vsock_flow_end(&d->flow[i]);
	d->nctrl = 0;
}

void vsock_dev_set_forward(struct vsock_dev *d,
			   const struct vsock_app_ops *ops, void *app)
{
	d->fwd_ops = ops;
	d->fwd_app = app;
}

/* A host port no flow uses, from VSOCK_FIRST_HOST_PORT up. */
static uint32_t free_host_port(struct vsock_dev *d)
{
	int i;

	for (;;) {
		uint32_t p = d->next_host_port++;

		if (d->next_host_port < VSOCK_FIRST_HOST_PORT ||
		    d->next_host_port == 0xffffffffu)
			d->next_host_port = VSOCK_FIRST_HOST_PORT;
		if (p < VSOCK_FIRST_HOST_PORT || p == d->port)
			continue;
		for (i = 0; i < VSOCK_MAX_FLOWS; i++)
			if (d->flow[i].used && d->flow[i].host_port == p)
				break;
		if (i == VSOCK_MAX_FLOWS)
			return p;
	}
}

struct vsock_flow *vsock_dev_connect(struct vsock_dev *d, uint32_t guest_port,
				     void *app_flow)
{
	struct vsock_flow *f;

	if (!d->fwd_ops || d->vu.broken || !d->vu.vq[VSOCK_RX].started ||
	    !flow_room(d, false))
		return NULL;	/* no guest driver to ask, or no room */
	f = flow_new(d, guest_port, free_host_port(d), d->fwd_ops, d->fwd_app);
	if (!f)
		return NULL;
	f->need_request = true;
	f->app_flow = app_flow;
	return f;
}

int vsock_flow_write(struct vsock_flow *f, const void *data, uint32_t len)
{
	if (len > VSOCK_OUT_CAP - f->out_len)
		return -ENOBUFS;
	memcpy(f->out + f->out_len, data, len);
	f->out_len += len;
	return 0;
}

uint32_t vsock_flow_room(const struct vsock_flow *f)
{
	return VSOCK_OUT_CAP - f->out_len;
}

void vsock_flow_close(struct vsock_flow *f, bool graceful)
{
	f->closing = true;
	f->close_shutdown = graceful;
}

void vsock_flow_shutdown(struct vsock_flow *f)
{
	f->shut_send = true;
}

bool vsock_flow_open(const struct vsock_flow *f)
{
	return f->used && !f->closing;
}

/* Refresh the guest's view of our credit when it runs low. */
static void credit_check(struct vsock_flow *f)
{
	uint32_t fwd = f->rx_cnt - f->held;

	if (fwd != f->fwd_cnt_sent &&
	    VSOCK_BUF_ALLOC - (f->rx_cnt - f->fwd_cnt_sent) < VSOCK_BUF_ALLOC / 2)
		f->need_credit = true;
}

void vsock_flow_hold(struct vsock_flow *f, uint32_t len)
{
	f->held += len;
}

void vsock_flow_consumed(struct vsock_flow *f, uint32_t len)
{
	f->held -= len < f->held ? len : f->held;
	credit_check(f);
}

/* Guest RW data: credit check, then hand the bytes to the app. */
static void handle_rw(struct vsock_dev *d, struct vsock_flow *f,
		      const struct vsock_hdr *h, const uint8_t *payload)
{
	uint32_t in_flight = f->rx_cnt - f->fwd_cnt_sent;

	if (in_flight > VSOCK_BUF_ALLOC || h->len > VSOCK_BUF_ALLOC - in_flight) {
		vlog_error(d->vu.log, "vsock port %u: guest sent %u bytes with %u bytes of credit; resetting connection",
			   f->guest_port, h->len,
			   in_flight > VSOCK_BUF_ALLOC ? 0 : VSOCK_BUF_ALLOC - in_flight);
		f->out_len = 0;
		vsock_flow_close(f, false);
		return;
	}
	f->rx_cnt += h->len;
	if (f->ops->recv(f->app, f->app_flow, payload, h->len) < 0)
		vsock_flow_close(f, false);
	credit_check(f);
}

static void handle_shutdown(struct vsock_flow *f, uint32_t flags)
{
	f->peer_shut |= flags;
	if (flags & VSOCK_SHUTDOWN_RCV)
		f->out_len = 0;	/* it will not read what is queued */
	if (f->ops->shutdown && !f->closing)
		f->ops->shutdown(f->app, f->app_flow, flags);
	else
		vsock_flow_close(f, false);
}

static void handle_flow_packet(struct vsock_dev *d, struct vsock_flow *f,
			       const struct vsock_hdr *h,
			       const uint8_t *payload)
{
	f->peer_buf_alloc = h->buf_alloc;
	f->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VSOCK_OP_RST:
		vsock_flow_end(f);
		break;
	case VSOCK_OP_SHUTDOWN:
		handle_shutdown(f, h->flags);
		break;
	case VSOCK_OP_RW:
		if (!f->closing && !f->connecting && !f->need_request)
			handle_rw(d, f, h, payload);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		f->need_credit = true;
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;
	case VSOCK_OP_RESPONSE:
		if (f->connecting) {
			f->connecting = false;
			if (f->ops->connected)
				f->ops->connected(f->app, f->app_flow);
			break;
		}
		f->out_len = 0;	/* a RESPONSE we did not ask for */
		vsock_flow_close(f, false);
		break;
	default:	/* REQUEST on a live flow: reset it */
		f->out_len = 0;
		vsock_flow_close(f, false);
		break;
	}
}

/* A guest REQUEST to a port: the service's, or the forwarder's. */
static void handle_request(struct vsock_dev *d, const struct vsock_hdr *h)
{
	bool service = h->dst_port == d->port;
	const struct vsock_app_ops *ops = service ? d->ops : d->fwd_ops;
	struct vsock_flow *f = NULL;

	if (!ops || !flow_room(d, service) ||
	    !(f = flow_new(d, h->src_port, h->dst_port, ops,
			   service ? d->app : d->fwd_app))) {
		if (ops)
			vlog_error(d->vu.log, "vsock: too many connections; refusing port %u",
				   h->src_port);
		reply_rst(d, h);
		return;
	}
	f->need_response = true;
	f->peer_buf_alloc = h->buf_alloc;
	f->peer_fwd_cnt = h->fwd_cnt;
	f->app_flow = ops->accept(f->app, f);
	if (!f->app_flow) {
		f->used = false;	/* never accepted: no app to tell */
		reply_rst(d, h);
	}
}

/* Validate the copied header; returns NULL or why the packet is dropped. */
static const char *hdr_check(const struct vsock_dev *d,
			     const struct vsock_hdr *h, uint32_t total)
{
	if (h->src_cid != d->cid)
		return "source CID is not the guest's";
	if (h->dst_cid != VSOCK_HOST_CID)
		return "destination CID is not the host";
	if (h->len > VSOCK_MAX_PAYLOAD || h->len > total - VSOCK_HDR_LEN)
		return "payload length past the buffer";
	return NULL;
}

static bool op_valid(const struct vsock_hdr *h)
{
	if (h->type != VSOCK_TYPE_STREAM || h->op < VSOCK_OP_REQUEST ||
	    h->op > VSOCK_OP_CREDIT_REQUEST)
		return false;
	if (h->op == VSOCK_OP_SHUTDOWN)
		return !(h->flags & ~(uint32_t)3);
	return h->flags == 0;
}

static void handle_packet(struct vsock_dev *d, const uint8_t *pkt,
			  uint32_t total)
{
	struct vsock_flow *f;
	struct vsock_hdr h;
	const char *why;

	if (total < VSOCK_HDR_LEN) {
		d->bad_packets++;
		vlog_error(d->vu.log, "vsock: dropped packet: shorter than its header");
		return;
	}
	memcpy(&h, pkt, sizeof(h));	/* copy once, then validate the copy */
	h.src_cid = le64toh(h.src_cid);
	h.dst_cid = le64toh(h.dst_cid);
	h.src_port = le32toh(h.src_port);
	h.dst_port = le32toh(h.dst_port);
	h.len = le32toh(h.len);
	h.type = le16toh(h.type);
	h.op = le16toh(h.op);
	h.flags = le32toh(h.flags);
	h.buf_alloc = le32toh(h.buf_alloc);
	h.fwd_cnt = le32toh(h.fwd_cnt);

	if (d->vu.log->verbose > 1)
		vlog_info(d->vu.log, "tx packet: op %u type %u len %u %llu:%u -> %llu:%u",
			  h.op, h.type, h.len, (unsigned long long)h.src_cid,
			  h.src_port, (unsigned long long)h.dst_cid, h.dst_port);
	why = hdr_check(d, &h, total);
	if (why) {
		d->bad_packets++;
		vlog_error(d->vu.log, "vsock: dropped packet: %s", why);
		return;
	}
	f = flow_find(d, h.src_port, h.dst_port);
	if (!op_valid(&h)) {
		if (f)
			vsock_flow_end(f);
		reply_rst(d, &h);
		return;
	}
	if (!f) {
		if (h.op == VSOCK_OP_REQUEST)
			handle_request(d, &h);
		else
			reply_rst(d, &h);
		return;
	}
	handle_flow_packet(d, f, &h, pkt + VSOCK_HDR_LEN);
}

/* Over budget with packets left: come back after the loop served others. */
static bool tx_yield(struct vsock_dev *d, unsigned int pkts, uint64_t bytes)
{
	uint64_t one = 1;

	if (d->ev_more.fd < 0 || (pkts < VSOCK_TX_BUDGET_PKTS &&
				  bytes < VSOCK_TX_BUDGET_BYTES))
		return false;
	d->tx_yields++;
	return write(d->ev_more.fd, &one, sizeof(one)) == sizeof(one);
}

void vsock_tx_kick(struct vsock_dev *d)
{
	struct vring *vr = &d->vu.vq[VSOCK_TX];
	struct vring_elem e;
	bool pushed = false;
	unsigned int pkts = 0;
	uint64_t bytes = 0;
	char why[160];
	int r;

	while (!d->vu.broken && vr->started && !tx_yield(d, pkts, bytes)) {
		r = vring_pop(vr, &d->vu.mem, false, &e, why, sizeof(why));
		if (r < 0) {
			vu_dev_break(&d->vu, VSOCK_TX, why);
			return;
		}
		if (r == 0) {
			if (vring_publish_and_recheck(vr))
				continue;
			break;
		}
		vring_elem_read(&e, d->pkt);	/* e.total <= sizeof(d->pkt) */
		handle_packet(d, d->pkt, e.total);
		vring_push(vr, e.head, 0);
		pushed = true;
		pkts++;
		bytes += e.total;
	}
	if (pushed)
		vring_signal(vr);
	vsock_rx_flush(d);
}

static void more_ready(struct ev *ev, uint32_t events)
{
	uint64_t n;

	(void)events;
	if (read(ev->fd, &n, sizeof(n)) == sizeof(n))
		vsock_tx_kick(ev->owner);
}

static struct vsock_dev *dev_of(struct vu_dev *vu)
{
	return (struct vsock_dev *)((char *)vu - offsetof(struct vsock_dev, vu));
}

static void vu_kick(struct vu_dev *vu, unsigned int ring)
{
	if (ring == VSOCK_TX)
		vsock_tx_kick(dev_of(vu));
	else
		vsock_rx_flush(dev_of(vu));
}

static void vu_enabled(struct vu_dev *vu, unsigned int ring)
{
	if (ring == VSOCK_RX)
		vsock_rx_flush(dev_of(vu));
}

static void vu_reset(struct vu_dev *vu)
{
	vsock_reset(dev_of(vu));
}

static void vu_mem_unmap(struct vu_dev *vu)
{
	struct vsock_dev *d = dev_of(vu);

	d->ops->mem_unmap(d->app);
}

static void vu_mem_mapped(struct vu_dev *vu)
{
	struct vsock_dev *d = dev_of(vu);

	d->ops->mem_mapped(d->app);
}

static void vu_disconnected(struct vu_dev *vu)
{
	struct vsock_dev *d = dev_of(vu);

	d->ops->disconnected(d->app);
}

static const struct vu_dev_ops vsock_vu_ops = {
	.kick = vu_kick, .enabled = vu_enabled, .reset = vu_reset,
	.mem_unmap = vu_mem_unmap, .mem_mapped = vu_mem_mapped,
	.disconnected = vu_disconnected,
};

void vsock_dev_init(struct vsock_dev *d, struct vlog *log, struct loop *loop,
		    uint64_t cid, uint32_t port,
		    const struct vsock_app_ops *ops, void *app)
{
	uint64_t le_cid = htole64(cid);

	memset(d, 0, offsetof(struct vsock_dev, pkt));
	vu_dev_init(&d->vu, log, loop, &vsock_vu_ops);
	d->vu.ring_name[VSOCK_RX] = "rx";
	d->vu.ring_name[VSOCK_TX] = "tx";
	/* Config space is just le64 guest_cid. */
	memcpy(d->vu.config, &le_cid, sizeof(le_cid));
	d->cid = cid;
	d->port = port;
	d->ops = ops;
	d->app = app;
	d->next_host_port = VSOCK_FIRST_HOST_PORT;
	d->ev_more.fd = -1;
	d->ev_more.owner = d;
	if (loop) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		if (fd >= 0 && loop_add(loop, &d->ev_more, fd, EPOLLIN,
					more_ready))
			close(fd);
	}
}

void vsock_dev_close(struct vsock_dev *d)
{
	int fd = d->ev_more.fd;

	if (fd < 0)
		return;
	loop_del(&d->ev_more);
	close(fd);
}
