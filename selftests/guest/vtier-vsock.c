// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-vsock: a stream over AF_VSOCK for e2e_vsock_test, through vtierd's
 * forwarding of the ports other than vtier's.
 *
 *   vtier-vsock send PORT BYTES SEED   connect to the host (CID 2) port PORT,
 *                                      send BYTES, shut down, read to EOF
 *   vtier-vsock serve PORT BYTES SEED  listen on PORT, accept one, read to
 *                                      EOF, then send BYTES and close
 *
 * The bytes are pattern(SEED, offset); each end prints what it sent and
 * received with an FNV-1a checksum, for the host to compare:
 *   VTIER-VSOCK <mode> sent=N sum_tx=X got=M sum_rx=Y
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static uint8_t pat(uint32_t seed, uint64_t i)
{
	return (uint8_t)((i * 131u + seed) ^ (i >> 9) ^ (seed >> 3));
}

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static int send_all(int fd, uint64_t bytes, uint32_t seed, uint64_t *sum)
{
	static uint8_t buf[65536];
	uint64_t off = 0;

	while (off < bytes) {
		size_t n = bytes - off < sizeof(buf) ? bytes - off : sizeof(buf), i;
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = pat(seed, off + i);
		w = write(fd, buf, n);
		if (w <= 0)
			return -1;
		*sum = fnv(*sum, buf, (size_t)w);
		off += (uint64_t)w;
	}
	return 0;
}

static uint64_t recv_all(int fd, uint64_t *sum)
{
	static uint8_t buf[65536];
	uint64_t got = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		*sum = fnv(*sum, buf, (size_t)r);
		got += (uint64_t)r;
	}
	return got;
}

int main(int argc, char **argv)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK };
	uint64_t bytes, sum_tx = 0xcbf29ce484222325ull, sum_rx = sum_tx, got;
	uint32_t seed;
	int fd, c;

	if (argc != 5 || (strcmp(argv[1], "send") && strcmp(argv[1], "serve"))) {
		fprintf(stderr, "usage: vtier-vsock send|serve PORT BYTES SEED\n");
		return 2;
	}
	sa.svm_port = (unsigned int)strtoul(argv[2], NULL, 10);
	bytes = strtoull(argv[3], NULL, 10);
	seed = (uint32_t)strtoul(argv[4], NULL, 10);
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("VTIER-VSOCK %s error socket: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (argv[1][1] == 'e' && argv[1][2] == 'n') {	/* send */
		sa.svm_cid = VMADDR_CID_HOST;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			printf("VTIER-VSOCK send error connect: %s\n", strerror(errno));
			return 1;
		}
		if (send_all(fd, bytes, seed, &sum_tx)) {
			printf("VTIER-VSOCK send error write: %s\n", strerror(errno));
			return 1;
		}
		shutdown(fd, SHUT_WR);
		got = recv_all(fd, &sum_rx);
		c = fd;
	} else {
		sa.svm_cid = VMADDR_CID_ANY;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
			printf("VTIER-VSOCK serve error bind: %s\n", strerror(errno));
			return 1;
		}
		printf("VTIER-VSOCK-LISTEN %u\n", sa.svm_port);
		fflush(stdout);
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			printf("VTIER-VSOCK serve error accept: %s\n", strerror(errno));
			return 1;
		}
		got = recv_all(c, &sum_rx);
		if (send_all(c, bytes, seed, &sum_tx)) {
			printf("VTIER-VSOCK serve error write: %s\n", strerror(errno));
			return 1;
		}
	}
	close(c);
	printf("VTIER-VSOCK %s sent=%llu sum_tx=%016llx got=%llu sum_rx=%016llx\n",
	       argv[1], (unsigned long long)bytes, (unsigned long long)sum_tx,
	       (unsigned long long)got, (unsigned long long)sum_rx);
	return 0;
}
