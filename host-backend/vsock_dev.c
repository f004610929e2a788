// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock device for the vtier port.  Guest packets are copied out of
 * the tx ring once, their 44-byte header validated, then dispatched by op.
 * Packets towards the guest wait in small per-flow queues until the guest
 * posts rx buffers.
 */
#include "vsock_dev.h"

#include <endian.h>
#include <string.h>

#include "vm.h"

static struct vsock_flow *flow_find(struct vm *vm, uint32_t guest_port)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		if (vm->vs.flow[i].used &&
		    vm->vs.flow[i].guest_port == guest_port)
			return &vm->vs.flow[i];
	return NULL;
}

static struct vsock_flow *flow_new(struct vm *vm, const struct vsock_hdr *h)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++) {
		struct vsock_flow *f = &vm->vs.flow[i];

		if (f->used)
			continue;
		memset(f, 0, offsetof(struct vsock_flow, out));
		f->used = true;
		f->guest_port = h->src_port;
		f->need_response = true;
		session_init(&f->sess);
		return f;
	}
	return NULL;
}

/* Queue an RST answering h, unless h is itself an RST. */
static void reply_rst(struct vm *vm, const struct vsock_hdr *h)
{
	struct vsock_ctrl *c;

	if (h->op == VSOCK_OP_RST || vm->vs.nctrl >= VSOCK_CTRL_CAP)
		return;
	c = &vm->vs.ctrl[vm->vs.nctrl++];
	c->src_port = h->dst_port;
	c->dst_port = h->src_port;
	c->op = VSOCK_OP_RST;
}

void vsock_reset(struct vm *vm)
{
	int i;

	for (i = 0; i < VSOCK_MAX_FLOWS; i++)
		vm->vs.flow[i].used = false;
	vm->vs.nctrl = 0;
}

int vsock_flow_write(struct vsock_flow *f, const void *data, uint32_t len)
{
	if (len > VSOCK_OUT_CAP - f->out_len)
		return -1;
	memcpy(f->out + f->out_len, data, len);
	f->out_len += len;
	return 0;
}

void vsock_flow_close(struct vsock_flow *f, bool graceful)
{
	f->closing = true;
	f->close_shutdown = graceful;
	f->sess.state = SESSION_DONE;
}

/* Guest RW data: credit check, then hand the bytes to the session. */
static void handle_rw(struct vm *vm, struct vsock_flow *f,
		      const struct vsock_hdr *h, const uint8_t *payload)
{
	uint32_t in_flight = f->rx_cnt - f->fwd_cnt_sent;

	if (in_flight > VSOCK_BUF_ALLOC || h->len > VSOCK_BUF_ALLOC - in_flight) {
		vm_error(vm, "vsock port %u: guest sent %u bytes with %u bytes of credit; resetting connection",
			 f->guest_port, h->len,
			 in_flight > VSOCK_BUF_ALLOC ? 0 : VSOCK_BUF_ALLOC - in_flight);
		f->out_len = 0;
		vsock_flow_close(f, false);
		return;
	}
	f->rx_cnt += h->len;
	if (f->sess.state != SESSION_DONE &&
	    session_input(vm, f, payload, h->len) < 0) {
		session_bye(vm, f, VTIER_BYE_PROTOCOL);
		vsock_flow_close(f, false);
	}
	/* Everything was consumed: refresh the guest's view when it runs low. */
	if (VSOCK_BUF_ALLOC - (f->rx_cnt - f->fwd_cnt_sent) < VSOCK_BUF_ALLOC / 2)
		f->need_credit = true;
}

static void handle_flow_packet(struct vm *vm, struct vsock_flow *f,
			       const struct vsock_hdr *h,
			       const uint8_t *payload)
{
	f->peer_buf_alloc = h->buf_alloc;
	f->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VSOCK_OP_RST:
		f->used = false;
		break;
	case VSOCK_OP_SHUTDOWN:
		if (h->flags & VSOCK_SHUTDOWN_RCV)
			f->out_len = 0;	/* it will not read what is queued */
		vsock_flow_close(f, false);
		break;
	case VSOCK_OP_RW:
		if (!f->closing)
			handle_rw(vm, f, h, payload);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		f->need_credit = true;
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;
	default:	/* REQUEST on a live flow, RESPONSE: reset it */
		f->out_len = 0;
		vsock_flow_close(f, false);
		break;
	}
}

/* Validate the copied header; returns NULL or why the packet is dropped. */
static const char *hdr_check(const struct vm *vm, const struct vsock_hdr *h,
			     uint32_t total)
{
	if (h->src_cid != vm->cid)
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

static void handle_packet(struct vm *vm, const uint8_t *pkt, uint32_t total)
{
	struct vsock_flow *f;
	struct vsock_hdr h;
	const char *why;

	if (total < VSOCK_HDR_LEN) {
		vm->vs.bad_packets++;
		vm_error(vm, "vsock: dropped packet: shorter than its header");
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

	if (g_verbose > 1)
		vm_log(vm, "tx packet: op %u type %u len %u %llu:%u -> %llu:%u",
		       h.op, h.type, h.len, (unsigned long long)h.src_cid,
		       h.src_port, (unsigned long long)h.dst_cid, h.dst_port);
	why = hdr_check(vm, &h, total);
	if (why) {
		vm->vs.bad_packets++;
		vm_error(vm, "vsock: dropped packet: %s", why);
		return;
	}
	f = flow_find(vm, h.src_port);
	if (!op_valid(&h) || h.dst_port != vm->port) {
		if (f && h.dst_port == vm->port)
			f->used = false;
		reply_rst(vm, &h);
		return;
	}
	if (h.op == VSOCK_OP_REQUEST && !f) {
		f = flow_new(vm, &h);
		if (!f) {
			vm_error(vm, "vsock: too many connections; refusing port %u",
				 h.src_port);
			reply_rst(vm, &h);
			return;
		}
		f->peer_buf_alloc = h.buf_alloc;
		f->peer_fwd_cnt = h.fwd_cnt;
		return;
	} else if (!f) {
		reply_rst(vm, &h);
		return;
	}
	handle_flow_packet(vm, f, &h, pkt + VSOCK_HDR_LEN);
}

void vsock_tx_kick(struct vm *vm)
{
	static uint8_t pkt[VRING_MAX_CHAIN_BYTES];	/* e.total's bound */
	struct vring *vr = &vm->vq[VM_TX];
	struct vring_elem e;
	bool pushed = false;
	char why[160];
	int r;

	while (!vm->broken && vr->started) {
		r = vring_pop(vr, &vm->mem, false, &e, why, sizeof(why));
		if (r < 0) {
			vm_break(vm, "tx", why);
			return;
		}
		if (r == 0) {
			if (vring_publish_and_recheck(vr))
				continue;
			break;
		}
		vring_elem_read(&e, pkt);
		handle_packet(vm, pkt, e.total);
		vring_push(vr, e.head, 0);
		pushed = true;
	}
	if (pushed)
		vring_signal(vr);
	vsock_rx_flush(vm);
}
