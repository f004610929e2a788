// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-numa-balance: runs inside the two-node test VM as root (guest
 * script numa-balance, e2e_numa_balance_test).  It starts the real vtierd with three VMs sharing
 * --fmem-total 2M (512 pages) under the utility balancer, and plays all
 * three VMMs and guests with test frontends (each with its own memfd as
 * guest RAM, all in this process, so this process is every VM's VMM).
 * Each "guest" sends REPORTs describing a hot set, promotes its hot pages
 * up to its quota and, when a QUOTA shrinks, demotes its excess - except
 * vm0 in the last phase, which ignores QUOTA.  A forked sampler queries
 * with move_pages(2), all along, where every page of the three RAMs is,
 * independently of vtierd.
 *
 * Phases (quotas from REPORTs alone; vtierctl quota in the last one):
 *   steady     vm0 128 very hot pages, vm1 256 hot, vm2 256 warm:
 *              quotas 128/256/128; each VM's fast pages follow its quota
 *   shift      vm2's pages become hotter than vm1's: vm2 256, vm1 128
 *   greedy     vm0 ignores QUOTA; `vtierctl quota vm0 max=128K`: after
 *              --quota-deadline vtierd demotes vm0's excess itself,
 *              oldest promotion first (its 32 newest pages stay fast)
 * and all along: the fast-node pages of all VMs together, by the
 * sampler's queries, never exceed --fmem-total.
 * Prints VTIER-NUMA-TEST ok|not-ok <name> <detail> lines (numa_test.c
 * turns them into assertions), VTIER-NUMA-BAL-LOG (vtierd's log), then
 * VTIER-NUMA-BAL-DONE <failures>.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#define NVM 3
#define TOTAL 512		/* --fmem-total 2M */
#define MINP 32			/* min=128K */
#define TOL 16
#define DATA 2048u		/* each VM's hot pages start here */
#define PHASE_MS 60000		/* generous: ends as soon as the split is reached */

struct vm {
	struct vu_fe fe;
	struct fe_conn conn;
	unsigned int hot;		/* hot pages from DATA */
	int bucket;			/* their heat bucket in REPORTs */
	bool greedy;			/* ignores QUOTA */
	uint64_t quota, quotas_seen;
	uint32_t seq;
};

static struct vm vm[NVM];
static struct vtierd_child d;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fast-node pages of one VM's RAM in process pid (0: this one), or -1. */
static int fast_of(pid_t pid, uint8_t *mem)
{
	static void *addr[NPAGES];
	static int st[NPAGES];
	unsigned int i, n = 0;

	for (i = 0; i < NPAGES; i++) {
		addr[i] = mem + (size_t)i * PAGE;
		st[i] = -EIO;
	}
	if (move_pages(pid, NPAGES, addr, NULL, st, 0))
		return -1;
	for (i = 0; i < NPAGES; i++)
		n += st[i] == FAST;
	return (int)n;
}

static int node_of(uint8_t *p)
{
	void *a = p;
	int st = -EIO;

	return move_pages(0, 1, &a, NULL, &st, 0) ? -1 : st;
}

/* The sampler's query, in its child: fast pages of all VMs (us) together. */
static int fast_pages_now(void *ctx)
{
	int i, n, sum = 0;

	(void)ctx;
	for (i = 0; i < NVM; i++) {
		n = fast_of(getppid(), vm[i].fe.mem);
		if (n < 0)
			return -1;
		sum += n;
	}
	return sum;
}

/* Take one frame; QUOTA updates the VM; returns its type or -1. */
static int take(struct vm *v, int timeout_ms, struct vtier_msg *m)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_limits lim = { 0 };
	const char *why;
	uint32_t len;
	uint16_t type;
	int n = fe_conn_recv_frame(&v->fe, &v->conn, buf, sizeof(buf), timeout_ms);

	if (n < 16 || vtier_hdr_check((void *)buf, &type, &len, &why) ||
	    vtier_decode(type, le32_to_cpu(((struct vtier_hdr *)buf)->seq),
			 buf + 16, len, &lim, m, &why))
		return -1;
	if (type == VTIER_MSG_QUOTA) {
		v->quota = m->quota.quota_pages;
		v->quotas_seen++;
	}
	return type;
}

/* Send HINTS and wait for its ACK (QUOTAs on the way are taken). */
static int hints(struct vm *v, const struct vtier_hint_host *h, unsigned int n)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_msg m;
	int len = vtier_enc_hints(buf, sizeof(buf), ++v->seq, h, n), t, i;

	if (len < 0 || fe_conn_send(&v->fe, &v->conn, buf, (uint32_t)len))
		return -1;
	for (i = 0; i < 100; i++) {
		t = take(v, WAIT_MS, &m);
		if (t == VTIER_MSG_ACK)
			return 0;
		if (t < 0)
			return -1;
	}
	return -1;
}

static void report(struct vm *v)
{
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 };
	uint8_t buf[16 + sizeof(struct vtier_report)];
	int n;

	hist[v->bucket] = v->hot;
	hist[0] = NPAGES - v->hot;
	v->seq++;
	n = vtier_enc_report(buf, sizeof(buf), v->seq,
			     (uint32_t)(v->hot << v->bucket) / 2, 1000, v->hot,
			     (uint64_t)v->seq * 1000, hist);
	if (n > 0)
		fe_conn_send(&v->fe, &v->conn, buf, (uint32_t)n);
}

/*
 * One round of a guest: take QUOTAs, bring fast pages to the quota (a
 * cooperative guest demotes its newest excess, then promotes its hot pages
 * in order); a greedy one only promotes, all of them.
 */
static void guest_round(struct vm *v)
{
	static struct vtier_hint_host h[VTIER_MAX_HINTS];
	struct vtier_msg m;
	unsigned int i, n = 0;
	int fast = fast_of(0, v->fe.mem);

	while (take(v, 0, &m) >= 0)
		;
	if (fast < 0)
		return;
	if (v->greedy) {
		for (i = 0; i < v->hot && n < VTIER_MAX_HINTS; i++)
			h[n++] = (struct vtier_hint_host){ .gpfn = DATA + i,
				.action = VTIER_HINT_PROMOTE, .hotness = 1000 };
	} else if ((uint64_t)fast > v->quota) {
		for (i = v->hot; i-- > 0 && (uint64_t)fast - n > v->quota;)
			if (node_of(v->fe.mem + (size_t)(DATA + i) * PAGE) == FAST)
				h[n++] = (struct vtier_hint_host){ .gpfn = DATA + i,
					.action = VTIER_HINT_DEMOTE };
	} else {
		for (i = 0; i < v->hot && (uint64_t)fast + n < v->quota &&
		     n < VTIER_MAX_HINTS; i++)
			if (node_of(v->fe.mem + (size_t)(DATA + i) * PAGE) != FAST)
				h[n++] = (struct vtier_hint_host){ .gpfn = DATA + i,
					.action = VTIER_HINT_PROMOTE, .hotness = 100 };
	}
	if (n)
		hints(v, h, n);
}

static json_t *status(json_t **root)
{
	*root = vtierctl_json(&d, "status");
	return *root;
}

/* Run the guests until quotas are want[] (within TOL) and fast pages follow. */
static bool run_until(const uint64_t *want, bool fast_too, int64_t budget_ms)
{
	int64_t end = now_ms() + budget_ms, next_report = 0;
	json_t *root;
	bool ok = false;
	int i;

	while (!ok && now_ms() < end) {
		for (i = 0; i < NVM; i++) {
			if (now_ms() >= next_report)
				report(&vm[i]);
			guest_round(&vm[i]);
		}
		if (now_ms() >= next_report)
			next_report = now_ms() + 300;
		ok = true;
		status(&root);
		for (i = 0; i < NVM; i++) {
			json_t *arr = json_object_get(root, "vms"), *e;
			int f = fast_of(0, vm[i].fe.mem);
			long long q = -1;
			char name[8];
			size_t k;

			snprintf(name, sizeof(name), "vm%d", i);
			json_array_foreach(arr, k, e)
				if (!strcmp(jstr(e, "name"), name))
					q = jint(e, "quota_pages");
			ok &= q >= 0 && (uint64_t)q + TOL >= want[i] &&
			      (uint64_t)q <= want[i] + TOL &&
			      vm[i].quota == (uint64_t)q &&
			      (!fast_too || (f >= 0 && (uint64_t)f + TOL >= want[i] &&
					     (uint64_t)f <= (uint64_t)q));
		}
		json_decref(root);
		usleep(20000);
	}
	return ok;
}

static void show(const char *name, bool ok, const uint64_t *want)
{
	int f[NVM], i;

	for (i = 0; i < NVM; i++)
		f[i] = fast_of(0, vm[i].fe.mem);
	numa_mark(ok, name, "quotas %llu/%llu/%llu (want %llu/%llu/%llu within %d), fast pages %d/%d/%d by query",
	     (unsigned long long)vm[0].quota, (unsigned long long)vm[1].quota,
	     (unsigned long long)vm[2].quota, (unsigned long long)want[0],
	     (unsigned long long)want[1], (unsigned long long)want[2], TOL,
	     f[0], f[1], f[2]);
}

static int start_vtierd(void)
{
	static const char *const extra[NVM] = {
		",min=128K,max=8M", ",min=128K,max=8M", ",min=128K,max=8M" };
	char exe[PATH_MAX], spec[NVM][200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);
	json_t *root;
	int i, fd;

	strcpy(d.dir, "/tmp/vtierd-bal-XXXXXX");
	if (n <= 0 || !mkdtemp(d.dir))
		return -1;
	exe[n] = 0;
	strcpy(strrchr(exe, '/') + 1, "vtierd");
	snprintf(d.control, sizeof(d.control), "%s/ctl.sock", d.dir);
	snprintf(d.log, sizeof(d.log), "%s/vtierd.log", d.dir);
	for (i = 0; i < NVM; i++) {
		snprintf(d.sock[i], sizeof(d.sock[i]), "%s/vm%d.sock", d.dir, i);
		snprintf(spec[i], sizeof(spec[i]), "name=vm%d,socket=%s%s", i,
			 d.sock[i], extra[i]);
	}
	d.pid = fork();
	if (d.pid == 0) {
		fd = open(d.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execl(exe, exe, "--vm", spec[0], "--vm", spec[1], "--vm", spec[2],
		      "--fmem-total", "2M", "--balance", "utility",
		      "--balance-period", "100", "--balance-step", "1M",
		      "--balance-deadband", "16K", "--quota-deadline", "1000",
		      /* the pool bound is checked at every sample: no first-touch burst */
		      "--initial", "slow", "--control", d.control, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1000 && vtierd_alive(&d); i++) {
		if (vm_status(&d, "vm0", &root)) {
			json_decref(root);
			return 0;
		}
		json_decref(root);
		usleep(10000);
	}
	return -1;
}

int main(void)
{
	uint64_t want[NVM];
	struct vtier_msg w;
	json_t *root, *s;
	struct fast_sampler fs;
	int max, samples, errors, i;
	unsigned int g, first_fast, newest;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (start_vtierd()) {
		numa_mark(0, "bal_vtierd_starts", "vtierd did not start");
		return 1;
	}
	for (i = 0; i < NVM; i++) {
		if (fe_up(&vm[i].fe, d.sock[i]) ||
		    vtier_hello(&vm[i].fe, &vm[i].conn, 51000 + i, &w)) {
			numa_mark(0, "bal_frontends_up", "vm%d: HELLO failed", i);
			return 1;
		}
		vm[i].seq = 1;
		vm[i].quota = w.welcome.quota_pages;
		for (g = DATA; g < DATA + 512; g++)
			vm[i].fe.mem[(size_t)g * PAGE] = (uint8_t)g | 1;
	}
	numa_mark(vm[0].quota == MINP && vm[1].quota == MINP && vm[2].quota == MINP,
	     "bal_start_at_min", "WELCOME quotas %llu/%llu/%llu",
	     (unsigned long long)vm[0].quota, (unsigned long long)vm[1].quota,
	     (unsigned long long)vm[2].quota);
	fast_sampler_start(&fs, fast_pages_now, NULL);

	vm[0].hot = 128, vm[0].bucket = 10;
	vm[1].hot = 256, vm[1].bucket = 6;
	vm[2].hot = 256, vm[2].bucket = 3;
	want[0] = 128, want[1] = 256, want[2] = TOTAL - 128 - 256;
	ok = run_until(want, true, PHASE_MS);
	show("bal_steady_split", ok, want);

	vm[2].bucket = 8;	/* vm2 now hotter than vm1 */
	want[1] = 128, want[2] = 256;
	ok = run_until(want, true, PHASE_MS);
	show("bal_shift_toward_hotter", ok, want);

	/* vm0 ignores QUOTA from now on; its max drops to 32 pages. */
	vm[0].greedy = true;
	{
		char out[256];
		int rc = vtierctl_run(&d, "quota vm0 max=128K", out, sizeof(out));

		numa_mark(rc == 0, "bal_vtierctl_quota", "exit %d: %s", rc, out);
	}
	{
		int64_t end = now_ms() + PHASE_MS;
		long long dem = 0, fq = 0, q = -1;
		int f0 = -1;

		while (now_ms() < end) {
			for (i = 0; i < NVM; i++)
				guest_round(&vm[i]);
			f0 = fast_of(0, vm[0].fe.mem);
			s = vm_status(&d, "vm0", &root);
			dem = s ? jint(s, "host_demoted_pages") : -1;
			fq = s ? jint(s, "fast_pages") : -1;
			q = s ? jint(s, "quota_pages") : -1;
			json_decref(root);
			if (dem > 0 && f0 >= 0 && f0 <= MINP && q == MINP)
				break;
			usleep(20000);
		}
		first_fast = (unsigned int)node_of(vm[0].fe.mem + (size_t)DATA * PAGE);
		for (newest = 0, g = DATA + 128 - MINP; g < DATA + 128; g++)
			newest += node_of(vm[0].fe.mem + (size_t)g * PAGE) == FAST;
		numa_mark(dem > 0 && f0 >= 0 && f0 <= q && q == MINP && fq == f0 &&
		     vm[0].quota == MINP, "bal_greedy_demoted_by_host",
		     "vm0 ignored QUOTA %llu: fast pages %d by query, vtierd fast %lld quota %lld, host demoted %lld",
		     (unsigned long long)vm[0].quota, f0, fq, q, dem);
		/* vm0 promoted DATA.. in order: the oldest went first. */
		numa_mark(first_fast == SLOW && newest == MINP, "bal_oldest_demoted_first",
		     "vm0's first promoted page is on node %d; %u of its %d newest on the fast node",
		     (int)first_fast, newest, MINP);
	}
	fast_sampler_stop(&fs, &max, &samples, &errors);
	numa_mark(samples > 0 && errors == 0 && max >= 0 && max <= TOTAL,
	     "bal_total_never_exceeded",
	     "%d samples, at most %d fast pages in all VMs (--fmem-total %d), %d failed queries",
	     samples, max, TOTAL, errors);
	numa_mark(vtierd_alive(&d), "bal_vtierd_survives", "vtierd still running");
	{
		char line[512];
		FILE *f = fopen(d.log, "r");

		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "quota") || strstr(line, "balanc"))
				printf("VTIER-NUMA-BAL-LOG %s", line);
		if (f)
			fclose(f);
	}
	for (i = 0; i < NVM; i++)
		vu_fe_close(&vm[i].fe);
	vtierd_stop(&d);
	vtierd_cleanup(&d);
	printf("VTIER-NUMA-BAL-DONE %d\n", numa_failures());
	return numa_failures() ? 1 : 0;
}
