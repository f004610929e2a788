// SPDX-License-Identifier: GPL-2.0
/*
 * vsock forwarding (--vm ...,uds=PATH), as a user of the VM's vsock sees
 * it: a guest connecting to host port P reaches the Unix socket PATH_P, a
 * host client on PATH that sends "CONNECT P\n" reaches the guest's port P
 * and is answered "OK <port>\n"; bytes arrive intact both ways (64 MiB
 * each way, checksummed) while vtier hints flow on the same device, many
 * connections at once, half-closes and RSTs as the vsock spec says, and
 * a peer that stops reading makes nothing grow in vtierd.
 *
 * The guest is the test frontend's vsock driver, driven by a small stream
 * engine below (credit, CREDIT_UPDATE, SHUTDOWN); the host side is plain
 * Unix sockets served by threads.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

#define MIB (1u << 20)
#define GUEST_ALLOC 262144u	/* the guest's receive buffer */
#define CHUNK 16384u
#define MAX_GCONN 64
#define HOST_BUF_ALLOC 32768u	/* VSOCK_BUF_ALLOC */
#define HOST_OUT_CAP 16384u	/* VSOCK_OUT_CAP */

/* The byte at offset i of stream seed, and a checksum of what passed. */
static uint8_t pat(uint32_t seed, uint64_t i)
{
	return (uint8_t)((i * 131u + seed) ^ (i >> 9) ^ (seed >> 3));
}

static void fill(uint8_t *b, uint32_t n, uint32_t seed, uint64_t off)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = pat(seed, off + i);
}

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

#define FNV0 0xcbf29ce484222325ull

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- the guest: one end of each flow ---------------------------------- */

struct gconn {
	uint32_t lport, rport;		/* guest port, host port */
	bool open, closed, sink;	/* sink: bytes are not checked */
	bool stop_reading;		/* no more credit given */
	uint16_t close_op;
	uint32_t tx_cnt, rx_cnt, fwd_given;
	uint32_t peer_buf_alloc, peer_fwd_cnt, peer_shut;
	uint64_t to_send, sent, got;
	uint64_t sum_tx, sum_rx;
	uint32_t seed;
	bool shut_sent;
};

struct guest {
	struct vu_fe *fe;
	struct gconn c[MAX_GCONN];
	int n;
	uint32_t listen_port;		/* host-initiated flows come here */
	uint64_t listen_send;		/* ...and send this much */
	uint32_t listen_seed;
	bool refuse;			/* answer them RST */
};

static int gsend(struct guest *g, struct gconn *c, uint16_t op,
		 uint32_t flags, const void *data, uint32_t len)
{
	struct vsock_hdr h = {
		.src_cid = g->fe->cid, .dst_cid = VSOCK_HOST_CID,
		.src_port = c->lport, .dst_port = c->rport, .len = len,
		.type = VSOCK_TYPE_STREAM, .op = op, .flags = flags,
		.buf_alloc = GUEST_ALLOC,
	};

	if (!c->stop_reading)
		c->fwd_given = c->rx_cnt;
	h.fwd_cnt = c->fwd_given;
	if (vu_fe_tx_wait(g->fe, 5000))
		return -1;
	return vu_fe_send_pkt(g->fe, &h, data);
}

static struct gconn *gconn_add(struct guest *g, uint32_t lport,
			       uint32_t rport, uint64_t to_send, uint32_t seed)
{
	struct gconn *c = &g->c[g->n++];

	memset(c, 0, sizeof(*c));
	c->lport = lport;
	c->rport = rport;
	c->to_send = to_send;
	c->seed = seed;
	c->sum_tx = c->sum_rx = FNV0;
	return c;
}

/* A guest connect; the answer arrives through gpump(). */
static struct gconn *gconnect(struct guest *g, uint32_t lport, uint32_t rport,
			      uint64_t to_send, uint32_t seed)
{
	struct gconn *c = gconn_add(g, lport, rport, to_send, seed);

	gsend(g, c, VSOCK_OP_REQUEST, 0, NULL, 0);
	return c;
}

static struct gconn *gfind(struct guest *g, uint32_t lport, uint32_t rport)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->c[i].lport == lport && g->c[i].rport == rport &&
		    !g->c[i].closed)
			return &g->c[i];
	return NULL;
}

/* Take one packet from the host; 0, or -1 when none came in time. */
static int gpump(struct guest *g, int timeout_ms)
{
	static struct fe_pkt p;
	struct gconn *c;

	if (vu_fe_recv_pkt(g->fe, &p, timeout_ms))
		return -1;
	c = gfind(g, p.h.dst_port, p.h.src_port);
	if (!c && p.h.op == VSOCK_OP_REQUEST && p.h.dst_port == g->listen_port &&
	    g->n < MAX_GCONN) {
		c = gconn_add(g, p.h.dst_port, p.h.src_port, g->listen_send,
			      g->listen_seed + p.h.src_port);
		c->peer_buf_alloc = p.h.buf_alloc;
		c->peer_fwd_cnt = p.h.fwd_cnt;
		if (g->refuse) {
			c->closed = true;
			return gsend(g, c, VSOCK_OP_RST, 0, NULL, 0);
		}
		c->open = true;
		return gsend(g, c, VSOCK_OP_RESPONSE, 0, NULL, 0);
	}
	if (!c)
		return 0;
	c->peer_buf_alloc = p.h.buf_alloc;
	c->peer_fwd_cnt = p.h.fwd_cnt;
	switch (p.h.op) {
	case VSOCK_OP_RESPONSE:
		c->open = true;
		break;
	case VSOCK_OP_RST:
		c->closed = true;
		c->close_op = VSOCK_OP_RST;
		break;
	case VSOCK_OP_SHUTDOWN:
		c->peer_shut |= p.h.flags;
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		gsend(g, c, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
		break;
	case VSOCK_OP_RW:
		c->rx_cnt += p.h.len;
		c->got += p.h.len;
		if (!c->sink)
			c->sum_rx = fnv(c->sum_rx, p.data, p.h.len);
		if (!c->stop_reading && c->rx_cnt - c->fwd_given >= GUEST_ALLOC / 4)
			gsend(g, c, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
		break;
	}
	return 0;
}

/* Send what the host's credit allows on every open flow. */
static void gpush(struct guest *g, bool shut_when_done)
{
	static uint8_t buf[CHUNK];
	int i;

	for (i = 0; i < g->n; i++) {
		struct gconn *c = &g->c[i];
		uint32_t credit, n;

		if (!c->open || c->closed || c->sink)
			continue;
		credit = c->peer_buf_alloc - (c->tx_cnt - c->peer_fwd_cnt);
		if (c->tx_cnt - c->peer_fwd_cnt > c->peer_buf_alloc)
			credit = 0;
		n = c->to_send - c->sent < CHUNK ? (uint32_t)(c->to_send - c->sent)
						  : CHUNK;
		n = n < credit ? n : credit;
		if (n) {
			fill(buf, n, c->seed, c->sent);
			c->sum_tx = fnv(c->sum_tx, buf, n);
			c->tx_cnt += n;
			c->sent += n;
			gsend(g, c, VSOCK_OP_RW, 0, buf, n);
		}
		if (shut_when_done && c->sent == c->to_send && !c->shut_sent) {
			c->shut_sent = true;
			gsend(g, c, VSOCK_OP_SHUTDOWN, VSOCK_SHUTDOWN_SEND, NULL, 0);
		}
	}
}

/* Pump and push until done(g) or timeout; true if done. */
static bool grun(struct guest *g, bool (*done)(struct guest *g),
		 void (*each)(struct guest *g), int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		int k = 0;

		while (k < 256 && !gpump(g, 0))
			k++;
		gpush(g, true);
		if (each)
			each(g);
		if (done(g))
			return true;
		if (!k)
			gpump(g, 2);
	}
	return false;
}

/* ---- the host: Unix sockets --------------------------------------------- */

struct hconn {
	int fd;
	uint64_t to_send, sent, got;
	uint64_t sum_tx, sum_rx;
	uint32_t seed;
	bool read_stop, write_only;	/* a peer that stops reading */
	bool eof;
	volatile bool stop;
	int err;
	pthread_t th;
	/* host-initiated */
	uint32_t guest_port;
	long ok_port;			/* from "OK <port>", -1 if none */
	const char *uds;
};

/* Send to_send, read until EOF, then shut down our sending side. */
static void *hconn_run(void *arg)
{
	static __thread uint8_t buf[65536];
	struct hconn *h = arg;
	bool shut = false;

	while (!h->stop && (!h->eof || h->sent < h->to_send)) {
		struct pollfd p = { .fd = h->fd, .events = 0 };

		if (!h->eof && !h->read_stop)
			p.events |= POLLIN;
		if (h->sent < h->to_send)
			p.events |= POLLOUT;
		if (!p.events) {
			poll(NULL, 0, 10);
			continue;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			uint32_t n = h->to_send - h->sent < sizeof(buf) ?
				     (uint32_t)(h->to_send - h->sent) : sizeof(buf);
			ssize_t w;

			fill(buf, n, h->seed, h->sent);
			w = send(h->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN) {
				h->err = errno;
				break;
			}
			if (w > 0) {
				h->sum_tx = fnv(h->sum_tx, buf, (size_t)w);
				__atomic_store_n(&h->sent, h->sent + (uint64_t)w,
						 __ATOMIC_RELEASE);
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR) && !h->read_stop &&
		    !h->eof) {
			ssize_t r = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r == 0)
				__atomic_store_n(&h->eof, true, __ATOMIC_RELEASE);
			else if (r > 0) {
				h->sum_rx = fnv(h->sum_rx, buf, (size_t)r);
				h->got += (uint64_t)r;
			} else if (errno != EAGAIN) {
				h->err = errno;
				break;
			}
		}
		if (!shut && h->sent == h->to_send && !h->write_only) {
			shutdown(h->fd, SHUT_WR);
			shut = true;
		}
	}
	return NULL;
}

/* Let a host end finish on its own (its EOF may still be in flight). */
static void hconn_finish(struct hconn *h, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (now_ms() < end && (!__atomic_load_n(&h->eof, __ATOMIC_ACQUIRE) ||
				  __atomic_load_n(&h->sent, __ATOMIC_ACQUIRE) <
				  h->to_send))
		poll(NULL, 0, 5);
	h->stop = true;
	pthread_join(h->th, NULL);
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 64))
		return -1;
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void hconn_init(struct hconn *h, uint64_t to_send, uint32_t seed)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->to_send = to_send;
	h->seed = seed;
	h->sum_tx = h->sum_rx = FNV0;
	h->ok_port = -1;
}

/* A host client: CONNECT, read the OK line, then the stream. */
static void *hclient_run(void *arg)
{
	struct hconn *h = arg;
	char line[64], req[32];
	size_t n = 0;

	h->fd = unix_connect(h->uds);
	if (h->fd < 0)
		return NULL;
	snprintf(req, sizeof(req), "CONNECT %u\n", h->guest_port);
	if (write(h->fd, req, strlen(req)) != (ssize_t)strlen(req))
		return NULL;
	while (n < sizeof(line) - 1 && read(h->fd, line + n, 1) == 1)
		if (line[n++] == '\n')
			break;
	line[n] = 0;
	if (strncmp(line, "OK ", 3) || line[n - 1] != '\n')
		return NULL;	/* refused: the socket is closed */
	h->ok_port = strtol(line + 3, NULL, 10);
	return hconn_run(h);
}

/* Accept count connections on a listening socket, one thread each. */
struct hlisten {
	int fd, count;
	struct hconn *h;
	pthread_t th;
};

static void *hlisten_run(void *arg)
{
	struct hlisten *l = arg;
	int i;

	for (i = 0; i < l->count; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			return NULL;
		l->h[i].fd = fd;
		pthread_create(&l->h[i].th, NULL, hconn_run, &l->h[i]);
	}
	return NULL;
}

static long vtierd_rss_kib(struct vtierd_child *d)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

/* ---- fixture ------------------------------------------------------------ */

FIXTURE(fwd) {
	struct vtierd_child d;
	struct vu_fe fe;
	struct guest g;
	char uds[80], path[100];
};

FIXTURE_SETUP(fwd)
{
	char extra[128];
	const char *ex[1] = { extra };

	snprintf(self->uds, sizeof(self->uds), "/tmp/vtier-fwd-%d.sock",
		 (int)getpid());
	snprintf(extra, sizeof(extra), ",uds=%s", self->uds);
	ASSERT_EQ(0, vtierd_start(&self->d, 1, ex));
	ASSERT_EQ(0, fe_up(&self->fe, self->d.sock[0]));
	memset(&self->g, 0, sizeof(self->g));
	self->g.fe = &self->fe;
}

FIXTURE_TEARDOWN(fwd)
{
	char cmd[200];

	vu_fe_close(&self->fe);
	vtierd_cleanup(&self->d);
	snprintf(cmd, sizeof(cmd), "rm -f %s %s_*", self->uds, self->uds);
	if (system(cmd)) {
		/* best effort */
	}
}

static const char *port_path(char *buf, size_t cap, const char *uds,
			     uint32_t port)
{
	snprintf(buf, cap, "%s_%u", uds, port);
	return buf;
}

/* Every flow sent and received all, saw the host's SHUTDOWN, and ended. */
static bool all_done(struct guest *g)
{
	int i;

	for (i = 0; i < g->n; i++) {
		struct gconn *c = &g->c[i];

		if (c->sink)
			continue;
		if (c->open && !c->closed && (c->peer_shut & VSOCK_SHUTDOWN_SEND) &&
		    c->sent == c->to_send) {
			/* Both done: close as Linux does, expect the RST. */
			c->open = false;
			gsend(g, c, VSOCK_OP_SHUTDOWN, VSOCK_SHUTDOWN_RCV |
			      VSOCK_SHUTDOWN_SEND, NULL, 0);
		}
		if (!c->closed)
			return false;
	}
	return true;
}

/* The vtier session hints every few turns while the streams run. */
static struct gconn *hint_sess;
static unsigned int hints_sent;

static void send_hints(struct guest *g)
{
	static long last;
	struct vtier_hint_host h = { .gpfn = 0x400 + hints_sent % 64,
				     .action = VTIER_HINT_PROMOTE };
	uint8_t buf[64];
	int n;

	if (!hint_sess || now_ms() - last < 5)
		return;
	last = now_ms();
	n = vtier_enc_hints(buf, sizeof(buf), 2 + hints_sent, &h, 1);
	hint_sess->tx_cnt += (uint32_t)n;
	gsend(g, hint_sess, VSOCK_OP_RW, 0, buf, (uint32_t)n);
	hints_sent++;
}

TEST_F_TIMEOUT(fwd, both_ways_64mib_checksummed_while_hints_flow, 240)
{
	struct hconn hg, hh;	/* guest-initiated, host-initiated */
	struct hlisten l = { .count = 1, .h = &hg };
	struct vtier_msg w;
	struct fe_conn vc;
	struct gconn *cg, *ch = NULL;
	json_t *root, *vm;
	char p[120];
	pthread_t thh;
	long rss0, rss1;
	int i;

	ASSERT_EQ(0, vtier_hello(&self->fe, &vc, 1000, &w));
	hint_sess = gconn_add(&self->g, 1000, VTIER_DEFAULT_PORT, 0, 0);
	hint_sess->open = hint_sess->sink = true;
	hint_sess->tx_cnt = vc.tx_cnt;
	hint_sess->rx_cnt = vc.rx_cnt;
	hint_sess->peer_buf_alloc = vc.peer_buf_alloc;
	hint_sess->peer_fwd_cnt = vc.peer_fwd_cnt;
	hints_sent = 0;
	rss0 = vtierd_rss_kib(&self->d);

	/* guest -> host port 5000 -> <uds>_5000 */
	hconn_init(&hg, 64 * MIB, 11);
	l.fd = unix_listen(port_path(p, sizeof(p), self->uds, 5000));
	ASSERT_LE(0, l.fd);
	pthread_create(&l.th, NULL, hlisten_run, &l);
	cg = gconnect(&self->g, 2000, 5000, 64 * MIB, 22);

	/* host client -> CONNECT 7000 -> the guest's port 7000 */
	self->g.listen_port = 7000;
	self->g.listen_send = 64 * MIB;
	self->g.listen_seed = 33;
	hconn_init(&hh, 64 * MIB, 44);
	hh.uds = self->uds;
	hh.guest_port = 7000;
	pthread_create(&thh, NULL, hclient_run, &hh);

	EXPECT_TRUE(grun(&self->g, all_done, send_hints, 200000));
	hint_sess = NULL;
	pthread_join(l.th, NULL);
	hconn_finish(&hg, 10000);
	hh.th = thh;
	hconn_finish(&hh, 10000);
	for (i = 0; i < self->g.n; i++)
		if (self->g.c[i].lport == 7000)
			ch = &self->g.c[i];
	ASSERT_NE(NULL, ch);
	rss1 = vtierd_rss_kib(&self->d);
	TH_LOG("vtierd RSS %ld KiB before, %ld KiB after 256 MiB; %u HINTS frames sent",
	       rss0, rss1, hints_sent);

	/* guest-initiated: every byte, in order, both ways */
	EXPECT_EQ(64 * MIB, hg.got);
	EXPECT_EQ(cg->sum_tx, hg.sum_rx);
	EXPECT_EQ(64 * MIB, cg->got);
	EXPECT_EQ(hg.sum_tx, cg->sum_rx);
	EXPECT_EQ(VSOCK_OP_RST, cg->close_op);
	EXPECT_TRUE(hg.eof);	/* the guest's SHUTDOWN became EOF */
	/* host-initiated */
	EXPECT_GE(hh.ok_port, 1L << 30);
	EXPECT_EQ(hh.ok_port, (long)ch->rport);
	EXPECT_EQ(64 * MIB, hh.got);
	EXPECT_EQ(ch->sum_tx, hh.sum_rx);
	EXPECT_EQ(64 * MIB, ch->got);
	EXPECT_EQ(hh.sum_tx, ch->sum_rx);
	EXPECT_EQ(VSOCK_OP_RST, ch->close_op);

	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(hints_sent, jint(vm, "hints_received"));
	EXPECT_LT(100, hints_sent);
	EXPECT_EQ(1, jint(vm, "vsock_fwd_guest_conns"));
	EXPECT_EQ(1, jint(vm, "vsock_fwd_host_conns"));
	EXPECT_EQ(128 * MIB, jint(vm, "vsock_fwd_bytes_to_host"));
	EXPECT_EQ(128 * MIB, jint(vm, "vsock_fwd_bytes_to_guest"));
	EXPECT_EQ(0, jint(vm, "vsock_fwd_conns"));
	EXPECT_EQ(0, jint(vm, "vsock_fwd_buffered_bytes"));
	json_decref(root);
	/* 256 MiB went through; vtierd kept nothing of it */
	EXPECT_LT(rss1 - rss0, 8 * 1024);
	close(l.fd);
	close(hg.fd);
	close(hh.fd);
}

TEST_F_TIMEOUT(fwd, many_connections_at_once_both_kinds, 120)
{
	enum { NG = 24, NH = 24 };	/* all 48 forwarded flows */
	static struct hconn hg[NG], hh[NH];
	struct hlisten l = { .count = NG, .h = hg };
	json_t *root, *vm;
	char p[120];
	int i, j, bad = 0;

	for (i = 0; i < NG; i++)
		hconn_init(&hg[i], MIB, 100 + i);
	l.fd = unix_listen(port_path(p, sizeof(p), self->uds, 5001));
	ASSERT_LE(0, l.fd);
	pthread_create(&l.th, NULL, hlisten_run, &l);
	self->g.listen_port = 7001;
	self->g.listen_send = MIB;
	self->g.listen_seed = 500;
	for (i = 0; i < NH; i++) {
		hconn_init(&hh[i], MIB, 300 + i);
		hh[i].uds = self->uds;
		hh[i].guest_port = 7001;
		pthread_create(&hh[i].th, NULL, hclient_run, &hh[i]);
	}
	for (i = 0; i < NG; i++)
		gconnect(&self->g, 3000 + i, 5001, MIB, 200 + i);
	/* Host clients connect while the guest's run: all at once. */
	while (self->g.n < NG + NH && !gpump(&self->g, 5000))
		;
	EXPECT_EQ(NG + NH, self->g.n);
	EXPECT_TRUE(grun(&self->g, all_done, NULL, 100000));
	pthread_join(l.th, NULL);
	for (i = 0; i < NG; i++)
		hconn_finish(&hg[i], 10000);
	for (i = 0; i < NH; i++)
		hconn_finish(&hh[i], 10000);
	/* Match each guest flow with its host end by the checksums. */
	for (i = 0; i < self->g.n; i++) {
		struct gconn *c = &self->g.c[i];
		bool found = false;

		for (j = 0; j < NG && c->lport != 7001; j++)
			found |= hg[j].sum_rx == c->sum_tx &&
				 hg[j].sum_tx == c->sum_rx && hg[j].got == MIB;
		for (j = 0; j < NH && c->lport == 7001; j++)
			found |= hh[j].sum_rx == c->sum_tx &&
				 hh[j].sum_tx == c->sum_rx && hh[j].got == MIB &&
				 hh[j].ok_port == (long)c->rport;
		bad += !found || c->got != MIB || c->close_op != VSOCK_OP_RST;
	}
	EXPECT_EQ(0, bad);
	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(NG, jint(vm, "vsock_fwd_guest_conns"));
	EXPECT_EQ(NH, jint(vm, "vsock_fwd_host_conns"));
	EXPECT_EQ(0, jint(vm, "vsock_fwd_refused"));
	json_decref(root);
	close(l.fd);
	for (i = 0; i < NG; i++)
		close(hg[i].fd);
	for (i = 0; i < NH; i++)
		close(hh[i].fd);
}

/* Nothing that reads no more makes vtierd buffer more. */
static bool never(struct guest *g)
{
	(void)g;
	return false;
}

TEST_F_TIMEOUT(fwd, a_peer_that_stops_reading_buffers_nothing_more, 60)
{
	struct hconn hg, hh;
	struct hlisten l = { .count = 1, .h = &hg };
	struct gconn *cg, *ch = NULL;
	struct vtier_msg w;
	struct fe_conn vc;
	json_t *root, *vm;
	uint64_t sent1, got0, hsent0, hsent1;
	long rss0, rss1;
	pthread_t thh;
	char p[120];
	int i;

	rss0 = vtierd_rss_kib(&self->d);
	/* guest -> host: the host end never reads */
	hconn_init(&hg, 0, 1);
	hg.read_stop = true;
	hg.write_only = true;
	l.fd = unix_listen(port_path(p, sizeof(p), self->uds, 5002));
	ASSERT_LE(0, l.fd);
	pthread_create(&l.th, NULL, hlisten_run, &l);
	cg = gconnect(&self->g, 4000, 5002, 1ull << 40, 7);
	/* host -> guest: the guest stops giving credit */
	self->g.listen_port = 7002;
	self->g.listen_send = 0;
	hconn_init(&hh, 1ull << 40, 9);
	hh.uds = self->uds;
	hh.guest_port = 7002;
	hh.write_only = true;
	pthread_create(&thh, NULL, hclient_run, &hh);
	grun(&self->g, never, NULL, 300);
	for (i = 0; i < self->g.n; i++)
		if (self->g.c[i].lport == 7002)
			ch = &self->g.c[i];
	ASSERT_NE(NULL, ch);
	ch->stop_reading = true;
	got0 = ch->got;
	hsent0 = hh.sent;
	grun(&self->g, never, NULL, 1500);
	sent1 = cg->sent;
	hsent1 = hh.sent;
	grun(&self->g, never, NULL, 1500);

	/* Both directions stalled at what the credit and queues allow. */
	EXPECT_EQ(sent1, cg->sent);
	EXPECT_EQ(hsent1, hh.sent);
	EXPECT_LE(ch->got - got0, GUEST_ALLOC);
	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_LE(jint(vm, "vsock_fwd_buffered_bytes"),
		  2 * (HOST_BUF_ALLOC + HOST_OUT_CAP));
	EXPECT_EQ(2, jint(vm, "vsock_fwd_conns"));
	json_decref(root);
	rss1 = vtierd_rss_kib(&self->d);
	TH_LOG("stalled: guest sent %llu bytes, host wrote %llu after the guest stopped reading; vtierd RSS %ld -> %ld KiB",
	       (unsigned long long)cg->sent,
	       (unsigned long long)(hh.sent - hsent0), rss0, rss1);
	EXPECT_LT(rss1 - rss0, 4096);
	/* The kernel's socket buffers hold the rest, a few hundred KiB. */
	EXPECT_LT(hh.sent - hsent0, 8 * MIB);
	EXPECT_LT(cg->sent, 8 * MIB);

	/* The VM's vtier session is served meanwhile. */
	EXPECT_EQ(0, vtier_hello(&self->fe, &vc, 1001, &w));
	hg.stop = hh.stop = true;
	pthread_join(l.th, NULL);
	pthread_join(hg.th, NULL);
	pthread_join(thh, NULL);
	close(l.fd);
	close(hg.fd);
	close(hh.fd);
}

/* Forwarded flows have their share; vtier's stays free for the guest. */
TEST_F_TIMEOUT(fwd, forwarding_never_crowds_out_vtier, 60)
{
	struct hlisten l;	/* the kernel's backlog takes them */
	struct vtier_msg w;
	struct fe_conn vc;
	struct gconn *c;
	json_t *root, *vm;
	char p[120];
	int i, open = 0;

	l.fd = unix_listen(port_path(p, sizeof(p), self->uds, 5003));
	ASSERT_LE(0, l.fd);
	for (i = 0; i < 50; i++)	/* 48 fit, then RST */
		gconnect(&self->g, 4200 + i, 5003, 0, 0);
	while (!gpump(&self->g, 1000))
		;
	for (i = 0; i < self->g.n; i++) {
		c = &self->g.c[i];
		open += c->open && !c->closed;
	}
	EXPECT_EQ(48, open);
	EXPECT_EQ(2, self->g.n - open);
	/* The vtier port still takes its sessions. */
	EXPECT_EQ(0, vtier_hello(&self->fe, &vc, 1002, &w));
	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(48, jint(vm, "vsock_fwd_conns"));
	EXPECT_TRUE(json_is_true(json_object_get(vm, "guest_connected")));
	json_decref(root);
	close(l.fd);
}

TEST_F(fwd, refusals_are_rst_or_a_closed_socket)
{
	struct hconn h;
	struct gconn *c;
	json_t *root, *vm;
	char buf[8];
	int fd;

	/* Nothing listens at <uds>_5999: the guest gets RST. */
	c = gconnect(&self->g, 4100, 5999, 0, 0);
	while (!c->closed && !gpump(&self->g, 2000))
		;
	EXPECT_EQ(VSOCK_OP_RST, c->close_op);
	EXPECT_FALSE(c->open);

	/* A bad CONNECT line: closed without an answer. */
	fd = unix_connect(self->uds);
	ASSERT_LE(0, fd);
	ASSERT_EQ(12, write(fd, "CONNECT abc\n", 12));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);

	/* The guest refuses port 7003 with RST: the client sees EOF, no OK. */
	self->g.listen_port = 7003;
	self->g.refuse = true;
	hconn_init(&h, 0, 0);
	h.uds = self->uds;
	h.guest_port = 7003;
	pthread_create(&h.th, NULL, hclient_run, &h);
	while (self->g.n < 2 && !gpump(&self->g, 5000))
		;
	pthread_join(h.th, NULL);
	EXPECT_EQ(-1, h.ok_port);
	EXPECT_EQ(2, self->g.n);

	vm = vm_status(&self->d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(3, jint(vm, "vsock_fwd_refused"));
	EXPECT_EQ(0, jint(vm, "vsock_fwd_conns"));
	json_decref(root);
	close(h.fd);
}

TEST_HARNESS_MAIN
