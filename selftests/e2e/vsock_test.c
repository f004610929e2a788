// SPDX-License-Identifier: GPL-2.0
/*
 * vsock keeps working for the VM beside vtier (issue 14): a real guest
 * with vtier.ko connected and hinting streams to host port 5000, which
 * vtierd (uds=) forwards to the Unix socket <uds>_5000, and serves its
 * port 7000 to a host client that sends "CONNECT 7000".  Both ends
 * checksum what they sent and received (selftests/guest/vtier-vsock.c);
 * the checksums must agree both ways, and vtier's hints keep flowing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "e2e_lib.h"

#define BOOT_S	240
#define STEP_S	240
#define BYTES	(8ull << 20)

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

#define FNV0 0xcbf29ce484222325ull

/* One host end: read to EOF, then send (accepted), or the reverse. */
struct hend {
	int fd;
	bool send_first;
	uint64_t sent, got, sum_tx, sum_rx;
	int err;
};

static void hend_send(struct hend *h, uint32_t seed)
{
	static uint8_t buf[65536];
	uint64_t off = 0;
	size_t i;

	while (off < BYTES) {
		size_t n = BYTES - off < sizeof(buf) ? BYTES - off : sizeof(buf);
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = pat(seed, off + i);
		w = send(h->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0) {
			h->err = errno;
			return;
		}
		h->sum_tx = fnv(h->sum_tx, buf, (size_t)w);
		off += (uint64_t)w;
	}
	h->sent = off;
}

static void hend_recv(struct hend *h)
{
	static uint8_t buf[65536];
	ssize_t r;

	while ((r = read(h->fd, buf, sizeof(buf))) > 0) {
		h->sum_rx = fnv(h->sum_rx, buf, (size_t)r);
		h->got += (uint64_t)r;
	}
}

/* Host port 5000: accept the guest's connection, read it all, answer. */
static void *serve_5000(void *arg)
{
	struct hend *h = arg;
	int lfd = h->fd;

	h->fd = accept(lfd, NULL, NULL);
	close(lfd);
	if (h->fd < 0)
		return NULL;
	hend_recv(h);
	hend_send(h, 44);
	close(h->fd);
	return NULL;
}

static int unix_fd(const char *path, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (listening ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
			listen(fd, 1) :
			connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The guest's "VTIER-VSOCK mode sent=N sum_tx=X got=M sum_rx=Y" line. */
static int guest_line(struct e2e *e, const char *mode, uint64_t v[4])
{
	char needle[32];
	unsigned long long a, b, c, d;
	const char *l;

	snprintf(needle, sizeof(needle), "VTIER-VSOCK %s ", mode);
	l = e2e_wait_console(e, needle, STEP_S);
	if (!l || sscanf(l + strlen(needle), "sent=%llu sum_tx=%llx got=%llu sum_rx=%llx",
			 &a, &b, &c, &d) != 4)
		return -1;
	v[0] = a, v[1] = b, v[2] = c, v[3] = d;
	return 0;
}

FIXTURE(vsock) {
	struct e2e e;
};

FIXTURE_SETUP(vsock)
{
	ASSERT_EQ(0, e2e_init(&self->e, "vsock"));
	if (!e2e_have_module(&self->e) || !e2e_have_vtierd(&self->e) ||
	    !e2e_have_vtierctl(&self->e))
		SKIP(return, "vtier.ko, vtierd or vtierctl not built");
}

FIXTURE_TEARDOWN(vsock)
{
	e2e_cleanup(&self->e, !_metadata->passed);
}

/* The VM's hints_received now, or -1. */
static long long hints_received(struct e2e *e)
{
	json_t *st = e2e_vtierctl(e, "status", NULL);
	json_t *vm = st ? e2e_status_vm(st, "vm0") : NULL;
	long long n = vm ? e2e_json_int(vm, "hints_received") : -1;

	json_decref(st);
	return n;
}

TEST_F_TIMEOUT(vsock, guest_and_host_streams_beside_vtier, 2 * BOOT_S + STEP_S)
{
	struct e2e_guest_opts o = {
		.script = "vsock", .vsock = E2E_VSOCK_CLIENT,
		.append = "vtier.wait=120 vtier.bytes=8388608",
	};
	struct hend g2h = { .sum_tx = FNV0, .sum_rx = FNV0 };
	struct hend h2g = { .sum_tx = FNV0, .sum_rx = FNV0 };
	char uds[PATH_MAX + 16], opts[PATH_MAX + 32], p5000[PATH_MAX + 32];
	char line[64];
	uint64_t v[4];
	long long hints0, hints1;
	json_t *st, *vm;
	pthread_t th;
	size_t n = 0;
	int i;

	snprintf(uds, sizeof(uds), "%s/vm0.vsock", self->e.dir);
	snprintf(p5000, sizeof(p5000), "%s_5000", uds);
	snprintf(opts, sizeof(opts), "uds=%s", uds);
	g2h.fd = unix_fd(p5000, true);
	ASSERT_LE(0, g2h.fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, serve_5000, &g2h));
	ASSERT_EQ(0, e2e_start_vtierd(&self->e, opts));
	ASSERT_EQ(0, e2e_start_guest(&self->e, &o));
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-STATE connected", BOOT_S));

	/* guest -> host port 5000 -> <uds>_5000, and the answer back */
	ASSERT_EQ(0, guest_line(&self->e, "send", v));
	pthread_join(th, NULL);
	EXPECT_EQ(BYTES, v[0]);
	EXPECT_EQ(BYTES, g2h.got);
	EXPECT_EQ(v[1], g2h.sum_rx);
	EXPECT_EQ(BYTES, v[2]);
	EXPECT_EQ(g2h.sum_tx, v[3]);

	/* host client -> CONNECT 7000 -> the guest's port 7000 */
	ASSERT_NE(NULL, e2e_wait_console(&self->e, "VTIER-VSOCK-LISTEN 7000", STEP_S));
	hints0 = hints_received(&self->e);
	h2g.fd = unix_fd(uds, false);
	ASSERT_LE(0, h2g.fd);
	ASSERT_EQ(13, write(h2g.fd, "CONNECT 7000\n", 13));
	while (n < sizeof(line) - 1 && read(h2g.fd, line + n, 1) == 1)
		if (line[n++] == '\n')
			break;
	line[n] = 0;
	ASSERT_EQ(0, strncmp(line, "OK ", 3)) TH_LOG("answer: '%s'", line);
	EXPECT_LE(1ll << 30, strtoll(line + 3, NULL, 10));
	/*
	 * With the forwarded connection open, new hints must still arrive:
	 * the guest fills fresh pages in the background, a round every few
	 * seconds under TCG, so wait for one (the stream alone can be over
	 * sooner than a round).
	 */
	for (i = 0; i < 600 && hints_received(&self->e) <= hints0; i++)
		usleep(100000);
	/* vtier's session is up beside the forwarded connection. */
	st = e2e_vtierctl(&self->e, "status", NULL);
	vm = st ? e2e_status_vm(st, "vm0") : NULL;
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(1, e2e_json_bool(vm, "guest_connected"));
	json_decref(st);
	hend_send(&h2g, 55);
	shutdown(h2g.fd, SHUT_WR);
	hend_recv(&h2g);
	close(h2g.fd);
	ASSERT_EQ(0, guest_line(&self->e, "serve", v));
	EXPECT_EQ(BYTES, h2g.sent);
	EXPECT_EQ(BYTES, v[2]);
	EXPECT_EQ(h2g.sum_tx, v[3]);
	EXPECT_EQ(BYTES, h2g.got);
	EXPECT_EQ(v[1], h2g.sum_rx);
	EXPECT_NE(NULL, e2e_wait_console(&self->e, "VTIER-VSOCK-DONE", STEP_S));

	/*
	 * vtier's session hinted throughout (the guest may be powering off
	 * by now, so its connection is checked above, while the stream ran).
	 */
	st = e2e_vtierctl(&self->e, "status", NULL);
	ASSERT_NE(NULL, st);
	vm = e2e_status_vm(st, "vm0");
	ASSERT_NE(NULL, vm);
	hints1 = e2e_json_int(vm, "hints_received");
	TH_LOG("hints received: %lld before the host's stream, %lld after it",
	       hints0, hints1);
	EXPECT_LT(0, hints0);
	EXPECT_LT(hints0, hints1);	/* they kept coming meanwhile */
	EXPECT_EQ(0, e2e_json_int(vm, "frames_rejected"));
	EXPECT_EQ(1, e2e_json_int(vm, "vsock_fwd_guest_conns"));
	EXPECT_EQ(1, e2e_json_int(vm, "vsock_fwd_host_conns"));
	EXPECT_EQ(2 * BYTES, (uint64_t)e2e_json_int(vm, "vsock_fwd_bytes_to_host"));
	EXPECT_EQ(2 * BYTES, (uint64_t)e2e_json_int(vm, "vsock_fwd_bytes_to_guest"));
	json_decref(st);
	e2e_kill_guest(&self->e);
}

TEST_HARNESS_MAIN
