// SPDX-License-Identifier: GPL-2.0
/*
 * The fair balancer (--balance fair): a guest that inflates its REPORT
 * histograms beside honest ones gains only fast memory the others do not
 * want within their weighted shares.  The algorithm alone (balancer.c),
 * then vtierd with test frontends as the guests.  Under --balance utility
 * the same lie takes everything: that is the attack.
 */
#include <poll.h>
#include <string.h>

#include "balancer.h"
#include "kselftest_harness.h"
#include "test_common.h"

#define LIE_PAGES 4096ull	/* every frame of the guest, red hot */

/* An honest REPORT: pages warm pages in one bucket; a lie: all red hot. */
static void report(struct bal_vm *v, uint64_t pages, bool lie)
{
	memset(&v->rep, 0, sizeof(v->rep));
	v->fresh = true;
	v->rep.sample_rate = lie ? UINT32_MAX : 10000;
	v->rep.epoch_ms = 1000;
	v->rep.wss_pages = lie ? LIE_PAGES : pages;
	v->rep.hist[lie ? VTIER_HIST_BUCKETS - 1 : 3] = lie ? LIE_PAGES : pages;
}

/* Plan until nothing changes (no step, no dead band: one plan). */
static void plan(struct __test_metadata *_metadata, enum bal_policy pol,
		 uint64_t total, struct bal_vm *v, size_t n)
{
	struct bal_params p = { pol, total, 0, 0 };
	size_t i;

	ASSERT_EQ(0, balancer_plan(&p, v, n));
	for (i = 0; i < n; i++)
		v[i].quota_pages = v[i].target_pages;
}

static void vms_init(struct bal_vm *v, size_t n, uint64_t total)
{
	size_t i;

	memset(v, 0, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].max_pages = total;
		v[i].weight = 1;
	}
}

/* Two honest VMs that want more than their shares, and a liar. */
TEST(a_liar_gets_no_more_than_its_share_when_others_want_theirs)
{
	struct bal_vm v[3];

	vms_init(v, 3, 3000);
	report(&v[0], 2000, false);
	report(&v[1], 2000, false);
	report(&v[2], 0, true);
	plan(_metadata, BAL_UTILITY, 3000, v, 3);
	TH_LOG("utility: honest %llu, %llu; liar %llu",
	       (unsigned long long)v[0].target_pages,
	       (unsigned long long)v[1].target_pages,
	       (unsigned long long)v[2].target_pages);
	EXPECT_EQ(3000, v[2].target_pages);	/* the attack */

	vms_init(v, 3, 3000);
	report(&v[0], 2000, false);
	report(&v[1], 2000, false);
	report(&v[2], 0, true);
	plan(_metadata, BAL_FAIR, 3000, v, 3);
	EXPECT_EQ(1000, v[0].target_pages);
	EXPECT_EQ(1000, v[1].target_pages);
	EXPECT_EQ(1000, v[2].target_pages);
	EXPECT_NE(NULL, strstr(v[2].reason, "fair: +1000 pages"));
}

/* What an honest VM does not want goes to the liar, and only that. */
TEST(a_liar_gets_only_what_nobody_else_wants)
{
	struct bal_vm v[2];
	uint64_t want;

	vms_init(v, 2, 2000);
	report(&v[0], 300, false);
	report(&v[1], 0, true);
	want = bal_demand(&v[0].rep);
	plan(_metadata, BAL_FAIR, 2000, v, 2);
	EXPECT_GE(v[0].target_pages, want);
	EXPECT_LE(v[0].target_pages, 300);
	EXPECT_EQ(2000 - v[0].target_pages, v[1].target_pages);
}

/* Shares are weighted: weight 3 against a liar of weight 1. */
TEST(shares_follow_the_weights)
{
	struct bal_vm v[2];

	vms_init(v, 2, 4000);
	v[0].weight = 3;
	report(&v[0], 4000, false);
	report(&v[1], 0, true);
	plan(_metadata, BAL_FAIR, 4000, v, 2);
	EXPECT_EQ(3000, v[0].target_pages);
	EXPECT_EQ(1000, v[1].target_pages);
}

/* Limits hold: min is kept, max caps the share (the rest goes on). */
TEST(limits_bound_the_shares)
{
	struct bal_vm v[3];

	vms_init(v, 3, 3000);
	v[0].max_pages = 500;
	v[1].min_pages = 200;
	report(&v[0], 2000, false);
	report(&v[1], 2000, false);
	report(&v[2], 0, true);
	plan(_metadata, BAL_FAIR, 3000, v, 3);
	EXPECT_EQ(500, v[0].target_pages);
	EXPECT_GE(v[1].target_pages, 200 + (3000 - 200) / 3);
	EXPECT_EQ(3000, v[0].target_pages + v[1].target_pages + v[2].target_pages);
}

static int send_report(struct vu_fe *fe, struct fe_conn *c, bool lie,
		       uint64_t pages)
{
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 };
	uint8_t buf[256];
	int n;

	hist[lie ? VTIER_HIST_BUCKETS - 1 : 3] = lie ? LIE_PAGES : pages;
	/* A long epoch keeps this one REPORT fresh for the whole test. */
	n = vtier_enc_report(buf, sizeof(buf), 2, lie ? UINT32_MAX : 10000,
			     60000, lie ? LIE_PAGES : pages, 1000, hist);
	return n < 0 ? -1 : fe_conn_send(fe, c, buf, (uint32_t)n);
}

/* The quotas of vm0..vm2 once they stop changing (up to 10 s). */
static void settled_quotas(struct vtierd_child *d, long long q[3])
{
	long long last[3] = { -1, -1, -1 };
	int i, stable = 0, round;
	char name[8];
	json_t *root, *vm;

	for (round = 0; round < 100 && stable < 5; round++) {
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "vm%d", i);
			vm = vm_status(d, name, &root);
			q[i] = vm ? jint(vm, "quota_pages") : -1;
			json_decref(root);
		}
		stable = memcmp(q, last, sizeof(last)) ? 0 : stable + 1;
		memcpy(last, q, sizeof(last));
		poll(NULL, 0, 100);
	}
}

/* Three guests on a vtierd: vm2 lies. */
static void three_guests(struct __test_metadata *_metadata, const char *policy,
			 long long q[3])
{
	const char *const args[] = {
		"--fmem-total", "12M", "--balance", policy,
		"--balance-period", "50", NULL };
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c[3];
	struct vu_fe fe[3];
	int i;

	ASSERT_EQ(0, vtierd_start_args(&d, 3, NULL, args));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, fe_up(&fe[i], d.sock[i]));
		ASSERT_EQ(0, vtier_hello(&fe[i], &c[i], 3100 + i, &w));
		ASSERT_EQ(0, send_report(&fe[i], &c[i], i == 2, 2000));
	}
	settled_quotas(&d, q);
	TH_LOG("--balance %s: honest %lld, %lld pages; liar %lld pages",
	       policy, q[0], q[1], q[2]);
	for (i = 0; i < 3; i++)
		vu_fe_close(&fe[i]);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(vtierd_fair_keeps_honest_guests_their_shares)
{
	long long q[3];

	three_guests(_metadata, "utility", q);
	EXPECT_GT(q[2], 2 * 1024);		/* the lie pays under utility */
	three_guests(_metadata, "fair", q);
	EXPECT_EQ(1024, q[0]);			/* 3072 pages / 3 */
	EXPECT_EQ(1024, q[1]);
	EXPECT_EQ(1024, q[2]);
}

TEST_HARNESS_MAIN
