// SPDX-License-Identifier: GPL-2.0
/*
 * vtier protocol session: HELLO -> WELCOME, HINTS -> translate -> ops ->
 * ACK, REPORT -> ops, BYE.  A frame failing validation closes the
 * connection; the VM and the daemon carry on.
 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Guest frames are 4 KiB pages; an order-9 hint covers 512. */
#define FRAME_SHIFT	12
#define FRAME_SIZE	(1ull << FRAME_SHIFT)
#define HUGE_FRAMES	512

void session_init(struct session *s, struct session_vm *vm,
		  struct vsock_flow *flow)
{
	s->vm = vm;
	s->flow = flow;
	s->state = SESSION_AWAIT_HELLO;
	s->max_pfn = 0;
	s->seq_out = 0;
	s->have = 0;
}

static int reject(struct session_vm *vm, const char *why)
{
	vm->st.frames_rejected++;
	vlog_set_error(vm->log, "rejected frame: %s", why);
	vlog_info(vm->log, "rejected frame: %s; closing connection", why);
	return -EPROTO;
}

static int send_frame(struct session *s, const void *buf, int n)
{
	if (n < 0 || vsock_flow_write(s->flow, buf, (uint32_t)n)) {
		vlog_error(s->vm->log, "vsock port %u: guest is not reading; closing connection",
			   s->flow->guest_port);
		return -EPROTO;
	}
	return 0;
}

void session_bye(struct session *s, uint32_t reason)
{
	uint8_t buf[64];

	send_frame(s, buf, vtier_enc_bye(buf, sizeof(buf), ++s->seq_out,
					 reason));
	s->state = SESSION_DONE;
}

bool session_ready(const struct session *s)
{
	return s->state == SESSION_READY && vsock_flow_open(s->flow);
}

void session_quota(struct session *s, uint64_t quota_pages)
{
	uint8_t buf[64];

	if (s->state != SESSION_READY)
		return;
	if (send_frame(s, buf, vtier_enc_quota(buf, sizeof(buf), ++s->seq_out,
					       quota_pages)))
		vsock_flow_close(s->flow, false);
}

static int on_hello(struct session *s, const struct vtier_msg *m)
{
	struct session_vm *vm = s->vm;
	uint64_t top_pfn = (memtab_top(vm->mem) + FRAME_SIZE - 1) >>
			   FRAME_SHIFT;
	uint8_t buf[64];

	if (m->hello.max_pfn > top_pfn)
		return reject(vm, "HELLO max_pfn beyond the guest memory table");
	s->max_pfn = m->hello.max_pfn;
	s->state = SESSION_READY;
	vm->sampler = m->hello.sampler;
	vlog_info(vm->log, "guest connected from port %u: sampler %s, max_pfn %llu",
		  s->flow->guest_port, vtier_sampler_name(m->hello.sampler),
		  (unsigned long long)m->hello.max_pfn);
	return send_frame(s, buf,
			  vtier_enc_welcome(buf, sizeof(buf), ++s->seq_out,
					    vm->caps, *vm->quota_pages,
					    VTIER_MAX_HINTS));
}

/* Record one translated frame in the per-VM table. */
static void note_frame(struct session_vm *vm, int ri, uint64_t gpfn,
		       uint8_t action)
{
	const struct mem_region *r = &vm->mem->r[ri];
	uint64_t gpa = gpfn << FRAME_SHIFT;
	struct page_entry *e = pages_get(vm->pages, gpfn);

	if (!e)
		return;
	e->gpa = gpa;
	e->region = (uint32_t)ri;
	e->region_gpa = r->d.gpa;
	e->mmap_offset = r->d.mmap_offset + (gpa - r->d.gpa);
	e->vmm_addr = r->d.uaddr + (gpa - r->d.gpa);
	e->hints++;
	e->last_action = action;
}

/*
 * Translate a hint's frames through the memory table.  Every frame must
 * lie in a region (vtierd's mapping then holds it at r->hva + offset, the
 * address a mover works on); otherwise the hint is rejected.
 */
static bool apply_hint(struct session_vm *vm, const struct vtier_hint_host *h)
{
	uint64_t frames = 1ull << h->order, i;
	int ri[HUGE_FRAMES];	/* order <= 9, checked by decode */

	for (i = 0; i < frames; i++) {
		ri[i] = memtab_find_gpa(vm->mem, (h->gpfn + i) << FRAME_SHIFT,
					FRAME_SIZE);
		if (ri[i] < 0)
			return false;
	}
	for (i = 0; i < frames; i++)
		note_frame(vm, ri[i], h->gpfn + i, h->action);
	/* In both modes: what a mover would have moved (docs/vtierd.md). */
	vm->st.would_move_pages += frames;
	return true;
}

static int on_hints(struct session *s, const struct vtier_msg *m)
{
	struct session_vm *vm = s->vm;
	struct vtier_hint_host *ok = vm->ok;
	uint32_t i, translated = 0, rejected = 0;
	struct session_ack ack = { 0 };
	uint8_t buf[64];

	for (i = 0; i < m->hints.count && i < VTIER_MAX_HINTS; i++) {
		vtier_hint_get(m, i, &ok[translated]);
		if (apply_hint(vm, &ok[translated]))
			translated++;
		else
			rejected++;
	}
	vm->st.batches++;
	vm->st.hints_received += m->hints.count;
	vm->st.hints_translated += translated;
	vm->st.hints_rejected += rejected;
	/* Translated hints go up to the tier, which has the final word. */
	vm->ops->hints(vm->ctx, ok, translated, &ack);
	ack.rejected += rejected;
	if (vm->log->verbose)
		vlog_info(vm->log, "HINTS seq %u: %u applied, %u rejected, %u deferred",
			  m->seq, ack.applied, ack.rejected, ack.deferred);
	return send_frame(s, buf,
			  vtier_enc_ack(buf, sizeof(buf), ++s->seq_out,
					m->seq, ack.applied, ack.rejected,
					ack.deferred));
}

/* Act on one complete frame whose header passed vtier_hdr_check(). */
static int on_frame(struct session *s)
{
	struct session_vm *vm = s->vm;
	const struct vtier_hdr *hdr = (const void *)s->buf;
	struct vtier_limits lim = { .max_pfn = s->max_pfn };
	char why_buf[96];
	struct vtier_msg m;
	const char *why;

	if (vtier_decode(s->cur_type, le32_to_cpu(hdr->seq), s->buf + sizeof(*hdr),
			 s->cur_len, &lim, &m, &why))
		return reject(vm, why);
	if (s->state == SESSION_AWAIT_HELLO && m.type != VTIER_MSG_HELLO) {
		snprintf(why_buf, sizeof(why_buf), "%s before HELLO",
			 vtier_msg_name(m.type));
		return reject(vm, why_buf);
	}
	switch (m.type) {
	case VTIER_MSG_HELLO:
		if (s->state != SESSION_AWAIT_HELLO)
			return reject(vm, "HELLO repeated");
		return on_hello(s, &m);
	case VTIER_MSG_HINTS:
		return on_hints(s, &m);
	case VTIER_MSG_REPORT:
		vm->st.reports++;
		vm->ops->report(vm->ctx, &m);
		return 0;
	case VTIER_MSG_BYE:
		vlog_info(vm->log, "guest said BYE (reason %u)", m.bye.reason);
		s->state = SESSION_DONE;
		return 0;
	default:
		snprintf(why_buf, sizeof(why_buf), "unexpected %s from guest",
			 vtier_msg_name(m.type));
		return reject(vm, why_buf);
	}
}

static int input(struct session *s, const uint8_t *data, uint32_t len)
{
	const uint32_t hlen = sizeof(struct vtier_hdr);
	const char *why;

	while (len && s->state != SESSION_DONE) {
		uint32_t want = s->have < hlen ? hlen : hlen + s->cur_len;
		uint32_t n = want - s->have < len ? want - s->have : len;

		memcpy(s->buf + s->have, data, n);
		s->have += n;
		data += n;
		len -= n;
		if (s->have == hlen &&
		    vtier_hdr_check((const void *)s->buf, &s->cur_type,
				    &s->cur_len, &why))
			return reject(s->vm, why);
		if (s->have == hlen + s->cur_len && s->have > hlen) {
			s->have = 0;
			if (on_frame(s))
				return -EPROTO;
		}
	}
	return 0;
}

int session_input(struct session *s, const uint8_t *data, uint32_t len)
{
	if (!input(s, data, len))
		return 0;
	session_bye(s, VTIER_BYE_PROTOCOL);
	return -EPROTO;
}
