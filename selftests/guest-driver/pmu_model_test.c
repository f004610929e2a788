// SPDX-License-Identifier: GPL-2.0
/*
 * The PMU samplers' per-CPU-model table, the module's own
 * vtier_pmu_model.c: which row each CPU (vendor, family, model as CPUID
 * reports them) gets, and that every row any CPU can get is one the
 * period controller can start from.
 */
#include "kselftest_harness.h"

#include "vtier_pmu_model.h"

#define LOADS_L3_MISS	0x20d1
#define ALL_STORES	0x82d0
#define L3MISSONLY	(1ULL << 16)

static void expect_pebs(struct __test_metadata *_metadata, u32 model,
			const char *name)
{
	const struct vtier_pmu_model *m =
		vtier_pmu_model_find(VTIER_CPU_INTEL, 6, model);

	ASSERT_NE(NULL, m);
	EXPECT_STREQ(name, m->name);
	ASSERT_EQ(2, m->nevents);
	EXPECT_EQ(LOADS_L3_MISS, m->ev[0].config);
	EXPECT_EQ(ALL_STORES, m->ev[1].config);
	EXPECT_EQ(1, m->period_align);
}

static void expect_ibs(struct __test_metadata *_metadata, u32 model,
		       const char *name, u64 config)
{
	const struct vtier_pmu_model *m =
		vtier_pmu_model_find(VTIER_CPU_AMD, 0x19, model);

	ASSERT_NE(NULL, m);
	EXPECT_STREQ(name, m->name);
	ASSERT_EQ(1, m->nevents);
	EXPECT_EQ(config, m->ev[0].config);
	EXPECT_EQ(16, m->period_align);
}

/* Ice Lake server and client, Sapphire, Emerald and Granite Rapids. */
TEST(intel_models_get_their_rows)
{
	expect_pebs(_metadata, 0x6a, "Ice Lake-SP");
	expect_pebs(_metadata, 0x6c, "Ice Lake-D");
	expect_pebs(_metadata, 0x7e, "Ice Lake");
	expect_pebs(_metadata, 0x8f, "Sapphire Rapids");
	expect_pebs(_metadata, 0xcf, "Emerald Rapids");
	expect_pebs(_metadata, 0xad, "Granite Rapids");
	expect_pebs(_metadata, 0xae, "Granite Rapids");
}

/* Milan, Vermeer, Cezanne are Zen 3; Genoa, Raphael, Bergamo Zen 4. */
TEST(amd_models_get_their_rows)
{
	expect_ibs(_metadata, 0x01, "Zen 3", 0);
	expect_ibs(_metadata, 0x21, "Zen 3", 0);
	expect_ibs(_metadata, 0x50, "Zen 3", 0);
	expect_ibs(_metadata, 0x11, "Zen 4", L3MISSONLY);
	expect_ibs(_metadata, 0x61, "Zen 4", L3MISSONLY);
	expect_ibs(_metadata, 0xa0, "Zen 4", L3MISSONLY);
}

/* A model not in the table gets its vendor's generic row; no vendor none. */
TEST(other_models_fall_back)
{
	const struct vtier_pmu_model *m;

	m = vtier_pmu_model_find(VTIER_CPU_INTEL, 6, 0x55);	/* Skylake-SP */
	ASSERT_NE(NULL, m);
	EXPECT_STREQ("Intel (generic)", m->name);
	EXPECT_EQ(LOADS_L3_MISS, m->ev[0].config);
	m = vtier_pmu_model_find(VTIER_CPU_INTEL, 5, 0x8f);	/* not family 6 */
	EXPECT_STREQ("Intel (generic)", m->name);
	m = vtier_pmu_model_find(VTIER_CPU_AMD, 0x1a, 0x02);	/* Zen 5 */
	ASSERT_NE(NULL, m);
	EXPECT_STREQ("AMD (generic)", m->name);
	EXPECT_EQ(0, m->ev[0].config);
	EXPECT_EQ(NULL, vtier_pmu_model_find(0, 6, 0x8f));
	EXPECT_EQ(NULL, vtier_pmu_model_find(3, 0x19, 0x11));
}

/* Every row any CPU gets: start period aligned and inside its range. */
TEST(every_row_is_usable)
{
	u8 vendors[] = { VTIER_CPU_INTEL, VTIER_CPU_AMD };
	unsigned int v, fam, model, i;

	for (v = 0; v < 2; v++) {
		for (fam = 0; fam < 0x20; fam++) {
			for (model = 0; model < 0x100; model++) {
				const struct vtier_pmu_model *m =
					vtier_pmu_model_find(vendors[v], fam, model);

				ASSERT_NE(NULL, m);
				ASSERT_EQ(vendors[v], m->vendor);
				ASSERT_GE(m->nevents, 1);
				ASSERT_LE(m->nevents, VTIER_PMU_EVENTS);
				ASSERT_EQ(0, m->period_align & (m->period_align - 1));
				for (i = 0; i < m->nevents; i++) {
					const struct vtier_pmu_event *e = &m->ev[i];

					ASSERT_LE(e->min_period, e->period);
					ASSERT_LE(e->period, e->max_period);
					ASSERT_EQ(0, e->period % m->period_align);
					ASSERT_EQ(0, e->min_period % m->period_align);
				}
			}
		}
	}
}

TEST_HARNESS_MAIN
