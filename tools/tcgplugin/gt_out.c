// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gt output: the sampled trace (per-vCPU buffers spilled to unlinked
 * temporary files, merged by time at the end, so memory stays bounded and
 * the file is in time order across vCPUs) and the ground-truth file.
 * Each file is written as PREFIX.x.tmp and renamed, so a reader never sees
 * half a file.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gt.h"

static char *path_of(const char *prefix, const char *ext)
{
	size_t n = strlen(prefix) + strlen(ext) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s.%s", prefix, ext);
	return p;
}

/* Open PREFIX.ext.tmp for writing; *final gets PREFIX.ext. */
static FILE *open_tmp(const char *prefix, const char *ext, char **final,
		      char **tmp)
{
	char tmpext[64];
	FILE *f;

	snprintf(tmpext, sizeof(tmpext), "%s.tmp", ext);
	*final = path_of(prefix, ext);
	*tmp = path_of(prefix, tmpext);
	if (!*final || !*tmp)
		goto fail;
	f = fopen(*tmp, "w");
	if (!f) {
		fprintf(stderr, "vtier-gt: %s: %s\n", *tmp, strerror(errno));
		goto fail;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
fail:
	free(*final);
	free(*tmp);
	*final = *tmp = NULL;
	return NULL;
}

static int close_rename(FILE *f, char *final, char *tmp, int rc)
{
	if (fclose(f) && !rc) {
		fprintf(stderr, "vtier-gt: %s: %s\n", tmp, strerror(errno));
		rc = -1;
	}
	if (!rc && rename(tmp, final)) {
		fprintf(stderr, "vtier-gt: rename %s: %s\n", final, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	free(final);
	free(tmp);
	return rc;
}

int gt_trace_open(struct gt_vcpu *v, const char *prefix, unsigned idx)
{
	char ext[32], *p;

	snprintf(ext, sizeof(ext), "trace.vcpu%u.tmp", idx);
	p = path_of(prefix, ext);
	if (!p)
		return -1;
	v->spill = fopen(p, "w+");
	if (!v->spill)
		fprintf(stderr, "vtier-gt: %s: %s\n", p, strerror(errno));
	else
		unlink(p);	/* gone with the process, whatever happens */
	free(p);
	v->buf = malloc(GT_REC_BUF * sizeof(*v->buf));
	return v->spill && v->buf ? 0 : -1;
}

/* Caller holds v->lock. */
static void spill(struct gt_vcpu *v)
{
	if (v->nbuf && !v->spill_failed &&
	    fwrite(v->buf, sizeof(*v->buf), v->nbuf, v->spill) != v->nbuf) {
		fprintf(stderr, "vtier-gt: writing a trace spill file: %s\n",
			strerror(errno));
		v->spill_failed = true;
	}
	v->nbuf = 0;
}

void gt_trace_add(struct gt_vcpu *v, uint64_t t, uint64_t gpa, bool store)
{
	pthread_mutex_lock(&v->lock);
	if (v->buf) {
		v->buf[v->nbuf].t_ns = t;
		v->buf[v->nbuf].gpa_w = gpa | (store ? GT_REC_STORE : 0);
		v->samples++;
		if (++v->nbuf == GT_REC_BUF)
			spill(v);
	}
	pthread_mutex_unlock(&v->lock);
}

struct head {
	FILE *f;
	struct gt_rec r;
	bool live;
};

static void next(struct head *h)
{
	h->live = h->f && fread(&h->r, sizeof(h->r), 1, h->f) == 1;
}

/*
 * k-way merge of the spills by time: each vCPU's records are already in
 * its own clock order (the clock only moves forward), so the smallest
 * head is the next record.  Ties go to the lower vCPU.
 */
int gt_write_trace(const char *prefix, struct gt_vcpu *v, unsigned n,
		   const char *header)
{
	struct head *h = calloc(n ? n : 1, sizeof(*h));
	char *final, *tmp;
	int rc = 0;
	FILE *out;

	if (!h)
		return -1;
	out = open_tmp(prefix, "trace", &final, &tmp);
	if (!out) {
		free(h);
		return -1;
	}
	fputs(header, out);
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_lock(&v[i].lock);
		if (v[i].spill) {
			spill(&v[i]);
			if (v[i].spill_failed || fflush(v[i].spill))
				rc = -1;
			rewind(v[i].spill);
			h[i].f = v[i].spill;
			v[i].spill = NULL;	/* no more spills from now on */
			free(v[i].buf);
			v[i].buf = NULL;
		}
		pthread_mutex_unlock(&v[i].lock);
		next(&h[i]);
	}
	for (;;) {
		struct head *m = NULL;

		for (unsigned i = 0; i < n; i++)
			if (h[i].live && (!m || h[i].r.t_ns < m->r.t_ns))
				m = &h[i];
		if (!m)
			break;
		fprintf(out, "%" PRIu64 " %" PRIx64 " %c\n", m->r.t_ns,
			m->r.gpa_w & ~GT_REC_STORE,
			m->r.gpa_w & GT_REC_STORE ? 'W' : 'R');
		next(m);
	}
	for (unsigned i = 0; i < n; i++)
		if (h[i].f) {
			if (ferror(h[i].f))
				rc = -1;
			fclose(h[i].f);
		}
	free(h);
	return close_rename(out, final, tmp, rc);
}

static int truth_line(void *ctx, uint64_t win, bool header, uint64_t pfn,
		      uint64_t count)
{
	FILE *f = ctx;

	if (header)
		return fprintf(f, "window %" PRIu64 "\n", win) < 0;
	return fprintf(f, "%" PRIx64 " %" PRIu64 "\n", pfn, count) < 0;
}

int gt_write_truth(const char *prefix, const char *header)
{
	char *final, *tmp;
	FILE *out = open_tmp(prefix, "truth", &final, &tmp);
	int rc;

	if (!out)
		return -1;
	fputs(header, out);
	rc = gt_store_walk(truth_line, out) < 0 ? -1 : 0;
	return close_rename(out, final, tmp, rc);
}
