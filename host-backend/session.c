// SPDX-License-Identifier: GPL-2.0
/*
 * vtier protocol session: HELLO -> WELCOME, HINTS -> translate -> ACK,
 * REPORT stored, BYE.  A frame failing validation closes the connection;
 * the VM and the daemon carry on.
 */
#include "session.h"

#include <stdio.h>

#include "balance.h"
#include "migrate.h"
#include "vm.h"
#include "vsock_dev.h"

void session_init(struct session *s)
{
	s->state = SESSION_AWAIT_HELLO;
	s->max_pfn = 0;
	s->seq_out = 0;
	s->have = 0;
}

static int reject(struct vm *vm, const char *why)
{
	vm->st.frames_rejected++;
	snprintf(vm->last_error, sizeof(vm->last_error), "rejected frame: %s",
		 why);
	vm_log(vm, "rejected frame: %s; closing connection", why);
	return -1;
}

static int send_frame(struct vm *vm, struct vsock_flow *f, const void *buf,
		      int n)
{
	if (n < 0 || vsock_flow_write(f, buf, (uint32_t)n)) {
		vm_error(vm, "vsock port %u: guest is not reading; closing connection",
			 f->guest_port);
		return -1;
	}
	return 0;
}

void session_bye(struct vm *vm, struct vsock_flow *f, uint32_t reason)
{
	uint8_t buf[64];

	send_frame(vm, f, buf, vtier_enc_bye(buf, sizeof(buf),
					     ++f->sess.seq_out, reason));
	f->sess.state = SESSION_DONE;
}

void session_quota(struct vm *vm, struct vsock_flow *f, uint64_t quota_pages)
{
	uint8_t buf[64];

	if (f->sess.state != SESSION_READY)
		return;
	if (send_frame(vm, f, buf, vtier_enc_quota(buf, sizeof(buf),
						   ++f->sess.seq_out,
						   quota_pages)))
		vsock_flow_close(f, false);
}

static int on_hello(struct vm *vm, struct vsock_flow *f,
		    const struct vtier_msg *m)
{
	uint64_t top_pfn = (memtab_top(&vm->mem) + PLACE_PAGE_SIZE - 1) >>
			   PLACE_PAGE_SHIFT;
	uint32_t caps = g_observe_only ? VTIER_CAP_OBSERVE : VTIER_CAP_MOVE;
	uint8_t buf[64];

	if (m->hello.max_pfn > top_pfn)
		return reject(vm, "HELLO max_pfn beyond the guest memory table");
	f->sess.max_pfn = m->hello.max_pfn;
	f->sess.state = SESSION_READY;
	vm->sampler = m->hello.sampler;
	vm_log(vm, "guest connected from port %u: sampler %s, max_pfn %llu",
	       f->guest_port, vtier_sampler_name(m->hello.sampler),
	       (unsigned long long)m->hello.max_pfn);
	return send_frame(vm, f, buf,
			  vtier_enc_welcome(buf, sizeof(buf), ++f->sess.seq_out,
					    caps, vm->quota_pages,
					    VTIER_MAX_HINTS));
}

/* Record one translated frame in the per-VM table. */
static void note_frame(struct vm *vm, int ri, uint64_t gpfn, uint8_t action)
{
	const struct mem_region *r = &vm->mem.r[ri];
	uint64_t gpa = gpfn << PLACE_PAGE_SHIFT;
	struct page_entry *e = pages_get(&vm->pages, gpfn);

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
static bool apply_hint(struct vm *vm, const struct vtier_hint_host *h)
{
	uint64_t frames = 1ull << h->order, i;
	int ri[PLACE_HUGE_FRAMES];	/* order <= 9, checked by decode */

	for (i = 0; i < frames; i++) {
		ri[i] = memtab_find_gpa(&vm->mem,
					(h->gpfn + i) << PLACE_PAGE_SHIFT,
					PLACE_PAGE_SIZE);
		if (ri[i] < 0)
			return false;
	}
	for (i = 0; i < frames; i++)
		note_frame(vm, ri[i], h->gpfn + i, h->action);
	/* In both modes: what a mover would have moved (docs/vtierd.md). */
	vm->st.would_move_pages += frames;
	return true;
}

static int on_hints(struct vm *vm, struct vsock_flow *f,
		    const struct vtier_msg *m)
{
	static struct vtier_hint_host ok[VTIER_MAX_HINTS];
	uint32_t i, translated = 0, rejected = 0;
	struct place_ack ack = { 0 };
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
	/* Translated hints go to placement, which has the final word. */
	if (g_observe_only) {
		ack.applied = translated;
		/*
		 * What would be fast, for the balancer's quota deadline; a
		 * promotion without room waits and is retried, as placement's.
		 */
		for (i = 0; i < translated; i++) {
			bool promote = ok[i].action == VTIER_HINT_PROMOTE;

			deferred_want(&vm->logical.def, ok[i].gpfn, ok[i].order,
				      promote);
			if (promote && !balance_logical_room(vm,
					residency_new_frames(&vm->logical,
							     ok[i].gpfn,
							     ok[i].order))) {
				deferred_push(&vm->logical.def, ok[i].gpfn,
					      ok[i].order);
				continue;
			}
			residency_hint(&vm->logical, ok[i].gpfn, ok[i].order,
				       promote);
		}
		migrate_retry_all();
	} else if (translated)
		migrate_hints(vm, ok, translated, &ack);
	ack.rejected += rejected;
	if (g_verbose)
		vm_log(vm, "HINTS seq %u: %u applied, %u rejected, %u deferred",
		       m->seq, ack.applied, ack.rejected, ack.deferred);
	return send_frame(vm, f, buf,
			  vtier_enc_ack(buf, sizeof(buf), ++f->sess.seq_out,
					m->seq, ack.applied, ack.rejected,
					ack.deferred));
}

static void on_report(struct vm *vm, const struct vtier_msg *m)
{
	unsigned int i;

	vm->st.reports++;
	vm->report.valid = true;
	vm->report.sample_rate = m->report.sample_rate;
	vm->report.epoch_ms = m->report.epoch_ms;
	vm->report.wss_pages = m->report.wss_pages;
	vm->report.samples = m->report.samples;
	for (i = 0; i < VTIER_HIST_BUCKETS; i++)
		vm->report.hist[i] = m->report.hist[i];
	balance_note_report(vm);
}

/* Act on one complete frame whose header passed vtier_hdr_check(). */
static int on_frame(struct vm *vm, struct vsock_flow *f)
{
	struct session *s = &f->sess;
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
		return on_hello(vm, f, &m);
	case VTIER_MSG_HINTS:
		return on_hints(vm, f, &m);
	case VTIER_MSG_REPORT:
		on_report(vm, &m);
		return 0;
	case VTIER_MSG_BYE:
		vm_log(vm, "guest said BYE (reason %u)", m.bye.reason);
		s->state = SESSION_DONE;
		return 0;
	default:
		snprintf(why_buf, sizeof(why_buf), "unexpected %s from guest",
			 vtier_msg_name(m.type));
		return reject(vm, why_buf);
	}
}

int session_input(struct vm *vm, struct vsock_flow *f, const uint8_t *data,
		  uint32_t len)
{
	const uint32_t hlen = sizeof(struct vtier_hdr);
	struct session *s = &f->sess;
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
			return reject(vm, why);
		if (s->have == hlen + s->cur_len && s->have > hlen) {
			s->have = 0;
			if (on_frame(vm, f))
				return -1;
		}
	}
	return 0;
}
