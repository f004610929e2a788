// SPDX-License-Identifier: GPL-2.0
/*
 * Replay sampler: /sys/kernel/debug/vtier/replay takes trace v1 text,
 *
 *	<time_ns> <guest_physical_address_hex> <R|W>
 *
 * one record per line; '#' starts a comment; blank lines are ignored.  A
 * write may hold many lines and may end in the middle of one: the partial
 * line is kept (per open file) and completed by the next write, or parsed
 * at close.  Records go through per-CPU rings as the other samplers' do,
 * and the core's consumer has drained them before write() returns, so the
 * counters are up to date when the writer looks at them.  Lines are parsed
 * by the shared vtier_trace.c; a malformed one is counted in sysfs
 * replay_bad_lines and skipped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vtier_replay.h"
#include "vtier_trace.h"

#define REPLAY_CHUNK		512

/* State of one open replay file: its line counter and any partial line. */
struct replay_file {
	struct vtier_ctx *ctx;
	struct mutex lock;	/* one write at a time per open file */
	u64 lineno;		/* lines completed so far */
	u32 len;		/* bytes in line[] */
	bool skip_line;		/* discard up to the next newline */
	u32 since_drain;	/* records pushed since the last drain */
	char line[VTIER_TRACE_LINE_MAX + 1];
	char chunk[REPLAY_CHUNK];
};

static void replay_bad(struct replay_file *rf, u64 lineno, const char *why)
{
	atomic64_inc(&rf->ctx->stats.replay_bad_lines);
	pr_warn_ratelimited("replay: line %llu skipped: %s\n", lineno, why);
}

static void push_sample(struct replay_file *rf, const struct vtier_sample *s)
{
	struct vtier_ringset *rs = &rf->ctx->replay_rings;

	/*
	 * Let the consumer drain before one writer alone could fill a ring,
	 * so a replay is lossless unless several writers race on one CPU.
	 */
	if (++rf->since_drain >= rs->slots / 2) {
		vtier_core_sync(rf->ctx);
		rf->since_drain = 0;
	}
	preempt_disable();
	vtier_ring_push(rs, s);
	preempt_enable();
}

/*
 * Parse the completed line in rf->line with the shared trace parser.  A
 * malformed line is counted (replay_bad_lines), logged and skipped: one
 * damaged record should not cost the rest of a long trace.
 */
static void replay_line(struct replay_file *rf)
{
	struct vtier_trace_rec rec;
	struct vtier_sample s;
	const char *why;
	int ret;

	ret = vtier_trace_parse(rf->line, rf->len, &rec, &why);
	rf->len = 0;
	rf->lineno++;
	if (ret < 0) {
		replay_bad(rf, rf->lineno, why);
		return;
	}
	if (ret == 0)
		return;
	s.pfn = rec.gpa >> PAGE_SHIFT;
	s.ts_ns = rec.ts_ns;
	push_sample(rf, &s);
}

/* Reject the line being collected; the rest of it is skipped. */
static void replay_reject(struct replay_file *rf, const char *why)
{
	replay_bad(rf, rf->lineno + 1, why);
	rf->len = 0;
	rf->skip_line = true;
}

/* Feed n bytes; bad lines are counted and skipped. */
static void replay_bytes(struct replay_file *rf, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (!rf->skip_line)
				replay_line(rf);
			else
				rf->lineno++;
			rf->skip_line = false;
			continue;
		}
		if (rf->skip_line)
			continue;
		if (c == '\0') {
			replay_reject(rf, "NUL byte in text");
			continue;
		}
		if (rf->len == VTIER_TRACE_LINE_MAX) {
			replay_reject(rf, "line too long");
			continue;
		}
		rf->line[rf->len++] = c;
	}
}

static ssize_t replay_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct replay_file *rf = file->private_data;
	size_t done = 0;
	int err = 0;

	mutex_lock(&rf->lock);
	while (done < count && !err) {
		size_t n = min_t(size_t, count - done, REPLAY_CHUNK);

		if (copy_from_user(rf->chunk, ubuf + done, n)) {
			err = -EFAULT;
			break;
		}
		replay_bytes(rf, rf->chunk, n);
		done += n;
		/* A huge write stays killable; report what was consumed. */
		if (fatal_signal_pending(current))
			break;
	}
	vtier_core_sync(rf->ctx);
	rf->since_drain = 0;
	mutex_unlock(&rf->lock);
	return err ? err : (ssize_t)done;
}

static int replay_open(struct inode *inode, struct file *file)
{
	struct replay_file *rf;

	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rf->ctx = inode->i_private;
	mutex_init(&rf->lock);
	file->private_data = rf;
	return nonseekable_open(inode, file);
}

/* A last line without a newline is parsed at close. */
static int replay_release(struct inode *inode, struct file *file)
{
	struct replay_file *rf = file->private_data;

	if (rf->len && !rf->skip_line) {
		replay_line(rf);
		vtier_core_sync(rf->ctx);
	}
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

const struct file_operations vtier_replay_fops = {
	.owner = THIS_MODULE,
	.open = replay_open,
	.write = replay_write,
	.release = replay_release,
	/* no .llseek: ESPIPE (no_llseek, NULL since 6.0, is gone in 6.12) */
};
