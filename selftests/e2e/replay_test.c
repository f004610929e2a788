// SPDX-License-Identifier: GPL-2.0
/*
 * The module and vtier-replay decide alike.  vtier-gen writes a trace
 * (Zipf over 1024 pages at 1 GiB plus a sequential scan over the next
 * 1024, so 2 MiB regions go huge and one comes back); the guest writes it to
 * /sys/kernel/debug/vtier/replay and prints the engine's RAM ranges, hot
 * set and hint queue (debugfs ranges, hot, hints; no host is attached, so
 * the queue holds every hint the engine produced; quota_from_vtierd below
 * is the case with a host).  On the host,
 * vtier-replay runs the same trace with the same engine parameters and the
 * same RAM ranges, in the guest's order.  Both run the engine on trace
 * time only, so the results must be identical, and the test compares:
 *
 *   - the final hot set: the same frames (as sorted lists);
 *   - the hint stream: the same sequence of (action, gpfn, order,
 *     hotness), hint by hint, in order (vtier-replay's time stamps aside);
 *   - the counts: the module took every record as a RAM sample (samples,
 *     no samples_not_ram, no bad lines, no hint dropped) and vtier-replay
 *     found none untracked.
 *
 * The rate limit is set low enough to defer hints (hints_limited > 0 on
 * the host side), so the token bucket, which runs on trace time, is part
 * of the comparison.  The guest has one vCPU: the replay file pushes
 * records into the writer's CPU ring, and a writer moving between CPUs
 * could have its records drained out of order.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S		240
#define REPLAY_S	240
/*
 * Engine parameters both sides use; everything else is the default.  The
 * rate limits are low enough to defer hints in each test, so the
 * comparison covers the limiter too.  With a quota the full hot set admits
 * no more pages, so fewer hints are sent and the limit is lower.
 */
#define RATE_LIMIT	"1000"
#define QUOTA_RATE_LIMIT "500"
#define MODARGS_RATE(r)	"sampler=replay,rate_limit_pps=" r ",hint_queue_len=65536"
#define MODARGS		MODARGS_RATE(RATE_LIMIT)
#define GEN_ARGS	"scan --pages 1024 --rate 2000000 --seconds 6 " \
			"--sample 200 --seed 7"
#define RECORDS		60000	/* 2e6/s * 6 s / 200 */
#define FOOTPRINT_PFN	0x40000	/* vtier-gen's footprint: Zipf, then scan */
#define FOOTPRINT	2048
/* quota_from_vtierd: 2 MiB, less than the engine's own budget. */
#define QUOTA_BYTES	"2M"
#define QUOTA_PAGES	512
#define QUOTA_PAGES_STR	"512"
#define QUOTA_WAIT_S	"120"

/* Run a shell command; 0 if it exited with 0. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

/* Lines of a file, without newlines; count or -1. */
static int read_lines(const char *path, char ***out)
{
	char line[E2E_LINE_MAX], **v = NULL;
	int n = 0, cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (n == cap) {
			char **big = realloc(v, (cap = cap ? 2 * cap : 256) *
					     sizeof(*v));

			if (!big)
				break;
			v = big;
		}
		v[n++] = strdup(line);
	}
	fclose(f);
	*out = v;
	return n;
}

/* The console's lines with prefix, from after the prefix on. */
static int guest_lines(struct e2e *e, const char *prefix, char ***out)
{
	int n = e2e_console_lines(e, prefix, out), i;

	for (i = 0; i < n; i++)
		memmove((*out)[i], (*out)[i] + strlen(prefix),
			strlen((*out)[i]) - strlen(prefix) + 1);
	return n;
}

/* A guest `VTIER-STAT name value` line's value, or -1. */
static long long guest_stat(struct e2e *e, const char *name)
{
	char prefix[64], **l = NULL;
	long long v = -1;
	int n;

	snprintf(prefix, sizeof(prefix), "VTIER-STAT %s ", name);
	n = guest_lines(e, prefix, &l);
	if (n > 0)
		v = atoll(l[n - 1]);
	e2e_free_lines(l, n);
	return v;
}

/* Index of the first difference of two line lists (or the shorter end). */
static int first_diff(char **a, int na, char **b, int nb)
{
	int i;

	for (i = 0; i < na && i < nb; i++)
		if (strcmp(a[i], b[i]))
			return i;
	return i;
}

FIXTURE(replay) {
	struct e2e e;
};

FIXTURE_SETUP(replay)
{
	ASSERT_EQ(0, e2e_init(&self->e, "replay"));
	if (!e2e_have_module(&self->e))
		SKIP(return, "vtier.ko not built");
}

FIXTURE_TEARDOWN(replay)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

/* Hints of vtier-replay's stream, summed per 4 KiB frame, as vtierd keeps them. */
struct frame_sum {
	int hints;
	const char *last;	/* "promote" or "demote" */
};

/*
 * Write the trace, build an initramfs carrying it as /data/trace.txt, boot
 * the guest, and wait for the replay script's summary line.
 */
static void guest_replay(struct __test_metadata *_metadata, struct e2e *e,
			 const struct e2e_guest_opts *o)
{
	ASSERT_EQ(0, run("'%s/build/bin/vtier-gen' " GEN_ARGS " >'%s/trace.txt'",
			 e->root, e->dir));
	ASSERT_EQ(0, run("'%s/scripts/mkinitramfs.sh' '%s/initramfs.cpio.gz' "
			 "'%s/trace.txt:/data/trace.txt' >/dev/null",
			 e->root, e->dir, e->dir));
	ASSERT_GT(sizeof(e->initrd),
		  (size_t)snprintf(e->initrd, sizeof(e->initrd),
				   "%s/initramfs.cpio.gz", e->dir));
	ASSERT_EQ(0, e2e_start_guest(e, o));
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-INSMOD ok", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(e, "VTIER-REPLAY-DONE", REPLAY_S));

	/* What the module did with every record. */
	EXPECT_EQ(RECORDS, guest_stat(e, "samples"));
	EXPECT_EQ(0, guest_stat(e, "samples_not_ram"));
	EXPECT_EQ(0, guest_stat(e, "replay_bad_lines"));
	EXPECT_EQ(0, guest_stat(e, "hints_dropped"));
}

/*
 * Run vtier-replay on the trace with the guest's RAM ranges (in its order)
 * and extra options; its hint stream goes to dir/hints.host, its hot sets
 * to dir/hot.<window>.  Returns the number of windows.
 */
static long long host_replay(struct __test_metadata *_metadata, struct e2e *e,
			     const char *extra)
{
	char ramargs[2048] = "", total[1024], path[PATH_MAX + 32], **ranges = NULL;
	long long windows = 0, limited = -1, untracked = -1;
	int nranges, i;
	const char *t;
	FILE *f;

	nranges = guest_lines(e, "VTIER-REPLAY-RANGE ", &ranges);
	ASSERT_LT(0, nranges);
	for (i = 0; i < nranges; i++) {
		char *sp = strchr(ranges[i], ' ');

		ASSERT_NE(NULL, sp);
		*sp = ':';
		snprintf(ramargs + strlen(ramargs),
			 sizeof(ramargs) - strlen(ramargs), " --ram %s",
			 ranges[i]);
	}
	e2e_free_lines(ranges, nranges);
	ASSERT_EQ(0, run("'%s/build/bin/vtier-replay' --rate-limit " RATE_LIMIT
			 " %s%s --hints '%s/hints.host' --hot-prefix '%s/hot' "
			 "'%s/trace.txt' >'%s/replay.out'", e->root, extra,
			 ramargs, e->dir, e->dir, e->dir, e->dir));
	snprintf(path, sizeof(path), "%s/replay.out", e->dir);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	total[0] = '\0';
	while (fgets(total, sizeof(total), f))
		if (!strncmp(total, "total ", 6))
			break;
	fclose(f);
	total[strcspn(total, "\n")] = '\0';
	TH_LOG("vtier-replay: %s", total);
	t = strstr(total, " windows ");
	if (t)
		windows = atoll(t + 9);
	t = strstr(total, " hints_limited ");
	if (t)
		limited = atoll(t + 15);
	t = strstr(total, " untracked ");
	if (t)
		untracked = atoll(t + 11);
	ASSERT_LT(0, windows);
	EXPECT_EQ(0, untracked);
	/* The rate limit deferred hints: it is part of what is compared. */
	EXPECT_LT(0, limited);
	return windows;
}

/*
 * The guest's final hot set equals vtier-replay's after the last record,
 * i.e. of its last window.  vtier-replay also moves the engine's clock to
 * each window's end, which the module never does; this covers that too.
 */
static void compare_hot(struct __test_metadata *_metadata, struct e2e *e,
			long long windows)
{
	char path[PATH_MAX + 32], **ghot = NULL, **hhot = NULL;
	int nghot, nhhot, d;

	nghot = guest_lines(e, "VTIER-REPLAY-HOT ", &ghot);
	snprintf(path, sizeof(path), "%s/hot.%lld", e->dir, windows - 1);
	nhhot = read_lines(path, &hhot);
	ASSERT_LT(0, nhhot);
	d = first_diff(ghot, nghot, hhot, nhhot);
	EXPECT_EQ(nhhot, nghot);
	EXPECT_EQ(nhhot, d) TH_LOG("hot sets differ at entry %d: guest %s, host %s",
				   d, d < nghot ? ghot[d] : "(end)",
				   d < nhhot ? hhot[d] : "(end)");
	TH_LOG("hot sets: %d frames each", nhhot);
	e2e_free_lines(ghot, nghot);
	e2e_free_lines(hhot, nhhot);
}

/* vtier-replay's hint stream without time stamps; count or -1. */
static int host_hints(struct e2e *e, char ***out)
{
	char path[PATH_MAX + 32];
	int n, i;

	snprintf(path, sizeof(path), "%s/hints.host", e->dir);
	n = read_lines(path, out);
	for (i = 0; i < n; i++) {
		char *sp = strchr((*out)[i], ' ');

		if (!sp)
			return -1;
		memmove((*out)[i], sp + 1, strlen(sp));
	}
	return n;
}

/* Not a trivial stream: demotions and, if want_huge, 2 MiB regions both ways. */
static void check_variety(struct __test_metadata *_metadata, char **h, int n,
			  bool want_huge)
{
	int promote9 = 0, demote9 = 0, demote = 0, i;

	for (i = 0; i < n; i++) {
		bool dem = !strncmp(h[i], "demote ", 7);
		bool huge = strstr(h[i], " 9 ") != NULL;

		demote += dem;
		promote9 += !dem && huge;
		demote9 += dem && huge;
	}
	EXPECT_LT(0, demote);
	if (want_huge) {
		EXPECT_LT(0, promote9);
		EXPECT_LT(0, demote9);
	}
	TH_LOG("%d hints (%d demote; order 9: %d promote, %d demote)",
	       n, demote, promote9, demote9);
}

TEST_F_TIMEOUT(replay, module_matches_vtier_replay, BOOT_S + 2 * REPLAY_S)
{
	struct e2e_guest_opts o = {
		.script = "replay", .vsock = E2E_VSOCK_NONE,
		.append = "vtier.modargs=" MODARGS,
		/* 2 GiB: the trace's frames (1 GiB up) are all RAM on q35. */
		.mem = "2G", .smp = 1, .timeout_s = BOOT_S + REPLAY_S,
	};
	char **ghints = NULL, **hhints = NULL;
	int nghints, nhhints, d;

	guest_replay(_metadata, &self->e, &o);
	/* No host: the quota stays 0 (unknown) on both sides. */
	compare_hot(_metadata, &self->e, host_replay(_metadata, &self->e, ""));

	/* The hint stream, hint by hint. */
	nghints = guest_lines(&self->e, "VTIER-REPLAY-HINT ", &ghints);
	nhhints = host_hints(&self->e, &hhints);
	ASSERT_LT(0, nhhints);
	check_variety(_metadata, hhints, nhhints, true);
	d = first_diff(ghints, nghints, hhints, nhhints);
	EXPECT_EQ(nhhints, nghints);
	EXPECT_EQ(nhhints, d) TH_LOG("hint streams differ at hint %d: guest '%s', host '%s'",
				     d, d < nghints ? ghints[d] : "(end)",
				     d < nhhints ? hhints[d] : "(end)");
	e2e_free_lines(ghints, nghints);
	e2e_free_lines(hhints, nhhints);
	e2e_kill_guest(&self->e);
}

/*
 * With a host: vtierd gives the quota through WELCOME (the script replays
 * only once connected), vtier-replay gets it as --quota.  The hint stream
 * is compared as vtierd received it: per 4 KiB frame (an order-9 hint
 * covers 512), the number of hints and the last action, from `vtierctl
 * pages`, against the same sums over vtier-replay's stream; and the total
 * number of hints vtierd received.
 */
TEST_F_TIMEOUT(replay, quota_from_vtierd, BOOT_S + 2 * REPLAY_S)
{
	struct e2e_guest_opts o = {
		.script = "replay", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.modargs=" MODARGS_RATE(QUOTA_RATE_LIMIT)
			  " vtier.wait=" QUOTA_WAIT_S,
		.mem = "2G", .smp = 1, .timeout_s = BOOT_S + 2 * REPLAY_S,
	};
	struct frame_sum sum[FOOTPRINT] = { { 0 } };
	json_t *reply = NULL, *pages, *p;
	char **hhints = NULL;
	int nhhints, i, nsum = 0;
	size_t k;

	if (!e2e_have_vtierd(&self->e) || !e2e_have_vtierctl(&self->e))
		SKIP(return, "vtierd or vtierctl not built");
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, "quota=" QUOTA_BYTES));
	guest_replay(_metadata, &self->e, &o);
	EXPECT_EQ(QUOTA_PAGES, guest_stat(&self->e, "quota_pages"));
	compare_hot(_metadata, &self->e,
		    host_replay(_metadata, &self->e,
				"--rate-limit " QUOTA_RATE_LIMIT
				" --quota " QUOTA_PAGES_STR));

	nhhints = host_hints(&self->e, &hhints);
	ASSERT_LT(0, nhhints);
	/* 512 pages: no region gets hot enough for order 9. */
	check_variety(_metadata, hhints, nhhints, false);
	for (i = 0; i < nhhints; i++) {
		char act[16];
		unsigned long long gpfn, j;
		unsigned int order;

		ASSERT_EQ(3, sscanf(hhints[i], "%15s %llx %u", act, &gpfn,
				    &order));
		for (j = gpfn; j < gpfn + (1ull << order); j++) {
			ASSERT_TRUE(j >= FOOTPRINT_PFN &&
				    j < FOOTPRINT_PFN + FOOTPRINT);
			nsum += !sum[j - FOOTPRINT_PFN].hints;
			sum[j - FOOTPRINT_PFN].hints++;
			sum[j - FOOTPRINT_PFN].last =
				!strcmp(act, "promote") ? "promote" : "demote";
		}
	}

	/* Wait until vtierd has received every hint, then compare. */
	for (i = 0; i < REPLAY_S * 4; i++) {
		json_t *st = e2e_vtierctl(&self->e, "status", NULL);
		long long got = e2e_json_int(e2e_status_vm(st, "vm0"),
					     "hints_received");

		json_decref(st);
		if (got >= nhhints)
			break;
		usleep(250 * 1000);
	}
	reply = e2e_vtierctl(&self->e, "status", NULL);
	ASSERT_NE(NULL, reply);
	EXPECT_EQ(nhhints, e2e_json_int(e2e_status_vm(reply, "vm0"),
					"hints_received"));
	EXPECT_EQ(0, e2e_json_int(e2e_status_vm(reply, "vm0"),
				  "hints_rejected"));
	json_decref(reply);
	reply = e2e_vtierctl(&self->e, "pages", "vm0", NULL);
	ASSERT_NE(NULL, reply);
	pages = json_object_get(reply, "pages");
	EXPECT_EQ(0, e2e_json_int(reply, "untracked_pages"));
	EXPECT_EQ((size_t)nsum, json_array_size(pages));
	json_array_foreach(pages, k, p) {
		long long g = e2e_json_int(p, "gpfn");
		const char *last = json_string_value(json_object_get(p,
								     "last_action"));

		ASSERT_TRUE(g >= FOOTPRINT_PFN && g < FOOTPRINT_PFN + FOOTPRINT)
			TH_LOG("vtierd has frame %llx", g);
		EXPECT_EQ(sum[g - FOOTPRINT_PFN].hints, e2e_json_int(p, "hints"))
			TH_LOG("frame %llx", g);
		EXPECT_STREQ(sum[g - FOOTPRINT_PFN].last ?
			     sum[g - FOOTPRINT_PFN].last : "(none)",
			     last ? last : "(null)")
			TH_LOG("frame %llx", g);
	}
	TH_LOG("vtierd: %zu frames, as summed from vtier-replay's stream",
	       json_array_size(pages));
	json_decref(reply);
	e2e_free_lines(hhints, nhhints);
	ASSERT_EQ(0, e2e_send_console(&self->e, "done\n"));
	e2e_kill_guest(&self->e);
}

TEST_HARNESS_MAIN
