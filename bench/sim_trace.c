// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's trace: records read once (trace v1 through the shared
 * parser, guest-driver/vtier_trace.c; plain or gzip through zlib) into
 * arrays of 12 bytes per record, pages renumbered densely in first-touch
 * order, with each page's record count (the static oracle's ranking and
 * the footprint F is sized from).  Keeping the records in memory lets all
 * policies run in one pass and lets stdin be read like a file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "sim.h"
#include "vtier_trace.h"

void sim_trace_init(struct sim_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->min_pfn = UINT64_MAX;
}

static uint64_t hash_pfn(uint64_t pfn)
{
	return (pfn * 0x9E3779B97F4A7C15ull) >> 17;
}

static int grow_map(struct sim_trace *t)
{
	uint64_t ncap = t->hcap ? 2 * t->hcap : 1024, i, j;
	uint64_t *key = calloc(ncap, sizeof(*key));
	uint32_t *val = malloc(ncap * sizeof(*val));

	if (!key || !val) {
		free(key);
		free(val);
		return -1;
	}
	for (i = 0; i < t->hcap; i++) {
		if (!t->hkey[i])
			continue;
		for (j = hash_pfn(t->hkey[i] - 1) & (ncap - 1); key[j];
		     j = (j + 1) & (ncap - 1))
			;
		key[j] = t->hkey[i];
		val[j] = t->hval[i];
	}
	free(t->hkey);
	free(t->hval);
	t->hkey = key;
	t->hval = val;
	t->hcap = ncap;
	return 0;
}

int64_t sim_trace_id(const struct sim_trace *t, uint64_t pfn)
{
	uint64_t j;

	if (!t->hcap)
		return -1;
	for (j = hash_pfn(pfn) & (t->hcap - 1); t->hkey[j];
	     j = (j + 1) & (t->hcap - 1))
		if (t->hkey[j] == pfn + 1)
			return t->hval[j];
	return -1;
}

/* Double two parallel arrays; *cap changes only when both grew. */
static int grow2(void **a, size_t sa, void **b, size_t sb, uint64_t *cap)
{
	uint64_t ncap = *cap ? 2 * *cap : 4096;
	void *na = realloc(*a, ncap * sa), *nb;

	if (!na)
		return -1;
	*a = na;
	nb = realloc(*b, ncap * sb);
	if (!nb)
		return -1;
	*b = nb;
	*cap = ncap;
	return 0;
}

/* The id of pfn, a new one if the trace had not touched it yet. */
static int64_t page_id(struct sim_trace *t, uint64_t pfn)
{
	uint64_t j;

	if (2 * (t->npages + 1) > t->hcap && grow_map(t))
		return -1;
	for (j = hash_pfn(pfn) & (t->hcap - 1); t->hkey[j];
	     j = (j + 1) & (t->hcap - 1))
		if (t->hkey[j] == pfn + 1)
			return t->hval[j];
	if (t->npages >= (1u << 31))
		return -1;
	if (t->npages == t->pcap &&
	    grow2((void **)&t->pfn, sizeof(*t->pfn), (void **)&t->count,
		  sizeof(*t->count), &t->pcap))
		return -1;
	t->hkey[j] = pfn + 1;
	t->hval[j] = (uint32_t)t->npages;
	t->pfn[t->npages] = pfn;
	t->count[t->npages] = 0;
	if (pfn < t->min_pfn)
		t->min_pfn = pfn;
	if (pfn > t->max_pfn)
		t->max_pfn = pfn;
	return (int64_t)t->npages++;
}

int sim_trace_add(struct sim_trace *t, uint64_t ts, uint64_t pfn, int write)
{
	int64_t id = page_id(t, pfn);

	if (id < 0)
		return -1;
	if (t->n == t->cap &&
	    grow2((void **)&t->ts, sizeof(*t->ts), (void **)&t->idw,
		  sizeof(*t->idw), &t->cap))
		return -1;
	/* Small steps back (records from several vCPUs) do not move time back. */
	if (t->n && ts < t->ts[t->n - 1])
		ts = t->ts[t->n - 1];
	t->ts[t->n] = ts;
	t->idw[t->n] = (uint32_t)id << 1 | !!write;
	t->count[id]++;
	t->n++;
	return 0;
}

int sim_trace_loop(struct sim_trace *t, uint64_t from_ns, uint64_t times)
{
	uint64_t first = 0, n = t->n, k, i, span, need;

	if (!times || !n)
		return 0;
	while (first < n && t->ts[first] - t->ts[0] < from_ns)
		first++;
	if (first == n)
		return -1;	/* nothing from there on */
	/* One mean record gap between the copies, so no time is lost. */
	span = t->ts[n - 1] - t->ts[first];
	span += n - first > 1 ? span / (n - first - 1) : 1;
	need = n + times * (n - first);
	while (t->cap < need)
		if (grow2((void **)&t->ts, sizeof(*t->ts), (void **)&t->idw,
			  sizeof(*t->idw), &t->cap))
			return -1;
	for (k = 1; k <= times; k++)
		for (i = first; i < n; i++) {
			t->ts[t->n] = t->ts[i] + k * span;
			t->idw[t->n] = t->idw[i];
			t->count[t->idw[i] >> 1]++;
			t->n++;
		}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int sim_trace_load(struct sim_trace *t, const char *path, int progress)
{
	char line[VTIER_TRACE_LINE_MAX + 2];
	struct vtier_trace_rec rec;
	uint64_t lineno = 0;
	double t0 = now_s(), next = t0 + 5;
	const char *why;
	gzFile in;
	size_t len;
	int ret, err = 0;

	in = strcmp(path, "-") ? gzopen(path, "r") : gzdopen(0, "r");
	if (!in) {
		fprintf(stderr, "vtier-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	gzbuffer(in, 1 << 20);
	while (gzgets(in, line, sizeof(line))) {
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!gzeof(in)) {
			int c;	/* longer than any valid line: skip the rest */

			while ((c = gzgetc(in)) != -1 && c != '\n')
				;
			len = VTIER_TRACE_LINE_MAX + 1;
		}
		ret = vtier_trace_parse(line, len, &rec, &why);
		if (ret < 0) {
			if (t->bad_lines++ < 10)
				fprintf(stderr, "vtier-sim: %s: line %" PRIu64
					" skipped: %s\n", path, lineno, why);
			continue;
		}
		if (!ret)
			continue;
		if (sim_trace_add(t, rec.ts_ns, rec.gpa >> 12, rec.write)) {
			fprintf(stderr, "vtier-sim: %s: out of memory at line %"
				PRIu64 "\n", path, lineno);
			err = -1;
			break;
		}
		if (progress && !(t->n & 0xfffff) && now_s() > next) {
			next += 5;
			fprintf(stderr, "vtier-sim: loading %s: %" PRIu64
				" records, %" PRIu64 " pages, %.0f s\n", path,
				t->n, t->npages, now_s() - t0);
		}
	}
	if (!err && !gzeof(in)) {
		int e;

		fprintf(stderr, "vtier-sim: %s: read error: %s\n", path,
			gzerror(in, &e));
		err = -1;
	}
	gzclose(in);
	return err;
}

void sim_trace_free(struct sim_trace *t)
{
	free(t->ts);
	free(t->idw);
	free(t->pfn);
	free(t->count);
	free(t->hkey);
	free(t->hval);
	sim_trace_init(t);
}
