// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vtier/: the replay file (vtier_replay.c) and read-only
 * views of the identification engine, so a replayed trace can be checked
 * against vtier-replay (selftests/e2e/replay_test.c):
 *
 *	ranges	the RAM ranges the engine tracks, "<start_pfn> <npages>" in
 *		hex, in the order they were added (vtier-replay --ram takes
 *		the same ranges in the same order)
 *	hot	the engine's hot set, one frame number in hex per line,
 *		ascending (as vtier-replay --hot-prefix writes it)
 *	hints	the hints waiting for the host, oldest first, as
 *		"<promote|demote> <gpfn_hex> <order> <hotness>"; while no
 *		host takes them this is every hint the engine produced,
 *		unless hints_dropped says the queue overflowed
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "vtier_debugfs.h"
#include "vtier_replay.h"

static struct dentry *vtier_dir;

/* Every file's inode holds the core. */
static struct vtier_ctx *seq_ctx(struct seq_file *m)
{
	return file_inode(m->file)->i_private;
}

static int ranges_show(struct seq_file *m, void *v)
{
	struct vtier_ctx *ctx = m->private;
	struct vtier_policy *p = &ctx->policy;
	u32 i;

	mutex_lock(&ctx->lock);
	for (i = 0; i < p->nranges; i++)
		seq_printf(m, "%#llx %#llx\n", p->range[i].start,
			   p->range[i].npages);
	mutex_unlock(&ctx->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ranges);

/*
 * The hot set can be large: walk it with the file position as the next
 * frame to look from, so a read holds the core's lock for one buffer only.
 */
static void *hot_find(struct seq_file *m, loff_t *pos)
{
	u64 *cur = m->private;

	*cur = vtier_policy_next_hot(&seq_ctx(m)->policy, *pos);
	if (*cur == U64_MAX)
		return NULL;
	*pos = *cur;
	return cur;
}

/* The core's lock is held from start to stop: the engine cannot change. */
static void *hot_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&seq_ctx(m)->lock);
	return hot_find(m, pos);
}

static void *hot_next(struct seq_file *m, void *v, loff_t *pos)
{
	*pos = *(u64 *)v + 1;
	return hot_find(m, pos);
}

static void hot_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&seq_ctx(m)->lock);
}

static int hot_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%llx\n", *(u64 *)v);
	return 0;
}

static const struct seq_operations hot_sops = {
	.start = hot_start,
	.next = hot_next,
	.stop = hot_stop,
	.show = hot_show,
};

static int hot_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &hot_sops, sizeof(u64));
}

static const struct file_operations hot_fops = {
	.owner = THIS_MODULE,
	.open = hot_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/*
 * Queued hints by position from the oldest.  Each record is copied out
 * under the queue's lock; the channel thread may send (remove) hints
 * between two reads, so with a host attached this is a snapshot at best.
 */
static void *hints_get(struct seq_file *m, loff_t pos)
{
	struct vtier_hint_host *h = m->private;

	return pos >= 0 && vtier_hintq_at(&seq_ctx(m)->hintq, pos, h) ? h : NULL;
}

static void *hints_start(struct seq_file *m, loff_t *pos)
{
	return hints_get(m, *pos);
}

static void *hints_next(struct seq_file *m, void *v, loff_t *pos)
{
	return hints_get(m, ++*pos);
}

static void hints_stop(struct seq_file *m, void *v)
{
}

static int hints_show(struct seq_file *m, void *v)
{
	const struct vtier_hint_host *h = v;

	seq_printf(m, "%s %llx %u %u\n",
		   h->action == VTIER_HINT_PROMOTE ? "promote" : "demote",
		   h->gpfn, h->order, h->hotness);
	return 0;
}

static const struct seq_operations hints_sops = {
	.start = hints_start,
	.next = hints_next,
	.stop = hints_stop,
	.show = hints_show,
};

static int hints_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &hints_sops,
				sizeof(struct vtier_hint_host));
}

static const struct file_operations hints_fops = {
	.owner = THIS_MODULE,
	.open = hints_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

int vtier_debugfs_init(struct vtier_ctx *ctx)
{
	vtier_dir = debugfs_create_dir("vtier", NULL);
	if (IS_ERR(vtier_dir)) {
		/* The module still works; only trace replay is missing. */
		pr_warn("debugfs unavailable (%ld); no replay file\n",
			PTR_ERR(vtier_dir));
		vtier_dir = NULL;
		return 0;
	}
	debugfs_create_file("replay", 0200, vtier_dir, ctx, &vtier_replay_fops);
	debugfs_create_file("ranges", 0400, vtier_dir, ctx, &ranges_fops);
	debugfs_create_file("hot", 0400, vtier_dir, ctx, &hot_fops);
	debugfs_create_file("hints", 0400, vtier_dir, ctx, &hints_fops);
	return 0;
}

void vtier_debugfs_exit(void)
{
	/* Waits for readers and for writers still inside replay_write(). */
	debugfs_remove(vtier_dir);
	vtier_dir = NULL;
}
