// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue pop/push/signal with every guest value checked.
 * Layout (little-endian): desc {u64 addr; u32 len; u16 flags; u16 next},
 * avail {u16 flags; u16 idx; u16 ring[num]; u16 used_event},
 * used {u16 flags; u16 idx; {u32 id; u32 len} ring[num]; u16 avail_event}.
 */
#include "vring.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

void vring_init(struct vring *vr, unsigned int index)
{
	memset(vr, 0, sizeof(*vr));
	vr->index = index;
	vr->kick_fd = vr->call_fd = vr->err_fd = -1;
}

static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void *map_part(const struct memtab *mt, uint64_t ua, uint64_t len,
		      uint64_t align, const char *what, const char **why)
{
	void *p;

	if (ua & (align - 1)) {
		*why = what;
		return NULL;
	}
	p = memtab_uaddr_to_hva(mt, ua, len);
	if (!p)
		*why = what;
	return p;
}

int vring_map(struct vring *vr, const struct memtab *mt, const char **why)
{
	uint64_t n = vr->num;

	vr->desc = vr->avail = vr->used = NULL;
	if (n == 0 || n > VRING_MAX_NUM || (n & (n - 1))) {
		*why = "ring size not a power of two up to 32768";
	} else if (!vr->addr_set) {
		*why = "ring addresses not set";
	} else {
		vr->desc = map_part(mt, vr->desc_ua, 16 * n, 16,
				    "descriptor table misaligned or outside guest RAM",
				    why);
		vr->avail = map_part(mt, vr->avail_ua, 6 + 2 * n, 2,
				     "avail ring misaligned or outside guest RAM",
				     why);
		vr->used = map_part(mt, vr->used_ua, 6 + 8 * n, 4,
				    "used ring misaligned or outside guest RAM",
				    why);
		if (vr->desc && vr->avail && vr->used)
			return 0;
	}
	vr->started = false;	/* never touch a stale mapping */
	return -EINVAL;
}

void vring_start(struct vring *vr)
{
	vr->used_idx = load16(vr->used + 2);
	vr->signalled_valid = false;
	vr->started = true;
}

static int __attribute__((format(printf, 3, 4)))
fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Add one descriptor's buffer to the element after checking it. */
static int add_buffer(const struct memtab *mt, struct vring_elem *e,
		      const struct vring_desc *d, bool writable, char *why,
		      size_t why_len)
{
	int n;

	if (!!(d->flags & VRING_DESC_F_WRITE) != writable)
		return fail(why, why_len, writable ?
			    "read-only descriptor in receive chain %u" :
			    "writable descriptor in transmit chain %u",
			    e->head);
	if (d->len > VRING_MAX_CHAIN_BYTES - e->total)
		return fail(why, why_len, "chain %u longer than %u bytes",
			    e->head, VRING_MAX_CHAIN_BYTES);
	n = memtab_gpa_pieces(mt, d->addr, d->len, e->iov + e->n,
			      VRING_MAX_PIECES - e->n);
	if (n == -E2BIG)
		return fail(why, why_len,
			    "descriptor chain %u has more than %u buffers (a loop?)",
			    e->head, VRING_MAX_PIECES);
	if (n < 0)
		return fail(why, why_len,
			    "buffer 0x%llx+%u outside guest RAM (chain %u)",
			    (unsigned long long)d->addr, d->len, e->head);
	e->n += n;
	e->total += d->len;
	return 0;
}

static void read_desc(const uint8_t *table, unsigned int i,
		      struct vring_desc *d)
{
	memcpy(d, table + 16 * (size_t)i, sizeof(*d));
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

int vring_pop(struct vring *vr, const struct memtab *mt, bool writable,
	      struct vring_elem *e, char *why, size_t why_len)
{
	static uint8_t indirect[16 * VRING_MAX_INDIRECT];
	const uint8_t *table = vr->desc;
	unsigned int size = vr->num, count = 0, i;
	uint16_t avail_idx, pending;
	struct vring_desc d;
	bool in_indirect = false;

	avail_idx = load16(vr->avail + 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - vr->last_avail);
	if (pending > vr->num)
		return fail(why, why_len,
			    "avail index jumped by %u (ring size %u)",
			    pending, vr->num);
	if (pending == 0)
		return 0;
	i = load16(vr->avail + 4 + 2 * (vr->last_avail & (vr->num - 1)));
	if (i >= vr->num)
		return fail(why, why_len,
			    "descriptor index %u out of range (ring size %u)",
			    i, vr->num);
	memset(e, 0, offsetof(struct vring_elem, iov));
	e->head = (uint16_t)i;
	for (;;) {
		if (++count > size)
			return fail(why, why_len,
				    "descriptor chain %u loops or exceeds %u entries",
				    e->head, size);
		read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (in_indirect || count != 1)
				return fail(why, why_len,
					    "indirect descriptor not at chain %u head",
					    e->head);
			if (d.flags & VRING_DESC_F_NEXT)
				return fail(why, why_len,
					    "indirect descriptor %u has NEXT",
					    e->head);
			if (d.len == 0 || d.len % 16 ||
			    d.len > sizeof(indirect))
				return fail(why, why_len,
					    "indirect table bad length %u (chain %u)",
					    d.len, e->head);
			if (memtab_read(mt, d.addr, indirect, d.len))
				return fail(why, why_len,
					    "indirect table outside guest RAM (chain %u)",
					    e->head);
			table = indirect;
			size = d.len / 16;
			in_indirect = true;
			count = 0;
			i = 0;
			continue;
		}
		if (add_buffer(mt, e, &d, writable, why, why_len))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
		if (i >= size)
			return fail(why, why_len,
				    "next descriptor index %u out of range (%u)",
				    i, size);
	}
	vr->last_avail++;
	return 1;
}

void vring_push(struct vring *vr, uint16_t head, uint32_t len)
{
	uint8_t *slot = vr->used + 4 + 8 * (size_t)(vr->used_idx & (vr->num - 1));
	uint32_t elem[2] = { htole32(head), htole32(len) };

	memcpy(slot, elem, sizeof(elem));
	vr->used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(vr->used + 2, vr->used_idx);
}

/* virtio's vring_need_event(): did new pass event since old? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

void vring_signal(struct vring *vr)
{
	uint64_t one = 1;
	bool notify;

	/* The used->idx store must be visible before we read used_event. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx) {
		uint16_t old = vr->signalled_used;
		bool valid = vr->signalled_valid;

		vr->signalled_used = vr->used_idx;
		vr->signalled_valid = true;
		notify = !valid ||
			 need_event(load16(vr->avail + 4 + 2 * vr->num),
				    vr->used_idx, old);
	} else {
		notify = !(load16(vr->avail) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (notify && vr->call_fd >= 0 &&
	    write(vr->call_fd, &one, sizeof(one)) < 0) {
		/* eventfd full or gone: the guest still sees used->idx */
	}
}

bool vring_publish_and_recheck(struct vring *vr)
{
	if (vr->event_idx)
		store16(vr->used + 4 + 8 * vr->num, vr->last_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(vr->avail + 2) != vr->last_avail;
}

void vring_elem_write(const struct vring_elem *e, uint32_t skip,
		      const void *src, uint32_t len)
{
	const uint8_t *s = src;
	int i;

	for (i = 0; i < e->n && len; i++) {
		uint32_t n;

		if (skip >= e->iov[i].len) {
			skip -= e->iov[i].len;
			continue;
		}
		n = e->iov[i].len - skip;
		if (n > len)
			n = len;
		memcpy(e->iov[i].hva + skip, s, n);
		s += n;
		len -= n;
		skip = 0;
	}
}

void vring_elem_read(const struct vring_elem *e, void *dst)
{
	uint8_t *d = dst;
	int i;

	for (i = 0; i < e->n; i++) {
		memcpy(d, e->iov[i].hva, e->iov[i].len);
		d += e->iov[i].len;
	}
}
