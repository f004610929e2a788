// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-ycsb: a YCSB-like client for memcached, a guest workload (static;
 * Debian packages no YCSB or memtier_benchmark).
 *
 *   vtier-ycsb SEED PORT RECORDS VALUE OPS
 *
 * Talks memcached's text protocol over TCP to 127.0.0.1:PORT, one
 * connection, requests pipelined 32 deep (as memtier_benchmark
 * --pipeline=32; one request per round trip, as a YCSB client thread
 * sends them, spends most of a TCG guest's time waking vCPUs).
 *
 * Load: `set` of records 0..RECORDS-1 in order (key "user" + 16 hex digits
 * of FNV-1a of the record number, as YCSB names keys), VALUE bytes each,
 * pipelined with noreply, then `version` to wait until all are stored.
 * Then guest marker 3 (the steady phase starts; a no-op without the
 * plugin).  Steady: OPS operations, 95% `get` and 5% `set` (an update: the
 * record's version grows by one), the record drawn from YCSB's scrambled
 * Zipfian (Gray et al.'s generator, theta 0.99, ranks hashed over the
 * records), as YCSB's workload B.
 *
 * Every value is a function of (SEED, record, version), so each get is
 * checked byte for byte against the value of the record's last set.  At
 * the end memcached's own `stats` must agree: get_hits = reads,
 * get_misses = 0, cmd_set = RECORDS + updates, curr_items = RECORDS,
 * evictions = 0.  One line:
 *   vtier-ycsb: OK records=N value=B reads=R updates=U misses=0
 *     mismatches=0 get_hits=H cmd_set=S curr_items=N evictions=0 mib=M
 * or "vtier-ycsb: FAIL <reason>" and exit status 1.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rng.h"
#include "vtier_mark.h"

#define THETA		0.99
#define READ_PCT	95
#define KEYLEN		20		/* "user" + 16 hex digits */
#define IOBUF		(1 << 16)
#define PIPELINE	32		/* requests per round trip */
#define POOL_SHIFT	65536		/* offsets of the values in their pool */

static int fd;
static char rbuf[IOBUF];
static size_t rpos, rlen;
static char wbuf[IOBUF];
static size_t wlen;

static void fail(const char *why, const char *what)
{
	printf("vtier-ycsb: FAIL %s%s%s\n", why, what ? ": " : "", what ? what : "");
	exit(1);
}

static void flush_out(void)
{
	for (size_t off = 0; off < wlen;) {
		ssize_t n = write(fd, wbuf + off, wlen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write to memcached", strerror(errno));
		off += (size_t)n;
	}
	wlen = 0;
}

static void put(const void *p, size_t n)
{
	while (n) {
		size_t k = IOBUF - wlen < n ? IOBUF - wlen : n;

		memcpy(wbuf + wlen, p, k);
		wlen += k;
		p = (const char *)p + k;
		n -= k;
		if (wlen == IOBUF)
			flush_out();
	}
}

static void fill(void)
{
	ssize_t n;

	do
		n = read(fd, rbuf, sizeof(rbuf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		fail("read from memcached", n ? strerror(errno) : "connection closed");
	rpos = 0;
	rlen = (size_t)n;
}

/* One response line without its \r\n, into line (NUL-terminated). */
static void get_line(char *line, size_t cap)
{
	size_t n = 0;

	for (;;) {
		char c;

		if (rpos == rlen)
			fill();
		c = rbuf[rpos++];
		if (c == '\n')
			break;
		if (n + 1 >= cap)
			fail("response line too long", NULL);
		line[n++] = c;
	}
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
}

static void get_bytes(char *dst, size_t n)
{
	while (n) {
		size_t k;

		if (rpos == rlen)
			fill();
		k = rlen - rpos < n ? rlen - rpos : n;
		memcpy(dst, rbuf + rpos, k);
		rpos += k;
		dst += k;
		n -= k;
	}
}

static void key_of(uint64_t rec, char *key);

/* A get's reply for record rec: 1 with its VALUE bytes in got, 0 a miss. */
static int read_value(uint64_t rec, char *got, size_t vlen)
{
	char line[256], key[KEYLEN + 1], k[KEYLEN + 8];
	unsigned flags;
	size_t n;

	get_line(line, sizeof(line));
	if (!strcmp(line, "END"))
		return 0;
	key_of(rec, key);
	if (sscanf(line, "VALUE %27s %u %zu", k, &flags, &n) != 3 ||
	    strcmp(k, key) || n != vlen)
		fail("bad get reply", line);
	get_bytes(got, vlen + 2);
	if (memcmp(got + vlen, "\r\n", 2))
		fail("get reply: value not followed by CRLF", NULL);
	get_line(line, sizeof(line));
	if (strcmp(line, "END"))
		fail("get reply not ended", line);
	return 1;
}

static uint64_t fnv1a(uint64_t x)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 8; i++) {
		h ^= x & 0xff;
		h *= 0x100000001b3ULL;
		x >>= 8;
	}
	return h;
}

static void key_of(uint64_t rec, char *key)
{
	snprintf(key, KEYLEN + 1, "user%016llx", (unsigned long long)fnv1a(rec));
}

/*
 * The value of (record, version): VALUE bytes of a pool of random letters
 * (from SEED) at an offset hashed from both, so computing one costs no
 * more than comparing it (the client's work should stay small next to
 * memcached's).
 */
static char *pool;

static void pool_init(uint64_t seed, size_t len)
{
	uint64_t st = seed;

	pool = malloc(len + POOL_SHIFT);
	if (!pool)
		fail("out of memory", NULL);
	for (size_t i = 0; i < len + POOL_SHIFT; i++)
		pool[i] = (char)('a' + wl_below(&st, 26));
}

static const char *value_of(uint64_t rec, uint32_t ver)
{
	uint64_t h = fnv1a(rec ^ ((uint64_t)ver << 40) ^ 0x76616c7565ULL);

	return pool + h % POOL_SHIFT;
}

/* YCSB's ZipfianGenerator (Gray et al. 1994), over ranks 0..n-1. */
struct zipf {
	uint64_t n;
	double zetan, alpha, eta, half_pow;
};

static void zipf_init(struct zipf *z, uint64_t n)
{
	double zeta2 = 1.0 + pow(0.5, THETA);

	z->n = n;
	z->zetan = 0;
	for (uint64_t i = 1; i <= n; i++)
		z->zetan += 1.0 / pow((double)i, THETA);
	z->alpha = 1.0 / (1.0 - THETA);
	z->eta = (1.0 - pow(2.0 / (double)n, 1.0 - THETA)) /
		 (1.0 - zeta2 / z->zetan);
	z->half_pow = 1.0 + pow(0.5, THETA);
}

static uint64_t zipf_next(const struct zipf *z, uint64_t *st)
{
	double u = wl_unit(st), uz = u * z->zetan;
	uint64_t r;

	if (uz < 1.0)
		return 0;
	if (uz < z->half_pow)
		return 1;
	r = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
	return r < z->n ? r : z->n - 1;
}

static int parse_u(const char *s, unsigned long long lo, unsigned long long hi,
		   unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v < lo || *v > hi) {
		fprintf(stderr, "vtier-ycsb: bad number '%s' (%llu..%llu)\n",
			s, lo, hi);
		return -1;
	}
	return 0;
}

static void send_set(const char *key, const char *val, size_t len, bool noreply)
{
	char hdr[80];
	int n = snprintf(hdr, sizeof(hdr), "set %s 0 0 %zu%s\r\n", key, len,
			 noreply ? " noreply" : "");

	put(hdr, (size_t)n);
	put(val, len);
	put("\r\n", 2);
}

/* memcached's `stats` value of name, or -1. */
static long long stat_of(const char *name)
{
	char line[256], want[80];
	long long v = -1;
	size_t wl;

	snprintf(want, sizeof(want), "STAT %s ", name);
	wl = strlen(want);
	put("stats\r\n", 7);
	flush_out();
	for (;;) {
		get_line(line, sizeof(line));
		if (!strcmp(line, "END"))
			return v;
		if (!strncmp(line, want, wl))
			v = strtoll(line + wl, NULL, 10);
	}
}

int main(int argc, char **argv)
{
	unsigned long long seed, port, records, vlen, ops;
	uint64_t st, reads = 0, updates = 0, misses = 0, mismatches = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char key[KEYLEN + 1], line[256], *got;
	long long hits, gmiss, sets, items, evict, bytes;
	uint32_t *ver;
	struct zipf z;
	struct { uint64_t rec; uint32_t ver; bool read; } batch[PIPELINE];
	int one = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: vtier-ycsb SEED PORT RECORDS VALUE OPS\n");
		return 2;
	}
	if (parse_u(argv[1], 0, ~0ULL, &seed) ||
	    parse_u(argv[2], 1, 65535, &port) ||
	    parse_u(argv[3], 2, 1ULL << 28, &records) ||
	    parse_u(argv[4], 1, 1 << 20, &vlen) ||
	    parse_u(argv[5], 1, 1ULL << 40, &ops))
		return 2;
	got = malloc(vlen + 2);
	ver = calloc(records, sizeof(*ver));
	if (!got || !ver)
		fail("out of memory", NULL);
	pool_init(seed, vlen);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail("connect to memcached", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	/* Load: every record once, in order, pipelined. */
	for (uint64_t r = 0; r < records; r++) {
		key_of(r, key);
		send_set(key, value_of(r, 0), vlen, true);
	}
	put("version\r\n", 9);
	flush_out();
	get_line(line, sizeof(line));
	if (strncmp(line, "VERSION ", 8))
		fail("load: unexpected reply", line);
	zipf_init(&z, records);

	VTIER_MARK(3);
	st = seed ^ 0x5943534255ULL;
	for (uint64_t i = 0; i < ops; i += PIPELINE) {
		unsigned n = ops - i < PIPELINE ? (unsigned)(ops - i) : PIPELINE;

		/*
		 * One connection answers in order, so a read sees the
		 * updates sent before it, in this batch too.
		 */
		for (unsigned j = 0; j < n; j++) {
			uint64_t r = fnv1a(zipf_next(&z, &st)) % records;

			batch[j].rec = r;
			batch[j].read = wl_below(&st, 100) < READ_PCT;
			key_of(r, key);
			if (batch[j].read) {
				batch[j].ver = ver[r];
				put("get ", 4);
				put(key, KEYLEN);
				put("\r\n", 2);
			} else {
				batch[j].ver = ++ver[r];
				send_set(key, value_of(r, ver[r]), vlen, false);
			}
		}
		flush_out();
		for (unsigned j = 0; j < n; j++) {
			if (batch[j].read) {
				reads++;
				if (!read_value(batch[j].rec, got, vlen)) {
					misses++;
					continue;
				}
				if (memcmp(got, value_of(batch[j].rec, batch[j].ver), vlen))
					mismatches++;
				continue;
			}
			get_line(line, sizeof(line));
			if (strcmp(line, "STORED"))
				fail("update not stored", line);
			updates++;
		}
	}

	hits = stat_of("get_hits");
	gmiss = stat_of("get_misses");
	sets = stat_of("cmd_set");
	items = stat_of("curr_items");
	evict = stat_of("evictions");
	bytes = stat_of("bytes");
	if (misses || mismatches) {
		printf("vtier-ycsb: FAIL %llu misses, %llu values differ from the "
		       "last set\n", (unsigned long long)misses,
		       (unsigned long long)mismatches);
		return 1;
	}
	if (hits != (long long)reads || gmiss != 0 ||
	    sets != (long long)(records + updates) ||
	    items != (long long)records || evict != 0) {
		printf("vtier-ycsb: FAIL memcached stats get_hits=%lld "
		       "get_misses=%lld cmd_set=%lld curr_items=%lld "
		       "evictions=%lld disagree\n", hits, gmiss, sets, items,
		       evict);
		return 1;
	}
	printf("vtier-ycsb: OK records=%llu value=%llu reads=%llu updates=%llu "
	       "misses=0 mismatches=0 get_hits=%lld cmd_set=%lld curr_items=%lld "
	       "evictions=0 mib=%lld\n", records, vlen,
	       (unsigned long long)reads, (unsigned long long)updates, hits,
	       sets, items, bytes >> 20);
	return 0;
}
