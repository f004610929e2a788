// SPDX-License-Identifier: GPL-2.0
/*
 * First touch (--initial first-touch, docs/placement.md): a VM's pages go
 * to the fast node where they are first touched, as on a host without
 * vtier, until the VM holds its quota; then to the slow node.
 *
 * The kernel places a page when the VMM (or the guest through it) faults
 * it in; vtierd only chooses the node through the shared policy of the
 * RAM memfd (ops->set_policy).  It learns which pages appeared by
 * scanning, a bounded step per tick: residency of its own mapping
 * (ops->resident, mincore(2): cheap, faults nothing in), then the node of
 * each newly present page in the VMM (mover->query).  Pages found fast
 * are counted in seen order while there is room; the moment the room is
 * gone the policy points at the slow node, and fast pages found after
 * that (faulted in between two scans) are moved to the slow node, so the
 * first ones seen stay and the newest go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "placement.h"

#define FT_CHUNK	1024	/* frames per residency call */
#define FT_SCAN_FRAMES	65536	/* frames looked at per tick */
#define FT_QUERY_PAGES	4096	/* newly present pages queried per tick */

int placement_first_touch(struct placement *pl,
			  const struct place_ft_ops *ops)
{
	struct place_ft *ft = &pl->ft;

	if (!pl->fast)
		return -ENODEV;
	free(ft->seen);
	ft->seen = bitmap_alloc(pl->max_pfn);
	if (!ft->seen)
		return -ENOMEM;
	ft->on = true;
	ft->ops = ops;
	ft->cursor = 0;
	ft->pass_start_ns = 0;
	ft->node = -1;
	ft->victim_from = 0;
	placement_ft_policy(pl);
	return 0;
}

/* Any frame of the chunk not recorded yet (nor placed fast by vtierd)? */
static bool chunk_open(const struct placement *pl, uint64_t g, uint64_t c)
{
	uint64_t end = g + c;

	for (; g < end; g += 64)
		if (!bitmap_word_full(pl->ft.seen, g))
			return true;
	return false;
}

/* Fast pages found without room go to the slow node, in one call. */
static void move_excess(struct placement *pl, const uint64_t *addr,
			const uint64_t *gpfn, unsigned int n)
{
	static struct move_out out[FT_CHUNK];
	struct place_host *h = pl->host;
	unsigned int i, moved = 0;

	if (!n)
		return;
	h->mover->move(h->mover, pl->pid, addr, n, h->slow_node, out);
	for (i = 0; i < n; i++) {
		if (out[i].res == MV_MOVED || out[i].res == MV_ALREADY) {
			bitmap_set(pl->ft.seen, gpfn[i]);
			moved += out[i].res == MV_MOVED;
			pl->ft.st.slow += out[i].res == MV_ALREADY;
		}
		/* Busy or failed: still fast and unseen, the next pass retries. */
	}
	pl->ft.st.excess += moved;
	pl->st.moved_bytes += (uint64_t)moved * PLACE_PAGE_SIZE;
	pl->win_bytes += (uint64_t)moved * PLACE_PAGE_SIZE;
	/* Paid even over budget: the quota comes first; later moves wait. */
	h->bw.tokens -= h->bw.rate ? (double)moved * PLACE_PAGE_SIZE : 0;
	pl->bw.tokens -= pl->bw.rate ? (double)moved * PLACE_PAGE_SIZE : 0;
}

/*
 * Frames [g, g + c): record newly present pages.  Returns the pages
 * queried, or -EAGAIN if over *budget (then nothing was done).
 */
static int scan_chunk(struct placement *pl, uint64_t g, unsigned int c,
		      unsigned int budget)
{
	static uint8_t vec[FT_CHUNK];
	static uint64_t addr[FT_CHUNK], gpfn[FT_CHUNK];
	static uint64_t xaddr[FT_CHUNK], xgpfn[FT_CHUNK];
	static int node[FT_CHUNK];
	struct place_host *h = pl->host;
	unsigned int i, n = 0, nx = 0;

	if (pl->ft.ops->resident(pl->xlate_ctx, g, c, vec))
		return 0;
	for (i = 0; i < c; i++) {
		uint64_t f = g + i;

		if ((vec[i] & 1) && !bitmap_test(pl->ft.seen, f) &&
		    !pl->xlate(pl->xlate_ctx, f, &addr[n]))
			gpfn[n++] = f;
	}
	if (!n)
		return 0;
	if (n > budget)
		return -EAGAIN;
	if (h->mover->query(h->mover, pl->pid, addr, n, node))
		return (int)n;
	for (i = 0; i < n; i++) {
		if (node[i] == h->fast_node && placement_room(pl)) {
			placement_set_fast(pl, gpfn[i], true);	/* and seen */
			pl->ft.st.fast++;
			/* The moment the room is gone new pages go slow. */
			placement_ft_policy(pl);
		} else if (node[i] == h->fast_node) {
			xaddr[nx] = addr[i];
			xgpfn[nx++] = gpfn[i];
		} else if (node[i] >= 0) {
			bitmap_set(pl->ft.seen, gpfn[i]);
			pl->ft.st.slow++;
		}
		/* -ENOENT: not in the VMM's page tables (yet); next pass. */
	}
	move_excess(pl, xaddr, xgpfn, nx);
	return (int)n;
}

void placement_ft_scan(struct placement *pl, uint64_t now_ns)
{
	struct place_ft *ft = &pl->ft;
	uint64_t g = ft->cursor, end;
	unsigned int queried = 0;
	int q;

	if (!ft->on || !pl->fast)
		return;
	if (!g)
		ft->pass_start_ns = now_ns;
	end = g + FT_SCAN_FRAMES < pl->max_pfn ? g + FT_SCAN_FRAMES :
	      pl->max_pfn;
	while (g < end) {
		unsigned int c = end - g < FT_CHUNK ? (unsigned int)(end - g) :
			FT_CHUNK;

		if (chunk_open(pl, g, c)) {
			/* At least one chunk per tick, so the scan advances. */
			q = scan_chunk(pl, g, c, queried ? FT_QUERY_PAGES -
				       queried : FT_CHUNK);
			if (q < 0)
				break;
			queried += (unsigned int)q;
		}
		g += c;
		if (queried >= FT_QUERY_PAGES)
			break;
	}
	ft->cursor = g;
	if (g >= pl->max_pfn) {
		uint64_t t = pl->host->clock_ns ? pl->host->clock_ns() : now_ns;

		ft->cursor = 0;
		ft->st.passes++;
		ft->st.last_pass_us = t > ft->pass_start_ns ?
				      (t - ft->pass_start_ns) / 1000 : 0;
	}
	placement_ft_policy(pl);
}
