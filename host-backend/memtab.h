/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory table from vhost-user SET_MEM_TABLE: each region is mapped
 * into vtierd and translated two ways, by guest-physical address (descriptor
 * buffers, hinted frames) and by the VMM's virtual address (ring addresses).
 * Every lookup checks the whole range lies inside mapped guest RAM.
 */
#ifndef VTIERD_MEMTAB_H
#define VTIERD_MEMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMTAB_MAX_REGIONS 8

/* Wire layout of one vhost-user memory region (host byte order). */
struct memtab_region_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;		/* the VMM's virtual address of the region */
	uint64_t mmap_offset;	/* offset of the region in its fd */
};

/**
 * struct mem_region - one mapped region.
 * @d: what the VMM declared.
 * @map: what mmap returned.
 * @map_len: bytes mapped at @map.
 * @hva: vtierd's address of the region's first byte.
 * @sealed: the fd cannot shrink (F_SEAL_SHRINK), so no access can SIGBUS.
 */
struct mem_region {
	struct memtab_region_desc d;
	void *map;
	size_t map_len;
	uint8_t *hva;
	bool sealed;
};

/**
 * struct map_budget - what guest RAM vtierd maps, bounded by the
 * administrator (--guest-ram-max, --mapped-max), never by a VMM alone.
 * @vm_max: bytes one VM's table may map (its regions' sizes summed).
 * @total_max: bytes all VMs' tables may map together.
 * @used: bytes mapped now by all tables that share this budget.
 */
struct map_budget {
	uint64_t vm_max;
	uint64_t total_max;
	uint64_t used;
};

/**
 * struct memtab - one VM's guest memory table.
 * @n: regions in @r.
 * @r: the regions.
 * @budget: shared bound on mappings, NULL for none; kept by memtab_clear().
 * @mapped: bytes this table counts in @budget.
 */
struct memtab {
	unsigned int n;
	struct mem_region r[MEMTAB_MAX_REGIONS];
	struct map_budget *budget;
	uint64_t mapped;
};

/* One contiguous piece of a guest buffer in vtierd's mapping. */
struct mem_piece {
	uint8_t *hva;
	uint32_t len;
};

void memtab_init(struct memtab *mt);
void memtab_clear(struct memtab *mt);

/*
 * Replace the table: validate the regions (each inside its fd, within the
 * budget), seal each fd against shrinking where it allows, mmap it.  The
 * fds stay owned by the caller.  0, or -EINVAL/-E2BIG/-ENOMEM: the table
 * is left empty and *why says what was wrong.
 */
int memtab_set(struct memtab *mt, const struct memtab_region_desc *d,
	       unsigned int n, const int *fds, const char **why);

/* Region containing [gpa, gpa + len), or -ENOENT. */
int memtab_find_gpa(const struct memtab *mt, uint64_t gpa, uint64_t len);

/* vtierd's address for a VMM-virtual range inside one region, or NULL. */
void *memtab_uaddr_to_hva(const struct memtab *mt, uint64_t uaddr,
			  uint64_t len);

/*
 * Split guest-physical [gpa, gpa + len) into pieces, following adjacent
 * regions.  Returns the number of pieces, -EFAULT if any byte is outside
 * guest RAM, or -E2BIG if more than max pieces would be needed.
 */
int memtab_gpa_pieces(const struct memtab *mt, uint64_t gpa, uint64_t len,
		      struct mem_piece *out, int max);

/* Copy guest-physical [gpa, gpa + len) to buf; 0, or -EFAULT/-E2BIG. */
int memtab_read(const struct memtab *mt, uint64_t gpa, void *buf,
		uint32_t len);

/* The address lies in one of the table's mappings (a SIGBUS there is ours). */
bool memtab_owns(const struct memtab *mt, const void *addr);

/* One past the highest guest-physical address of any region. */
uint64_t memtab_top(const struct memtab *mt);

#endif
