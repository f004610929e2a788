// SPDX-License-Identifier: GPL-2.0
/*
 * The PMU samplers' record path, built from the module's own
 * vtier_record.c and vtier_ring.c: synthetic PEBS-like (linear address)
 * and IBS-like (physical address) records go through vtier_record_push(),
 * the function the NMI handlers call, and come out of the rings the way
 * the module's consumer reads them.
 */
#include "kselftest_harness.h"

#include "vtier_record.h"

unsigned int ksim_cpu, ksim_nr_cpus = 4;

/* A little address space: user pages 0x1000.. map to frames 0x500.. */
#define USER_BASE	0x400000ull
#define USER_PAGES	16
#define USER_PFN0	0x500ull
/* Direct map: kernel address = DIRECT_BASE + physical address. */
#define DIRECT_BASE	0xffff888000000000ull

static bool user_pfn(u64 addr, u64 *pfn)
{
	if (addr < USER_BASE || addr >= USER_BASE + USER_PAGES * 4096)
		return false;
	*pfn = USER_PFN0 + (addr - USER_BASE) / 4096;
	return true;
}

static bool kernel_pfn(u64 addr, u64 *pfn)
{
	if (addr < DIRECT_BASE)
		return false;
	*pfn = (addr - DIRECT_BASE) >> 12;
	return true;
}

FIXTURE(rec) {
	struct vtier_ram_table ram;
	struct vtier_ringset rs;
	struct vtier_record_ctx ctx;
	struct vtier_record_stats st;
};

FIXTURE_SETUP(rec)
{
	memset(&self->ram, 0, sizeof(self->ram));
	memset(&self->st, 0, sizeof(self->st));
	/* RAM with a hole at frames [0x9f, 0x100), as below 1 MiB on a PC. */
	ASSERT_EQ(0, vtier_ram_add(&self->ram, 0x1, 0x9f));
	ASSERT_EQ(0, vtier_ram_add(&self->ram, 0x100, 0x40000));
	ASSERT_EQ(0, vtier_ringset_init(&self->rs, 64));
	self->ctx = (struct vtier_record_ctx){
		.ram = &self->ram, .rs = &self->rs,
		.user_pfn = user_pfn, .kernel_pfn = kernel_pfn,
	};
	ksim_cpu = 0;
}

FIXTURE_TEARDOWN(rec)
{
	vtier_ringset_free(&self->rs);
}

static bool pop(struct vtier_ringset *rs, unsigned int cpu,
		struct vtier_sample *s)
{
	return vtier_ring_pop(rs->ring[cpu], s);
}

TEST_F(rec, user_address_becomes_its_frame)
{
	struct vtier_record r = {
		.addr = USER_BASE + 3 * 4096 + 123, .ts_ns = 77,
		.flags = VTIER_REC_ADDR | VTIER_REC_USER,
	};
	struct vtier_sample s;

	ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	ASSERT_TRUE(pop(&self->rs, 0, &s));
	EXPECT_EQ(USER_PFN0 + 3, s.pfn);
	EXPECT_EQ(77, s.ts_ns);
	EXPECT_FALSE(pop(&self->rs, 0, &s));
	EXPECT_EQ(1, self->st.pushed);
}

/* The self-test's watch range counts only pushed frames inside it. */
TEST_F(rec, watch_range_counts_pushed_frames)
{
	struct vtier_record r = { .flags = VTIER_REC_PHYS };
	u64 pfn;

	self->ctx.watch_lo = 0x2000;
	self->ctx.watch_hi = 0x2004;
	for (pfn = 0x1ffe; pfn < 0x2006; pfn++) {
		r.phys = pfn << 12;
		ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	}
	r.phys = 0xa0000;	/* in the hole: refused, not watched */
	EXPECT_FALSE(vtier_record_push(&self->ctx, &r, &self->st));
	EXPECT_EQ(4, self->st.watched);
	EXPECT_EQ(8, self->st.pushed);
}

TEST_F(rec, kernel_address_becomes_its_frame)
{
	struct vtier_record r = {
		.addr = DIRECT_BASE + 0x1234567, .flags = VTIER_REC_ADDR,
	};
	struct vtier_sample s;

	ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	ASSERT_TRUE(pop(&self->rs, 0, &s));
	EXPECT_EQ(0x1234, s.pfn);
}

/* IBS reports the physical address itself: it wins over translation. */
TEST_F(rec, physical_address_used_as_is)
{
	struct vtier_record r = {
		.addr = USER_BASE, .phys = 0x2345678,
		.flags = VTIER_REC_ADDR | VTIER_REC_USER | VTIER_REC_PHYS,
	};
	struct vtier_sample s;

	ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	ASSERT_TRUE(pop(&self->rs, 0, &s));
	EXPECT_EQ(0x2345, s.pfn);
}

TEST_F(rec, each_refusal_counted_once)
{
	struct vtier_record none = { .addr = USER_BASE, .flags = 0 };
	struct vtier_record unmapped = {
		.addr = 0x10, .flags = VTIER_REC_ADDR | VTIER_REC_USER,
	};
	struct vtier_record hole = {	/* frame 0xa0: the legacy VGA hole */
		.phys = 0xa0000, .flags = VTIER_REC_PHYS,
	};
	struct vtier_record beyond = {
		.addr = DIRECT_BASE + (0x40000ull << 12), .flags = VTIER_REC_ADDR,
	};
	struct vtier_sample s;

	EXPECT_FALSE(vtier_record_push(&self->ctx, &none, &self->st));
	EXPECT_FALSE(vtier_record_push(&self->ctx, &unmapped, &self->st));
	EXPECT_FALSE(vtier_record_push(&self->ctx, &hole, &self->st));
	EXPECT_FALSE(vtier_record_push(&self->ctx, &beyond, &self->st));
	EXPECT_EQ(4, self->st.records);
	EXPECT_EQ(1, self->st.no_addr);
	EXPECT_EQ(1, self->st.no_frame);
	EXPECT_EQ(2, self->st.not_ram);
	EXPECT_EQ(0, self->st.pushed);
	EXPECT_FALSE(pop(&self->rs, 0, &s));
}

/* A full ring drops and counts; draining makes room again. */
TEST_F(rec, full_ring_drops_and_counts)
{
	struct vtier_record r = { .phys = 0x200000, .flags = VTIER_REC_PHYS };
	struct vtier_sample s;
	int i, popped = 0;

	for (i = 0; i < 64; i++)
		ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	EXPECT_FALSE(vtier_record_push(&self->ctx, &r, &self->st));
	EXPECT_FALSE(vtier_record_push(&self->ctx, &r, &self->st));
	EXPECT_EQ(2, self->st.dropped);
	EXPECT_EQ(2, vtier_ringset_dropped(&self->rs));
	while (pop(&self->rs, 0, &s))
		popped++;
	EXPECT_EQ(64, popped);
	EXPECT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
}

/* Each CPU pushes into its own ring. */
TEST_F(rec, per_cpu_rings)
{
	struct vtier_record r = { .flags = VTIER_REC_PHYS };
	struct vtier_sample s;
	unsigned int cpu;

	for (cpu = 0; cpu < ksim_nr_cpus; cpu++) {
		ksim_cpu = cpu;
		r.phys = (0x1000ull + cpu) << 12;
		ASSERT_TRUE(vtier_record_push(&self->ctx, &r, &self->st));
	}
	for (cpu = 0; cpu < ksim_nr_cpus; cpu++) {
		ASSERT_TRUE(pop(&self->rs, cpu, &s));
		EXPECT_EQ(0x1000ull + cpu, s.pfn);
		EXPECT_FALSE(pop(&self->rs, cpu, &s));
	}
}

TEST(ram_table_merges_and_finds)
{
	struct vtier_ram_table t = { 0 };
	int i;

	ASSERT_EQ(0, vtier_ram_add(&t, 100, 200));
	ASSERT_EQ(0, vtier_ram_add(&t, 300, 400));
	ASSERT_EQ(0, vtier_ram_add(&t, 10, 20));
	EXPECT_EQ(3, t.n);
	/* Touching 200 and overlapping 300: one range 100..400. */
	ASSERT_EQ(0, vtier_ram_add(&t, 200, 310));
	EXPECT_EQ(2, t.n);
	EXPECT_EQ(100, t.r[1].start);
	EXPECT_EQ(400, t.r[1].end);
	EXPECT_TRUE(vtier_ram_has(&t, 10));
	EXPECT_FALSE(vtier_ram_has(&t, 20));
	EXPECT_TRUE(vtier_ram_has(&t, 250));
	EXPECT_FALSE(vtier_ram_has(&t, 400));
	EXPECT_FALSE(vtier_ram_has(&t, 5));
	/* Empty ranges are ignored; a full table says so. */
	EXPECT_EQ(0, vtier_ram_add(&t, 50, 50));
	EXPECT_EQ(2, t.n);
	for (i = 0; t.n < VTIER_RAM_RANGES; i++)
		ASSERT_EQ(0, vtier_ram_add(&t, 1000 + 10 * i, 1005 + 10 * i));
	EXPECT_EQ(-1, vtier_ram_add(&t, 5000000, 5000001));
	EXPECT_EQ(0, vtier_ram_add(&t, 1000, 1002));	/* inside: no new slot */
}

TEST_HARNESS_MAIN
