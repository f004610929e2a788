// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the vsock device and the vtier session of one VM
 * column (vm.c on the observe-only tier, as vtierd runs it), fed through
 * its tx ring in guest RAM.  Input: byte 0 holds flags (bit 0: give each
 * packet the guest's and the host's CIDs, bit 1: set its header's len
 * from the chunk, bit 2: after the chunks, the rest of the input
 * overwrites the tx ring itself), then chunks of [le16 length][bytes],
 * each one packet buffer (vsock header and payload) posted as one
 * descriptor, up to 32 (a zero-length chunk ends them).
 * The seeds in corpus/datapath open a connection and send HELLO and HINTS.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tier.h"
#include "vm.h"

#define RAM		(1u << 20)
#define UADDR		0x7f0000000000ull
#define QSIZE		64
#define TX_RING		0x10000u
#define RX_RING		0x20000u
#define TX_BUF(i)	(0x40000u + (uint32_t)(i) * 0x2000u)
#define RX_BUF(i)	(0x80000u + (uint32_t)(i) * 0x1000u)
#define MAX_CHUNKS	32

static struct loop loop;
static struct tier tier;
static struct tier_vm *tvs[1];
static struct vm *vm;
static uint8_t *ram;

static void set_desc(uint32_t ring, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags)
{
	uint8_t *d = ram + ring + 16u * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memset(d + 14, 0, 2);
}

static void post(uint32_t ring, uint16_t slot, uint16_t head)
{
	uint8_t *avail = ram + ring + 0x800;
	uint16_t idx = (uint16_t)(slot + 1);

	memcpy(avail + 4 + 2 * slot, &head, 2);
	memcpy(avail + 2, &idx, 2);
}

static void setup(void)
{
	const struct memtab_region_desc d = { 0, RAM, UADDR, 0 };
	const struct tier_opts to = { .initial = INITIAL_FIRST_TOUCH };
	const char *why;
	int fd = memfd_create("fuzz-ram", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, RAM) || loop_init(&loop))
		abort();
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	vm = vm_alloc();
	if (ram == MAP_FAILED || !vm)
		abort();
	strcpy(vm->name, "fuzz");
	tvs[0] = &vm->tier;
	tier_init(&tier, &loop, tvs, 1);
	tier_observe_setup(&tier, &to, "fuzz");
	vm_setup(vm, &loop, &tier, 0);
	if (memtab_set(&vm->vs.vu.mem, &d, 1, &fd, &why))
		abort();
	tier.ops->attach(&vm->tier, 4242);
}

/* Both rings empty and started, rx buffers posted: a fresh device. */
static void rings_reset(void)
{
	const char *why;
	unsigned int q, i;

	vm->vs.vu.ops->reset(&vm->vs.vu);
	vm->vs.vu.broken = false;
	memset(ram, 0, TX_BUF(0));
	for (i = 0; i < QSIZE; i++) {
		set_desc(RX_RING, (uint16_t)i, RX_BUF(i), 0x1000, 2);
		post(RX_RING, (uint16_t)i, (uint16_t)i);
	}
	for (q = 0; q < 2; q++) {
		struct vring *vr = &vm->vs.vu.vq[q];
		uint32_t base = q ? TX_RING : RX_RING;

		vring_init(vr, q);
		vr->num = QSIZE;
		vr->desc_ua = UADDR + base;
		vr->avail_ua = UADDR + base + 0x800;
		vr->used_ua = UADDR + base + 0x1000;
		vr->addr_set = vr->enabled = vr->event_idx = true;
		if (vring_map(vr, &vm->vs.vu.mem, &why))
			abort();
		vring_start(vr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t cid[2] = { 3, 2 };
	size_t at = 1;
	uint16_t n = 0;

	if (!vm)
		setup();
	if (size < 1)
		return 0;
	rings_reset();
	while (at + 2 <= size && n < MAX_CHUNKS) {
		uint32_t len = (data[at] | (uint32_t)data[at + 1] << 8) % 0x2000;
		uint8_t *buf = ram + TX_BUF(n);

		at += 2;
		if (!len)
			break;
		if (len > size - at)
			len = (uint32_t)(size - at);
		memcpy(buf, data + at, len);
		at += len;
		if (len >= 44 && (data[0] & 1))
			memcpy(buf, cid, sizeof(cid));
		if (len >= 44 && (data[0] & 2)) {
			uint32_t plen = len - 44;

			memcpy(buf + 24, &plen, 4);
		}
		set_desc(TX_RING, n, TX_BUF(n), len, 0);
		post(TX_RING, n, n);
		n++;
	}
	if ((data[0] & 4) && at < size)	/* descriptors, avail ring, used ring */
		memcpy(ram + TX_RING, data + at,
		       size - at < 0x1800 ? size - at : 0x1800);
	vm->vs.vu.ops->kick(&vm->vs.vu, 1);
	return 0;
}
