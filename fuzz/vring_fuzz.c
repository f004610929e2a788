// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the vring walker (host-backend/vring.c) on guest RAM
 * the fuzzer writes.  Input: byte 0 picks the ring size (1 << (b % 9)),
 * byte 1 the direction and EVENT_IDX, byte 2 the last_avail start; the
 * rest is the guest RAM image (descriptor table at gpa 0, avail ring at
 * 0x4000, used ring at 0x8000).  RAM is two regions with a hole, as q35.
 * Oracle: besides the sanitizers, every piece of a popped chain lies in
 * the mappings and a chain never exceeds VRING_MAX_CHAIN_BYTES.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memtab.h"
#include "vring.h"

#define RAM		(256u << 10)
#define HOLE_START	(128u << 10)
#define HOLE_END	(192u << 10)
#define UADDR		0x7f0000000000ull

static int memfd = -1;
static uint8_t *ram;
static struct memtab mt;
static uint8_t chain[VRING_MAX_CHAIN_BYTES];

static void setup(void)
{
	const struct memtab_region_desc d[2] = {
		{ 0, HOLE_START, UADDR, 0 },
		{ HOLE_END, RAM - HOLE_START,
		  UADDR + HOLE_END, HOLE_START },
	};
	int fds[2];
	const char *why;

	memfd = memfd_create("fuzz-ram", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, RAM))
		abort();
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	fds[0] = fds[1] = memfd;
	memtab_init(&mt);
	if (ram == MAP_FAILED || memtab_set(&mt, d, 2, fds, &why))
		abort();
}

static void check_elem(const struct vring_elem *e)
{
	uint32_t sum = 0;
	int i;

	if (e->total > VRING_MAX_CHAIN_BYTES || e->n > VRING_MAX_PIECES)
		abort();
	for (i = 0; i < e->n; i++) {
		sum += e->iov[i].len;
		if (e->iov[i].len &&
		    (!memtab_owns(&mt, e->iov[i].hva) ||
		     !memtab_owns(&mt, e->iov[i].hva + e->iov[i].len - 1)))
			abort();
	}
	if (sum != e->total)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vring_elem e;
	struct vring vr;
	const char *why;
	char reason[128];
	bool writable;
	unsigned int i;

	if (memfd < 0)
		setup();
	if (size < 3)
		return 0;
	memset(ram, 0, RAM);
	memcpy(ram, data + 3, size - 3 < RAM ? size - 3 : RAM);
	vring_init(&vr, 0);
	vr.num = 1u << (data[0] % 9);
	vr.desc_ua = UADDR;
	vr.avail_ua = UADDR + 0x4000;
	vr.used_ua = UADDR + 0x8000;
	vr.addr_set = true;
	vr.event_idx = data[1] & 2;
	writable = data[1] & 1;
	if (vring_map(&vr, &mt, &why))
		abort();	/* the layout above always fits */
	vring_start(&vr);
	vr.last_avail = data[2];
	for (i = 0; i < 2 * vr.num; i++) {
		int r = vring_pop(&vr, &mt, writable, &e, reason, sizeof(reason));

		if (r <= 0) {
			vring_publish_and_recheck(&vr);
			break;
		}
		check_elem(&e);
		if (writable)
			vring_elem_write(&e, 0, chain, e.total);
		else
			vring_elem_read(&e, chain);
		vring_push(&vr, e.head, e.total);
	}
	vring_signal(&vr);	/* no call fd: only the event index logic */
	return 0;
}
