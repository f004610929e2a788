// SPDX-License-Identifier: GPL-2.0
/*
 * Test frontend for vtierd: QEMU's side of vhost-user plus the guest's
 * virtio-vsock driver.  Message order follows what QEMU 7.2 sends to
 * vhost-user-vsock-pci (see docs/vtierd.md).
 */
#include "vu_frontend.h"
#include "vhost_user_proto.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DESC_NEXT 1
#define DESC_WRITE 2
#define DESC_INDIRECT 4
#define RX_BUF_GPA(i) (0x200000u + (uint32_t)(i) * FE_RX_BUF_SIZE)
#define TX_SLOT_GPA(s) (0x300000u + (uint32_t)(s) * 0x12000u)
#define GUEST_BUF_ALLOC 262144u

static uint8_t *ring(struct vu_fe *fe, int q, uint32_t off)
{
	return fe->mem + FE_RING_GPA(q) + off;
}

static int setup(struct vu_fe *fe, int fd)
{
	int q;

	memset(fe, 0, sizeof(*fe));
	fe->sock = fd;
	/* Sealable, as QEMU's memory-backend-memfd makes guest RAM. */
	fe->memfd = memfd_create("fe-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fe->memfd < 0 || ftruncate(fe->memfd, FE_RAM_SIZE))
		return -1;
	fe->mem = mmap(NULL, FE_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fe->memfd, 0);
	if (fe->mem == MAP_FAILED)
		return -1;
	for (q = 0; q < 2; q++) {
		fe->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fe->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	fe->use_indirect = true;	/* as Linux 6.1 does for tx */
	return 0;
}

int vu_fe_adopt(struct vu_fe *fe, int fd)
{
	return setup(fe, fd);
}

int vu_fe_open(struct vu_fe *fe, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return setup(fe, fd);
}

void vu_fe_close(struct vu_fe *fe)
{
	int q;

	if (fe->sock >= 0)
		close(fe->sock);
	for (q = 0; q < 2; q++) {
		close(fe->kick[q]);
		close(fe->call[q]);
	}
	munmap(fe->mem, FE_RAM_SIZE);
	close(fe->memfd);
	fe->sock = -1;
}

int vu_fe_request(struct vu_fe *fe, uint32_t req, uint32_t flags,
		  const void *payload, uint32_t size, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	uint32_t hdr[3] = { req, VU_FLAG_VERSION | flags, size };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	struct cmsghdr *c;

	if (nfds) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(fe->sock, &mh, MSG_NOSIGNAL) ==
	       (ssize_t)(sizeof(hdr) + size) ? 0 : -1;
}

/* Read a reply; it must echo req, carry flags 0x5 and the expected size. */
int vu_fe_reply(struct vu_fe *fe, uint32_t req, void *payload, uint32_t size)
{
	uint32_t hdr[3];

	if (recv(fe->sock, hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return -1;
	fe->last_reply_flags = hdr[1];
	if (hdr[0] != req || hdr[1] != (VU_FLAG_VERSION | VU_FLAG_REPLY) ||
	    hdr[2] != size)
		return -1;
	return recv(fe->sock, payload, size, MSG_WAITALL) == (ssize_t)size ?
	       0 : -1;
}

static int get_u64(struct vu_fe *fe, uint32_t req, uint64_t *v)
{
	if (vu_fe_request(fe, req, 0, NULL, 0, NULL, 0))
		return -1;
	return vu_fe_reply(fe, req, v, sizeof(*v));
}

static int set_u64(struct vu_fe *fe, uint32_t req, uint64_t v, int fd)
{
	return vu_fe_request(fe, req, 0, &v, sizeof(v), &fd, fd >= 0);
}

static int set_state(struct vu_fe *fe, uint32_t req, uint32_t index,
		     uint32_t num)
{
	uint32_t s[2] = { index, num };

	return vu_fe_request(fe, req, 0, s, sizeof(s), NULL, 0);
}

static int set_err(struct vu_fe *fe, int q)
{
	int fd = eventfd(0, EFD_CLOEXEC), r;

	r = set_u64(fe, VU_SET_VRING_ERR, (uint64_t)q, fd);
	close(fd);
	return r;
}

int vu_fe_realize(struct vu_fe *fe)
{
	struct { uint32_t offset, size, flags; uint8_t data[8]; } cfg = {
		.size = 8 };
	uint64_t v, pf;

	if (get_u64(fe, VU_GET_FEATURES, &fe->features) ||
	    get_u64(fe, VU_GET_PROTOCOL_FEATURES, &pf))
		return -1;
	/* QEMU keeps what it knows: MQ, REPLY_ACK, CONFIG, ... */
	fe->protocol_features = pf & (VU_PF_MQ | VU_PF_REPLY_ACK | VU_PF_CONFIG);
	if (set_u64(fe, VU_SET_PROTOCOL_FEATURES, fe->protocol_features, -1) ||
	    get_u64(fe, VU_GET_QUEUE_NUM, &v) || v != 2 ||
	    vu_fe_request(fe, VU_SET_OWNER, 0, NULL, 0, NULL, 0) ||
	    get_u64(fe, VU_GET_FEATURES, &v) ||
	    set_u64(fe, VU_SET_VRING_CALL, 0, fe->call[0]) || set_err(fe, 0) ||
	    set_u64(fe, VU_SET_VRING_CALL, 1, fe->call[1]) || set_err(fe, 1))
		return -1;
	if (vu_fe_request(fe, VU_GET_CONFIG, 0, &cfg, sizeof(cfg), NULL, 0) ||
	    vu_fe_reply(fe, VU_GET_CONFIG, &cfg, sizeof(cfg)))
		return -1;
	memcpy(&fe->cid, cfg.data, sizeof(fe->cid));
	return 0;
}

static void ring_reset(struct vu_fe *fe, int q)
{
	uint16_t i;

	memset(ring(fe, q, 0), 0, 0x10000);
	fe->avail_idx[q] = fe->last_used[q] = 0;
	if (q == FE_RX) {
		for (i = 0; i < FE_QSIZE; i++) {
			vu_fe_set_desc(fe, FE_RX, i, RX_BUF_GPA(i),
				       FE_RX_BUF_SIZE, DESC_WRITE, 0);
			vu_fe_post(fe, FE_RX, i);
		}
	}
}

void vu_fe_rings_reset(struct vu_fe *fe)
{
	ring_reset(fe, FE_RX);
	ring_reset(fe, FE_TX);
}

static int send_mem_table(struct vu_fe *fe)
{
	struct {
		uint32_t n, pad;
		uint64_t r[2][4];
	} mt = { .n = 2, .r = {
		{ 0, FE_HOLE_START, (uint64_t)(uintptr_t)fe->mem, 0 },
		{ FE_HOLE_END, FE_RAM_SIZE - FE_HOLE_END,
		  (uint64_t)(uintptr_t)(fe->mem + FE_HOLE_END), FE_HOLE_END },
	} };
	int fds[2] = { fe->memfd, fe->memfd };
	uint64_t ack = 1;

	if (vu_fe_request(fe, VU_SET_MEM_TABLE, VU_FLAG_NEED_REPLY, &mt, sizeof(mt),
			  fds, 2) ||
	    vu_fe_reply(fe, VU_SET_MEM_TABLE, &ack, sizeof(ack)))
		return -1;
	return ack == 0 ? 0 : -1;
}

int vu_fe_driver_ok(struct vu_fe *fe)
{
	uint64_t want = VU_F_VERSION_1 | VU_F_PROTOCOL_FEATURES |
			VU_F_EVENT_IDX | VU_F_INDIRECT_DESC;
	int q;

	ring_reset(fe, FE_RX);
	ring_reset(fe, FE_TX);
	if (set_u64(fe, VU_SET_VRING_CALL, 1, fe->call[1]) ||
	    set_u64(fe, VU_SET_VRING_CALL, 0, fe->call[0]) ||
	    set_u64(fe, VU_SET_FEATURES, fe->features & want, -1) ||
	    send_mem_table(fe))
		return -1;
	for (q = 0; q < 2; q++) {
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} a = {
			.index = (uint32_t)q,
			.desc = (uint64_t)(uintptr_t)ring(fe, q, 0),
			.used = (uint64_t)(uintptr_t)ring(fe, q, FE_USED_OFF),
			.avail = (uint64_t)(uintptr_t)ring(fe, q, FE_AVAIL_OFF),
			.log = FE_RING_GPA(q) + FE_USED_OFF,
		};

		if (set_state(fe, VU_SET_VRING_NUM, q, FE_QSIZE) ||
		    set_state(fe, VU_SET_VRING_BASE, q, 0) ||
		    vu_fe_request(fe, VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0) ||
		    set_u64(fe, VU_SET_VRING_KICK, (uint64_t)q, fe->kick[q]))
			return -1;
	}
	if (set_state(fe, VU_SET_VRING_ENABLE, 0, 1) ||
	    set_state(fe, VU_SET_VRING_ENABLE, 1, 1) ||
	    set_u64(fe, VU_SET_VRING_CALL, 0, fe->call[0]) ||
	    set_u64(fe, VU_SET_VRING_CALL, 1, fe->call[1]))
		return -1;
	/* A round trip proves vtierd has processed everything above. */
	return get_u64(fe, VU_GET_FEATURES, &fe->features);
}

int vu_fe_reset(struct vu_fe *fe, uint32_t base_out[2])
{
	uint32_t s[2];
	int q;

	if (set_state(fe, VU_SET_VRING_ENABLE, 0, 0) ||
	    set_state(fe, VU_SET_VRING_ENABLE, 1, 0))
		return -1;
	for (q = 0; q < 2; q++) {
		s[0] = (uint32_t)q;
		s[1] = 0;
		if (vu_fe_request(fe, VU_GET_VRING_BASE, 0, s, sizeof(s), NULL, 0) ||
		    vu_fe_reply(fe, VU_GET_VRING_BASE, s, sizeof(s)) ||
		    s[0] != (uint32_t)q)
			return -1;
		if (base_out)
			base_out[q] = s[1];
	}
	return set_u64(fe, VU_SET_VRING_CALL, 1, fe->call[1]) ||
	       set_u64(fe, VU_SET_VRING_CALL, 0, fe->call[0]) ? -1 : 0;
}

void vu_fe_set_desc(struct vu_fe *fe, int q, uint16_t i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ring(fe, q, 16u * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void vu_fe_post(struct vu_fe *fe, int q, uint16_t head)
{
	uint8_t *avail = ring(fe, q, FE_AVAIL_OFF);

	memcpy(avail + 4 + 2 * (fe->avail_idx[q] % FE_QSIZE), &head, 2);
	vu_fe_set_avail_idx(fe, q, (uint16_t)(fe->avail_idx[q] + 1));
}

void vu_fe_set_avail_idx(struct vu_fe *fe, int q, uint16_t idx)
{
	uint8_t *avail = ring(fe, q, FE_AVAIL_OFF);

	fe->avail_idx[q] = idx;
	/* used_event: wake us for every used entry */
	memcpy(avail + 4 + 2 * FE_QSIZE, &fe->last_used[q], 2);
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
}

void vu_fe_kick(struct vu_fe *fe, int q)
{
	uint64_t one = 1;

	if (write(fe->kick[q], &one, sizeof(one)) != sizeof(one))
		return;
}

uint16_t vu_fe_used_idx(struct vu_fe *fe, int q)
{
	return __atomic_load_n((uint16_t *)ring(fe, q, FE_USED_OFF + 2),
			       __ATOMIC_ACQUIRE);
}

uint16_t vu_fe_avail_event(struct vu_fe *fe, int q)
{
	uint16_t v;

	memcpy(&v, ring(fe, q, FE_USED_OFF + 4 + 8 * FE_QSIZE), 2);
	return v;
}

int vu_fe_tx_wait(struct vu_fe *fe, int timeout_ms)
{
	struct pollfd pfd = { .fd = fe->call[FE_TX], .events = POLLIN };
	int waited = 0;
	uint64_t v;

	while ((uint16_t)(fe->avail_idx[FE_TX] - vu_fe_used_idx(fe, FE_TX)) >=
	       FE_QSIZE / 2) {
		if (waited++ >= timeout_ms)
			return -1;
		if (poll(&pfd, 1, 1) > 0 && read(pfd.fd, &v, sizeof(v)) < 0)
			return -1;
	}
	return 0;
}

int vu_fe_send_pkt(struct vu_fe *fe, const struct vsock_hdr *h,
		   const void *data)
{
	uint16_t slot = fe->avail_idx[FE_TX] % (FE_QSIZE / 2), head = 2 * slot;
	uint64_t gpa = TX_SLOT_GPA(slot);
	uint64_t pay = gpa + sizeof(*h);

	memcpy(fe->mem + gpa, h, sizeof(*h));
	if (h->len)
		memcpy(fe->mem + pay, data, h->len);
	if (fe->use_indirect) {
		uint64_t table = gpa + 0x11000;
		uint16_t flags0 = h->len ? DESC_NEXT : 0;

		memcpy(fe->mem + table, &gpa, 8);	/* entry 0: header */
		memcpy(fe->mem + table + 8, &(uint32_t){ sizeof(*h) }, 4);
		memcpy(fe->mem + table + 12, &flags0, 2);
		memcpy(fe->mem + table + 14, &(uint16_t){ 1 }, 2);
		memcpy(fe->mem + table + 16, &pay, 8);	/* entry 1: payload */
		memcpy(fe->mem + table + 24, &h->len, 4);
		memset(fe->mem + table + 28, 0, 4);
		vu_fe_set_desc(fe, FE_TX, head, table, h->len ? 32 : 16,
			       DESC_INDIRECT, 0);
	} else {
		vu_fe_set_desc(fe, FE_TX, head, gpa, sizeof(*h),
			       h->len ? DESC_NEXT : 0, head + 1);
		vu_fe_set_desc(fe, FE_TX, head + 1, pay, h->len, 0, 0);
	}
	vu_fe_post(fe, FE_TX, head);
	vu_fe_kick(fe, FE_TX);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int vu_fe_recv_pkt(struct vu_fe *fe, struct fe_pkt *p, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	uint32_t id, len;
	uint8_t *elem;

	while (vu_fe_used_idx(fe, FE_RX) == fe->last_used[FE_RX]) {
		struct pollfd pfd = { .fd = fe->call[FE_RX], .events = POLLIN };
		uint64_t v;

		if (now_ms() >= end)
			return -1;
		if (poll(&pfd, 1, 20) > 0 && read(pfd.fd, &v, sizeof(v)) < 0)
			return -1;
	}
	elem = ring(fe, FE_RX, FE_USED_OFF + 4 + 8 * (fe->last_used[FE_RX] % FE_QSIZE));
	memcpy(&id, elem, 4);
	memcpy(&len, elem + 4, 4);
	fe->last_used[FE_RX]++;
	if (id >= FE_QSIZE || len < sizeof(p->h) || len > FE_RX_BUF_SIZE)
		return -1;
	memcpy(p, fe->mem + RX_BUF_GPA(id), len);
	if (p->h.len != len - sizeof(p->h))
		return -1;
	vu_fe_post(fe, FE_RX, (uint16_t)id);	/* give the buffer back */
	vu_fe_kick(fe, FE_RX);
	return 0;
}
