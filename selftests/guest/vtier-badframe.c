// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-badframe PORT MODE [WAIT_SECONDS]
 *
 * Runs inside the test guest.  Opens an AF_VSOCK stream to the host
 * (CID 2, PORT), sends one kind of frame and reports whether the host
 * closed the connection within WAIT_SECONDS (default 5):
 *   badmagic  a HELLO whose magic is wrong
 *   badlen    a HELLO header claiming a payload longer than the protocol max
 *   badpfn    a valid HELLO, then a HINTS naming a frame past guest RAM
 *   hello     control case: a valid HELLO and a valid HINTS (expect "open")
 * Output: `VTIER-BADFRAME closed` or `VTIER-BADFRAME open` (exit 0), or
 * `VTIER-BADFRAME connect-failed <reason>` / `VTIER-BADFRAME error ...`
 * (exit 1: the connection was not usable, so there is no verdict).
 * hello/badpfn also print `VTIER-BADFRAME welcome=yes caps=.. quota=..`
 * or `welcome=no`; a test should require welcome=yes before trusting a
 * `closed` for badpfn.
 * Frames are built with the project's encoder (proto/vtier_proto.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "vtier_proto.h"

static void usage(void)
{
	fprintf(stderr, "usage: vtier-badframe PORT badmagic|badlen|badpfn|hello "
		"[WAIT_SECONDS]\n");
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One past the highest "System RAM" frame in /proc/iomem (needs root). */
static uint64_t guest_max_pfn(void)
{
	unsigned long long start, end, max_end = 0;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' || !strstr(line, "System RAM"))
			continue;
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 && end > max_end)
			max_end = end;
	}
	fclose(f);
	return max_end ? (max_end + 1) / 4096 : 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes before deadline; 0 ok, -1 EOF/error/timeout. */
static int recv_all(int fd, void *buf, size_t len, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *p = buf;
	ssize_t n;

	while (len) {
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		n = recv(fd, p, len, 0);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send a valid HELLO and wait for the WELCOME; prints what came back. */
static void hello(int fd, uint64_t max_pfn, int64_t deadline)
{
	static unsigned char payload[VTIER_MAX_PAYLOAD];
	struct vtier_limits lim = { 0 };
	unsigned char buf[64];
	struct vtier_hdr h;
	struct vtier_msg m;
	struct sysinfo si;
	const char *why;
	u16 type;
	u32 len;
	int n;

	sysinfo(&si);
	n = vtier_enc_hello(buf, sizeof(buf), 1, VTIER_SAMPLER_REPLAY, 4096,
			    (uint64_t)si.totalram * si.mem_unit, max_pfn);
	if (n < 0 || send_all(fd, buf, (size_t)n)) {
		printf("VTIER-BADFRAME hello-send-failed %s\n",
		       n < 0 ? "encode" : strerror(errno));
		return;
	}
	if (recv_all(fd, &h, sizeof(h), deadline) ||
	    vtier_hdr_check(&h, &type, &len, &why) ||
	    recv_all(fd, payload, len, deadline) ||
	    vtier_decode(type, le32_to_cpu(h.seq), payload, len, &lim, &m, &why) ||
	    type != VTIER_MSG_WELCOME) {
		printf("VTIER-BADFRAME welcome=no\n");
		return;
	}
	printf("VTIER-BADFRAME welcome=yes caps=0x%x quota=%" PRIu64 "\n",
	       m.welcome.caps, (uint64_t)m.welcome.quota_pages);
}

/* Wait for the host to close; reports frames it sends meanwhile. */
static int host_closed(int fd, int wait_s)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t deadline = now_ms() + (int64_t)wait_s * 1000;
	char buf[4096];
	ssize_t n;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
		if (n > 0)
			printf("VTIER-BADFRAME received %zd bytes\n", n);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK,
				    .svm_cid = VTIER_HOST_CID };
	struct vtier_hint_host hint = { .action = VTIER_HINT_PROMOTE };
	unsigned char buf[256];
	struct vtier_hdr h;
	const char *mode;
	uint64_t max_pfn;
	int fd, n, wait_s = 5;
	char *end;
	long port;

	if (argc < 3 || argc > 4)
		usage();
	port = strtol(argv[1], &end, 10);
	if (*end || port <= 0 || port > 0xffffffffL)
		usage();
	mode = argv[2];
	if (argc == 4)
		wait_s = atoi(argv[3]);
	if (wait_s <= 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	max_pfn = guest_max_pfn();
	if (!max_pfn) {
		printf("VTIER-BADFRAME no-iomem (not root?)\n");
		return 1;
	}

	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	addr.svm_port = (unsigned int)port;
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		printf("VTIER-BADFRAME connect-failed %s\n", strerror(errno));
		return 1;
	}

	if (!strcmp(mode, "badmagic") || !strcmp(mode, "badlen")) {
		n = vtier_enc_hello(buf, sizeof(buf), 1, VTIER_SAMPLER_REPLAY,
				    4096, max_pfn * 4096 / 2, max_pfn);
		memcpy(&h, buf, sizeof(h));
		if (mode[3] == 'm')
			h.magic = cpu_to_le32(VTIER_MAGIC ^ 0xffu);
		else
			h.length = cpu_to_le32(VTIER_MAX_PAYLOAD + 1);
		memcpy(buf, &h, sizeof(h));
	} else if (!strcmp(mode, "badpfn") || !strcmp(mode, "hello")) {
		hello(fd, max_pfn, now_ms() + (int64_t)wait_s * 1000);
		/* badpfn: well past RAM; hello: a frame inside RAM (1 MiB). */
		hint.gpfn = mode[0] == 'b' ? max_pfn + 4096 : 256;
		n = vtier_enc_hints(buf, sizeof(buf), 2, &hint, 1);
	} else {
		usage();
	}
	if (n < 0 || send_all(fd, buf, (size_t)n)) {
		/*
		 * The connection died before the frame went out, so whatever
		 * closed it, it was not this frame: no verdict.
		 */
		printf("VTIER-BADFRAME error send: %s\n",
		       n < 0 ? "encode failed" : strerror(errno));
		return 1;
	}
	printf("VTIER-BADFRAME %s\n", host_closed(fd, wait_s) ? "closed" : "open");
	close(fd);
	return 0;
}
