// SPDX-License-Identifier: GPL-2.0
/*
 * move_pages(2) mover.  The VMM's pid and addresses are used (not vtierd's
 * mapping) so that only pages the guest touched are seen and nothing is
 * allocated.  The kernel does not always write the status array (rc > 0:
 * pages not migrated; rc < 0: ENOMEM/ENODEV after part of the work), so the
 * array is pre-filled with a sentinel and placement is queried again after
 * any failure.  Facts: docs/placement.md.
 */
#include "mover.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/capability.h>
#include <numaif.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SENTINEL INT_MIN	/* never a node id nor a -errno */

/*
 * The arrays below are static: vtierd has one thread, and 16 KiB each
 * would be a lot of stack for the event loop.
 */

int mover_query(pid_t pid, const uint64_t *addr, unsigned int n, int *node)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		node[i] = SENTINEL;
	/* nodes == NULL: a query; does not fault pages in. */
	if (move_pages(pid, n, (void **)addr, NULL, node, 0) < 0)
		return -errno;
	for (i = 0; i < n; i++)
		if (node[i] == SENTINEL)
			node[i] = -EIO;
	return 0;
}

static bool transient(int st)
{
	return st == -EBUSY || st == -EAGAIN;
}

/*
 * One move_pages(2) call for the m pages todo[] (indexes into addr and
 * out).  Busy pages are written back to the front of todo[]; returns how
 * many.
 */
static unsigned int move_pass(struct mover *mv, pid_t pid,
			      const uint64_t *addr, unsigned int *todo,
			      unsigned int m, int node, struct move_out *out)
{
	static uint64_t a[MOVER_MAX_BATCH];
	static int nodes[MOVER_MAX_BATCH], st[MOVER_MAX_BATCH],
		   q[MOVER_MAX_BATCH];
	unsigned int i, busy = 0;
	bool unwritten = false;
	long rc;
	int err;

	for (i = 0; i < m; i++) {
		a[i] = addr[todo[i]];
		nodes[i] = node;
		st[i] = SENTINEL;
	}
	mv->calls++;
	mv->pages_asked += m;
	rc = move_pages(pid, m, (void **)a, nodes, st, MPOL_MF_MOVE_ALL);
	err = rc < 0 ? errno : 0;
	for (i = 0; i < m; i++)
		unwritten |= st[i] == SENTINEL;
	if (rc != 0 || unwritten) {
		/* Pages may have moved although the call failed: ask. */
		bool asked = mover_query(pid, a, m, q) == 0;

		for (i = 0; i < m; i++) {
			if (asked && (st[i] == SENTINEL || st[i] >= 0))
				st[i] = q[i];
			else if (st[i] == SENTINEL)
				st[i] = -(err ? err : EIO);
		}
	}
	for (i = 0; i < m; i++) {
		struct move_out *o = &out[todo[i]];
		int s = st[i];

		o->err = 0;
		if (s == node) {
			o->res = MV_MOVED;
		} else if (s == -ENOENT) {
			o->res = MV_ABSENT;
		} else if (transient(s) ||
			   (s >= 0 && (rc > 0 || transient(-err)))) {
			/* Transient references or pins: try again. */
			o->res = MV_BUSY;
			todo[busy++] = todo[i];
		} else {
			o->res = MV_FAILED;
			o->err = s < 0 ? -s : (err ? err : EIO);
		}
	}
	return busy;
}

static void mp_move(struct mover *mv, pid_t pid, const uint64_t *addr,
		    unsigned int n, int node, struct move_out *out)
{
	static unsigned int todo[MOVER_MAX_BATCH];
	static int q[MOVER_MAX_BATCH];
	unsigned int i, c, m, pass;
	int rc;

	for (; n; addr += c, out += c, n -= c) {
		c = n < MOVER_MAX_BATCH ? n : MOVER_MAX_BATCH;
		rc = mover_query(pid, addr, c, q);
		for (i = 0, m = 0; i < c; i++) {
			out[i].err = 0;
			if (rc) {
				out[i].res = MV_FAILED;
				out[i].err = -rc;
			} else if (q[i] == node) {
				out[i].res = MV_ALREADY;
			} else if (q[i] == -ENOENT) {
				out[i].res = MV_ABSENT;
			} else if (q[i] >= 0 || transient(q[i])) {
				todo[m++] = i;
			} else {
				out[i].res = MV_FAILED;
				out[i].err = -q[i];
			}
		}
		for (pass = 0; m && pass < MOVER_BUSY_PASSES; pass++) {
			if (pass)
				sched_yield();
			m = move_pass(mv, pid, addr, todo, m, node, out);
		}
	}
}

static int mp_query(struct mover *mv, pid_t pid, const uint64_t *addr,
		    unsigned int n, int *node)
{
	unsigned int c;
	int rc;

	(void)mv;
	for (; n; addr += c, node += c, n -= c) {
		c = n < MOVER_MAX_BATCH ? n : MOVER_MAX_BATCH;
		rc = mover_query(pid, addr, c, node);
		if (rc)
			return rc;
	}
	return 0;
}

void mover_init_move_pages(struct mover *m)
{
	*m = (struct mover){ .move = mp_move, .query = mp_query };
}

int mover_check_access(pid_t pid)
{
	/*
	 * A zero-page query still does the kernel's permission checks
	 * (PTRACE_MODE_READ on the target, security_task_movememory).
	 */
	if (move_pages(pid, 0, NULL, NULL, NULL, 0) < 0)
		return -errno;
	return 0;
}

int mover_have_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return 0;
	return !!(d[CAP_TO_INDEX(CAP_SYS_NICE)].effective &
		  CAP_TO_MASK(CAP_SYS_NICE));
}

const char *move_result_name(enum move_result r)
{
	static const char *const names[] = {
		[MV_MOVED] = "moved", [MV_ALREADY] = "already there",
		[MV_BUSY] = "busy", [MV_ABSENT] = "not present",
		[MV_FAILED] = "failed",
	};

	return (unsigned int)r <= MV_FAILED ? names[r] : "?";
}
