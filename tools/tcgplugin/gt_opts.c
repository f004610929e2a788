// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-gt option parsing.  QEMU hands each `-plugin FILE,key=value,...`
 * argument over as one "key=value" string; an unknown key or a bad value
 * must stop QEMU (a non-zero qemu_plugin_install), because a ground truth
 * silently taken with other options than asked for is worse than none.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"

#define GT_MAX_WINDOW_MS	(1000ULL * 1000 * 1000)	/* 11.6 days */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Unsigned decimal or 0x-hex, the whole string. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

int gt_parse_size(const char *s, uint64_t *v)
{
	char num[32], *end;
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	end = num + n - 1;
	switch (*end) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	default: break;
	}
	/* A trailing 'b'/'B' is not a suffix: 0xb is a number. */
	if (shift)
		*end = '\0';
	if (parse_u64(num, v))
		return -1;
	if (shift && *v > (UINT64_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

static int parse_marker(const char *s, int *code)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > 0xffff)
		return -1;
	*code = (int)v;
	return 0;
}

static int parse_onoff(const char *s, bool *b)
{
	if (!strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "yes")) {
		*b = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "no")) {
		*b = false;
		return 0;
	}
	return -1;
}

/* FROM:TO:LEN, each a size; ranges must not wrap around 2^64. */
static int parse_remap(const char *s, struct gt_remap *r)
{
	char buf[128], *a, *b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	a = strchr(buf, ':');
	if (!a)
		return -1;
	*a++ = '\0';
	b = strchr(a, ':');
	if (!b)
		return -1;
	*b++ = '\0';
	if (gt_parse_size(buf, &r->from) || gt_parse_size(a, &r->to) ||
	    gt_parse_size(b, &r->len) || r->len == 0 ||
	    r->from + r->len < r->from || r->to + r->len < r->to)
		return -1;
	return 0;
}

int gt_parse_opts(struct gt_opts *o, int argc, char **argv,
		  char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->window_ns = 1000ULL * 1000 * 1000;
	o->jitter = true;
	o->seed = 1;
	o->arm = GT_NO_MARKER;
	o->stop = GT_NO_MARKER;
	o->llc_ways = GT_LLC_WAYS;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		const char *val = eq ? eq + 1 : "";
		size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
		uint64_t v;

#define KEY(k) (klen == strlen(k) && !strncmp(arg, k, klen))
		if (!eq)
			return fail(err, errlen, "'%s': expected key=value", arg);
		if (KEY("out")) {
			if (!*val)
				return fail(err, errlen, "out=: empty prefix");
			o->out = val;
		} else if (KEY("window_ms")) {
			if (parse_u64(val, &v) || v == 0 || v > GT_MAX_WINDOW_MS)
				return fail(err, errlen, "window_ms=%s: want 1..%llu",
					    val, (unsigned long long)GT_MAX_WINDOW_MS);
			o->window_ns = v * 1000 * 1000;
		} else if (KEY("sample")) {
			if (parse_u64(val, &v) || v == 0 || v > (1ULL << 40))
				return fail(err, errlen, "sample=%s: want 1..2^40", val);
			o->sample = v;
		} else if (KEY("jitter")) {
			if (parse_onoff(val, &o->jitter))
				return fail(err, errlen, "jitter=%s: want on or off", val);
		} else if (KEY("seed")) {
			if (parse_u64(val, &o->seed))
				return fail(err, errlen, "seed=%s: not a number", val);
		} else if (KEY("arm")) {
			if (parse_marker(val, &o->arm))
				return fail(err, errlen, "arm=%s: want a marker code 0..65535", val);
		} else if (KEY("stop")) {
			if (parse_marker(val, &o->stop))
				return fail(err, errlen, "stop=%s: want a marker code 0..65535", val);
		} else if (KEY("remap")) {
			if (o->nremap == GT_MAX_REMAP)
				return fail(err, errlen, "remap=%s: at most %d remaps",
					    val, GT_MAX_REMAP);
			if (parse_remap(val, &o->remap[o->nremap]))
				return fail(err, errlen,
					    "remap=%s: want FROM:TO:LEN (sizes, e.g. 2G:4G:2G)", val);
			o->nremap++;
		} else if (KEY("llc")) {
			if (gt_parse_size(val, &o->llc) || o->llc > (1ULL << 32))
				return fail(err, errlen, "llc=%s: want a size up to 4G (0: off)", val);
		} else if (KEY("llc_ways")) {
			if (parse_u64(val, &v) || v == 0 || v > 64)
				return fail(err, errlen, "llc_ways=%s: want 1..64", val);
			o->llc_ways = (unsigned int)v;
		} else {
			return fail(err, errlen, "unknown option '%.*s' (known: out, "
				    "window_ms, sample, jitter, seed, arm, stop, remap, "
				    "llc, llc_ways)", (int)klen, arg);
		}
#undef KEY
	}
	if (!o->out)
		return fail(err, errlen, "out=PREFIX is required");
	if (o->llc) {
		uint64_t sets = o->llc / 64 / o->llc_ways;

		if (!sets || (sets & (sets - 1)))
			return fail(err, errlen, "llc=%llu with llc_ways=%u: the sets "
				    "(size / 64 / ways) must be a power of two",
				    (unsigned long long)o->llc, o->llc_ways);
	}
	if (o->arm != GT_NO_MARKER && o->arm == o->stop)
		return fail(err, errlen, "arm and stop are the same marker (%d)", o->arm);
	for (int i = 0; i < o->nremap; i++)
		for (int j = 0; j < i; j++) {
			const struct gt_remap *a = &o->remap[i], *b = &o->remap[j];

			if (a->from < b->from + b->len && b->from < a->from + a->len)
				return fail(err, errlen, "remap ranges %d and %d overlap",
					    j + 1, i + 1);
		}
	return 0;
}

uint64_t gt_remap_addr(const struct gt_opts *o, uint64_t pa)
{
	for (int i = 0; i < o->nremap; i++) {
		const struct gt_remap *r = &o->remap[i];

		if (pa - r->from < r->len)
			return pa - r->from + r->to;
	}
	return pa;
}

int gt_marker_code(const uint8_t *insn, size_t len)
{
	/* 0f 1f 84 00 lo hi 54 47: nopl with SIB and a disp32 of 0x4754hilo */
	if (len != GT_MARKER_LEN || insn[0] != 0x0f || insn[1] != 0x1f ||
	    insn[2] != 0x84 || insn[3] != 0x00 || insn[6] != 0x54 ||
	    insn[7] != 0x47)
		return -1;
	return insn[4] | insn[5] << 8;
}
