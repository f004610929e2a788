// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-numa-driver: runs inside the two-node test VM as root.  It starts
 * the real vtierd (next to it in /bin), plays QEMU and the guest with the
 * test frontend (its memfd is guest RAM, so this process is "the VMM"),
 * fills guest RAM with checksummed pages, streams promote and demote hints
 * and checks placement with its own move_pages(2) queries, independently
 * of vtierd.  A forked sampler counts fast-node pages all along.  Prints
 *   VTIER-NUMA-TEST ok|not-ok <name> <detail>
 * lines that selftests/e2e/numa_test.c turns into assertions, vtierd's log
 * as VTIER-NUMA-LOG lines, then
 *   VTIER-NUMA-DONE <failures>
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
#include "numa_driver.h"

static struct vtierd_child d;
struct vu_fe fe;
struct fe_conn conn;
static uint32_t seq = 1;
static uint64_t hints_sent, acked_applied, acked_rejected, acked_deferred;

/* Node of each page of guest RAM in process pid (-errno when none). */
int where(pid_t pid, uint8_t *mem, int *st)
{
	static void *addr[NPAGES];
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		addr[i] = mem + (size_t)i * PAGE;
		st[i] = -EIO;
	}
	return move_pages(pid, NPAGES, addr, NULL, st, 0) ? -errno : 0;
}

unsigned int count(const int *st, unsigned int first,
			  unsigned int end, int node)
{
	unsigned int n = 0;

	for (; first < end; first++)
		n += st[first] == node;
	return n;
}

/* The sampler's query, in its child: the fast pages of the VMM, us. */
static int fast_pages_now(void *ctx)
{
	static int st[NPAGES];

	(void)ctx;
	return where(getppid(), fe.mem, st) ? -1 :
	       (int)count(st, 0, NPAGES, FAST);
}

int hints(const struct vtier_hint_host *h, unsigned int n,
		 struct vtier_msg *ack)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	int len = vtier_enc_hints(buf, sizeof(buf), ++seq, h, n);

	memset(ack, 0, sizeof(*ack));
	if (len < 0 || fe_conn_send(&fe, &conn, buf, (uint32_t)len) ||
	    recv_msg(&fe, &conn, ack) || ack->type != VTIER_MSG_ACK)
		return -1;
	hints_sent += n;
	acked_applied += ack->ack.applied;
	acked_rejected += ack->ack.rejected;
	acked_deferred += ack->ack.deferred;
	return 0;
}

struct vtier_hint_host H(uint64_t gpfn, int order, int action)
{
	struct vtier_hint_host h = { .gpfn = gpfn, .order = (uint8_t)order,
				     .action = (uint8_t)action };
	return h;
}

unsigned int range(struct vtier_hint_host *h, uint64_t first,
			  unsigned int n, int action)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		h[i] = H(first + i, 0, action);
	return n;
}

int ack_is(const struct vtier_msg *a, uint32_t ap, uint32_t rj,
		  uint32_t df)
{
	return a->ack.applied == ap && a->ack.rejected == rj &&
	       a->ack.deferred == df;
}



static json_t *status(json_t **root)
{
	return vm_status(&d, "vm0", root);
}

/* Placement of guest RAM, from this process's own query. */
int st[NPAGES];

int check_place(const char *name, const char *what, uint64_t first,
		       unsigned int n, int node, unsigned int want_fast)
{
	unsigned int fast;
	int rc = where(0, fe.mem, st);

	fast = count(st, 0, NPAGES, FAST);
	numa_mark(!rc && count(st, first, first + n, node) == n &&
	     fast == want_fast, name,
	     "%s: %u of %u pages on node %d; %u fast pages in guest RAM (want %u)",
	     what, count(st, first, first + n, node), n, node, fast, want_fast);
	return !rc;
}

static void step_setup(void)
{
	struct vtier_msg w;
	json_t *root, *vm;
	unsigned int g, present;

	if (fe_up(&fe, d.sock[0]) || vtier_hello(&fe, &conn, 50000, &w)) {
		numa_mark(0, "frontend_up", "vhost-user/vtier HELLO failed");
		exit(1);
	}
	numa_mark(w.welcome.caps == VTIER_CAP_MOVE && w.welcome.quota_pages == QUOTA,
	     "welcome_move", "caps %u quota %llu", w.welcome.caps,
	     (unsigned long long)w.welcome.quota_pages);
	vm = status(&root);
	numa_mark(vm && jint(vm, "fast_node") == FAST && jint(vm, "slow_node") == SLOW &&
	     !json_is_true(json_object_get(vm, "observe_only")), "topology_defaults",
	     "fast node %lld, slow node %lld", vm ? jint(vm, "fast_node") : -9,
	     vm ? jint(vm, "slow_node") : -9);
	json_decref(root);
	/* HELLO answered: vtierd has set the slow node as RAM policy. */
	for (g = DATA_FIRST; g < DATA_END; g++)
		numa_fill(fe.mem, g);
	where(0, fe.mem, st);
	present = NPAGES - count(st, 0, NPAGES, -ENOENT);
	numa_mark(count(st, DATA_FIRST, DATA_END, SLOW) == DATA_END - DATA_FIRST &&
	     count(st, 0, NPAGES, SLOW) == present &&
	     count(st, UNTOUCHED, UNTOUCHED + 512, -ENOENT) == 512,
	     "initial_slow", "%u of %u present pages on the slow node, untouched range absent",
	     count(st, 0, NPAGES, SLOW), present);
}

static void step_quota(void)
{
	static struct vtier_hint_host h[VTIER_MAX_HINTS];
	json_t *root, *vm;
	struct vtier_msg a;
	unsigned int n;
	int ok;

	n = range(h, SMALL, 128, VTIER_HINT_PROMOTE);
	ok = !hints(h, n, &a);
	numa_mark(ok && ack_is(&a, 128, 0, 0), "promote_applied", ACKFMT, ACKARGS(a));
	check_place("promoted_on_fast", "128 promoted", SMALL, 128, FAST, 128);

	h[0] = H(HUGE_A, 9, VTIER_HINT_PROMOTE);
	ok = !hints(h, 1, &a);
	numa_mark(ok && ack_is(&a, 1, 0, 0), "order9_applied", ACKFMT, ACKARGS(a));
	check_place("order9_whole", "2 MiB promoted", HUGE_A, 512, FAST, 640);

	n = range(h, HUGE_B, 256, VTIER_HINT_PROMOTE);
	ok = !hints(h, n, &a);
	numa_mark(ok && ack_is(&a, 128, 0, 128), "over_quota_deferred", ACKFMT, ACKARGS(a));
	check_place("quota_full", "first 128 applied", HUGE_B, 128, FAST, QUOTA);
	check_place("deferred_stay_slow", "128 deferred", HUGE_B + 128, 128,
		    SLOW, QUOTA);

	h[0] = H(HUGE_B, 9, VTIER_HINT_PROMOTE);
	ok = !hints(h, 1, &a);
	numa_mark(ok && ack_is(&a, 0, 0, 1), "order9_over_quota_deferred", ACKFMT, ACKARGS(a));

	/*
	 * Promotions first in the frame; the demotions make the room.  The
	 * 128 deferred pages are remembered: the demotions' room goes to
	 * them (oldest first), so the frame's own promotions find them fast.
	 */
	n = range(h, HUGE_B + 128, 128, VTIER_HINT_PROMOTE);
	n += range(h + n, SMALL, 128, VTIER_HINT_DEMOTE);
	ok = !hints(h, n, &a);
	numa_mark(ok && ack_is(&a, 256, 0, 0), "demotion_makes_room", ACKFMT, ACKARGS(a));
	check_place("demoted_on_slow", "128 demoted", SMALL, 128, SLOW, QUOTA);
	check_place("room_promoted", "128 promoted", HUGE_B + 128, 128, FAST,
		    QUOTA);

	/* The room goes to the deferred order-9 promotion of HUGE_B. */
	h[0] = H(HUGE_A, 9, VTIER_HINT_DEMOTE);
	ok = !hints(h, 1, &a);
	numa_mark(ok && ack_is(&a, 1, 0, 0), "order9_demote", ACKFMT, ACKARGS(a));
	check_place("order9_demoted", "2 MiB demoted", HUGE_A, 512, SLOW, 512);
	check_place("deferred_retried", "deferred 2 MiB retried", HUGE_B, 512,
		    FAST, 512);
	vm = status(&root);
	numa_mark(vm && jint(vm, "deferred_retried") == 384 &&
	     jint(vm, "deferred_pending") == 0 &&
	     jint(vm, "deferred_dropped") == 0, "deferred_counters",
	     "retried %lld pending %lld dropped %lld",
	     vm ? jint(vm, "deferred_retried") : -1,
	     vm ? jint(vm, "deferred_pending") : -1,
	     vm ? jint(vm, "deferred_dropped") : -1);
	json_decref(root);
}

static void step_faults(void)
{
	struct vtier_hint_host h[4];
	struct vtier_msg a;
	unsigned int n = range(h, UNTOUCHED, 4, VTIER_HINT_PROMOTE);
	int ok;

	ok = !hints(h, n, &a);
	numa_mark(ok && ack_is(&a, 4, 0, 0), "untouched_not_an_error", ACKFMT, ACKARGS(a));
	check_place("untouched_stays_absent", "never touched", UNTOUCHED, 4,
		    -ENOENT, 512);
	h[0] = H(HOLE_GPFN, 0, VTIER_HINT_PROMOTE);
	ok = !hints(h, 1, &a);
	numa_mark(ok && ack_is(&a, 0, 1, 0), "hole_rejected", ACKFMT, ACKARGS(a));
	/* Asked again: already fast (the retry placed it), so applied. */
	h[0] = H(HUGE_B, 9, VTIER_HINT_PROMOTE);
	ok = !hints(h, 1, &a);
	numa_mark(ok && ack_is(&a, 1, 0, 0), "order9_after_room", ACKFMT, ACKARGS(a));
	check_place("order9_promoted", "2 MiB promoted", HUGE_B, 512, FAST, 512);
}

static void step_numbers(void)
{
	json_t *root, *vm = status(&root);
	unsigned int fast;

	where(0, fe.mem, st);
	fast = count(st, 0, NPAGES, FAST);
	numa_mark(vm && jint(vm, "fast_pages") == fast && fast <= QUOTA,
	     "fast_pages_match", "vtierd holds %lld, query finds %u",
	     vm ? jint(vm, "fast_pages") : -1, fast);
	numa_mark(vm && jint(vm, "promoted_pages") - jint(vm, "demoted_pages") == fast &&
	     jint(vm, "promoted_pages") == 1152 && jint(vm, "demoted_pages") == 640,
	     "promoted_minus_demoted", "promoted %lld demoted %lld",
	     vm ? jint(vm, "promoted_pages") : -1, vm ? jint(vm, "demoted_pages") : -1);
	numa_mark(vm && jint(vm, "hints_received") == (long long)hints_sent &&
	     hints_sent == acked_applied + acked_rejected + acked_deferred &&
	     jint(vm, "deferred_hints") == (long long)acked_deferred &&
	     jint(vm, "failed_pages") == 0 && jint(vm, "absent_pages") == 4 &&
	     /* only the hint into the hole failed translation */
	     jint(vm, "hints_translated") == (long long)hints_sent - 1 &&
	     jint(vm, "hints_rejected") == 1,
	     "acks_add_up", "sent %llu = %llu applied + %llu rejected + %llu deferred; vtierd: received %lld deferred %lld failed %lld absent %lld",
	     (unsigned long long)hints_sent, (unsigned long long)acked_applied,
	     (unsigned long long)acked_rejected, (unsigned long long)acked_deferred,
	     vm ? jint(vm, "hints_received") : -1, vm ? jint(vm, "deferred_hints") : -1,
	     vm ? jint(vm, "failed_pages") : -1, vm ? jint(vm, "absent_pages") : -1);
	if (vm)
		printf("VTIER-NUMA-BENCH hint_to_placement p50_us=%lld p99_us=%lld moved_bytes=%lld\n",
		       jint(vm, "latency_p50_us"), jint(vm, "latency_p99_us"),
		       jint(vm, "moved_bytes"));
	json_decref(root);
	numa_mark(numa_bad_pages(fe.mem, DATA_FIRST, DATA_END) == 0, "checksums_intact", "%u of %u data pages differ",
	     numa_bad_pages(fe.mem, DATA_FIRST, DATA_END), DATA_END - DATA_FIRST);
}

static void step_disconnect(void)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_hint_host h[VTIER_MAX_HINTS];
	json_t *root = NULL, *vm = NULL;
	struct vtier_msg a;
	unsigned int n, i;
	int len, ok;

	/* A big batch, and the VMM goes away while vtierd works on it. */
	h[0] = H(HUGE_B, 9, VTIER_HINT_DEMOTE);
	n = 1 + range(h + 1, SMALL, 128, VTIER_HINT_PROMOTE);
	len = vtier_enc_hints(buf, sizeof(buf), ++seq, h, n);
	if (len > 0)
		fe_conn_send(&fe, &conn, buf, (uint32_t)len);
	vu_fe_close(&fe);
	for (i = 0; i < 3000; i++) {
		json_decref(root);
		vm = status(&root);
		if (vm && !json_is_true(json_object_get(vm, "vhost_connected")))
			break;
		usleep(10000);
	}
	numa_mark(vm && !json_is_true(json_object_get(vm, "vhost_connected")) &&
	     jint(vm, "fast_pages") == 0 && vtierd_alive(&d),
	     "disconnect_mid_batch", "vtierd alive, %lld fast pages held after the VMM left",
	     vm ? jint(vm, "fast_pages") : -1);
	json_decref(root);
	/* A new VMM is served as before. */
	if (fe_up(&fe, d.sock[0]) || vtier_hello(&fe, &conn, 50001, &a)) {
		numa_mark(0, "reconnect", "vhost-user/vtier HELLO failed");
		return;
	}
	for (i = 0; i < 16; i++)
		numa_fill(fe.mem, SMALL + i);
	n = range(h, SMALL, 16, VTIER_HINT_PROMOTE);
	ok = !hints(h, n, &a);
	numa_mark(ok && ack_is(&a, 16, 0, 0), "reconnect", ACKFMT, ACKARGS(a));
	check_place("reconnect_promoted", "16 promoted", SMALL, 16, FAST, 16);
	vu_fe_close(&fe);
}

static void run_steps(void)
{
	struct fast_sampler fs;
	int max, samples, errors;

	step_setup();
	fast_sampler_start(&fs, fast_pages_now, NULL);
	step_quota();
	step_faults();
	fast_sampler_stop(&fs, &max, &samples, &errors);
	numa_mark(samples > 0 && errors == 0 && max <= QUOTA, "sampled_within_quota",
	     "%d samples, at most %d fast pages (quota %d), %d failed queries",
	     samples, max, QUOTA, errors);
	step_numbers();
	step_disconnect();
	step_limits();
}

int main(void)
{
	static const char *const extra[] = { ",quota=3M" };
	/* These checks start all slow and follow each demotion there. */
	static const char *const args[] = { "--initial", "slow", "--demote",
					    "eager", NULL };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vtierd_start_args(&d, 1, extra, args)) {
		numa_mark(0, "vtierd_starts", "vtierd did not start");
		return 1;
	}
	run_steps();
	numa_mark(vtierd_alive(&d), "vtierd_survives", "vtierd still running");
	{	/* vtierd's log: short, and it says what vtierd decided */
		char line[512];
		FILE *f = fopen(d.log, "r");

		while (f && fgets(line, sizeof(line), f))
			printf("VTIER-NUMA-LOG %s", line);
		if (f)
			fclose(f);
	}
	vtierd_stop(&d);
	vtierd_cleanup(&d);
	printf("VTIER-NUMA-DONE %d\n", numa_failures());
	return numa_failures() ? 1 : 0;
}
