// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory table: mapping and bounds-checked translation.
 */
#include "memtab.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void memtab_init(struct memtab *mt)
{
	memset(mt, 0, sizeof(*mt));
}

void memtab_clear(struct memtab *mt)
{
	struct map_budget *b = mt->budget;
	unsigned int i;

	for (i = 0; i < mt->n; i++)
		munmap(mt->r[i].map, mt->r[i].map_len);
	if (b)
		b->used -= mt->mapped;
	memtab_init(mt);
	mt->budget = b;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Check one region on its own and against the ones before it. */
static const char *region_check(const struct memtab_region_desc *d,
				unsigned int i)
{
	unsigned int j;

	if (d[i].size == 0)
		return "empty memory region";
	if (d[i].gpa + d[i].size < d[i].gpa ||
	    d[i].uaddr + d[i].size < d[i].uaddr ||
	    d[i].mmap_offset + d[i].size < d[i].mmap_offset ||
	    d[i].mmap_offset + d[i].size > (uint64_t)SIZE_MAX)
		return "memory region wraps around";
	for (j = 0; j < i; j++) {
		if (ranges_overlap(d[i].gpa, d[i].size, d[j].gpa, d[j].size))
			return "memory regions overlap (guest-physical)";
		if (ranges_overlap(d[i].uaddr, d[i].size, d[j].uaddr,
				   d[j].size))
			return "memory regions overlap (VMM address)";
	}
	return NULL;
}

/* The table fits the administrator's bounds; 0 or -E2BIG. */
static int budget_check(const struct map_budget *b,
			const struct memtab_region_desc *d, unsigned int n,
			const char **why)
{
	uint64_t sum = 0, top = 0;
	unsigned int i;

	if (!b)
		return 0;
	for (i = 0; i < n; i++) {	/* no wrap: region_check() passed */
		sum += d[i].size;
		if (d[i].gpa + d[i].size > top)
			top = d[i].gpa + d[i].size;
	}
	/* Per-frame tables are sized by the top address: bound both. */
	if (sum > b->vm_max || top > b->vm_max) {
		*why = "guest RAM larger than --guest-ram-max";
		return -E2BIG;
	}
	if (sum > b->total_max - b->used) {
		*why = "guest RAM of all VMs would exceed --mapped-max";
		return -E2BIG;
	}
	return 0;
}

/*
 * Seal the fd against shrinking if it allows (a memfd created with
 * MFD_ALLOW_SEALING; QEMU seals its own), then check the region lies
 * inside the fd: a mapping past its end raises SIGBUS when touched.
 */
static const char *fd_check(const struct memtab_region_desc *d, int fd,
			    bool *sealed)
{
	struct stat st;
	int seals;

	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);	/* fails if not allowed */
	seals = fcntl(fd, F_GET_SEALS);
	*sealed = seals >= 0 && (seals & F_SEAL_SHRINK);
	if (fstat(fd, &st))
		return "cannot stat memory region fd";
	if (S_ISREG(st.st_mode) &&
	    d->mmap_offset + d->size > (uint64_t)st.st_size)
		return "memory region reaches past the end of its fd";
	return NULL;
}

int memtab_set(struct memtab *mt, const struct memtab_region_desc *d,
	       unsigned int n, const int *fds, const char **why)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	unsigned int i;
	int err;

	memtab_clear(mt);
	if (n == 0 || n > MEMTAB_MAX_REGIONS) {
		*why = "bad number of memory regions";
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		*why = region_check(d, i);
		if (!*why)
			*why = fd_check(&d[i], fds[i], &mt->r[i].sealed);
		if (*why) {
			memtab_clear(mt);
			return -EINVAL;
		}
	}
	err = budget_check(mt->budget, d, n, why);
	if (err) {
		memtab_clear(mt);
		return err;
	}
	for (i = 0; i < n; i++) {
		struct mem_region *r = &mt->r[i];
		uint64_t map_off = d[i].mmap_offset & ~(page - 1);
		uint64_t lead = d[i].mmap_offset - map_off;

		r->d = d[i];
		r->map_len = (size_t)(lead + d[i].size);
		/* NORESERVE: guest RAM is the VMM's, we only look at it. */
		r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_NORESERVE, fds[i], (off_t)map_off);
		if (r->map == MAP_FAILED) {
			mt->n = i;
			memtab_clear(mt);
			*why = "cannot mmap memory region";
			return -ENOMEM;
		}
		r->hva = (uint8_t *)r->map + lead;
		mt->n = i + 1;
		mt->mapped += d[i].size;
		if (mt->budget)
			mt->budget->used += d[i].size;
	}
	return 0;
}

bool memtab_owns(const struct memtab *mt, const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	unsigned int i;

	for (i = 0; i < mt->n; i++)
		if (a >= (uintptr_t)mt->r[i].map &&
		    a - (uintptr_t)mt->r[i].map < mt->r[i].map_len)
			return true;
	return false;
}

int memtab_find_gpa(const struct memtab *mt, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mt->n; i++) {
		const struct memtab_region_desc *d = &mt->r[i].d;

		if (gpa >= d->gpa && gpa - d->gpa < d->size &&
		    len <= d->size - (gpa - d->gpa))
			return (int)i;
	}
	return -ENOENT;
}

void *memtab_uaddr_to_hva(const struct memtab *mt, uint64_t uaddr,
			  uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mt->n; i++) {
		const struct memtab_region_desc *d = &mt->r[i].d;

		if (uaddr >= d->uaddr && uaddr - d->uaddr < d->size &&
		    len <= d->size - (uaddr - d->uaddr))
			return mt->r[i].hva + (uaddr - d->uaddr);
	}
	return NULL;
}

int memtab_gpa_pieces(const struct memtab *mt, uint64_t gpa, uint64_t len,
		      struct mem_piece *out, int max)
{
	int n = 0;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		const struct memtab_region_desc *d;
		uint64_t off, chunk;
		int ri = memtab_find_gpa(mt, gpa, 1);

		if (ri < 0)
			return -EFAULT;
		if (n >= max)
			return -E2BIG;
		d = &mt->r[ri].d;
		off = gpa - d->gpa;
		chunk = d->size - off < len ? d->size - off : len;
		if (chunk > UINT32_MAX)
			chunk = UINT32_MAX;
		out[n].hva = mt->r[ri].hva + off;
		out[n].len = (uint32_t)chunk;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

int memtab_read(const struct memtab *mt, uint64_t gpa, void *buf,
		uint32_t len)
{
	struct mem_piece p[MEMTAB_MAX_REGIONS];
	uint8_t *dst = buf;
	int i, n = memtab_gpa_pieces(mt, gpa, len, p, MEMTAB_MAX_REGIONS);

	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		memcpy(dst, p[i].hva, p[i].len);
		dst += p[i].len;
	}
	return 0;
}

uint64_t memtab_top(const struct memtab *mt)
{
	uint64_t top = 0;
	unsigned int i;

	for (i = 0; i < mt->n; i++)
		if (mt->r[i].d.gpa + mt->r[i].d.size > top)
			top = mt->r[i].d.gpa + mt->r[i].d.size;
	return top;
}
