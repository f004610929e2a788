// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-numa-firsttouch: runs inside the two-node test VM as root (guest
 * script numa-firsttouch, e2e_numa_firsttouch_test).  It starts the real
 * vtierd with --initial first-touch and quota=2M (512 pages), plays the
 * VMM and the guest with the test frontend (its memfd is guest RAM),
 * touches guest RAM in a known order and checks with its own move_pages(2)
 * queries, independently of vtierd, where every page is:
 *   setup   RAM the frontend uses is touched on the slow node before
 *           vtierd sees the memory table: found slow, nothing fast
 *   paced   1024 pages touched 32 at a time, top chunk first, each chunk
 *           once vtierd has seen the one before: exactly the first 512
 *           touched are fast, the rest slow, and a forked sampler never
 *           finds more than 512 fast pages
 *   evict   promotions of slow pages demote the oldest first-touched
 *           pages, exactly; a promoted already-fast page is kept; with
 *           every fast page wanted a promotion is deferred
 *   burst   demotions make room (the deferred promotion first); vtierd is
 *           stopped while 512 new pages are touched (all fast: the
 *           overshoot of a long poll gap), then continued: the first of
 *           them fill the room, the newest go back to the slow node
 *   free    the same without stopping vtierd: the overshoot and the time
 *           to settle are measured
 * and every page's checksum is intact.  Prints VTIER-NUMA-TEST lines,
 * VTIER-NUMA-BENCH figures, vtierd's log as VTIER-NUMA-FT-LOG lines, then
 * VTIER-NUMA-FT-DONE <failures>.
 */
#include <errno.h>
#include <numaif.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fast_sampler.h"
#include "numa_common.h"
#include "test_common.h"

#define FAST 0
#define SLOW 1
#define NPAGES (FE_RAM_SIZE / PAGE)
#define QUOTA 512u		/* quota=2M */
#define PRE_END 2048u		/* [0, 8 MiB): the frontend's, touched slow */
#define R_FIRST 2048u		/* paced region: 8-12 MiB */
#define R_END 3072u
#define CHUNK 32u
#define U_FIRST 3072u		/* burst with vtierd stopped: 12-14 MiB */
#define U_END 3584u
#define V_FIRST 3584u		/* free burst: 14-15 MiB */
#define V_END 3840u
#define WAIT_NS (20 * 1000000000ull)

static struct vtierd_child d;
static struct vu_fe fe;
static struct fe_conn conn;
static uint32_t seq = 1;
static int st[NPAGES];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Node of every page of guest RAM, as process pid (0: this one) sees it. */
static int where(pid_t pid, int *out)
{
	static void *addr[NPAGES];
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		addr[i] = fe.mem + (size_t)i * PAGE;
		out[i] = -EIO;
	}
	return move_pages(pid, NPAGES, addr, NULL, out, 0) ? -errno : 0;
}

static unsigned int count(const int *s, unsigned int first, unsigned int end,
			  int node)
{
	unsigned int n = 0;

	for (; first < end; first++)
		n += s[first] == node;
	return n;
}

static unsigned int fast_now(void)
{
	return where(0, st) ? ~0u : count(st, 0, NPAGES, FAST);
}

/* The sampler's query, in its child: the fast pages of the VMM, us. */
static int fast_pages_now(void *ctx)
{
	static int s[NPAGES];

	(void)ctx;
	return where(getppid(), s) ? -1 : (int)count(s, 0, NPAGES, FAST);
}

static int hints(const struct vtier_hint_host *h, unsigned int n,
		 struct vtier_msg *ack)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	int len = vtier_enc_hints(buf, sizeof(buf), ++seq, h, n);

	memset(ack, 0, sizeof(*ack));
	if (len < 0 || fe_conn_send(&fe, &conn, buf, (uint32_t)len) ||
	    recv_msg(&fe, &conn, ack) || ack->type != VTIER_MSG_ACK)
		return -1;
	return 0;
}

/* One HINTS frame with action on the n frames from first; its ACK. */
static int hint_range(uint64_t first, unsigned int n, int action,
		      struct vtier_msg *ack)
{
	static struct vtier_hint_host h[VTIER_MAX_HINTS];
	unsigned int i;

	for (i = 0; i < n; i++)
		h[i] = (struct vtier_hint_host){ .gpfn = first + i,
						 .action = (uint8_t)action };
	return hints(h, n, ack);
}

static int ack_is(const struct vtier_msg *a, uint32_t ap, uint32_t rj,
		  uint32_t df)
{
	return a->ack.applied == ap && a->ack.rejected == rj &&
	       a->ack.deferred == df;
}

/* vtierd's counters for vm0, fetched again. */
struct ft {
	long long fast_pages, ft_fast, ft_slow, excess, evicted, switches;
	long long passes, node, promoted, pass_us, def_pending, def_retried;
};

static int get(struct ft *f)
{
	json_t *root, *vm = vm_status(&d, "vm0", &root);

	if (vm) {
		f->fast_pages = jint(vm, "fast_pages");
		f->ft_fast = jint(vm, "first_touch_pages");
		f->ft_slow = jint(vm, "first_touch_slow_pages");
		f->excess = jint(vm, "first_touch_excess_pages");
		f->evicted = jint(vm, "first_touch_evicted");
		f->switches = jint(vm, "first_touch_switches");
		f->passes = jint(vm, "first_touch_passes");
		f->node = jint(vm, "first_touch_node");
		f->promoted = jint(vm, "promoted_pages");
		f->pass_us = jint(vm, "first_touch_pass_us");
		f->def_pending = jint(vm, "deferred_pending");
		f->def_retried = jint(vm, "deferred_retried");
	}
	json_decref(root);
	return vm ? 0 : -1;
}

/* Wait until vtierd has seen `present` pages; ns taken, or ~0 if never. */
static uint64_t wait_seen(long long present, struct ft *f)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < WAIT_NS) {
		if (!get(f) && f->ft_fast + f->ft_slow + f->excess >= present)
			return now_ns() - t0;
		usleep(1000);
	}
	return ~0ull;
}

static long long present_now(void)
{
	return where(0, st) ? -1 :
	       (long long)(NPAGES - count(st, 0, NPAGES, -ENOENT));
}

/* The frontend's own RAM is touched on the slow node before vtierd. */
static void step_setup(void)
{
	unsigned long slow = 1ul << SLOW;
	unsigned int g;
	struct vtier_msg w;
	struct ft f = { 0 };
	long long present;

	if (vu_fe_open(&fe, d.sock[0])) {
		numa_mark(0, "ft_frontend_up", "vhost-user connect failed");
		exit(1);
	}
	set_mempolicy(MPOL_BIND, &slow, sizeof(slow) * 8);
	for (g = 0; g < PRE_END; g++)
		if (g < FE_HOLE_START / PAGE || g >= FE_HOLE_END / PAGE)
			fe.mem[(size_t)g * PAGE] = 0;
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	if (vu_fe_realize(&fe) || vu_fe_driver_ok(&fe) ||
	    vtier_hello(&fe, &conn, 50000, &w)) {
		numa_mark(0, "ft_frontend_up", "vhost-user/vtier HELLO failed");
		exit(1);
	}
	present = present_now();
	wait_seen(present, &f);
	numa_mark(w.welcome.caps == VTIER_CAP_MOVE && f.ft_slow == present &&
	     f.ft_fast == 0 && f.fast_pages == 0 && f.node == FAST &&
	     count(st, 0, NPAGES, FAST) == 0 && f.passes >= 1, "ft_setup",
	     "%lld present pages, vtierd: %lld found slow, %lld fast, policy node %lld, %lld scans (last %lld us)",
	     present, f.ft_slow, f.ft_fast, f.node, f.passes, f.pass_us);
}

/* Touch 1024 pages in chunks of 32, top chunk first. */
static void step_paced(void)
{
	uint64_t t, worst = 0, sum = 0;
	long long base = present_now(), seen = 0;
	unsigned int k, g, fast, chunks = (R_END - R_FIRST) / CHUNK, late = 0;
	struct ft f = { 0 };

	for (k = 0; k < chunks; k++) {
		uint64_t first = R_END - CHUNK * (k + 1);

		for (g = 0; g < CHUNK; g++)
			numa_fill(fe.mem, first + g);
		seen += CHUNK;
		t = wait_seen(base + seen, &f);
		late += t == ~0ull;
		worst = t > worst ? t : worst;
		sum += t;
	}
	printf("VTIER-NUMA-BENCH first_touch_detect chunk=%u chunks=%u mean_ms=%.1f max_ms=%.1f\n",
	       CHUNK, chunks, (double)sum / chunks / 1e6, (double)worst / 1e6);
	fast = fast_now();
	numa_mark(!late && count(st, R_END - QUOTA, R_END, FAST) == QUOTA &&
	     count(st, R_FIRST, R_END - QUOTA, SLOW) == R_END - R_FIRST - QUOTA &&
	     fast == QUOTA, "ft_paced_exact",
	     "first %u touched: %u fast; the other %u: %u slow; %u fast pages in RAM",
	     QUOTA, count(st, R_END - QUOTA, R_END, FAST),
	     R_END - R_FIRST - QUOTA,
	     count(st, R_FIRST, R_END - QUOTA, SLOW), fast);
	numa_mark(f.fast_pages == QUOTA && f.ft_fast == QUOTA && f.excess == 0 &&
	     f.switches == 1 && f.node == SLOW, "ft_paced_counters",
	     "fast %lld, first touch %lld, excess %lld, %lld switches, policy node %lld",
	     f.fast_pages, f.ft_fast, f.excess, f.switches, f.node);
}

static void step_evict(void)
{
	struct vtier_msg a;
	struct ft f0 = { 0 }, f = { 0 };
	int ok;

	/* Slow pages promoted: the two oldest chunks make room. */
	ok = !hint_range(R_FIRST, 64, VTIER_HINT_PROMOTE, &a);
	get(&f);
	where(0, st);
	numa_mark(ok && ack_is(&a, 64, 0, 0) &&
	     count(st, R_FIRST, R_FIRST + 64, FAST) == 64 &&
	     count(st, R_END - 64, R_END, SLOW) == 64 &&
	     count(st, R_END - QUOTA, R_END - 64, FAST) == QUOTA - 64 &&
	     count(st, 0, NPAGES, FAST) == QUOTA && f.evicted == 64,
	     "ft_evict_oldest",
	     "ack %u/%u/%u; promoted %u of 64 fast, first 64 touched: %u slow, next %u: %u fast; %u fast in RAM, %lld evicted",
	     a.ack.applied, a.ack.rejected, a.ack.deferred,
	     count(st, R_FIRST, R_FIRST + 64, FAST),
	     count(st, R_END - 64, R_END, SLOW), QUOTA - 64,
	     count(st, R_END - QUOTA, R_END - 64, FAST),
	     count(st, 0, NPAGES, FAST), f.evicted);

	/* The third chunk touched, promoted while fast: the guest's now. */
	get(&f0);
	ok = !hint_range(R_END - 96, 32, VTIER_HINT_PROMOTE, &a) &&
	     ack_is(&a, 32, 0, 0);
	get(&f);
	ok = ok && f.promoted == f0.promoted && f.evicted == 64;
	ok = !hint_range(R_FIRST + 64, 32, VTIER_HINT_PROMOTE, &a) && ok &&
	     ack_is(&a, 32, 0, 0);
	get(&f);
	where(0, st);
	numa_mark(ok && count(st, R_END - 96, R_END - 64, FAST) == 32 &&
	     count(st, R_END - 128, R_END - 96, SLOW) == 32 &&
	     count(st, R_FIRST + 64, R_FIRST + 96, FAST) == 32 &&
	     count(st, 0, NPAGES, FAST) == QUOTA && f.evicted == 96,
	     "ft_wanted_not_evicted",
	     "promoted while fast: %u of 32 fast; fourth chunk: %u of 32 slow; %u fast in RAM, %lld evicted",
	     count(st, R_END - 96, R_END - 64, FAST),
	     count(st, R_END - 128, R_END - 96, SLOW),
	     count(st, 0, NPAGES, FAST), f.evicted);

	/* Every fast page wanted: no victim, the promotion is deferred. */
	ok = !hint_range(R_END - QUOTA, QUOTA - 128, VTIER_HINT_PROMOTE, &a) &&
	     ack_is(&a, QUOTA - 128, 0, 0);
	ok = !hint_range(R_FIRST + 96, 16, VTIER_HINT_PROMOTE, &a) && ok &&
	     ack_is(&a, 0, 0, 16);
	get(&f);
	where(0, st);
	numa_mark(ok && count(st, R_FIRST + 96, R_FIRST + 112, SLOW) == 16 &&
	     count(st, 0, NPAGES, FAST) == QUOTA && f.evicted == 96 &&
	     f.def_pending == 16, "ft_no_victim_deferred",
	     "ack %u/%u/%u; %u of 16 slow; %u fast in RAM; %lld evicted, %lld deferred pending",
	     a.ack.applied, a.ack.rejected, a.ack.deferred,
	     count(st, R_FIRST + 96, R_FIRST + 112, SLOW),
	     count(st, 0, NPAGES, FAST), f.evicted, f.def_pending);
}

/*
 * Wait until no more than the quota is fast in RAM; ns taken, or ~0.
 * *first_ns: when the first query found fewer fast pages than at the start.
 */
static uint64_t wait_settled(uint64_t *first_ns)
{
	uint64_t t0 = now_ns();
	unsigned int start = fast_now(), n;

	*first_ns = ~0ull;
	while (now_ns() - t0 < WAIT_NS) {
		n = fast_now();
		if (n < start && *first_ns == ~0ull)
			*first_ns = now_ns() - t0;
		if (n <= QUOTA)
			return now_ns() - t0;
		usleep(500);
	}
	return ~0ull;
}

static void step_burst(void)
{
	struct vtier_msg a;
	struct ft f0 = { 0 }, f = { 0 };
	struct fast_sampler fs;
	unsigned int g, room, over;
	int max, samples, errors;
	uint64_t t, t1;
	int ok;

	/* 128 demoted: the 16 deferred first, then 112 for first touch. */
	ok = !hint_range(R_END - QUOTA, 128, VTIER_HINT_DEMOTE, &a) &&
	     ack_is(&a, 128, 0, 0);
	get(&f0);
	where(0, st);
	room = QUOTA - count(st, 0, NPAGES, FAST);
	numa_mark(ok && room == 112 && f0.node == FAST && f0.def_retried == 16 &&
	     count(st, R_FIRST + 96, R_FIRST + 112, FAST) == 16 &&
	     f0.fast_pages == QUOTA - 112, "ft_room_policy_fast",
	     "room %u, policy node %lld, %lld deferred retried, %u of 16 fast",
	     room, f0.node, f0.def_retried,
	     count(st, R_FIRST + 96, R_FIRST + 112, FAST));

	/* vtierd stopped: every page touched now lands fast. */
	kill(d.pid, SIGSTOP);
	waitpid(d.pid, NULL, WUNTRACED);	/* really stopped */
	for (g = U_FIRST; g < U_END; g++)
		numa_fill(fe.mem, g);
	over = fast_now();
	kill(d.pid, SIGCONT);
	t = wait_settled(&t1);
	get(&f);
	where(0, st);
	printf("VTIER-NUMA-BENCH first_touch_stopped_burst pages=%u room=%u fast_before=%u first_change_ms=%.1f settle_ms=%.1f scan_us=%lld\n",
	       U_END - U_FIRST, room, over, (double)t1 / 1e6, (double)t / 1e6,
	       f.pass_us);
	numa_mark(over == QUOTA - room + (U_END - U_FIRST) && t != ~0ull &&
	     count(st, U_FIRST, U_FIRST + room, FAST) == room &&
	     count(st, U_FIRST + room, U_END, SLOW) == U_END - U_FIRST - room &&
	     count(st, 0, NPAGES, FAST) == QUOTA,
	     "ft_burst_newest_moved_back",
	     "%u fast while vtierd was stopped; then first %u touched: %u fast, other %u: %u slow; %u fast in RAM",
	     over, room, count(st, U_FIRST, U_FIRST + room, FAST),
	     U_END - U_FIRST - room,
	     count(st, U_FIRST + room, U_END, SLOW),
	     count(st, 0, NPAGES, FAST));
	numa_mark(f.ft_fast - f0.ft_fast == room &&
	     f.excess - f0.excess == U_END - U_FIRST - room &&
	     f.fast_pages == QUOTA && f.node == SLOW &&
	     f.switches == f0.switches + 1, "ft_burst_counters",
	     "first touch +%lld, excess +%lld, fast %lld, policy node %lld, switches %lld",
	     f.ft_fast - f0.ft_fast, f.excess - f0.excess, f.fast_pages,
	     f.node, f.switches);

	/* The same with vtierd running: how far a free burst overshoots. */
	ok = !hint_range(R_END - QUOTA + 128, 64, VTIER_HINT_DEMOTE, &a) &&
	     ack_is(&a, 64, 0, 0);
	get(&f0);
	fast_sampler_start(&fs, fast_pages_now, NULL);
	t = now_ns();
	for (g = V_FIRST; g < V_END; g++)
		numa_fill(fe.mem, g);
	t = now_ns() - t;
	over = fast_now();
	{
		uint64_t s = wait_settled(&t1);

		usleep(50000);	/* a few more scans: nothing else moves */
		fast_sampler_stop(&fs, &max, &samples, &errors);
		get(&f);
		where(0, st);
		printf("VTIER-NUMA-BENCH first_touch_free_burst pages=%u room=64 touch_ms=%.1f fast_after_touch=%u sampler_max=%d samples=%d settle_ms=%.1f moved_back=%lld\n",
		       V_END - V_FIRST, (double)t / 1e6, over, max, samples,
		       (double)s / 1e6, f.excess - f0.excess);
		numa_mark(ok && f0.node == FAST && s != ~0ull &&
		     count(st, V_FIRST, V_FIRST + 64, FAST) == 64 &&
		     count(st, V_FIRST + 64, V_END, SLOW) == V_END - V_FIRST - 64 &&
		     count(st, 0, NPAGES, FAST) == QUOTA &&
		     f.ft_fast - f0.ft_fast == 64 && f.fast_pages == QUOTA &&
		     errors == 0, "ft_free_burst_exact",
		     "first 64 touched: %u fast, other %u: %u slow; %u fast in RAM; first touch +%lld, excess +%lld; sampler max %d over %d samples",
		     count(st, V_FIRST, V_FIRST + 64, FAST), V_END - V_FIRST - 64,
		     count(st, V_FIRST + 64, V_END, SLOW),
		     count(st, 0, NPAGES, FAST), f.ft_fast - f0.ft_fast,
		     f.excess - f0.excess, max, samples);
	}
}

int main(void)
{
	static const char *const extra[] = { ",quota=2M" };
	/* The demotion step checks the pages moved at once. */
	static const char *const args[] = { "--initial", "first-touch", "-v",
					    "--demote", "eager", NULL };
	struct fast_sampler fs;
	int max, samples, errors;
	char line[512];
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vtierd_start_args(&d, 1, extra, args)) {
		numa_mark(0, "ft_vtierd_starts", "vtierd did not start");
		return 1;
	}
	step_setup();
	fast_sampler_start(&fs, fast_pages_now, NULL);
	step_paced();
	step_evict();
	fast_sampler_stop(&fs, &max, &samples, &errors);
	numa_mark(samples > 0 && errors == 0 && max <= (int)QUOTA,
	     "ft_sampled_within_quota",
	     "%d samples, at most %d fast pages (quota %u), %d failed queries",
	     samples, max, QUOTA, errors);
	step_burst();
	numa_mark(numa_bad_pages(fe.mem, R_FIRST, R_END) + numa_bad_pages(fe.mem, U_FIRST, U_END) +
	     numa_bad_pages(fe.mem, V_FIRST, V_END) == 0, "ft_checksums",
	     "%u of %u touched pages differ",
	     numa_bad_pages(fe.mem, R_FIRST, R_END) + numa_bad_pages(fe.mem, U_FIRST, U_END) +
	     numa_bad_pages(fe.mem, V_FIRST, V_END), V_END - R_FIRST);
	numa_mark(vtierd_alive(&d), "ft_vtierd_survives", "vtierd still running");
	vu_fe_close(&fe);
	f = fopen(d.log, "r");
	while (f && fgets(line, sizeof(line), f))
		printf("VTIER-NUMA-FT-LOG %s", line);
	if (f)
		fclose(f);
	vtierd_stop(&d);
	vtierd_cleanup(&d);
	printf("VTIER-NUMA-FT-DONE %d\n", numa_failures());
	return numa_failures() ? 1 : 0;
}
