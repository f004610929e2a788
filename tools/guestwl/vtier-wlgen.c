// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-wlgen: deterministic inputs for the guest workloads (static, runs in
 * the busybox guest, which has no other way to make large files).
 *
 *   vtier-wlgen text SEED MIB     about MIB MiB of text lines: words from a
 *                                 skewed 4096-word vocabulary, so zstd finds
 *                                 both near and far matches and sort sees
 *                                 many equal prefixes
 *   vtier-wlgen redis SEED KEYS BYTES
 *                                 RESP commands `SET key:%012u <BYTES bytes>`
 *                                 for keys 0..KEYS-1 (redis-cli --pipe),
 *                                 the key names redis-benchmark -r uses
 *
 * The same SEED and size give the same bytes everywhere (rng.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define VOCAB	4096
#define WORDMAX	12
#define POOL_SHIFT	65536	/* redis: offsets of the values in the pool */

static char vocab[VOCAB][WORDMAX + 1];
static unsigned char vocab_len[VOCAB];

static int parse_u64(const char *s, unsigned long long max,
		     unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v > max) {
		fprintf(stderr, "vtier-wlgen: bad number '%s' (max %llu)\n",
			s, max);
		return -1;
	}
	return 0;
}

static void make_vocab(uint64_t *st)
{
	static const char letters[] = "etaoinshrdlucmfwypvbgkjqxz";

	for (int i = 0; i < VOCAB; i++) {
		int len = 2 + (int)wl_below(st, WORDMAX - 1);

		for (int j = 0; j < len; j++) {
			/* Squaring favours the common letters. */
			uint64_t u = wl_next(st) >> 44;	/* 20 bits */

			vocab[i][j] = letters[(((u * u) >> 20) * 26) >> 20];
		}
		vocab[i][len] = '\0';
		vocab_len[i] = (unsigned char)len;
	}
}

static int gen_text(uint64_t seed, unsigned long long mib)
{
	unsigned long long want = mib << 20, done = 0;
	uint64_t st = seed;
	char line[256];

	make_vocab(&st);
	while (done < want) {
		int nwords = 3 + (int)wl_below(&st, 14), n = 0;

		for (int w = 0; w < nwords; w++) {
			/*
			 * u^3 for u uniform in [0, 1): a few words are very
			 * common, most are rare.  Integer arithmetic (20-bit
			 * u), because floating point is slow under TCG.
			 */
			uint64_t u = wl_next(&st) >> 44;
			unsigned k = (unsigned)((((u * u) >> 20) * u) >> 28);

			/* memcpy, not snprintf: the load phase runs under
			 * the plugin, and its time should be the workload's. */
			if (w)
				line[n++] = ' ';
			memcpy(line + n, vocab[k], vocab_len[k]);
			n += vocab_len[k];
		}
		line[n++] = '\n';
		if (fwrite(line, 1, (size_t)n, stdout) != (size_t)n)
			return -1;
		done += (unsigned long long)n;
	}
	return 0;
}

static int gen_redis(uint64_t seed, unsigned long long keys,
		     unsigned long long bytes)
{
	uint64_t st = seed;
	char *pool = malloc(bytes + POOL_SHIFT);

	if (!pool)
		return -1;
	/*
	 * Each value is a window of one pool of random letters at a random
	 * offset: distinct values at a memcpy's cost (the load phase runs
	 * under the plugin; its time should be redis's, not ours).
	 */
	for (unsigned long long i = 0; i < bytes + POOL_SHIFT; i++)
		pool[i] = (char)('a' + wl_below(&st, 26));
	for (unsigned long long k = 0; k < keys; k++) {
		const char *val = pool + wl_below(&st, POOL_SHIFT);

		if (printf("*3\r\n$3\r\nSET\r\n$16\r\nkey:%012llu\r\n$%llu\r\n",
			   k, bytes) < 0 ||
		    fwrite(val, 1, bytes, stdout) != bytes ||
		    fputs("\r\n", stdout) == EOF) {
			free(pool);
			return -1;
		}
	}
	free(pool);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed, a, b = 0;
	int rc;

	if (argc == 4 && !strcmp(argv[1], "text")) {
		if (parse_u64(argv[2], ~0ULL, &seed) ||
		    parse_u64(argv[3], 1ULL << 14, &a))
			return 2;
		rc = gen_text(seed, a);
	} else if (argc == 5 && !strcmp(argv[1], "redis")) {
		if (parse_u64(argv[2], ~0ULL, &seed) ||
		    parse_u64(argv[3], 1ULL << 24, &a) ||
		    parse_u64(argv[4], 1ULL << 20, &b))
			return 2;
		rc = gen_redis(seed, a, b);
	} else {
		fprintf(stderr,
			"usage: vtier-wlgen text SEED MIB\n"
			"       vtier-wlgen redis SEED KEYS BYTES\n");
		return 2;
	}
	if (rc || fflush(stdout)) {
		fprintf(stderr, "vtier-wlgen: write failed: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}
