// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gt: a QEMU TCG plugin (7.2 and 10.0) that counts every guest memory access per
 * guest-physical page and time window, and optionally samples every Nth
 * access into a trace v1 (docs/tcg-plugin.md has the options, the output
 * formats and the time base).
 *
 *   -plugin build/lib/vtier-gt-api<N>.so,out=PREFIX[,window_ms=MS][,sample=N]
 *           [,jitter=on|off][,seed=S][,arm=K][,stop=K2][,remap=FROM:TO:LEN]
 *
 * Time base: each vCPU's clock counts the instructions it executed, at a
 * nominal 1 ns each (a TB-execute callback adds the block's length; an
 * access's time is its block's start plus its index in the block).  Unlike
 * wall time it is not stretched by the instrumentation and it repeats from
 * run to run.  An idle vCPU executes nothing, so when it wakes its clock
 * jumps to the furthest vCPU clock: idle time passes for it too.  A marker
 * is a point in every vCPU's time: it is stamped with the furthest clock,
 * and no vCPU's next block starts before it.  Clocks start at 0 when
 * counting starts (boot, or the arm marker).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"
#include "qemu_plugin_abi.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = VTIER_QEMU_PLUGIN_VERSION;

enum phase {
	PH_WAIT,	/* arm= given, marker not seen yet: nothing instrumented */
	PH_COUNT,	/* counting */
	PH_DONE,	/* stop marker seen or exiting: files written */
};

static struct {
	qemu_plugin_id_t id;
	struct gt_opts o;
	char **argv;			/* our copies; o.out points into them */
	int argc;
	struct gt_vcpu *v;
	unsigned nv, smp;
	_Atomic int phase;
	_Atomic bool instrument;	/* translate with counting callbacks */
	_Atomic uint64_t markers, bad_vcpu, no_hwaddr, errors;
	_Atomic uint64_t floor;		/* the latest marker's time */
	_Atomic uint8_t code_seen[65536];
	/* per code: 1 + the clock of its first execution while counting */
	_Atomic uint64_t code_ns[65536];
	pthread_mutex_t dump_lock;
	bool dumped;
	const char *end_reason;
} g = { .dump_lock = PTHREAD_MUTEX_INITIALIZER };

static inline struct gt_vcpu *vcpu(unsigned idx)
{
	if (idx >= g.nv) {
		atomic_fetch_add_explicit(&g.bad_vcpu, 1, memory_order_relaxed);
		return NULL;
	}
	return &g.v[idx];
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: cheap, and reproducible per vCPU and seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t next_period(struct gt_vcpu *v)
{
	uint64_t n = g.o.sample;

	if (!g.o.jitter || n == 1)
		return n;
	return 1 + rng_next(&v->rng) % (2 * n - 1);	/* mean n */
}

/* ---- callbacks on the vCPU threads ---- */

static void on_tb(unsigned idx, void *udata)
{
	struct gt_vcpu *v = vcpu(idx);
	uint64_t c, f;

	if (!v)
		return;
	c = atomic_load_explicit(&v->clock, memory_order_relaxed);
	f = atomic_load_explicit(&g.floor, memory_order_acquire);
	c = c > f ? c : f;
	v->tb_base = c;
	atomic_store_explicit(&v->clock, c + (uintptr_t)udata,
			      memory_order_relaxed);
}

/* The furthest clock of the vCPUs other than skip. */
static uint64_t max_clock(const struct gt_vcpu *skip)
{
	uint64_t c, m = 0;

	for (unsigned i = 0; i < g.nv; i++) {
		if (&g.v[i] == skip)
			continue;
		c = atomic_load_explicit(&g.v[i].clock, memory_order_relaxed);
		m = c > m ? c : m;
	}
	return m;
}

static void on_resume(qemu_plugin_id_t id, unsigned idx)
{
	struct gt_vcpu *v = vcpu(idx);
	uint64_t m;

	(void)id;
	if (!v)
		return;
	m = max_clock(NULL);
	/* Only this vCPU writes its clock: forward, never back. */
	if (m > atomic_load_explicit(&v->clock, memory_order_relaxed))
		atomic_store_explicit(&v->clock, m, memory_order_relaxed);
}

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void on_mem(unsigned idx, qemu_plugin_meminfo_t info, uint64_t vaddr,
		   void *udata)
{
	struct gt_vcpu *v;
	struct qemu_plugin_hwaddr *hw;
	uint64_t t, pa;
	bool store;

	if (atomic_load_explicit(&g.phase, memory_order_relaxed) != PH_COUNT)
		return;
	v = vcpu(idx);
	if (!v)
		return;
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw) {
		atomic_fetch_add_explicit(&g.no_hwaddr, 1, memory_order_relaxed);
		return;
	}
	if (qemu_plugin_hwaddr_is_io(hw)) {
		bump(&v->io);
		return;
	}
	pa = gt_remap_addr(&g.o, qemu_plugin_hwaddr_phys_addr(hw));
	/* With llc=, only what misses the cache reaches memory and counts. */
	if (g.o.llc && gt_cache_access(&v->llc, pa)) {
		bump(&v->llc_hits);
		return;
	}
	store = qemu_plugin_mem_is_store(info);
	t = v->tb_base + (uintptr_t)udata;
	/*
	 * QEMU 7.2 leaves an instruction's memory callbacks armed when its
	 * block exits by an exception, so helper accesses that follow (e.g.
	 * the interrupt frame push) arrive with that instruction's index
	 * against a later block's base: up to a block length in the past.
	 * They are real accesses; stamp them no earlier than the last one.
	 */
	if (t < v->last_time) {
		t = v->last_time;
		bump(&v->clamped);
	}
	v->last_time = t;
	if (gt_record(v, t, g.o.window_ns, pa >> GT_PAGE_SHIFT))
		atomic_fetch_add_explicit(&g.errors, 1, memory_order_relaxed);
	bump(store ? &v->writes : &v->reads);
	if (!atomic_load_explicit(&v->seen, memory_order_relaxed)) {
		atomic_store_explicit(&v->first_t, t, memory_order_relaxed);
		atomic_store_explicit(&v->seen, true, memory_order_relaxed);
	}
	atomic_store_explicit(&v->last_t, t, memory_order_relaxed);
	if (g.o.sample && --v->countdown == 0) {
		gt_trace_add(v, t, pa, store);
		v->countdown = next_period(v);
	}
}

static void dump(const char *reason);
static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
static void gt_atexit(qemu_plugin_id_t id, void *udata);

static void register_cbs(qemu_plugin_id_t id)
{
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_vcpu_resume_cb(id, on_resume);
	qemu_plugin_register_atexit_cb(id, gt_atexit, NULL);
}

/* qemu_plugin_reset() dropped every callback and flushed the TBs. */
static void on_reset_done(qemu_plugin_id_t id)
{
	register_cbs(id);
}

/* A marker's udata: its code and its instruction's index in the block. */
#define MARK_UDATA(code, i)	((void *)(((uintptr_t)(i) << 16) | (uintptr_t)(code)))

/*
 * While counting, the block's start time is set (on_tb ran first).  The
 * vCPUs' clocks drift apart while all run (each counts its own
 * instructions), so the marker's own clock would put accesses that other
 * vCPUs made before it after it.  It takes the furthest clock instead, and
 * the floor makes every vCPU's next block start no earlier: accesses
 * before the marker are stamped no later than it, accesses after it no
 * earlier (the rest of this block too).  Its time, on the accesses' clock.
 */
static uint64_t marker_time(struct gt_vcpu *v, uint64_t insn)
{
	uint64_t own = v->tb_base + insn, m = max_clock(v), f;

	if (m > own) {
		v->tb_base += m - own;
		atomic_store_explicit(&v->clock,
			atomic_load_explicit(&v->clock, memory_order_relaxed) + (m - own),
			memory_order_relaxed);
		own = m;
	}
	f = atomic_load_explicit(&g.floor, memory_order_relaxed);
	while (f < own && !atomic_compare_exchange_weak_explicit(&g.floor, &f, own,
			memory_order_release, memory_order_relaxed))
		;
	return own;
}

static void on_marker(unsigned idx, void *udata)
{
	int code = (int)((uintptr_t)udata & 0xffff);
	int ph = atomic_load_explicit(&g.phase, memory_order_relaxed);
	struct gt_vcpu *v;
	uint64_t none = 0;

	atomic_fetch_add_explicit(&g.markers, 1, memory_order_relaxed);
	atomic_store_explicit(&g.code_seen[code], 1, memory_order_relaxed);
	if (ph == PH_COUNT && (v = vcpu(idx)))
		atomic_compare_exchange_strong(&g.code_ns[code], &none,
					       1 + marker_time(v, (uintptr_t)udata >> 16));
	if (code == g.o.arm && ph == PH_WAIT) {
		int expect = PH_WAIT;

		/* Two vCPUs may run the marker at once: one arms. */
		if (!atomic_compare_exchange_strong(&g.phase, &expect, PH_COUNT))
			return;
		atomic_store(&g.instrument, true);
		/*
		 * Retranslate everything with counting callbacks.  Safe now:
		 * no memory callback exists yet (reference pitfall 3).
		 */
		qemu_plugin_reset(g.id, on_reset_done);
	} else if (code == g.o.stop && ph == PH_COUNT) {
		/* Never reset here (it aborts QEMU): stop counting, write out. */
		dump("stop marker");
	}
}

/* insn's marker code, or -1.  From level 3 QEMU copies the bytes out. */
static int insn_marker(const struct qemu_plugin_insn *insn)
{
	size_t len = qemu_plugin_insn_size(insn);
#if VTIER_QEMU_PLUGIN_VERSION >= 3
	uint8_t b[GT_MARKER_LEN];

	if (len != GT_MARKER_LEN)
		return -1;
	return gt_marker_code(b, qemu_plugin_insn_data(insn, b, sizeof(b)));
#else
	return gt_marker_code(qemu_plugin_insn_data(insn), len);
#endif
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	bool count = atomic_load(&g.instrument);

	(void)id;
	if (count)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		int code = insn_marker(insn);

		if (code >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
				QEMU_PLUGIN_CB_NO_REGS, MARK_UDATA(code, i));
		if (count)
			qemu_plugin_register_vcpu_mem_cb(insn, on_mem,
				QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
				(void *)(uintptr_t)i);
	}
}

/* ---- output ---- */

static int write_summary(const struct gt_vcpu *v, int64_t windows, int rc)
{
	uint64_t reads = 0, writes = 0, io = 0, first = UINT64_MAX, last = 0;
	uint64_t samples = 0, active = 0, clamped = 0, llc_hits = 0;
	size_t n = strlen(g.o.out) + 16;
	char *path = malloc(n), *tmp = malloc(n + 4);
	FILE *f;

	if (!path || !tmp)
		goto fail;
	snprintf(path, n, "%s.summary", g.o.out);
	snprintf(tmp, n + 4, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		perror("vtier-gt: summary");
		goto fail;
	}
	for (unsigned i = 0; i < g.nv; i++) {
		reads += atomic_load(&v[i].reads);
		writes += atomic_load(&v[i].writes);
		io += atomic_load(&v[i].io);
		clamped += atomic_load(&v[i].clamped);
		llc_hits += atomic_load(&v[i].llc_hits);
		samples += v[i].samples;
		if (atomic_load(&v[i].seen)) {
			active++;
			if (atomic_load(&v[i].first_t) < first)
				first = atomic_load(&v[i].first_t);
			if (atomic_load(&v[i].last_t) > last)
				last = atomic_load(&v[i].last_t);
		}
	}
	fprintf(f, "format=vtier-gt-summary-1\n");
	/* docs/tcg-plugin.md "Time base" */
	fprintf(f, "time_base=vcpu_insns_1ns\n");
	fprintf(f, "window_ns=%" PRIu64 "\nwindows=%" PRId64 "\n",
		g.o.window_ns, windows);
	fprintf(f, "accesses=%" PRIu64 "\nreads=%" PRIu64 "\nwrites=%" PRIu64 "\n",
		reads + writes, reads, writes);
	fprintf(f, "io_skipped=%" PRIu64 "\nno_hwaddr=%" PRIu64 "\n", io,
		atomic_load(&g.no_hwaddr));
	fprintf(f, "window_pages=%" PRIu64 "\n", gt_store_pages());
	fprintf(f, "time_clamped=%" PRIu64 "\n", clamped);
	fprintf(f, "first_ns=%" PRIu64 "\nlast_ns=%" PRIu64 "\n",
		active ? first : 0, last);
	fprintf(f, "vcpus=%u\nvcpus_active=%" PRIu64 "\nbad_vcpu=%" PRIu64 "\n",
		g.smp, active, atomic_load(&g.bad_vcpu));
	fprintf(f, "markers=%" PRIu64 "\nmarker_codes=", atomic_load(&g.markers));
	for (unsigned c = 0, k = 0; c < 65536; c++)
		if (atomic_load(&g.code_seen[c]))
			fprintf(f, "%s%u", k++ ? "," : "", c);
	fprintf(f, "\n");
	/* docs/tcg-plugin.md "Markers": when each code first ran while counting */
	for (unsigned c = 0; c < 65536; c++) {
		uint64_t t = atomic_load(&g.code_ns[c]);

		if (t)
			fprintf(f, "marker_ns.%u=%" PRIu64 "\n", c, t - 1);
	}
	fprintf(f, "arm=%d\nstop=%d\n", g.o.arm, g.o.stop);
	fprintf(f, "sample=%" PRIu64 "\njitter=%s\nseed=%" PRIu64 "\nsamples=%"
		PRIu64 "\n", g.o.sample, g.o.jitter ? "on" : "off", g.o.seed,
		samples);
	for (int i = 0; i < g.o.nremap; i++)
		fprintf(f, "remap=0x%" PRIx64 ":0x%" PRIx64 ":0x%" PRIx64 "\n",
			g.o.remap[i].from, g.o.remap[i].to, g.o.remap[i].len);
	/* accesses above are the misses when the filter is on */
	fprintf(f, "llc=%" PRIu64 "\nllc_ways=%u\nllc_hits=%" PRIu64 "\n",
		g.o.llc, g.o.llc_ways, llc_hits);
	fprintf(f, "errors=%" PRIu64 "\nend=%s\nstatus=%s\n",
		atomic_load(&g.errors), g.end_reason, rc ? "incomplete" : "ok");
	if (fclose(f) || rename(tmp, path)) {
		perror("vtier-gt: summary");
		goto fail;
	}
	free(path);
	free(tmp);
	return 0;
fail:
	free(path);
	free(tmp);
	return -1;
}

/*
 * Write every file once: at the stop marker, or at exit (QEMU's atexit,
 * which also runs on a SIGTERM-triggered shutdown).  vCPUs may still be
 * running: they stop counting at the phase change, and each table is read
 * under its vCPU's lock.
 */
static void dump(const char *reason)
{
	char header[512];
	int64_t windows;
	int rc = 0;

	atomic_store(&g.phase, PH_DONE);
	pthread_mutex_lock(&g.dump_lock);
	if (g.dumped) {
		pthread_mutex_unlock(&g.dump_lock);
		return;
	}
	g.dumped = true;
	g.end_reason = reason;
	for (unsigned i = 0; i < g.nv; i++) {
		pthread_mutex_lock(&g.v[i].lock);
		if (gt_flush_window(&g.v[i], false))
			rc = -1;
		pthread_mutex_unlock(&g.v[i].lock);
	}
	snprintf(header, sizeof(header),
		 "# vtier-gt ground truth: 'window <i>' (each %" PRIu64 " ns of "
		 "vCPU instructions from the start of counting), then "
		 "'<pfn_hex> <accesses>'\n", g.o.window_ns);
	if (gt_write_truth(g.o.out, header))
		rc = -1;
	if (g.o.sample) {
		snprintf(header, sizeof(header), "# vtier trace v1 from vtier-gt: "
			 "every %" PRIu64 "th access per vCPU (jitter %s)\n",
			 g.o.sample, g.o.jitter ? "on" : "off");
		if (gt_write_trace(g.o.out, g.v, g.nv, header))
			rc = -1;
	}
	windows = gt_store_windows();
	if (write_summary(g.v, windows, rc))
		rc = -1;
	fprintf(stderr, "vtier-gt: %s: wrote %s.{truth,summary%s} (%" PRId64
		" windows)%s\n", reason, g.o.out, g.o.sample ? ",trace" : "",
		windows, rc ? " with ERRORS" : "");
	pthread_mutex_unlock(&g.dump_lock);
}

static void gt_atexit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	dump("exit");
}

/* ---- install ---- */

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	char err[256];

	if (!info->system_emulation) {
		fprintf(stderr, "vtier-gt: system emulation only\n");
		return -1;
	}
	g.argv = calloc(argc > 0 ? argc : 1, sizeof(*g.argv));
	if (!g.argv)
		return -1;
	for (g.argc = 0; g.argc < argc; g.argc++)
		if (!(g.argv[g.argc] = strdup(argv[g.argc])))
			return -1;
	if (gt_parse_opts(&g.o, g.argc, g.argv, err, sizeof(err))) {
		fprintf(stderr, "vtier-gt: %s\n", err);
		return -1;
	}
	g.id = id;
	g.smp = info->system.smp_vcpus > 0 ? info->system.smp_vcpus : 1;
	g.nv = info->system.max_vcpus > (int)g.smp ?
		(unsigned)info->system.max_vcpus : g.smp;
	g.v = calloc(g.nv, sizeof(*g.v));
	if (!g.v)
		return -1;
	for (unsigned i = 0; i < g.nv; i++) {
		struct gt_vcpu *v = &g.v[i];

		pthread_mutex_init(&v->lock, NULL);
		v->win_end = g.o.window_ns;
		v->countdown = 1;	/* each vCPU's first access opens its trace */
		v->rng = (g.o.seed + 1) * 0x9e3779b97f4a7c15ULL ^ (i + 1);
		if (gt_table_init(&v->tab, GT_TABLE_MIN_CAP) ||
		    (g.o.llc && gt_cache_init(&v->llc, g.o.llc, g.o.llc_ways)) ||
		    (g.o.sample && gt_trace_open(v, g.o.out, i))) {
			fprintf(stderr, "vtier-gt: cannot set up vCPU %u\n", i);
			return -1;
		}
	}
	g.end_reason = "running";
	/* Fail now, not at exit, when the output directory is unusable. */
	if (write_summary(g.v, 0, -1)) {
		fprintf(stderr, "vtier-gt: cannot write %s.summary\n", g.o.out);
		return -1;
	}
	if (g.o.arm == GT_NO_MARKER) {
		atomic_store(&g.phase, PH_COUNT);
		atomic_store(&g.instrument, true);
	}
	register_cbs(id);
	fprintf(stderr, "vtier-gt: out=%s window_ns=%" PRIu64 " sample=%" PRIu64
		" jitter=%s arm=%d stop=%d remaps=%d llc=%" PRIu64 "x%u vcpus=%u\n",
		g.o.out, g.o.window_ns, g.o.sample, g.o.jitter ? "on" : "off",
		g.o.arm, g.o.stop, g.o.nremap, g.o.llc, g.o.llc_ways, g.nv);
	return 0;
}
