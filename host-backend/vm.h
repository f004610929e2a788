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

#include "loop.h"
#include "memtab.h"
#include "pages.h"
#include "placement.h"
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
