// SPDX-License-Identifier: GPL-2.0
/*
 * Samplers in a QEMU TCG guest, which has no PMU: sampler=auto picks abit
 * and says why pebs and ibs were refused, forcing either fails the load
 * with that reason, abit finds a workload's hot region by itself (no replay
 * file), and loading and unloading under load leaves no kernel warnings
 * and no memory behind.
 * The guest side is selftests/guest/scripts/sampler.sh.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S	240
#define STEP_S	90
#define HOT_MIB	4
#define HOT_PAGES (HOT_MIB * 256)
/* The bar: found within 10 s of sampling, on a quiet machine. */
#define FIND_S	10
/* What a loaded CI machine (2 shared cores, TCG) is given before failing. */
#define FIND_LIMIT_S 60

FIXTURE(sampler) {
	struct e2e e;
};

FIXTURE_SETUP(sampler)
{
	ASSERT_EQ(0, e2e_init(&self->e, "sampler"));
	if (!e2e_have_module(&self->e) || !e2e_have_vtierd(&self->e) ||
	    !e2e_have_vtierctl(&self->e))
		SKIP(return, "vtier.ko, vtierd or vtierctl not built");
}

FIXTURE_TEARDOWN(sampler)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

static void start(struct __test_metadata *_metadata, struct e2e *e,
		  const char *append)
{
	struct e2e_guest_opts o = {
		.script = "sampler", .vsock = E2E_VSOCK_CLIENT,
		.append = append,
	};

	ASSERT_EQ(0, e2e_start_vtierd(e, NULL));
	ASSERT_EQ(0, e2e_start_guest(e, &o));
}

TEST_F_TIMEOUT(sampler, auto_picks_abit_and_says_why, 2 * BOOT_S)
{
	struct e2e *e = &self->e;
	json_t *status, *vm;
	const char *l;

	start(_metadata, e, "vtier.mode=select");
	l = e2e_wait_console(e, "VTIER-SAMPLER-ACTIVE ", BOOT_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-SAMPLER-ACTIVE abit", l);
	/* TCG has no PMU at all, and no CPU model with IBS. */
	l = e2e_wait_console(e, "VTIER-REFUSED pebs: ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-REFUSED pebs: no PMU (perf event type RAW not available)",
		     l);
	l = e2e_wait_console(e, "VTIER-REFUSED ibs: ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_LT(strlen("VTIER-REFUSED ibs: "), strlen(l)) TH_LOG("no reason");
	/* HELLO told the host which sampler runs. */
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-STATE connected", STEP_S));
	status = e2e_vtierctl(e, "status", NULL);
	ASSERT_NE(NULL, status);
	vm = e2e_status_vm(status, "vm0");
	ASSERT_NE(NULL, vm);
	EXPECT_STREQ("abit", json_string_value(json_object_get(vm, "sampler")));
	json_decref(status);

	/* Forcing a sampler that cannot run fails the load, saying why. */
	l = e2e_wait_console(e, "VTIER-FORCE pebs ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-FORCE pebs fail", l);
	l = e2e_wait_console(e, "VTIER-FORCE-WHY ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-FORCE-WHY sampler=pebs cannot run: no PMU (perf event type RAW not available)",
		     l);
	l = e2e_wait_console(e, "VTIER-FORCE ibs ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-FORCE ibs fail", l);
	l = e2e_wait_console(e, "VTIER-FORCE-WHY ", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(0, strncmp(l, "VTIER-FORCE-WHY sampler=ibs cannot run: ",
			     strlen("VTIER-FORCE-WHY sampler=ibs cannot run: ")))
		TH_LOG("%s", l);
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-SELECT done", STEP_S));
	e2e_kill_guest(e);
}

/* The hot region's frames, from the guest's `VTIER-HOT <gpfn>` lines. */
static int hot_frames(struct e2e *e, uint64_t *gpfn, int max)
{
	char **lines = NULL;
	int n = e2e_console_lines(e, "VTIER-HOT 0x", &lines), i;

	for (i = 0; i < n && i < max; i++)
		gpfn[i] = strtoull(lines[i] + strlen("VTIER-HOT "), NULL, 16);
	e2e_free_lines(lines, n);
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Score the host's view of the guest's hot set (pages whose last hint was
 * a promotion) against the hot region: *in = hinted frames inside it,
 * *out = hinted frames outside it.
 */
static int score(struct e2e *e, const uint64_t *hot, int nhot, int *in,
		 int *out)
{
	json_t *reply = e2e_vtierctl(e, "pages", "vm0", NULL), *p;
	size_t i;

	if (!reply)
		return -1;
	*in = 0;
	*out = 0;
	json_array_foreach(json_object_get(reply, "pages"), i, p) {
		uint64_t g = (uint64_t)e2e_json_int(p, "gpfn");
		const char *act = json_string_value(json_object_get(p, "last_action"));

		if (!act || strcmp(act, "promote"))
			continue;
		if (bsearch(&g, hot, nhot, sizeof(*hot), cmp_u64))
			(*in)++;
		else
			(*out)++;
	}
	json_decref(reply);
	return 0;
}

TEST_F_TIMEOUT(sampler, abit_finds_hot_region, 2 * BOOT_S)
{
	static uint64_t hot[HOT_PAGES];
	struct e2e *e = &self->e;
	struct timespec t0, t1;
	int nhot, in = 0, out = 0;
	double secs = 0;

	/*
	 * A 5% budget: on a CI machine whose two cores also run other
	 * guests, TCG makes every round cost several times what it costs on
	 * a quiet one, and at 1% the scanner would slow to below the policy's
	 * two samples per epoch (docs/samplers.md).
	 */
	start(_metadata, e,
	      "vtier.mode=hot vtier.hot=4 vtier.cold=16 vtier.modargs=cpu_budget_permille=50");
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-HOTSPOT ready", BOOT_S));
	nhot = hot_frames(e, hot, HOT_PAGES);
	ASSERT_EQ(HOT_PAGES, nhot);
	qsort(hot, nhot, sizeof(*hot), cmp_u64);
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-HOT-LOADED", STEP_S));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		usleep(500 * 1000);
		ASSERT_EQ(0, score(e, hot, nhot, &in, &out));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	} while (in * 10 < nhot * 8 && secs < FIND_LIMIT_S);
	ksft_print_msg("abit: %d of %d hot frames in the hot set after %.1f s (bar %d s); %d hinted frames outside the region\n",
		       in, nhot, secs, FIND_S, out);
	fflush(stdout);	/* the harness's child leaves with _exit() */
	/* At least 80% of the region, and under 20% of the set outside it. */
	EXPECT_GE(in * 10, nhot * 8);
	EXPECT_LT(out * 5, in + out);
	e2e_kill_guest(e);
}

TEST_F_TIMEOUT(sampler, load_unload_under_load_no_warnings, 2 * BOOT_S)
{
	struct e2e *e = &self->e;
	const char *l;

	start(_metadata, e, "vtier.mode=loop vtier.loops=10");
	/*
	 * Memory in use grows by about 250 kB over the cycles whatever their
	 * number (measured with 5 and 15); leaking the rings (512 kB per load
	 * with 2 vCPUs) or abit's hot lists (128 kB per load) over 10 cycles
	 * each would add well over 1 MiB.
	 */
	l = e2e_wait_console(e, "VTIER-LOOP mem_growth_kb=", BOOT_S);
	ASSERT_NE(NULL, l);
	EXPECT_LT(atoi(l + strlen("VTIER-LOOP mem_growth_kb=")), 1024) TH_LOG("%s", l);
	l = e2e_wait_console(e, "VTIER-LOOP done", STEP_S);
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("VTIER-LOOP done warnings=0", l);
	EXPECT_FALSE(e2e_console_has(e, "insmod-failed"));
	EXPECT_FALSE(e2e_console_has(e, "rmmod-failed"));
	e2e_kill_guest(e);
}

TEST_HARNESS_MAIN
