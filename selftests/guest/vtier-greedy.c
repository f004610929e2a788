// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-greedy PORT PAGES SECONDS [--no-report]
 *
 * Runs as root inside the test guest, without vtier.ko: a guest that
 * ignores QUOTA.  It speaks the vtier protocol from userspace over
 * AF_VSOCK (frames from proto/vtier_proto.c): HELLO, then for SECONDS it
 * promotes the same PAGES pages of its own memory (touched and mlocked,
 * frames from /proc/self/pagemap) again and again, five HINTS rounds a
 * second, and once a second it sends a REPORT claiming every one of them
 * hot (unless --no-report).  It never demotes, whatever QUOTA says; only
 * the host can take fast memory back from it.
 *
 * Output:
 *   VTIER-GREEDY welcome quota=N           the WELCOME's quota
 *   VTIER-GREEDY quota=N                   each QUOTA frame (then ignored)
 *   VTIER-GREEDY round=N applied=N deferred=N rejected=N   once a second
 *   VTIER-GREEDY done quotas=N acks=N applied=N deferred=N rejected=N
 *   VTIER-GREEDY error <what>              (exit 1)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "vtier_proto.h"

#define PAGE		4096u
#define PAGEMAP_PFN	((1ull << 55) - 1)
#define PAGEMAP_PRESENT	(1ull << 63)
#define ROUND_MS	200

static unsigned char rx[sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD];
static size_t rx_have;
static uint64_t quotas, acks, applied, deferred, rejected;
static uint32_t tx_seq;

static void fail(const char *what)
{
	printf("VTIER-GREEDY error %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("send");
		p += n;
		len -= (size_t)n;
	}
}

/* Decode every whole frame received so far; count ACKs, report QUOTAs. */
static void take_frames(void)
{
	struct vtier_limits lim = { 0 };
	struct vtier_msg m;
	struct vtier_hdr h;
	const char *why;
	size_t whole;
	uint16_t type;
	uint32_t len;

	while (rx_have >= sizeof(h)) {
		memcpy(&h, rx, sizeof(h));
		if (vtier_hdr_check(&h, &type, &len, &why)) {
			printf("VTIER-GREEDY error bad frame from host: %s\n", why);
			exit(1);
		}
		whole = sizeof(h) + len;
		if (rx_have < whole)
			return;
		if (vtier_decode(type, le32_to_cpu(h.seq), rx + sizeof(h), len,
				 &lim, &m, &why)) {
			printf("VTIER-GREEDY error bad frame from host: %s\n", why);
			exit(1);
		}
		if (type == VTIER_MSG_QUOTA) {
			quotas++;
			printf("VTIER-GREEDY quota=%" PRIu64 "\n",
			       (uint64_t)m.quota.quota_pages);
		} else if (type == VTIER_MSG_WELCOME) {
			printf("VTIER-GREEDY welcome quota=%" PRIu64 "\n",
			       (uint64_t)m.welcome.quota_pages);
		} else if (type == VTIER_MSG_ACK) {
			acks++;
			applied += m.ack.applied;
			deferred += m.ack.deferred;
			rejected += m.ack.rejected;
		} else if (type == VTIER_MSG_BYE) {
			printf("VTIER-GREEDY error host said BYE reason=%u\n",
			       m.bye.reason);
			exit(1);
		}
		memmove(rx, rx + whole, rx_have - whole);
		rx_have -= whole;
	}
}

/* Receive until deadline, handling frames as they complete. */
static void pump(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
		n = recv(fd, rx + rx_have, sizeof(rx) - rx_have, 0);
		if (n == 0) {
			printf("VTIER-GREEDY error host closed the connection\n");
			exit(1);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("recv");
		}
		rx_have += (size_t)n;
		take_frames();
	}
}

/* PAGES pages of our own, present and pinned; their guest frames. */
static uint64_t *own_frames(unsigned long pages)
{
	uint64_t *gpfn = calloc(pages, sizeof(*gpfn)), ent;
	unsigned char *mem;
	unsigned long i;
	int pm;

	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!gpfn || mem == MAP_FAILED)
		fail("mmap");
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		mem[i * PAGE] = (unsigned char)i | 1;
	if (mlock(mem, pages * PAGE))
		fail("mlock");
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		fail("open pagemap");
	for (i = 0; i < pages; i++) {
		off_t off = (off_t)((uintptr_t)(mem + i * PAGE) / PAGE) * 8;

		if (pread(pm, &ent, sizeof(ent), off) != sizeof(ent) ||
		    !(ent & PAGEMAP_PRESENT) || !(ent & PAGEMAP_PFN))
			fail("pagemap (not root?)");
		gpfn[i] = ent & PAGEMAP_PFN;
	}
	close(pm);
	return gpfn;
}

/* One past the highest "System RAM" frame in /proc/iomem (needs root). */
static uint64_t guest_max_pfn(void)
{
	unsigned long long start, end, max_end = 0;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		fail("open /proc/iomem");
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' || !strstr(line, "System RAM"))
			continue;
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 && end > max_end)
			max_end = end;
	}
	fclose(f);
	return (max_end + 1) / PAGE;
}

static void send_report(int fd, unsigned long pages)
{
	static uint64_t samples;
	uint64_t hist[VTIER_HIST_BUCKETS] = { 0 };
	unsigned char buf[sizeof(struct vtier_hdr) + sizeof(struct vtier_report)];
	int n;

	/* Every page as hot as a page can be reported: bucket 11 (2048+). */
	hist[11] = pages;
	samples += pages * 64;
	n = vtier_enc_report(buf, sizeof(buf), ++tx_seq, (uint32_t)pages * 64,
			     1000, pages, samples, hist);
	if (n < 0)
		fail("encode REPORT");
	send_all(fd, buf, (size_t)n);
}

int main(int argc, char **argv)
{
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK,
				    .svm_cid = VTIER_HOST_CID };
	static unsigned char buf[sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD];
	static struct vtier_hint_host h[VTIER_MAX_HINTS];
	unsigned long port, pages, seconds, i, round = 0;
	int64_t end, next;
	struct sysinfo si;
	uint64_t *gpfn;
	bool report;
	int fd, n;

	if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "--no-report"))) {
		fprintf(stderr, "usage: vtier-greedy PORT PAGES SECONDS [--no-report]\n");
		return 2;
	}
	port = strtoul(argv[1], NULL, 0);
	pages = strtoul(argv[2], NULL, 0);
	seconds = strtoul(argv[3], NULL, 0);
	report = argc == 4;
	if (!port || port > 0xfffffffful || !pages || pages > (1ul << 20) ||
	    !seconds) {
		fprintf(stderr, "vtier-greedy: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	gpfn = own_frames(pages);

	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	addr.svm_port = (unsigned int)port;
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		fail("connect");
	sysinfo(&si);
	n = vtier_enc_hello(buf, sizeof(buf), ++tx_seq, VTIER_SAMPLER_REPLAY,
			    PAGE, (uint64_t)si.totalram * si.mem_unit,
			    guest_max_pfn());
	if (n < 0)
		fail("encode HELLO");
	send_all(fd, buf, (size_t)n);
	pump(fd, now_ms() + 2000);

	end = now_ms() + (int64_t)seconds * 1000;
	for (next = now_ms(); now_ms() < end; next += ROUND_MS) {
		/* Promote them all, every round: the ACKs are ignored too. */
		for (i = 0; i < pages; i += VTIER_MAX_HINTS) {
			unsigned long k, cnt = pages - i < VTIER_MAX_HINTS ?
					       pages - i : VTIER_MAX_HINTS;

			for (k = 0; k < cnt; k++) {
				h[k].gpfn = gpfn[i + k];
				h[k].order = 0;
				h[k].hotness = 0xffff;
				h[k].action = VTIER_HINT_PROMOTE;
			}
			n = vtier_enc_hints(buf, sizeof(buf), ++tx_seq, h,
					    (uint32_t)cnt);
			if (n < 0)
				fail("encode HINTS");
			send_all(fd, buf, (size_t)n);
			pump(fd, now_ms());
		}
		if (++round % (1000 / ROUND_MS) == 0) {
			if (report)
				send_report(fd, pages);
			printf("VTIER-GREEDY round=%lu applied=%" PRIu64
			       " deferred=%" PRIu64 " rejected=%" PRIu64 "\n",
			       round, applied, deferred, rejected);
		}
		pump(fd, next + ROUND_MS);
	}
	printf("VTIER-GREEDY done quotas=%" PRIu64 " acks=%" PRIu64
	       " applied=%" PRIu64 " deferred=%" PRIu64 " rejected=%" PRIu64 "\n",
	       quotas, acks, applied, deferred, rejected);
	close(fd);
	return 0;
}
