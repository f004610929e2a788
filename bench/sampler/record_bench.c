// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of the record path per sample, from the NMI handler's push to the
 * drain path's pop, for callgrind (see `make bench`): N user-address
 * records go through vtier_record_push() into a ring and straight out with
 * vtier_ring_pop(), as the handler and vtier_drain() do.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vtier_record.h"

unsigned int ksim_cpu, ksim_nr_cpus = 1;

static bool user_pfn(u64 addr, u64 *pfn)
{
	*pfn = addr >> 12;	/* the walk itself is the kernel's; see docs */
	return true;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct vtier_ram_table ram = { 0 };
	struct vtier_ringset rs;
	struct vtier_record_ctx ctx = {
		.ram = &ram, .rs = &rs, .user_pfn = user_pfn,
		.kernel_pfn = user_pfn,
	};
	struct vtier_record_stats st = { 0 };
	struct vtier_sample s;
	unsigned long i, got = 0;

	/* A realistic table: RAM split by a few holes. */
	vtier_ram_add(&ram, 1, 0x9f);
	vtier_ram_add(&ram, 0x100, 0x80000);
	vtier_ram_add(&ram, 0x100000, 0x480000);
	if (vtier_ringset_init(&rs, 4096))
		return 1;
	for (i = 0; i < n; i++) {
		struct vtier_record r = {
			.addr = (0x100000ull + (i * 7919) % 0x300000) << 12,
			.ts_ns = i, .flags = VTIER_REC_ADDR | VTIER_REC_USER,
		};

		vtier_record_push(&ctx, &r, &st);
		got += vtier_ring_pop(rs.ring[0], &s);
	}
	printf("records %lu pushed %llu popped %lu\n", n,
	       (unsigned long long)st.pushed, got);
	vtier_ringset_free(&rs);
	return got == n ? 0 : 1;
}
