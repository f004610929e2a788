// SPDX-License-Identifier: GPL-2.0
/*
 * Replay sampler: /sys/kernel/debug/vtier/replay takes trace v1 text,
 *
 *	<time_ns> <guest_physical_address_hex> <R|W>
 *
 * one record per line; '#' starts a comment; blank lines are ignored.  A
 * write may hold many lines and may end in the middle of one: the partial
 * line is kept (per open file) and completed by the next write, or parsed
 * at close.  Records go through the same per-CPU rings as the hardware
 * samplers will, and the rings are drained before write() returns, so the
 * counters are up to date when the writer looks at them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
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

#include "vtier.h"

#define REPLAY_LINE_MAX		255
#define REPLAY_CHUNK		512

/* State of one open replay file: its line counter and any partial line. */
struct replay_file {
	struct mutex lock;	/* one write at a time per open file */
	u64 lineno;		/* lines completed so far */
	u32 len;		/* bytes in line[] */
	bool skip_line;		/* discard up to the next newline */
	u32 since_drain;	/* records pushed since the last drain */
	char line[REPLAY_LINE_MAX + 1];
	char chunk[REPLAY_CHUNK];
};

static struct dentry *replay_dir;

/* Split off the next whitespace-separated token, or NULL at the end. */
static char *next_token(char **p)
{
	char *s = skip_spaces(*p);
	char *e = s;

	if (!*s)
		return NULL;
	while (*e && !isspace(*e))
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int parse_record(char *line, struct vtier_sample *s, const char **why)
{
	char *p = line, *t_ns, *gpa, *rw;
	u64 ts, addr;

	t_ns = next_token(&p);
	gpa = next_token(&p);
	rw = next_token(&p);
	if (!rw) {
		*why = "expected <time_ns> <gpa_hex> <R|W>";
		return -EINVAL;
	}
	if (next_token(&p)) {
		*why = "extra fields after <R|W>";
		return -EINVAL;
	}
	if (kstrtou64(t_ns, 10, &ts)) {
		*why = "time_ns is not a decimal number";
		return -EINVAL;
	}
	if (kstrtou64(gpa, 16, &addr)) {
		*why = "address is not a hex number";
		return -EINVAL;
	}
	if (strcmp(rw, "R") && strcmp(rw, "W")) {
		*why = "access type is not R or W";
		return -EINVAL;
	}
	s->pfn = addr >> PAGE_SHIFT;
	s->ts_ns = ts;
	s->flags = rw[0] == 'W' ? VTIER_SAMPLE_WRITE : 0;
	s->weight = 1;
	return 0;
}

static void push_sample(struct replay_file *rf, const struct vtier_sample *s)
{
	struct vtier_ringset *rs = &vtier_dev.replay_rings;

	/*
	 * Drain before one writer alone could fill a ring, so a replay is
	 * lossless unless several writers race on the same CPU.
	 */
	if (++rf->since_drain >= rs->slots / 2) {
		vtier_drain();
		rf->since_drain = 0;
	}
	preempt_disable();
	vtier_ring_push(rs, s);
	preempt_enable();
}

/* Parse the completed line in rf->line; comments and blanks are skipped. */
static int replay_line(struct replay_file *rf)
{
	struct vtier_sample s;
	const char *why;
	char *hash;

	rf->line[rf->len] = '\0';
	rf->len = 0;
	rf->lineno++;
	hash = strchr(rf->line, '#');
	if (hash)
		*hash = '\0';
	if (!*skip_spaces(rf->line))
		return 0;
	if (parse_record(rf->line, &s, &why)) {
		pr_warn("replay: line %llu: %s\n", rf->lineno, why);
		return -EINVAL;
	}
	push_sample(rf, &s);
	return 0;
}

/* Reject the line being collected; the rest of it is skipped. */
static int replay_reject(struct replay_file *rf, const char *why)
{
	pr_warn("replay: line %llu: %s\n", rf->lineno + 1, why);
	rf->len = 0;
	rf->skip_line = true;
	return -EINVAL;
}

/* Feed n bytes; returns 0 or -EINVAL at the first bad line. */
static int replay_bytes(struct replay_file *rf, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (!rf->skip_line && replay_line(rf))
				return -EINVAL;
			if (rf->skip_line)
				rf->lineno++;
			rf->skip_line = false;
			continue;
		}
		if (rf->skip_line)
			continue;
		if (c == '\0')
			return replay_reject(rf, "NUL byte in text");
		if (rf->len == REPLAY_LINE_MAX)
			return replay_reject(rf, "line too long");
		rf->line[rf->len++] = c;
	}
	return 0;
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
		err = replay_bytes(rf, rf->chunk, n);
		done += n;
		/* A huge write stays killable; report what was consumed. */
		if (fatal_signal_pending(current))
			break;
	}
	vtier_drain();
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
	mutex_init(&rf->lock);
	file->private_data = rf;
	return nonseekable_open(inode, file);
}

/* A last line without a newline is parsed at close. */
static int replay_release(struct inode *inode, struct file *file)
{
	struct replay_file *rf = file->private_data;

	if (rf->len && !rf->skip_line && !replay_line(rf))
		vtier_drain();
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

static const struct file_operations replay_fops = {
	.owner = THIS_MODULE,
	.open = replay_open,
	.write = replay_write,
	.release = replay_release,
	.llseek = no_llseek,
};

int vtier_replay_init(void)
{
	replay_dir = debugfs_create_dir("vtier", NULL);
	if (IS_ERR(replay_dir)) {
		/* The module still works; only trace replay is missing. */
		pr_warn("debugfs unavailable (%ld); no replay file\n",
			PTR_ERR(replay_dir));
		replay_dir = NULL;
		return 0;
	}
	debugfs_create_file("replay", 0200, replay_dir, NULL, &replay_fops);
	return 0;
}

void vtier_replay_exit(void)
{
	/* Waits for writers still inside replay_write(). */
	debugfs_remove(replay_dir);
	replay_dir = NULL;
}
