// SPDX-License-Identifier: GPL-2.0
/*
 * vsock client: one kernel thread owns the connection to the host daemon.
 *
 *   connecting --(WELCOME)--> connected --(error, EOF, BYE)--> backoff
 *        ^                                                        |
 *        +----------------(100 ms, 200 ms, ... 5 s)---------------+
 *
 * Every socket call is bounded (connect timeout, send timeout, non-blocking
 * receive), and the thread sleeps only on vtier_chan_wq, which
 * kthread_stop() wakes, so unloading never waits long.  Frames from the
 * host go through the shared protocol validator; a bad one closes the
 * connection and the thread reconnects with backoff.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/wait.h>
#include <linux/vm_sockets.h>
#include <net/af_vsock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "vtier.h"

#define FRAME_MAX	(sizeof(struct vtier_hdr) + VTIER_MAX_PAYLOAD)
#define HDR_LEN		sizeof(struct vtier_hdr)
#define RX_FRAMES_PER_PASS	64

struct vtier_chan {
	struct task_struct *task;
	struct socket *sock;
	atomic_t rx_ready;		/* set by socket callbacks */
	bool welcomed;			/* WELCOME received */
	bool tx_broken;			/* a send failed mid-frame */
	int bye_reason;			/* BYE to send at close, or -1 */
	u32 tx_seq;			/* last seq sent */
	u32 max_hints;			/* from WELCOME */
	u64 max_pfn;			/* sent in HELLO */
	u32 rx_have;			/* bytes of the current frame in rx_buf */
	u32 rx_len;			/* its payload length, once known */
	u16 rx_type;
	u32 rx_seq;
	u8 *rx_buf;
	u8 *tx_buf;
	struct vtier_hint_host *batch;
	int last_err;			/* last connect error logged */
};

static struct vtier_chan chan;
static DECLARE_WAIT_QUEUE_HEAD(vtier_chan_wq);

/* The socket's own callbacks; ours chain to them. */
static void (*orig_data_ready)(struct sock *sk);
static void (*orig_state_change)(struct sock *sk);

void vtier_channel_kick(void)
{
	wake_up(&vtier_chan_wq);
}

static void chan_data_ready(struct sock *sk)
{
	orig_data_ready(sk);
	atomic_set(&chan.rx_ready, 1);
	wake_up(&vtier_chan_wq);
}

static void chan_state_change(struct sock *sk)
{
	orig_state_change(sk);
	atomic_set(&chan.rx_ready, 1);
	wake_up(&vtier_chan_wq);
}

static int max_pfn_cb(struct resource *res, void *arg)
{
	u64 *max = arg;
	u64 end = (res->end + 1) >> PAGE_SHIFT;

	if (end > *max)
		*max = end;
	return 0;
}

/* One past the highest System RAM frame; walked each HELLO for hotplug. */
static u64 guest_max_pfn(void)
{
	u64 max = 0;

	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, U64_MAX, &max, max_pfn_cb);
	return max_t(u64, max, totalram_pages());
}

static int chan_send(struct vtier_chan *c, int len)
{
	int sent = 0;

	while (sent < len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
		struct kvec iov = {
			.iov_base = c->tx_buf + sent,
			.iov_len = len - sent,
		};
		int n = kernel_sendmsg(c->sock, &msg, &iov, 1, len - sent);

		if (n <= 0) {
			c->tx_broken = true;
			if (n == -EAGAIN) {
				pr_warn("send timed out after %u ms; host not reading\n",
					vtier_io_timeout_ms);
				return -ETIMEDOUT;
			}
			return n ? n : -EPIPE;
		}
		sent += n;
	}
	return 0;
}

static int chan_open(struct vtier_chan *c)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = vtier_cid,
		.svm_port = vtier_port,
	};
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &sock);
	if (err)
		return err;
	sk = sock->sk;
	sk->sk_sndtimeo = msecs_to_jiffies(vtier_io_timeout_ms);
	sk->sk_rcvtimeo = msecs_to_jiffies(vtier_io_timeout_ms);
	vsock_sk(sk)->connect_timeout = msecs_to_jiffies(vtier_connect_timeout_ms);

	err = kernel_connect(sock, (struct sockaddr *)&addr, sizeof(addr), 0);
	if (err) {
		sock_release(sock);
		return err;
	}

	write_lock_bh(&sk->sk_callback_lock);
	orig_data_ready = sk->sk_data_ready;
	orig_state_change = sk->sk_state_change;
	sk->sk_data_ready = chan_data_ready;
	sk->sk_state_change = chan_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	c->sock = sock;
	c->welcomed = false;
	c->tx_broken = false;
	c->bye_reason = VTIER_BYE_SHUTDOWN;
	c->tx_seq = 0;
	c->rx_have = 0;
	c->max_hints = 1;
	atomic_set(&c->rx_ready, 1);
	return 0;
}

static void chan_close(struct vtier_chan *c)
{
	struct sock *sk;
	int len;

	if (!c->sock)
		return;
	if (c->bye_reason >= 0 && !c->tx_broken) {
		len = vtier_enc_bye(c->tx_buf, FRAME_MAX, ++c->tx_seq,
				    c->bye_reason);
		if (len > 0)
			chan_send(c, len);	/* best effort */
	}
	/*
	 * Give the socket its callbacks back before releasing it: the vsock
	 * core may keep the sock alive after this module is gone.
	 */
	sk = c->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = orig_data_ready;
	sk->sk_state_change = orig_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	sock_release(c->sock);
	c->sock = NULL;
	if (c->welcomed)
		pr_info("disconnected from host\n");
	c->welcomed = false;
}

static int bad_frame(struct vtier_chan *c, const char *why)
{
	atomic64_inc(&vtier_dev.stats.bad_frames);
	pr_warn("bad frame from host: %s; closing connection\n", why);
	c->bye_reason = VTIER_BYE_PROTOCOL;
	return -EPROTO;
}

static int handle_ack(struct vtier_chan *c, const struct vtier_msg *m)
{
	struct vtier_stats *st = &vtier_dev.stats;
	u64 total = (u64)m->ack.applied + m->ack.rejected + m->ack.deferred;

	if (m->ack.batch_seq == 0 || m->ack.batch_seq > c->tx_seq)
		return bad_frame(c, "ACK for a batch never sent");
	if (total > c->max_hints)
		return bad_frame(c, "ACK counts exceed the batch size");
	atomic64_add(m->ack.applied, &st->hints_acked);
	atomic64_add(m->ack.rejected, &st->hints_rejected);
	atomic64_add(m->ack.deferred, &st->hints_deferred);
	return 0;
}

static int handle_frame(struct vtier_chan *c)
{
	struct vtier_stats *st = &vtier_dev.stats;
	struct vtier_limits lim = { .max_pfn = c->max_pfn };
	struct vtier_msg m;
	const char *why;

	if (vtier_decode(c->rx_type, c->rx_seq, c->rx_buf + HDR_LEN, c->rx_len,
			 &lim, &m, &why))
		return bad_frame(c, why);
	if (!c->welcomed && m.type != VTIER_MSG_WELCOME &&
	    m.type != VTIER_MSG_BYE)
		return bad_frame(c, "first frame is not WELCOME");

	switch (m.type) {
	case VTIER_MSG_WELCOME:
		if (c->welcomed)
			return bad_frame(c, "second WELCOME");
		c->welcomed = true;
		c->max_hints = min_t(u32, m.welcome.max_hints, VTIER_MAX_HINTS);
		atomic_set(&st->host_caps, m.welcome.caps);
		atomic64_set(&st->quota_pages, m.welcome.quota_pages);
		vtier_set_state(VTIER_STATE_CONNECTED);
		pr_info("connected to host: caps %#x, quota %llu pages, max %u hints per batch\n",
			m.welcome.caps, m.welcome.quota_pages, c->max_hints);
		return 0;
	case VTIER_MSG_QUOTA:
		atomic64_set(&st->quota_pages, m.quota.quota_pages);
		return 0;
	case VTIER_MSG_ACK:
		return handle_ack(c, &m);
	case VTIER_MSG_BYE:
		pr_info("host closed the session (BYE reason %u)\n",
			m.bye.reason);
		c->bye_reason = -1;
		return -ECONNRESET;
	default:
		return bad_frame(c, "message type not sent by a host");
	}
}

/* Read and handle whatever the host has sent; never blocks. */
static int chan_receive(struct vtier_chan *c)
{
	unsigned int frames = 0;
	const char *why;
	int err;

	atomic_set(&c->rx_ready, 0);
	while (frames < RX_FRAMES_PER_PASS) {
		u32 want = c->rx_have < HDR_LEN ? HDR_LEN - c->rx_have :
			   HDR_LEN + c->rx_len - c->rx_have;
		struct kvec iov = { .iov_base = c->rx_buf + c->rx_have,
				    .iov_len = want };
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		int n;

		n = kernel_recvmsg(c->sock, &msg, &iov, 1, want, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n;
		if (n == 0) {
			pr_info("host closed the connection\n");
			c->bye_reason = -1;
			return -ECONNRESET;
		}
		c->rx_have += n;
		if (c->rx_have == HDR_LEN) {
			if (vtier_hdr_check((struct vtier_hdr *)c->rx_buf,
					    &c->rx_type, &c->rx_len, &why))
				return bad_frame(c, why);
			c->rx_seq = le32_to_cpu(((struct vtier_hdr *)c->rx_buf)->seq);
		}
		if (c->rx_have >= HDR_LEN && c->rx_have == HDR_LEN + c->rx_len) {
			c->rx_have = 0;
			frames++;
			err = handle_frame(c);
			if (err)
				return err;
		}
	}
	atomic_set(&c->rx_ready, 1);	/* more may be waiting */
	return 0;
}

static int send_hello(struct vtier_chan *c)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	int len;

	c->max_pfn = guest_max_pfn();
	len = vtier_enc_hello(c->tx_buf, FRAME_MAX, ++c->tx_seq,
			      vtier_dev.sampler, PAGE_SIZE, ram, c->max_pfn);
	return len < 0 ? len : chan_send(c, len);
}

static int send_hints(struct vtier_chan *c)
{
	struct vtier_hintq *q = &vtier_dev.hintq;
	u32 i, n, keep;
	u64 pos;
	int len, err;

	while ((n = vtier_hintq_peek(q, c->batch, c->max_hints, &pos))) {
		/* Frames past HELLO's max_pfn (hot-added RAM) would be rejected. */
		for (i = 0, keep = 0; i < n; i++) {
			if (c->batch[i].gpfn < c->max_pfn)
				c->batch[keep++] = c->batch[i];
			else
				atomic64_inc(&vtier_dev.stats.hints_dropped);
		}
		if (keep) {
			len = vtier_enc_hints(c->tx_buf, FRAME_MAX, c->tx_seq + 1,
					      c->batch, keep);
			if (len < 0)
				return len;
			c->tx_seq++;
			err = chan_send(c, len);
			if (err)
				return err;
			atomic64_add(keep, &vtier_dev.stats.hints_sent);
		}
		vtier_hintq_commit(q, pos, n);
		if (kthread_should_stop())
			break;
	}
	return 0;
}

static int send_report(struct vtier_chan *c)
{
	struct vtier_policy_summary s;
	int len;

	vtier_policy_snapshot(&s);
	len = vtier_enc_report(c->tx_buf, FRAME_MAX, ++c->tx_seq,
			       vtier_policy_sample_rate(&s),
			       (u32)(s.epoch_ns / NSEC_PER_MSEC),
			       min(s.pages, c->max_pfn),
			       atomic64_read(&vtier_dev.stats.samples), s.hist);
	return len < 0 ? len : chan_send(c, len);
}

static long until(unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	return max(left, 1L);
}

static bool chan_has_work(struct vtier_chan *c)
{
	return kthread_should_stop() || atomic_read(&c->rx_ready) ||
	       (c->welcomed && vtier_hintq_len(&vtier_dev.hintq));
}

/* Run one connected session until an error or kthread_stop(). */
static int chan_session(struct vtier_chan *c)
{
	unsigned long report_j = msecs_to_jiffies(vtier_report_ms);
	unsigned long welcome_by, next_report;
	long timeout;
	int err;

	err = send_hello(c);
	if (err)
		return err;
	welcome_by = jiffies + msecs_to_jiffies(vtier_handshake_timeout_ms);
	next_report = jiffies + report_j;

	while (!kthread_should_stop()) {
		err = chan_receive(c);
		if (err)
			return err;
		if (!c->welcomed) {
			if (time_after_eq(jiffies, welcome_by)) {
				pr_warn("no WELCOME within %u ms\n",
					vtier_handshake_timeout_ms);
				return -ETIMEDOUT;
			}
			timeout = until(welcome_by);
		} else {
			err = send_hints(c);
			if (err)
				return err;
			if (time_after_eq(jiffies, next_report)) {
				err = send_report(c);
				if (err)
					return err;
				next_report = jiffies + report_j;
			}
			timeout = until(next_report);
		}
		wait_event_interruptible_timeout(vtier_chan_wq,
						 chan_has_work(c), timeout);
	}
	return 0;
}

static void log_connect_error(struct vtier_chan *c, int err)
{
	/* Say it once per distinct error, not on every retry. */
	if (err == c->last_err)
		return;
	c->last_err = err;
	if (err == -EAFNOSUPPORT)
		pr_warn("AF_VSOCK is not available (vsock module missing?); retrying\n");
	else
		pr_info("connection to cid %u port %u failed: %d; retrying with backoff\n",
			vtier_cid, vtier_port, err);
}

static int chan_thread(void *arg)
{
	struct vtier_chan *c = arg;
	unsigned int backoff = vtier_backoff_min_ms;
	unsigned long started;
	bool first = true;
	int err;

	while (!kthread_should_stop()) {
		if (!first)
			atomic64_inc(&vtier_dev.stats.reconnects);
		first = false;
		vtier_set_state(VTIER_STATE_CONNECTING);
		started = jiffies;
		err = chan_open(c);
		if (!err) {
			c->last_err = 0;
			err = chan_session(c);
			/* A session that lasted a while starts backoff afresh. */
			if (c->welcomed &&
			    time_after(jiffies, started +
				       msecs_to_jiffies(vtier_backoff_max_ms)))
				backoff = vtier_backoff_min_ms;
		}
		chan_close(c);
		if (kthread_should_stop())
			break;
		if (err)
			log_connect_error(c, err);
		vtier_set_state(VTIER_STATE_BACKOFF);
		wait_event_interruptible_timeout(vtier_chan_wq,
						 kthread_should_stop(),
						 msecs_to_jiffies(backoff));
		backoff = min(backoff * 2, vtier_backoff_max_ms);
	}
	vtier_set_state(VTIER_STATE_STOPPED);
	return 0;
}

static void chan_free(struct vtier_chan *c)
{
	kvfree(c->rx_buf);
	kvfree(c->tx_buf);
	kvfree(c->batch);
	c->rx_buf = NULL;
	c->tx_buf = NULL;
	c->batch = NULL;
}

int vtier_channel_start(void)
{
	struct vtier_chan *c = &chan;

	c->rx_buf = kvmalloc(FRAME_MAX, GFP_KERNEL);
	c->tx_buf = kvmalloc(FRAME_MAX, GFP_KERNEL);
	c->batch = kvcalloc(VTIER_MAX_HINTS, sizeof(*c->batch), GFP_KERNEL);
	if (!c->rx_buf || !c->tx_buf || !c->batch) {
		chan_free(c);
		return -ENOMEM;
	}
	c->task = kthread_run(chan_thread, c, "vtier-chan");
	if (IS_ERR(c->task)) {
		int err = PTR_ERR(c->task);

		c->task = NULL;
		chan_free(c);
		return err;
	}
	return 0;
}

/* Sends BYE if connected, closes the socket and ends the thread. */
void vtier_channel_stop(void)
{
	struct vtier_chan *c = &chan;

	if (!c->task)
		return;
	kthread_stop(c->task);
	c->task = NULL;
	chan_free(c);
}
