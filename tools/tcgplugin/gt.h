/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtier-gt: ground truth of guest memory accesses from a QEMU 7.2 TCG
 * plugin (docs/tcg-plugin.md).  Internal interfaces between its files:
 *   gt_opts.c   option parsing (no QEMU calls: unit-tested on its own)
 *   gt_count.c  per-vCPU single-writer page tables, per-window merge
 *   gt_out.c    the .truth, .trace and .summary writers
 *   vtier_gt.c  qemu_plugin_install and the callbacks
 */
#ifndef VTIER_GT_H
#define VTIER_GT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GT_PAGE_SHIFT	12
#define GT_MAX_REMAP	8
#define GT_NO_MARKER	(-1)

/* The guest marker: the 8-byte NOP `nopl 0x4754hilo(%rax,%rax,1)`. */
#define GT_MARKER_LEN	8

struct gt_remap {
	uint64_t from, to, len;
};

/* Default associativity of the llc= filter. */
#define GT_LLC_WAYS	16

struct gt_opts {
	const char *out;		/* output prefix (required) */
	uint64_t window_ns;		/* window_ms × 1e6 */
	uint64_t sample;		/* 0: no trace; else every Nth access */
	bool jitter;			/* random periods with mean `sample` */
	uint64_t seed;			/* of the jitter generator */
	int arm, stop;			/* marker codes or GT_NO_MARKER */
	int nremap;
	struct gt_remap remap[GT_MAX_REMAP];
	uint64_t llc;			/* bytes of the per-vCPU cache filter; 0: off */
	unsigned int llc_ways;
};

/* gt_cache.c: the llc= filter, one per vCPU (owner only, no locking). */
struct gt_cache {
	uint64_t *tag;			/* sets × ways, line + 1 (0: empty), MRU first */
	uint64_t sets;			/* a power of two */
	unsigned int ways, set_bits;
};

/* bytes / 64 / ways sets, a power of two: 0, else -1 (or out of memory). */
int gt_cache_init(struct gt_cache *c, uint64_t bytes, unsigned int ways);
void gt_cache_free(struct gt_cache *c);
/* The 64-byte line of pa: was it cached?  A miss brings it in. */
bool gt_cache_access(struct gt_cache *c, uint64_t pa);

/*
 * Parse QEMU's `key=value` arguments into *o.  On error returns -1 and
 * writes one line naming the argument and the reason into err.
 */
int gt_parse_opts(struct gt_opts *o, int argc, char **argv,
		  char *err, size_t errlen);
/* Parse a size: decimal or 0x-hex, optional K/M/G/T suffix (powers of 2). */
int gt_parse_size(const char *s, uint64_t *v);
/* Apply the remap table to a physical address. */
uint64_t gt_remap_addr(const struct gt_opts *o, uint64_t pa);
/* Does insn (len bytes) carry the marker?  Its 16-bit code, or -1. */
int gt_marker_code(const uint8_t *insn, size_t len);

/* One page's count in an open-addressing table; key pfn + 1, 0 = empty. */
struct gt_table {
	_Atomic uint64_t *key;
	_Atomic uint64_t *cnt;
	uint64_t cap;			/* a power of two */
	_Atomic uint64_t used;		/* owner writes; a dump may read */
};

#define GT_TABLE_MIN_CAP 4096

/* Physical addresses are below 2^52 on x86-64: bit 63 is free. */
#define GT_REC_STORE	((uint64_t)1 << 63)

/* One trace record as spilled to a vCPU's temporary file. */
struct gt_rec {
	uint64_t t_ns;
	uint64_t gpa_w;			/* gpa | GT_REC_STORE for a store */
};

struct gt_vcpu {
	pthread_mutex_t lock;		/* held by the owner only when it flushes or grows */
	_Atomic uint64_t clock;		/* executed instructions = ns; owner writes */
	uint64_t tb_base;		/* clock at the start of the current TB */
	uint64_t last_time;		/* of the last access: times never go back */
	uint64_t win;			/* window the table counts for */
	uint64_t win_end;		/* its end time */
	struct gt_table tab;
	struct gt_cache llc;		/* with the llc= option */
	/* counters (owner writes, dump reads: atomics, relaxed) */
	_Atomic uint64_t reads, writes, io, first_t, last_t, clamped, llc_hits;
	_Atomic bool seen;
	/* sampling */
	uint64_t countdown, rng;
	struct gt_rec *buf;		/* under lock */
	unsigned nbuf;			/* under lock */
	FILE *spill;			/* unlinked temporary file, under lock */
	uint64_t samples;		/* under lock */
	bool spill_failed;		/* under lock */
};

/* gt_out.c: the trace's sampled records */
#define GT_REC_BUF	4096
/* Append one record (owner; takes v->lock).  */
void gt_trace_add(struct gt_vcpu *v, uint64_t t, uint64_t gpa, bool store);
/* Open v's spill file next to prefix.  0 or -1. */
int gt_trace_open(struct gt_vcpu *v, const char *prefix, unsigned idx);
/* Write prefix.truth / prefix.trace (merging the vCPUs' spills by time). */
int gt_write_truth(const char *prefix, const char *header);
int gt_write_trace(const char *prefix, struct gt_vcpu *v, unsigned n,
		   const char *header);

/* gt_count.c */
int gt_table_init(struct gt_table *t, uint64_t cap);
void gt_table_free(struct gt_table *t);
/* Owner only: +1 for pfn; may grow (taking the vCPU lock).  0 or -1. */
int gt_count(struct gt_vcpu *v, uint64_t pfn);
/*
 * Owner only: one access at time t (never before the previous one) to pfn.
 * When t is past the table's window, flushes it first and moves on to t's
 * window (window_ns long).  0 or -1.
 */
int gt_record(struct gt_vcpu *v, uint64_t t, uint64_t window_ns, uint64_t pfn);
/*
 * Merge v's table into window v->win of the global store; with clear, also
 * empty it (the owner, at a window's end; the exit dump does not clear
 * because the owner may still be counting).  Caller holds v->lock.
 */
int gt_flush_window(struct gt_vcpu *v, bool clear);
/* Calls fn for each window (ascending; empty ones too) and each page of it
 * (ascending pfn); returns the number of windows, or -1. */
typedef int (*gt_page_fn)(void *ctx, uint64_t win, bool header, uint64_t pfn,
			  uint64_t count);
int64_t gt_store_walk(gt_page_fn fn, void *ctx);
uint64_t gt_store_pages(void);
uint64_t gt_store_windows(void);	/* distinct (window, page) pairs */

#endif /* VTIER_GT_H */
