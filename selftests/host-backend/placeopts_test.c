// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd's placement options and status fields on this (one-node) host:
 * bad values are refused at start-up, good ones accepted; observe-only
 * still holds with the reason printed; the placement fields are in
 * `vtierctl status --json` next to the old ones, and hints are ACKed as
 * before (nothing moves, nothing is deferred).  Moving itself is tested in
 * the two-node VM (selftests/e2e/numa_test.c).
 */
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

/* Exit status of `vtierd --vm ... A1 A2` that must stop before serving. */
static int vtierd_exit(const char *a1, const char *a2)
{
	const char *args[] = { "--vm", "name=vm0,socket=/nonexistent/x.sock",
			       a1, a2, NULL };

	return vtierd_exit_status(args);
}

TEST(bad_placement_options_are_refused)
{
	EXPECT_EQ(2, vtierd_exit("--initial", "elsewhere"));
	EXPECT_EQ(2, vtierd_exit("--demote", "later"));
	EXPECT_EQ(2, vtierd_exit("--fast-node", "64"));
	EXPECT_EQ(2, vtierd_exit("--slow-node", "-1"));
	EXPECT_EQ(2, vtierd_exit("--fmem-total", "12Q"));
	EXPECT_EQ(2, vtierd_exit("--queue-len", "0"));
	EXPECT_EQ(2, vtierd_exit("--host-mbps", "x"));
	/* A good value gets past parsing (then fails on the socket path). */
	EXPECT_EQ(1, vtierd_exit("--initial", "local"));
	EXPECT_EQ(1, vtierd_exit("--initial", "first-touch"));
	EXPECT_EQ(2, vtierd_exit("--initial", "first"));
}

TEST(observe_only_status_has_placement_fields)
{
	static const char *const extra[] = { ",quota=1M" };
	struct vtier_hint_host h = { .gpfn = 0x300, .action = VTIER_HINT_PROMOTE };
	static const char *const zero[] = {
		"promoted_pages", "demoted_pages", "already_pages",
		"absent_pages", "busy_pages", "failed_pages", "deferred_hints",
		"queued_hints", "dropped_hints", "queue_depth", "moved_bytes",
		"move_bytes_per_s", "latency_p50_us", "latency_p99_us",
		"last_move_errno", "first_touch_pages", "first_touch_slow_pages",
		"first_touch_excess_pages", "first_touch_evicted",
		"first_touch_switches", "first_touch_passes",
		"first_touch_pass_us",
	};
	struct vtierd_child d;
	struct vtier_msg w, ack;
	struct fe_conn c;
	struct vu_fe fe;
	uint8_t buf[64];
	json_t *root, *vm;
	unsigned int i;
	int n;

	ASSERT_EQ(0, vtierd_start(&d, 1, extra));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 2000, &w));
	EXPECT_EQ(VTIER_CAP_OBSERVE, w.welcome.caps);
	EXPECT_EQ(256, w.welcome.quota_pages);
	n = vtier_enc_hints(buf, sizeof(buf), 2, &h, 1);
	ASSERT_EQ(0, fe_conn_send(&fe, &c, buf, (uint32_t)n));
	ASSERT_EQ(0, recv_msg(&fe, &c, &ack));
	EXPECT_EQ(1, ack.ack.applied);
	EXPECT_EQ(0, ack.ack.deferred);

	vm = vm_status(&d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_TRUE(json_is_true(json_object_get(vm, "observe_only")));
	EXPECT_EQ(256, jint(vm, "quota_pages"));
	EXPECT_EQ(1, jint(vm, "hints_translated"));
	EXPECT_EQ(-1, jint(vm, "fast_node"));
	EXPECT_EQ(-1, jint(vm, "slow_node"));
	EXPECT_EQ(-1, jint(vm, "first_touch_node"));
	/* Observe-only, fast_pages is the logical residency (balancer). */
	EXPECT_EQ(1, jint(vm, "fast_pages"));
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		EXPECT_EQ(0, jint(vm, zero[i])) TH_LOG("%s", zero[i]);
	json_decref(root);
	EXPECT_TRUE(log_contains(&d, "observe-only"));
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST_HARNESS_MAIN
