// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer in vtierd, with test frontends as guests (observe-only on
 * this host): REPORTs in, QUOTA frames out over vsock, quotas converging
 * to the utility split; `vtierctl quota`; a guest that ignores a lowered
 * quota loses its oldest promotions after --quota-deadline; logical
 * promotions deferred at the quota are retried as room appears.
 */
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

/* Next QUOTA frame on c within timeout_ms; its quota, or -1. */
static long long next_quota(struct vu_fe *fe, struct fe_conn *c,
			    int timeout_ms)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_limits lim = { 0 };
	struct vtier_msg m;
	const char *why;
	uint16_t type;
	uint32_t len;
	int n;

	for (;;) {
		n = fe_conn_recv_frame(fe, c, buf, sizeof(buf), timeout_ms);
		if (n < 16 || vtier_hdr_check((void *)buf, &type, &len, &why) ||
		    vtier_decode(type, le32_to_cpu(((struct vtier_hdr *)buf)->seq),
				 buf + 16, len, &lim, &m, &why))
			return -1;
		if (m.type == VTIER_MSG_QUOTA)
			return (long long)m.quota.quota_pages;
	}
}

static int send_report(struct vu_fe *fe, struct fe_conn *c, uint32_t rate,
		       int bucket, uint64_t pages)
{
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 };
	uint8_t buf[256];
	int n;

	hist[bucket] = pages;
	hist[0] = 100;
	/* A long epoch keeps this one REPORT fresh for the whole test. */
	n = vtier_enc_report(buf, sizeof(buf), 2, rate, 60000, pages, 1000,
			     hist);
	return n < 0 ? -1 : fe_conn_send(fe, c, buf, (uint32_t)n);
}

/* One HINTS batch of n order-0 hints from gpfn[], ACK awaited. */
static int send_hints(struct vu_fe *fe, struct fe_conn *c, uint32_t seq,
		      const uint64_t *gpfn, unsigned int n, int action)
{
	static struct vtier_hint_host h[VTIER_MAX_HINTS];
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_msg ack;
	unsigned int i;
	int len;

	for (i = 0; i < n; i++)
		h[i] = (struct vtier_hint_host){ .gpfn = gpfn[i],
						 .action = (uint8_t)action };
	len = vtier_enc_hints(buf, sizeof(buf), seq, h, n);
	if (len < 0 || fe_conn_send(fe, c, buf, (uint32_t)len) ||
	    recv_msg(fe, c, &ack) || ack.type != VTIER_MSG_ACK)
		return -1;
	return (int)ack.ack.applied;
}

TEST(quotas_converge_to_the_utility_split_in_quota_frames)
{
	static const char *const extra[] = { ",weight=1", ",weight=1" };
	static const char *const args[] = {
		"--fmem-total", "8M", "--balance-period", "100",
		"--balance-deadband", "16K", NULL };
	long long q[2] = { 0, 0 }, v;
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c[2];
	struct vu_fe fe[2];
	json_t *root, *vm, *ch;
	int i, frames = 0, rounds;

	ASSERT_EQ(0, vtierd_start_args(&d, 2, extra, args));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, fe_up(&fe[i], d.sock[i]));
		ASSERT_EQ(0, vtier_hello(&fe[i], &c[i], 3000 + i, &w));
		EXPECT_EQ(0, w.welcome.quota_pages);	/* starts at min */
	}
	/* vm0: 1000 very hot pages; vm1: 3000 warm ones, same sample rate. */
	ASSERT_EQ(0, send_report(&fe[0], &c[0], 10000, 12, 1000));
	ASSERT_EQ(0, send_report(&fe[1], &c[1], 10000, 3, 3000));
	/*
	 * 2048 pages: vm0 gets its 1000, vm1 the other 1048, in steps of
	 * 256 (the default, total/8); the dead band is 4 pages.
	 */
	for (rounds = 0; rounds < 200 && (q[0] != 1000 || q[1] != 1048);
	     rounds++) {
		for (i = 0; i < 2; i++) {
			v = next_quota(&fe[i], &c[i], 50);
			if (v < 0)
				continue;
			EXPECT_LE(v - q[i], 256) TH_LOG("vm%d step %lld -> %lld", i, q[i], v);
			q[i] = v;
			frames++;
		}
		/* Frames may be read late, but never sum above the total. */
		EXPECT_LE(q[0] + q[1], 2048);
	}
	EXPECT_EQ(1000, q[0]);
	EXPECT_EQ(1048, q[1]);
	EXPECT_GE(frames, 8);		/* 1000/256 + 1048/256 steps at least */

	vm = vm_status(&d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(1000, jint(vm, "quota_pages"));
	EXPECT_GT(jint(vm, "demand_pages"), 900);
	EXPECT_LE(jint(vm, "demand_pages"), 1000);
	ch = json_array_get(json_object_get(vm, "quota_changes"), 0);
	EXPECT_NE(NULL, strstr(jstr(ch, "reason"), "utility: +256 pages, marginal"));
	EXPECT_EQ(0, jint(ch, "from"));
	EXPECT_EQ(256, jint(ch, "to"));
	ch = json_object_get(root, "balancer");
	EXPECT_STREQ("utility", jstr(ch, "policy"));
	EXPECT_EQ(2048, jint(ch, "fmem_total_pages"));
	EXPECT_EQ(2048, jint(ch, "allocated_pages"));
	EXPECT_EQ(100, jint(ch, "period_ms"));
	json_decref(root);
	EXPECT_TRUE(log_contains(&d, "vm1: quota 0 -> 256 pages: utility:"));
	for (i = 0; i < 2; i++)
		vu_fe_close(&fe[i]);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

#define A 0x400		/* first batch: gpfns 0x400.. */
#define B 0x300		/* second: below the first, promoted later */
#define C 0x800
#define N 100

TEST(the_host_demotes_the_oldest_promotions_after_the_deadline)
{
	static const char *const args[] = {
		"--fmem-total", "4M", "--balance", "static", "--balance-step",
		"0", "--balance-period", "100", "--quota-deadline", "3000",
		NULL };
	uint64_t g[N];
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c;
	struct vu_fe fe;
	json_t *root, *vm, *p;
	char out[512];
	int i, k;
	size_t j;

	ASSERT_EQ(0, vtierd_start_args(&d, 1, NULL, args));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 4000, &w));
	/* static: the whole 1024 pages, in one step. */
	ASSERT_EQ(1024, next_quota(&fe, &c, WAIT_MS));
	for (k = 0; k < 3; k++) {
		uint64_t base = k == 0 ? A : k == 1 ? B : C;

		for (i = 0; i < N; i++)
			g[i] = base + (uint64_t)i;
		ASSERT_EQ(N, send_hints(&fe, &c, 10 + k, g, N, VTIER_HINT_PROMOTE));
	}
	/* A's first page leaves and comes back: now the newest promotion. */
	g[0] = A;
	ASSERT_EQ(1, send_hints(&fe, &c, 20, g, 1, VTIER_HINT_DEMOTE));
	ASSERT_EQ(1, send_hints(&fe, &c, 21, g, 1, VTIER_HINT_PROMOTE));
	vm = vm_status(&d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(3 * N, jint(vm, "fast_pages"));
	json_decref(root);

	/* max 600K = 150 pages; the guest ignores the QUOTA frame. */
	ASSERT_EQ(0, vtierctl_run(&d, "quota vm0 max=600K", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "vm0: min 0 pages, max 150 pages, weight 1"));
	ASSERT_EQ(150, next_quota(&fe, &c, WAIT_MS));
	vm = vm_status(&d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(0, jint(vm, "host_demoted_pages"));	/* 3 s to go */
	json_decref(root);

	for (k = 0; k < 200; k++) {		/* up to 20 s */
		vm = vm_status(&d, "vm0", &root);
		ASSERT_NE(NULL, vm);
		if (jint(vm, "host_demoted_pages"))
			break;
		json_decref(root);
		usleep(100000);
	}
	ASSERT_LT(k, 200);
	EXPECT_EQ(150, jint(vm, "host_demoted_pages"));
	EXPECT_EQ(150, jint(vm, "fast_pages"));
	json_decref(root);
	EXPECT_TRUE(log_contains(&d, "host demoted 150 pages, oldest promotion first"));

	/* Demoted: A but its re-promoted first page (99), then B's first 51. */
	root = vtierctl_json(&d, "pages vm0");
	ASSERT_NE(NULL, root);
	json_array_foreach(json_object_get(root, "pages"), j, p) {
		long long gp = jint(p, "gpfn");
		bool want_fast = gp == A || (gp >= B + 51 && gp < B + N) ||
				 (gp >= C && gp < C + N);

		EXPECT_EQ(want_fast, json_is_true(json_object_get(p, "fast")))
			TH_LOG("gpfn %#llx", gp);
	}
	EXPECT_EQ(3 * N, json_array_size(json_object_get(root, "pages")));
	json_decref(root);
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

/* fast_pages, deferred_pending and deferred_retried of vm0. */
static void logical(struct vtierd_child *d, long long *fast,
		    long long *pending, long long *retried)
{
	json_t *root, *vm = vm_status(d, "vm0", &root);

	*fast = vm ? jint(vm, "fast_pages") : -1;
	*pending = vm ? jint(vm, "deferred_pending") : -1;
	*retried = vm ? jint(vm, "deferred_retried") : -1;
	json_decref(root);
}

TEST(observe_only_deferred_promotions_are_retried)
{
	static const char *const args[] = {
		"--fmem-total", "4M", "--balance", "static", "--balance-step",
		"0", "--balance-period", "100", NULL };
	long long fast, pending, retried;
	uint64_t g[N];
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c;
	struct vu_fe fe;
	char out[512];
	int i, k;

	ASSERT_EQ(0, vtierd_start_args(&d, 1, NULL, args));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 4000, &w));
	ASSERT_EQ(1024, next_quota(&fe, &c, WAIT_MS));
	ASSERT_EQ(0, vtierctl_run(&d, "quota vm0 max=400K", out, sizeof(out)));
	ASSERT_EQ(100, next_quota(&fe, &c, WAIT_MS));
	/* 100 pages fill the quota; 10 more wait (logically deferred). */
	for (i = 0; i < N; i++)
		g[i] = A + (uint64_t)i;
	ASSERT_EQ(N, send_hints(&fe, &c, 10, g, N, VTIER_HINT_PROMOTE));
	for (i = 0; i < 10; i++)
		g[i] = B + (uint64_t)i;
	ASSERT_EQ(10, send_hints(&fe, &c, 11, g, 10, VTIER_HINT_PROMOTE));
	logical(&d, &fast, &pending, &retried);
	EXPECT_EQ(100, fast);
	EXPECT_EQ(10, pending);
	/* Five demotions: the five oldest deferred become fast, no new hint. */
	for (i = 0; i < 5; i++)
		g[i] = A + (uint64_t)i;
	ASSERT_EQ(5, send_hints(&fe, &c, 12, g, 5, VTIER_HINT_DEMOTE));
	logical(&d, &fast, &pending, &retried);
	EXPECT_EQ(100, fast);
	EXPECT_EQ(5, pending);
	EXPECT_EQ(5, retried);
	/* B+9 is demoted while it waits; a grown quota takes the other 4. */
	g[0] = B + 9;
	ASSERT_EQ(1, send_hints(&fe, &c, 13, g, 1, VTIER_HINT_DEMOTE));
	ASSERT_EQ(0, vtierctl_run(&d, "quota vm0 max=800K", out, sizeof(out)));
	ASSERT_EQ(200, next_quota(&fe, &c, WAIT_MS));
	for (k = 0; k < 100; k++) {	/* the retry follows the period */
		logical(&d, &fast, &pending, &retried);
		if (!pending)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, pending);
	EXPECT_EQ(104, fast);
	EXPECT_EQ(9, retried);
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(vtierctl_quota_refuses_bad_requests)
{
	static const char *const extra[] = { ",min=1M", ",min=1M,max=2M" };
	static const char *const args[] = { "--fmem-total", "4M", NULL };
	struct vtierd_child d;
	char out[512];

	ASSERT_EQ(0, vtierd_start_args(&d, 2, extra, args));
	EXPECT_EQ(1, vtierctl_run(&d, "quota vm9 min=1M", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "unknown VM 'vm9'"));
	EXPECT_EQ(1, vtierctl_run(&d, "quota vm1 min=3M", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "min above max"));
	EXPECT_EQ(1, vtierctl_run(&d, "quota vm0 min=3500K", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "more than --fmem-total (1024 pages)"));
	EXPECT_EQ(2, vtierctl_run(&d, "quota vm0 min=12Q", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "bad argument 'min=12Q'"));
	EXPECT_EQ(2, vtierctl_run(&d, "quota vm0 weight=0", out, sizeof(out)));
	EXPECT_EQ(2, vtierctl_run(&d, "quota vm0", out, sizeof(out)));
	EXPECT_EQ(0, vtierctl_run(&d, "quota vm0 weight=5 max=3M", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "vm0: min 256 pages, max 768 pages, weight 5"));
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);

	/* Without --fmem-total there is no balancer to ask. */
	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	EXPECT_EQ(1, vtierctl_run(&d, "quota vm0 min=1M", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no balancer"));
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

/* Exit status of vtierd with one VM spec and more options. */
static int vtierd_exit(const char *spec, const char *a1, const char *a2)
{
	const char *args[] = { "--vm", spec, "--fmem-total", "4M", a1, a2, NULL };

	return vtierd_exit_status(args);
}

TEST(bad_balancer_options_are_refused)
{
	const char *s = "name=vm0,socket=/nonexistent/x.sock";

	EXPECT_EQ(2, vtierd_exit(s, "--balance", "greedy"));
	EXPECT_EQ(2, vtierd_exit(s, "--balance-period", "5"));
	EXPECT_EQ(2, vtierd_exit(s, "--balance-step", "1Q"));
	EXPECT_EQ(2, vtierd_exit(s, "--quota-deadline", "x"));
	EXPECT_EQ(2, vtierd_exit("name=vm0,socket=/nonexistent/x.sock,min=5M",
				 "-v", NULL));
	EXPECT_EQ(2, vtierd_exit("name=vm0,socket=/nonexistent/x.sock,min=2M,max=1M",
				 "-v", NULL));
	EXPECT_EQ(2, vtierd_exit("name=vm0,socket=/nonexistent/x.sock,quota=1M",
				 "-v", NULL));
	EXPECT_EQ(2, vtierd_exit("name=vm0,socket=/nonexistent/x.sock,weight=0",
				 "-v", NULL));
	/* Good values get past the checks (then fail on the socket path). */
	EXPECT_EQ(1, vtierd_exit(s, "--balance", "proportional"));
	EXPECT_EQ(1, vtierd_exit("name=vm0,socket=/nonexistent/x.sock,quota=1M",
				 "--balance", "off"));
}

TEST_HARNESS_MAIN
