// SPDX-License-Identifier: GPL-2.0
/*
 * Test frontend, guest vsock connections: REQUEST/RESPONSE, RW with the
 * host's credit, reassembly of vtier frames from RW payloads.
 */
#include <string.h>

#include "vu_frontend.h"

#define GUEST_BUF_ALLOC 262144u

static void fill_hdr(struct vu_fe *fe, struct fe_conn *c,
		     struct vsock_hdr *h, uint16_t op, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = fe->cid;
	h->dst_cid = VSOCK_HOST_CID;
	h->src_port = c->local_port;
	h->dst_port = c->remote_port;
	h->len = len;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
	h->buf_alloc = GUEST_BUF_ALLOC;
	h->fwd_cnt = c->rx_cnt;	/* the test consumes everything at once */
}

/* Take one packet for c; packets for other connections are dropped. */
static int conn_pump(struct vu_fe *fe, struct fe_conn *c, int timeout_ms)
{
	static struct fe_pkt p;

	for (;;) {
		if (vu_fe_recv_pkt(fe, &p, timeout_ms))
			return -1;
		if (p.h.dst_port != c->local_port || p.h.src_port != c->remote_port)
			continue;
		c->peer_buf_alloc = p.h.buf_alloc;
		c->peer_fwd_cnt = p.h.fwd_cnt;
		if (p.h.op == VSOCK_OP_RST || p.h.op == VSOCK_OP_SHUTDOWN) {
			c->close_op = p.h.op;
			return (int)p.h.op;
		}
		if (p.h.op == VSOCK_OP_RW && p.h.len) {
			if (p.h.len > sizeof(c->buf) - c->have)
				return -1;
			memcpy(c->buf + c->have, p.data, p.h.len);
			c->have += p.h.len;
			c->rx_cnt += p.h.len;
		}
		return (int)p.h.op;
	}
}

int fe_conn_open(struct vu_fe *fe, struct fe_conn *c, uint32_t local_port,
		 uint32_t remote_port)
{
	struct vsock_hdr h;

	memset(c, 0, sizeof(*c));
	c->local_port = local_port;
	c->remote_port = remote_port;
	fill_hdr(fe, c, &h, VSOCK_OP_REQUEST, 0);
	vu_fe_send_pkt(fe, &h, NULL);
	return conn_pump(fe, c, 5000);
}

int fe_conn_send_op(struct vu_fe *fe, struct fe_conn *c, uint16_t op,
		    uint32_t flags)
{
	struct vsock_hdr h;

	fill_hdr(fe, c, &h, op, 0);
	h.flags = flags;
	return vu_fe_send_pkt(fe, &h, NULL);
}

int fe_conn_send(struct vu_fe *fe, struct fe_conn *c, const void *data,
		 uint32_t len)
{
	struct vsock_hdr h;

	fill_hdr(fe, c, &h, VSOCK_OP_RW, len);
	c->tx_cnt += len;
	return vu_fe_send_pkt(fe, &h, data);
}

int fe_conn_recv_frame(struct vu_fe *fe, struct fe_conn *c, void *buf,
		       size_t cap, int timeout_ms)
{
	uint32_t plen;
	size_t flen;

	for (;;) {
		if (c->have >= 16) {
			memcpy(&plen, c->buf + 8, 4);
			flen = 16 + (size_t)plen;
			if (flen > cap)
				return -1;
			if (c->have >= flen) {
				memcpy(buf, c->buf, flen);
				memmove(c->buf, c->buf + flen, c->have - flen);
				c->have -= flen;
				return (int)flen;
			}
		}
		if (c->close_op || conn_pump(fe, c, timeout_ms) < 0 ||
		    c->close_op)
			return -1;
	}
}

int fe_conn_wait_close(struct vu_fe *fe, struct fe_conn *c, int timeout_ms)
{
	while (!c->close_op)
		if (conn_pump(fe, c, timeout_ms) < 0)
			return -1;
	return c->close_op;
}
