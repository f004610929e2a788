// SPDX-License-Identifier: GPL-2.0
/*
 * The module and vtier-replay decide alike.  vtier-gen writes a trace
 * (Zipf over 1024 pages at 1 GiB plus a sequential scan over the next
 * 1024, so 2 MiB regions go huge and one comes back); the guest writes it to
 * /sys/kernel/debug/vtier/replay and prints the engine's RAM ranges, hot
 * set and hint queue (debugfs ranges, hot, hints; no host is attached, so
 * the queue holds every hint the engine produced).  On the host,
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S		240
#define REPLAY_S	240
/* Engine parameters both sides use; everything else is the default. */
#define RATE_LIMIT	"1000"
#define MODARGS		"sampler=replay,rate_limit_pps=" RATE_LIMIT \
			",hint_queue_len=65536"
#define GEN_ARGS	"scan --pages 1024 --rate 2000000 --seconds 6 " \
			"--sample 200 --seed 7"
#define RECORDS		60000	/* 2e6/s * 6 s / 200 */

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

TEST_F_TIMEOUT(replay, module_matches_vtier_replay, BOOT_S + 2 * REPLAY_S)
{
	struct e2e_guest_opts o = {
		.script = "replay", .vsock = E2E_VSOCK_NONE,
		.append = "vtier.modargs=" MODARGS,
		/* 2 GiB: the trace's frames (1 GiB up) are all RAM on q35. */
		.mem = "2G", .smp = 1, .timeout_s = BOOT_S + REPLAY_S,
	};
	char ramargs[2048] = "", total[1024], path[PATH_MAX + 32];
	char **ranges = NULL, **ghot = NULL, **ghints = NULL;
	char **hhot = NULL, **hhints = NULL;
	int nranges, nghot, nghints, nhhot, nhhints, i, d;
	const char *root = self->e.root, *dir = self->e.dir, *t;
	long long windows = 0, limited = -1, untracked = -1;
	int promote9 = 0, demote9 = 0, demote = 0;
	FILE *f;

	/* The trace, and an initramfs that carries it as /data/trace.txt. */
	ASSERT_EQ(0, run("'%s/build/bin/vtier-gen' " GEN_ARGS " >'%s/trace.txt'",
			 root, dir));
	ASSERT_EQ(0, run("'%s/scripts/mkinitramfs.sh' '%s/initramfs.cpio.gz' "
			 "'%s/trace.txt:/data/trace.txt' >/dev/null",
			 root, dir, dir));
	ASSERT_GT(sizeof(self->e.initrd),
		  (size_t)snprintf(self->e.initrd, sizeof(self->e.initrd),
				   "%s/initramfs.cpio.gz", dir));

	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-INSMOD ok", BOOT_S));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-REPLAY-DONE",
					 REPLAY_S));

	/* What the module did with every record. */
	EXPECT_EQ(RECORDS, guest_stat(&self->e, "samples"));
	EXPECT_EQ(0, guest_stat(&self->e, "samples_not_ram"));
	EXPECT_EQ(0, guest_stat(&self->e, "replay_bad_lines"));
	EXPECT_EQ(0, guest_stat(&self->e, "hints_dropped"));

	nranges = guest_lines(&self->e, "VTIER-REPLAY-RANGE ", &ranges);
	ASSERT_LT(0, nranges);
	for (i = 0; i < nranges; i++) {
		char *sp = strchr(ranges[i], ' ');

		ASSERT_NE(NULL, sp);
		*sp = ':';
		snprintf(ramargs + strlen(ramargs),
			 sizeof(ramargs) - strlen(ramargs), " --ram %s",
			 ranges[i]);
	}
	nghot = guest_lines(&self->e, "VTIER-REPLAY-HOT ", &ghot);
	nghints = guest_lines(&self->e, "VTIER-REPLAY-HINT ", &ghints);

	/* The same trace through vtier-replay, with the guest's RAM. */
	ASSERT_EQ(0, run("'%s/build/bin/vtier-replay' --rate-limit " RATE_LIMIT
			 "%s --hints '%s/hints.host' --hot-prefix '%s/hot' "
			 "'%s/trace.txt' >'%s/replay.out'",
			 root, ramargs, dir, dir, dir, dir));
	snprintf(path, sizeof(path), "%s/replay.out", dir);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
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

	/*
	 * The hot set after the last record: vtier-replay's last window.
	 * vtier-replay also moves the engine's clock to each window's end,
	 * which the module never does; the comparison covers that too.
	 */
	snprintf(path, sizeof(path), "%s/hot.%lld", dir, windows - 1);
	nhhot = read_lines(path, &hhot);
	ASSERT_LT(0, nhhot);
	d = first_diff(ghot, nghot, hhot, nhhot);
	EXPECT_EQ(nhhot, nghot);
	EXPECT_EQ(nhhot, d) TH_LOG("hot sets differ at entry %d: guest %s, host %s",
				   d, d < nghot ? ghot[d] : "(end)",
				   d < nhhot ? hhot[d] : "(end)");

	/* The hint stream, without vtier-replay's time stamps. */
	snprintf(path, sizeof(path), "%s/hints.host", dir);
	nhhints = read_lines(path, &hhints);
	ASSERT_LT(0, nhhints);
	for (i = 0; i < nhhints; i++) {
		char *sp = strchr(hhints[i], ' ');

		ASSERT_NE(NULL, sp);
		memmove(hhints[i], sp + 1, strlen(sp));
		promote9 += !strncmp(hhints[i], "promote ", 8) &&
			    strstr(hhints[i], " 9 ") != NULL;
		demote += !strncmp(hhints[i], "demote ", 7);
		demote9 += !strncmp(hhints[i], "demote ", 7) &&
			   strstr(hhints[i], " 9 ") != NULL;
	}
	/* Not a trivial stream: demotions, 2 MiB regions both ways. */
	EXPECT_LT(0, demote);
	EXPECT_LT(0, promote9);
	EXPECT_LT(0, demote9);
	d = first_diff(ghints, nghints, hhints, nhhints);
	EXPECT_EQ(nhhints, nghints);
	EXPECT_EQ(nhhints, d) TH_LOG("hint streams differ at hint %d: guest '%s', host '%s'",
				     d, d < nghints ? ghints[d] : "(end)",
				     d < nhhints ? hhints[d] : "(end)");
	TH_LOG("compared %d hot frames and %d hints (%d demote; order 9: %d promote, %d demote)",
	       nhhot, nhhints, demote, promote9, demote9);

	e2e_free_lines(ranges, nranges);
	e2e_free_lines(ghot, nghot);
	e2e_free_lines(ghints, nghints);
	e2e_free_lines(hhot, nhhot);
	e2e_free_lines(hhints, nhhints);
	e2e_kill_guest(&self->e);
}

TEST_HARNESS_MAIN
