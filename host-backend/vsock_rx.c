// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock device, host->guest side: pick the next pending packet
 * (queued RSTs first, then per flow REQUEST or RESPONSE, data within the
 * guest's credit, CREDIT_UPDATE, SHUTDOWN of our sending side, and the
 * closing RST/SHUTDOWN) and write it into the next rx buffer.
 */
#include <endian.h>
#include <string.h>

#include "vsock_rx.h"

struct out_pkt {
	uint32_t src_port, dst_port, len;
	uint16_t op;
	uint32_t flags;
	struct vsock_flow *f;	/* NULL for a queued control packet */
};

/* Bytes we may still send: peer_buf_alloc - (tx_cnt - peer_fwd_cnt). */
static uint32_t peer_credit(const struct vsock_flow *f)
{
	uint32_t in_flight = f->tx_cnt - f->peer_fwd_cnt;

	return in_flight >= f->peer_buf_alloc ? 0 : f->peer_buf_alloc - in_flight;
}

void vsock_flow_end(struct vsock_flow *f)
{
	f->used = false;
	if (f->ops && f->ops->closed)
		f->ops->closed(f->app, f->app_flow);
}

static bool flow_next(struct vsock_flow *f, struct out_pkt *p)
{
	p->f = f;
	p->src_port = f->host_port;
	p->dst_port = f->guest_port;
	p->len = 0;
	p->flags = 0;
	if (f->need_request && !f->closing) {
		p->op = VSOCK_OP_REQUEST;
	} else if (f->closing && (f->need_request || f->connecting)) {
		p->op = VSOCK_OP_RST;	/* given up before the guest answered */
	} else if (f->connecting) {
		return false;
	} else if (f->need_response) {
		p->op = VSOCK_OP_RESPONSE;
	} else if (f->out_len && peer_credit(f)) {
		p->op = VSOCK_OP_RW;
		p->len = f->out_len < peer_credit(f) ? f->out_len : peer_credit(f);
	} else if (f->need_credit) {
		p->op = VSOCK_OP_CREDIT_UPDATE;
	} else if (f->shut_send && !f->out_len && !f->closing) {
		p->op = VSOCK_OP_SHUTDOWN;
		p->flags = VSOCK_SHUTDOWN_SEND;
	} else if (f->closing && !f->out_len) {
		p->op = f->close_shutdown ? VSOCK_OP_SHUTDOWN : VSOCK_OP_RST;
		if (f->close_shutdown)
			p->flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
	} else {
		return false;
	}
	return true;
}

static bool next_packet(struct vsock_dev *d, struct out_pkt *p)
{
	int i;

	if (d->nctrl) {
		const struct vsock_ctrl *c = &d->ctrl[0];

		memset(p, 0, sizeof(*p));
		p->src_port = c->src_port;
		p->dst_port = c->dst_port;
		p->op = c->op;
		return true;
	}
	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (d->flow[i].used && flow_next(&d->flow[i], p))
			return true;
	return false;
}

/* Write header + payload to the buffer and update the flow's state. */
static uint32_t emit(struct vsock_dev *d, struct out_pkt *p,
		     const struct vring_elem *e)
{
	struct vsock_flow *f = p->f;
	struct vsock_hdr h;

	if (p->len > e->total - VSOCK_HDR_LEN)
		p->len = e->total - VSOCK_HDR_LEN;
	h.src_cid = htole64(VSOCK_HOST_CID);
	h.dst_cid = htole64(d->cid);
	h.src_port = htole32(p->src_port);
	h.dst_port = htole32(p->dst_port);
	h.len = htole32(p->len);
	h.type = htole16(VSOCK_TYPE_STREAM);
	h.op = htole16(p->op);
	h.flags = htole32(p->flags);
	h.buf_alloc = htole32(f ? VSOCK_BUF_ALLOC : 0);
	h.fwd_cnt = htole32(f ? f->rx_cnt - f->held : 0);
	vring_elem_write(e, 0, &h, sizeof(h));

	if (!f) {
		memmove(d->ctrl, d->ctrl + 1,
			--d->nctrl * sizeof(d->ctrl[0]));
		return VSOCK_HDR_LEN;
	}
	f->fwd_cnt_sent = f->rx_cnt - f->held;
	f->need_credit = false;
	switch (p->op) {
	case VSOCK_OP_REQUEST:
		f->need_request = false;
		f->connecting = true;
		break;
	case VSOCK_OP_RESPONSE:
		f->need_response = false;
		break;
	case VSOCK_OP_RW:
		vring_elem_write(e, VSOCK_HDR_LEN, f->out, p->len);
		memmove(f->out, f->out + p->len, f->out_len - p->len);
		f->out_len -= p->len;
		f->tx_cnt += p->len;
		f->drained = true;
		break;
	case VSOCK_OP_SHUTDOWN:
		if (!f->closing) {	/* our sending side only */
			f->shut_send = false;
			break;
		}
		/* fall through */
	case VSOCK_OP_RST:
		/* Done with it; a late guest packet just gets an RST. */
		vsock_flow_end(f);
		break;
	}
	return VSOCK_HDR_LEN + p->len;
}

/* Apps whose queued bytes went out may queue more (next loop turn). */
static void tell_drained(struct vsock_dev *d)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct vsock_flow *f = &d->flow[i];

		if (f->used && f->drained) {
			f->drained = false;
			if (f->ops->drained)
				f->ops->drained(f->app, f->app_flow);
		}
	}
}

void vsock_rx_flush(struct vsock_dev *d)
{
	struct vring *vr = &d->vu.vq[VSOCK_RX];
	struct vring_elem e;
	struct out_pkt p;
	bool pushed = false;
	char why[160];
	int r;

	while (!d->vu.broken && vr->started && vr->enabled &&
	       next_packet(d, &p)) {
		r = vring_pop(vr, &d->vu.mem, true, &e, why, sizeof(why));
		if (r < 0) {
			vu_dev_break(&d->vu, VSOCK_RX, why);
			return;
		}
		if (r == 0) {
			if (vring_publish_and_recheck(vr))
				continue;
			break;	/* the guest kicks when it adds buffers */
		}
		if (e.total < VSOCK_HDR_LEN) {
			vu_dev_break(&d->vu, VSOCK_RX, "receive buffer smaller than a vsock header");
			return;
		}
		vring_push(vr, e.head, emit(d, &p, &e));
		pushed = true;
	}
	if (pushed)
		vring_signal(vr);
	tell_drained(d);
}
