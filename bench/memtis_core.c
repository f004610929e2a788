// SPDX-License-Identifier: GPL-2.0
/* MEMTIS-style identification (memtis_core.h). */
#include <stdlib.h>
#include <string.h>

#include "memtis_core.h"

int memtis_core_init(struct memtis_core *m, uint64_t n, uint64_t cool)
{
	memset(m, 0, sizeof(*m));
	/* + 1: calloc(0) may return NULL */
	m->cnt = calloc(n + 1, sizeof(*m->cnt));
	if (!m->cnt)
		return -1;
	m->n = n;
	m->hist[0] = n;
	m->cool = cool < MEMTIS_MIN_COOL ? MEMTIS_MIN_COOL : cool;
	m->adapt = m->cool / 20;
	m->thresh = 1;
	return 0;
}

void memtis_core_free(struct memtis_core *m)
{
	free(m->cnt);
	m->cnt = NULL;
}

/* The lowest bin >= 1 from which the pages up fit the quota. */
static void memtis_adapt(struct memtis_core *m, uint64_t quota)
{
	uint64_t cum = 0;
	int b;

	for (b = MEMTIS_BINS - 1; b >= 1; b--) {
		if (cum + m->hist[b] > quota)
			break;
		cum += m->hist[b];
	}
	m->thresh = (uint32_t)(b + 1 < MEMTIS_BINS ? b + 1 : MEMTIS_BINS - 1);
}

void memtis_core_sample(struct memtis_core *m, uint64_t i, uint64_t quota)
{
	uint64_t j;

	if (m->cnt[i] < 0xffff) {
		m->hist[memtis_core_bin(m, i)]--;
		m->cnt[i]++;
		m->hist[memtis_core_bin(m, i)]++;
	}
	if (++m->samples % m->cool == 0) {
		memset(m->hist, 0, sizeof(m->hist));
		for (j = 0; j < m->n; j++) {
			m->cnt[j] >>= 1;
			m->hist[memtis_core_bin(m, j)]++;
		}
	}
	if (m->samples % m->adapt == 0)
		memtis_adapt(m, quota);
}
