// SPDX-License-Identifier: GPL-2.0
/*
 * The trace v1 line parser.  Strict on purpose: a record is exactly three
 * fields, numbers may not overflow, and the access type is one letter, so
 * that a damaged trace is noticed instead of replayed as something else.
 */
#include "vtier_trace.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse [s, e) as a number in base 10 or 16; 0 or -EINVAL. */
static int parse_u64(const char *s, const char *e, u32 base, u64 *out)
{
	u64 v = 0;
	int d;

	if (base == 16 && e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s == e)
		return -EINVAL;
	for (; s < e; s++) {
		d = hex_digit(*s);
		if (d < 0 || (u32)d >= base)
			return -EINVAL;
		if (v > (~0ull - (u64)d) / base)
			return -EINVAL;
		v = v * base + (u64)d;
	}
	*out = v;
	return 0;
}

int vtier_trace_parse(const char *line, size_t len, struct vtier_trace_rec *rec,
		      const char **why)
{
	const char *tok[4], *end[4], *p = line, *stop = line + len;
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == '#') {
			stop = line + i;
			break;
		}
		if (line[i] == '\0') {
			*why = "NUL byte in text";
			return -EINVAL;
		}
	}
	if (len > VTIER_TRACE_LINE_MAX) {
		*why = "line too long";
		return -EINVAL;
	}
	while (n < 4) {
		while (p < stop && is_space(*p))
			p++;
		if (p == stop)
			break;
		tok[n] = p;
		while (p < stop && !is_space(*p))
			p++;
		end[n++] = p;
	}
	if (n == 0)
		return 0;
	if (n < 3) {
		*why = "expected <time_ns> <gpa_hex> <R|W>";
		return -EINVAL;
	}
	if (n > 3) {
		*why = "extra fields after <R|W>";
		return -EINVAL;
	}
	if (parse_u64(tok[0], end[0], 10, &rec->ts_ns)) {
		*why = "time_ns is not a decimal number";
		return -EINVAL;
	}
	if (parse_u64(tok[1], end[1], 16, &rec->gpa)) {
		*why = "address is not a hex number";
		return -EINVAL;
	}
	if (end[2] - tok[2] != 1 || (tok[2][0] != 'R' && tok[2][0] != 'W')) {
		*why = "access type is not R or W";
		return -EINVAL;
	}
	rec->write = tok[2][0] == 'W';
	return 1;
}
