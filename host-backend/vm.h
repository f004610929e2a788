/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One served VM: its vhost-user connection, guest memory, the two vsock
 * rings, vsock connections and the counters vtierctl shows.
 */
#ifndef VTIERD_VM_H
#define VTIERD_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "balancer.h"
#include "loop.h"
#include "memtab.h"
#include "pages.h"
#include "placement.h"
#include "residency.h"
#include "vring.h"
#include "vsock_dev.h"

#define VM_RX 0
#define VM_TX 1

struct vm_stats {
	uint64_t hints_received, hints_translated, hints_rejected;
	uint64_t frames_rejected, batches, reports, would_move_pages;
};

struct vm_report {
	bool valid;
	uint32_t sample_rate, epoch_ms;
	uint64_t wss_pages, samples;
	uint64_t hist[VTIER_HIST_BUCKETS];
};

#define VM_QUOTA_CHANGES 8

struct quota_change {
	uint64_t t_ms, from, to;	/* t_ms: since vtierd started */
	char reason[BAL_REASON_LEN];
};

/* The balancer's view of a VM (balance.c, docs/balancer.md). */
struct vm_balance {
	uint64_t min_pages, max_pages;
	uint32_t weight;
	bool max_set, quota_set;	/* given in --vm */
	uint64_t report_ns;		/* when the last REPORT arrived */
	uint64_t report_gap_ns;		/* and how long after the one before */
	uint64_t demand_pages, host_demoted_pages;
	uint64_t over_since_ns;		/* fast pages over quota since; 0: not */
	struct quota_change changes[VM_QUOTA_CHANGES];
	unsigned int nchanges;		/* made so far; the last 8 are kept */
};

struct vm {
	/* configuration (--vm) */
	char name[32];
	char sock_path[108];
	uint64_t cid;
	uint32_t port;
	uint64_t quota_pages;
	bool connect_mode;

	/* vhost-user connection */
	int listen_fd, conn_fd;
	struct ev ev_listen, ev_conn, ev_retry, ev_kick[2];
	pid_t vmm_pid;
	uint64_t features;
	struct memtab mem;
	struct vring vq[2];
	bool broken;		/* a ring failed a check: stop until reset */

	struct vsock_dev vs;
	struct page_table pages;
	struct placement place;	/* fast-node pages, quota, limits */
	struct residency logical;	/* observe-only: hinted fast frames */
	struct vm_balance bal;
	struct vm_stats st;
	struct vm_report report;
	uint16_t sampler;
	char last_error[192];
};

/* Set at start-up: vtierd cannot move pages (one node, no rights). */
extern bool g_observe_only;
extern int g_verbose;

void vm_log(const struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log and remember as last_error. */
void vm_error(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Main loop side: listen again / retry connecting after a disconnect. */
void vm_wait_for_vmm(struct vm *vm);
/* Mark the device broken (a bad ring) until the next reset. */
void vm_break(struct vm *vm, const char *ring, const char *why);

#endif
