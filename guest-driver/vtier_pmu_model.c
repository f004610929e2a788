// SPDX-License-Identifier: GPL-2.0
/*
 * The PMU samplers' per-CPU-model table.  Sources: the 6.12 kernel's
 * tools/perf/pmu-events/arch/x86/<model>/ JSON files and intel/ds.c PEBS
 * constraints, amd.c's Zen generations, and the periods HeMem and MEMTIS
 * run with (docs/samplers.md, "PEBS and IBS").  No row has run on
 * hardware here: this machine has no PMU.
 *
 * PEBS: MEM_LOAD_RETIRED.L3_MISS (0x20d1) and MEM_INST_RETIRED.ALL_STORES
 * (0x82d0) have kept their encoding from Skylake-SP through Granite Rapids,
 * so the Intel rows differ in name and period, not in event.  Load-latency
 * (0x01cd) is left out: KVM does not emulate its threshold MSR, and on
 * Sapphire and Emerald Rapids it needs a group leader a kernel counter
 * cannot have.  Newer, wider cores retire more loads per second at the
 * same miss ratio, so their load period starts longer, for the same
 * interrupt rate.
 *
 * IBS op: the period counts cycles, in multiples of 16.  Zen 3 has the
 * 7-bit count extension (periods up to 2^27); Zen 4 also has
 * l3missonly (config bit 16), which tags only ops that miss L3, so far
 * fewer ops are sampled per period and it can start shorter.
 */
#include "vtier_pmu_model.h"

#define INTEL_FAM6	6
#define AMD_ZEN		0x19	/* Zen 3 and Zen 4 */

#define PEBS_LOADS_L3_MISS	0x20d1
#define PEBS_ALL_STORES		0x82d0
#define IBS_OP_L3MISSONLY	0x10000ULL	/* config bit 16 */

#define PEBS_LOADS(p)	{ PEBS_LOADS_L3_MISS, (p), 1009, 10000019 }
#define PEBS_STORES(p)	{ PEBS_ALL_STORES, (p), 50021, 100000007 }

#define PEBS_ROW(n, lo, hi, load, store) \
	{ .name = (n), .vendor = VTIER_CPU_INTEL, .family = INTEL_FAM6, \
	  .model_lo = (lo), .model_hi = (hi), .nevents = 2, \
	  .ev = { PEBS_LOADS(load), PEBS_STORES(store) }, .period_align = 1 }

#define IBS_ROW(n, lo, hi, cfg, p, max) \
	{ .name = (n), .vendor = VTIER_CPU_AMD, .family = AMD_ZEN, \
	  .model_lo = (lo), .model_hi = (hi), .nevents = 1, \
	  .ev = { { (cfg), (p), 4096, (max) } }, .period_align = 16 }

static const struct vtier_pmu_model models[] = {
	PEBS_ROW("Ice Lake-SP", 0x6a, 0x6a, 10007, 500009),
	PEBS_ROW("Ice Lake-D", 0x6c, 0x6c, 10007, 500009),
	PEBS_ROW("Ice Lake", 0x7d, 0x7e, 10007, 500009),
	PEBS_ROW("Sapphire Rapids", 0x8f, 0x8f, 20011, 1000003),
	PEBS_ROW("Emerald Rapids", 0xcf, 0xcf, 20011, 1000003),
	PEBS_ROW("Granite Rapids", 0xad, 0xae, 20011, 1000003),
	IBS_ROW("Zen 3", 0x00, 0x0f, 0, 65536, 1 << 27),
	IBS_ROW("Zen 4", 0x10, 0x1f, IBS_OP_L3MISSONLY, 16384, 1 << 27),
	IBS_ROW("Zen 3", 0x20, 0x5f, 0, 65536, 1 << 27),
	IBS_ROW("Zen 4", 0x60, 0xaf, IBS_OP_L3MISSONLY, 16384, 1 << 27),
	{ 0 }
};

/* Any other PEBS or IBS CPU: the events every generation has. */
static const struct vtier_pmu_model generic[] = {
	{ .name = "Intel (generic)", .vendor = VTIER_CPU_INTEL, .nevents = 2,
	  .ev = { PEBS_LOADS(10007), PEBS_STORES(500009) },
	  .period_align = 1 },
	{ .name = "AMD (generic)", .vendor = VTIER_CPU_AMD, .nevents = 1,
	  .ev = { { 0, 65536, 4096, 1 << 20 } }, .period_align = 16 },
	{ 0 }
};

const struct vtier_pmu_model *vtier_pmu_model_find(u8 vendor, u32 family,
						   u32 model)
{
	const struct vtier_pmu_model *m;

	for (m = models; m->name; m++)
		if (m->vendor == vendor && m->family == family &&
		    m->model_lo <= model && model <= m->model_hi)
			return m;
	for (m = generic; m->name; m++)
		if (m->vendor == vendor)
			return m;
	return NULL;
}
