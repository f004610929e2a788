/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One served VM: the column of layers that serves it, assembled here.
 *
 *   vu_dev (vhost_user.c)  <- embedded in ->  vsock_dev (vsock_dev.c)
 *   vsock_dev's app: this file, one struct session per flow (session.c)
 *   the sessions' hints and REPORTs: the VM's struct tier_vm (tier.h)
 *
 * Events travel up through ops (vu_dev_ops, vsock_app_ops, session_ops),
 * calls go down.  Also here: the VM's vhost-user socket (listen, or
 * connect and retry) and what vtierctl and the quota layer read.
 */
#ifndef VTIERD_VM_H
#define VTIERD_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "balancer.h"
#include "log.h"
#include "loop.h"
#include "pages.h"
#include "session.h"
#include "tier.h"
#include "vsock_dev.h"
#include "vsock_fwd.h"

/* The guest's last REPORT (docs/balancer.md). */
struct vm_report {
	bool valid;
	uint32_t sample_rate, epoch_ms;
	uint64_t wss_pages, samples;
	uint64_t hist[VTIER_HIST_BUCKETS];
	uint64_t at_ns;		/* when it arrived */
	uint64_t gap_ns;	/* and how long after the one before */
};

#define VM_QUOTA_CHANGES 8

/* What the ACKs of the VM's HINTS frames said, summed (metrics). */
struct vm_acks {
	uint64_t applied, rejected, deferred;
};

struct quota_change {
	uint64_t t_ms, from, to;	/* t_ms: since vtierd started */
	char reason[BAL_REASON_LEN];
};

/* The quota layer's view of a VM (balance.c, docs/balancer.md). */
struct vm_balance {
	uint64_t min_pages, max_pages;
	uint32_t weight;
	bool max_set, quota_set;	/* given in --vm */
	uint64_t demand_pages, host_demoted_pages;
	uint64_t over_since_ns;		/* fast pages over quota since; 0: not */
	struct quota_change changes[VM_QUOTA_CHANGES];
	unsigned int nchanges;		/* made so far; the last 8 are kept */
};

/**
 * struct vm - one VM's column.
 * @name: from --vm, used in logs and by vtierctl.
 * @sock_path: the vhost-user socket.
 * @connect_mode: vtierd connects to @sock_path (and retries).
 * @log: the VM's log.
 * @listen_fd: listening socket, -1 in connect mode.
 * @ev_listen: watches @listen_fd while no VMM is connected.
 * @ev_retry: connect mode: the retry timer.
 * @closing: vtierd is exiting: do not wait for the next VMM.
 * @uds_path: hybrid-vsock socket of the other ports ("" for none).
 * @fwd: forwards them (vsock_fwd.h) when @uds_path is set.
 * @vs: the vsock device (its vu_dev inside).
 * @sess: the session of each vsock flow (same index).
 * @sv: what the sessions share.
 * @pages: translated frames for vtierctl pages.
 * @tier: the VM's tier state (its quota inside).
 * @bal: the quota layer's limits and history.
 * @report: the last REPORT.
 * @acks: the ACKs' totals (the tier's answers; untranslated hints are
 *	in sv.st.hints_rejected).
 */
struct vm {
	char name[32];
	char sock_path[108];
	bool connect_mode;
	struct vlog log;

	int listen_fd;
	struct ev ev_listen, ev_retry;
	bool closing;

	char uds_path[96];
	struct vsock_fwd fwd;
	struct vsock_dev vs;
	struct session sess[VSOCK_MAX_FLOWS];
	struct session_vm sv;
	struct page_table pages;
	struct tier_vm tier;
	struct vm_balance bal;
	struct vm_report report;
	struct vm_acks acks;
};

/* A VM with defaults, before --vm is parsed into it; NULL without memory. */
struct vm *vm_alloc(void);
/*
 * Assemble the column once --vm is parsed (name, socket, vs.cid and
 * vs.port, quota and limits) and the tier is chosen.
 */
void vm_setup(struct vm *vm, struct loop *loop, struct tier *t, int verbose);
/* Listen on (or start connecting to) the socket.  0, or -errno (logged). */
int vm_open(struct vm *vm);
/* Daemon exit: BYE and SHUTDOWN to every guest, drop the VMM, close. */
void vm_close(struct vm *vm);

/* A guest session completed HELLO/WELCOME and is open. */
bool vm_guest_connected(const struct vm *vm);
/* Send the VM's quota in a QUOTA frame on each of its sessions. */
void vm_send_quota(struct vm *vm);

#endif
