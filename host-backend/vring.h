/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueue, device side.  The rings live in guest RAM, so every
 * index, descriptor and address read from them is checked before use; a
 * check that fails returns -EINVAL with a reason and the caller marks the
 * device broken.
 */
#ifndef VTIERD_VRING_H
#define VTIERD_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include "memtab.h"

#define VRING_MAX_NUM		32768
#define VRING_MAX_PIECES	64
#define VRING_MAX_INDIRECT	256	/* descriptors in one indirect table */
/* Bytes in one chain (vring_pop refuses longer): a vsock header + 64 KiB. */
#define VRING_MAX_CHAIN_BYTES	(44u + 65536u)

struct vring_elem {
	uint16_t head;
	uint32_t total;		/* bytes in the chain */
	int n;			/* pieces used */
	struct mem_piece iov[VRING_MAX_PIECES];
};

struct vring {
	unsigned int index;
	uint32_t num;
	uint64_t desc_ua, avail_ua, used_ua;	/* VMM addresses */
	bool addr_set;
	uint8_t *desc, *avail, *used;		/* in vtierd's mapping */
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t signalled_used;
	bool signalled_valid;
	bool started, enabled, event_idx;
	int kick_fd, call_fd, err_fd;
};

void vring_init(struct vring *vr, unsigned int index);

/*
 * Translate and check the ring placement (num, alignment, inside RAM).  On
 * failure the ring is stopped until its next start.
 */
int vring_map(struct vring *vr, const struct memtab *mt, const char **why);

/* Start processing: read used->idx from the ring. */
void vring_start(struct vring *vr);

/*
 * Pop the next chain.  writable selects the direction every descriptor
 * must have.  Returns 1 with *e filled, 0 when the ring is empty, -EINVAL on a
 * guest error (reason in why, at least 128 bytes).
 */
int vring_pop(struct vring *vr, const struct memtab *mt, bool writable,
	      struct vring_elem *e, char *why, size_t why_len);

void vring_push(struct vring *vr, uint16_t head, uint32_t len);

/* Tell the driver about pushed entries if it asked to be told. */
void vring_signal(struct vring *vr);

/*
 * With EVENT_IDX, publish avail_event = last_avail so the driver kicks on
 * its next buffer; returns true if more buffers arrived meanwhile.
 */
bool vring_publish_and_recheck(struct vring *vr);

/* Copy len bytes into a writable chain, skipping skip bytes. */
void vring_elem_write(const struct vring_elem *e, uint32_t skip,
		      const void *src, uint32_t len);

/* Copy the whole readable chain to dst (room for e->total). */
void vring_elem_read(const struct vring_elem *e, void *dst);

#endif
