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
 * connection and the thread reconnects with backoff.  The protocol itself
 * is the session's (vtier_session.c); this file gives it the socket, the
 * clock, the core's hint queue and counters (struct vtier_session_ops).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/wait.h>
#include <linux/vm_sockets.h>
#include <net/af_vsock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "vtier_channel.h"
#include "vtier_param.h"
#include "vtier_session.h"

#define HDR_LEN		sizeof(struct vtier_hdr)
#define RX_FRAMES_PER_PASS	64

static unsigned int port = VTIER_DEFAULT_PORT;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "vsock port of the host daemon (default 9771)");

static unsigned int cid = VTIER_HOST_CID;
module_param(cid, uint, 0444);
MODULE_PARM_DESC(cid, "vsock CID of the host daemon (default 2, the host)");

static unsigned int report_ms = 1000;
module_param(report_ms, uint, 0444);
MODULE_PARM_DESC(report_ms, "interval between REPORT frames, ms (100..60000)");

static unsigned int backoff_min_ms = 100;
module_param(backoff_min_ms, uint, 0444);
MODULE_PARM_DESC(backoff_min_ms, "first reconnect delay, ms (10..60000)");

static unsigned int backoff_max_ms = 5000;
module_param(backoff_max_ms, uint, 0444);
MODULE_PARM_DESC(backoff_max_ms, "largest reconnect delay, ms (>= backoff_min_ms, <= 60000)");

static unsigned int connect_timeout_ms = 1000;
module_param(connect_timeout_ms, uint, 0444);
MODULE_PARM_DESC(connect_timeout_ms, "vsock connect timeout, ms (100..2000)");

static unsigned int io_timeout_ms = 1000;
module_param(io_timeout_ms, uint, 0444);
MODULE_PARM_DESC(io_timeout_ms, "send timeout before the link counts as dead, ms (100..2000)");

static unsigned int handshake_timeout_ms = 3000;
module_param(handshake_timeout_ms, uint, 0444);
MODULE_PARM_DESC(handshake_timeout_ms, "wait for WELCOME after HELLO, ms (100..60000)");

static unsigned int ack_timeout_ms = 5000;
module_param(ack_timeout_ms, uint, 0444);
MODULE_PARM_DESC(ack_timeout_ms, "a HINTS batch unacknowledged this long means the host is gone, ms (500..60000)");

/**
 * struct vtier_chan - the connection; only the channel thread touches it
 * @core: the core: hint queue, counters, state
 * @task: the channel thread
 * @sock: the socket while connected
 * @rx_ready: set by socket callbacks
 * @kick: set by the core's consumer when it queued hints
 * @tx_broken: a send failed mid-frame
 * @session: the protocol session
 * @rx_have: bytes of the current frame in @rx_buf
 * @rx_len: its payload length, once known
 * @rx_type: its type
 * @rx_seq: its seq
 * @rx_buf: VTIER_FRAME_MAX bytes
 * @last_err: last connect error logged
 */
struct vtier_chan {
	struct vtier_ctx *core;
	struct task_struct *task;
	struct socket *sock;
	atomic_t rx_ready;
	atomic_t kick;
	bool tx_broken;
	struct vtier_session session;
	u32 rx_have;
	u32 rx_len;
	u16 rx_type;
	u32 rx_seq;
	u8 *rx_buf;
	int last_err;
};

static struct vtier_chan chan;
static DECLARE_WAIT_QUEUE_HEAD(vtier_chan_wq);

/* The socket's own callbacks; ours chain to them. */
static void (*orig_data_ready)(struct sock *sk);
static void (*orig_state_change)(struct sock *sk);

void vtier_channel_kick(void *unused)
{
	atomic_set(&chan.kick, 1);
	wake_up(&vtier_chan_wq);
}

static u64 now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
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

/* Send buf[0..len) completely, or fail. */
static int chan_send(void *arg, const u8 *buf, u32 len)
{
	struct vtier_chan *c = arg;
	u32 sent = 0;

	while (sent < len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
		struct kvec iov = {
			.iov_base = (void *)(buf + sent),
			.iov_len = len - sent,
		};
		int n = kernel_sendmsg(c->sock, &msg, &iov, 1, len - sent);

		if (n <= 0) {
			c->tx_broken = true;
			if (n == -EAGAIN) {
				pr_warn("send timed out after %u ms; host not reading\n",
					io_timeout_ms);
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
		.svm_cid = cid,
		.svm_port = port,
	};
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &sock);
	if (err)
		return err;
	sk = sock->sk;
	sk->sk_sndtimeo = msecs_to_jiffies(io_timeout_ms);
	sk->sk_rcvtimeo = msecs_to_jiffies(io_timeout_ms);
	vsock_sk(sk)->connect_timeout = msecs_to_jiffies(connect_timeout_ms);

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
	c->session.welcomed = 0;
	c->session.bye_reason = VTIER_BYE_SHUTDOWN;
	c->tx_broken = false;
	c->rx_have = 0;
	atomic_set(&c->rx_ready, 1);
	return 0;
}

static void chan_close(struct vtier_chan *c)
{
	struct sock *sk;

	if (!c->sock)
		return;
	if (c->session.bye_reason >= 0 && !c->tx_broken)
		vtier_session_bye(&c->session);	/* best effort */
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
	if (c->session.welcomed)
		pr_info("disconnected from host\n");
	c->session.welcomed = 0;
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
			c->session.bye_reason = -1;
			return -ECONNRESET;
		}
		c->rx_have += n;
		if (c->rx_have == HDR_LEN) {
			if (vtier_hdr_check((struct vtier_hdr *)c->rx_buf,
					    &c->rx_type, &c->rx_len, &why))
				return vtier_session_bad_frame(&c->session, why);
			c->rx_seq = le32_to_cpu(((struct vtier_hdr *)c->rx_buf)->seq);
		}
		if (c->rx_have >= HDR_LEN && c->rx_have == HDR_LEN + c->rx_len) {
			c->rx_have = 0;
			frames++;
			err = vtier_session_frame(&c->session, now_ms(),
						  c->rx_type, c->rx_seq,
						  c->rx_buf + HDR_LEN,
						  c->rx_len);
			if (err)
				return err;
		}
	}
	atomic_set(&c->rx_ready, 1);	/* more may be waiting */
	return 0;
}

/* Evaluated by the channel thread itself: it may move the kick over. */
static bool chan_has_work(struct vtier_chan *c)
{
	if (atomic_xchg(&c->kick, 0))
		c->session.kicked = 1;
	return kthread_should_stop() || atomic_read(&c->rx_ready) ||
	       vtier_session_wants_send(&c->session);
}

/* Run one connected session until an error or kthread_stop(). */
static int chan_session(struct vtier_chan *c)
{
	struct vtier_hello_info hello = {
		.sampler = c->core->sampler,
		.page_size = PAGE_SIZE,
		.ram_bytes = (u64)totalram_pages() << PAGE_SHIFT,
	};
	u64 npages, timeout;
	int err;

	/* The RAM table now: memory may have been added since the last. */
	vtier_ram_span(&c->core->ram, &hello.max_pfn, &npages);
	err = vtier_session_start(&c->session, now_ms(), &hello);
	while (!err && !kthread_should_stop()) {
		err = chan_receive(c);
		if (!err) {
			if (atomic_xchg(&c->kick, 0))
				c->session.kicked = 1;
			err = vtier_session_tick(&c->session, now_ms(),
						 &timeout);
		}
		if (!err)
			wait_event_interruptible_timeout(vtier_chan_wq,
							 chan_has_work(c),
							 msecs_to_jiffies(timeout));
	}
	return err;
}

static void log_connect_error(struct vtier_chan *c, int err)
{
	/* Say it once per distinct error, not on every retry. */
	if (err == c->last_err || kthread_should_stop())
		return;
	c->last_err = err;
	if (err == -EAFNOSUPPORT)
		pr_warn("AF_VSOCK is not available (vsock module missing?); retrying\n");
	else
		pr_info("connection to cid %u port %u failed: %d; retrying with backoff\n",
			cid, port, err);
}

static int chan_thread(void *arg)
{
	struct vtier_chan *c = arg;
	unsigned int backoff = backoff_min_ms;
	unsigned long started;
	bool first = true;
	int err;

	while (!kthread_should_stop()) {
		if (!first)
			atomic64_inc(&c->core->stats.reconnects);
		first = false;
		vtier_core_set_state(c->core, VTIER_STATE_CONNECTING);
		started = jiffies;
		err = chan_open(c);
		if (err) {
			log_connect_error(c, err);
		} else {
			c->last_err = 0;
			err = chan_session(c);
			/* A session that lasted a while starts backoff afresh. */
			if (c->session.welcomed &&
			    time_after(jiffies, started +
				       msecs_to_jiffies(backoff_max_ms)))
				backoff = backoff_min_ms;
		}
		chan_close(c);
		if (kthread_should_stop())
			break;
		vtier_core_set_state(c->core, VTIER_STATE_BACKOFF);
		wait_event_interruptible_timeout(vtier_chan_wq,
						 kthread_should_stop(),
						 msecs_to_jiffies(backoff));
		backoff = min(backoff * 2, backoff_max_ms);
	}
	vtier_core_set_state(c->core, VTIER_STATE_STOPPED);
	return 0;
}

/* struct vtier_session_ops: the session's view of the module. */

static u32 hints_peek(void *arg, struct vtier_hint_host *out, u32 max,
		      u64 *pos)
{
	struct vtier_chan *c = arg;

	return vtier_hintq_peek(&c->core->hintq, out, max, pos);
}

static void hints_commit(void *arg, u64 pos, u32 n)
{
	struct vtier_chan *c = arg;

	vtier_hintq_commit(&c->core->hintq, pos, n);
}

static u32 hints_len(void *arg)
{
	struct vtier_chan *c = arg;

	return vtier_hintq_len(&c->core->hintq);
}

static u32 summary(void *arg, struct vtier_policy_summary *s, u64 *samples)
{
	struct vtier_chan *c = arg;

	*samples = atomic64_read(&c->core->stats.samples);
	return vtier_core_summary(c->core, s);
}

static void welcome(void *arg, u32 caps, u64 quota_pages, u32 max_hints)
{
	struct vtier_chan *c = arg;
	struct vtier_stats *st = &c->core->stats;

	atomic_set(&st->host_caps, caps);
	atomic64_set(&st->quota_pages, quota_pages);
	vtier_core_set_state(c->core, VTIER_STATE_CONNECTED);
	pr_info("connected to host: caps %#x, quota %llu pages, max %u hints per batch\n",
		caps, quota_pages, max_hints);
}

static void quota(void *arg, u64 quota_pages)
{
	struct vtier_chan *c = arg;

	atomic64_set(&c->core->stats.quota_pages, quota_pages);
}

static void acked(void *arg, u32 applied, u32 rejected, u32 deferred)
{
	struct vtier_stats *st = &((struct vtier_chan *)arg)->core->stats;

	atomic64_add(applied, &st->hints_acked);
	atomic64_add(rejected, &st->hints_rejected);
	atomic64_add(deferred, &st->hints_deferred);
}

static void sent(void *arg, u32 n)
{
	struct vtier_chan *c = arg;

	atomic64_add(n, &c->core->stats.hints_sent);
}

static void dropped(void *arg, u32 n)
{
	struct vtier_chan *c = arg;

	atomic64_add(n, &c->core->stats.hints_dropped);
}

static void bad_frame(void *arg, const char *why)
{
	struct vtier_chan *c = arg;

	atomic64_inc(&c->core->stats.bad_frames);
	pr_warn("bad frame from host: %s; closing connection\n", why);
}

static void session_log(void *arg, int warn, const char *line)
{
	if (warn)
		pr_warn("%s\n", line);
	else
		pr_info("%s\n", line);
}

static const struct vtier_session_ops session_ops = {
	.send = chan_send,
	.hints_peek = hints_peek,
	.hints_commit = hints_commit,
	.hints_len = hints_len,
	.summary = summary,
	.welcome = welcome,
	.quota = quota,
	.acked = acked,
	.sent = sent,
	.dropped = dropped,
	.bad_frame = bad_frame,
	.log = session_log,
};

static void chan_free(struct vtier_chan *c)
{
	kvfree(c->rx_buf);
	kvfree(c->session.tx_buf);
	kvfree(c->session.batch);
	c->rx_buf = NULL;
	c->session.tx_buf = NULL;
	c->session.batch = NULL;
}

static int check_params(void)
{
	bool ok = true;

	ok &= vtier_param_in_range("port", port, 1, U32_MAX - 1);
	ok &= vtier_param_in_range("cid", cid, 1, U32_MAX - 1);
	ok &= vtier_param_in_range("report_ms", report_ms, 100, 60000);
	ok &= vtier_param_in_range("backoff_min_ms", backoff_min_ms, 10, 60000);
	ok &= vtier_param_in_range("backoff_max_ms", backoff_max_ms,
				   backoff_min_ms, 60000);
	ok &= vtier_param_in_range("connect_timeout_ms", connect_timeout_ms,
				   100, 2000);
	ok &= vtier_param_in_range("io_timeout_ms", io_timeout_ms, 100, 2000);
	ok &= vtier_param_in_range("handshake_timeout_ms",
				   handshake_timeout_ms, 100, 60000);
	ok &= vtier_param_in_range("ack_timeout_ms", ack_timeout_ms, 500,
				   60000);
	return ok ? 0 : -EINVAL;
}

int vtier_channel_start(struct vtier_ctx *ctx)
{
	struct vtier_chan *c = &chan;
	int err;

	err = check_params();
	if (err)
		return err;
	c->core = ctx;
	c->session = (struct vtier_session){
		.ops = &session_ops,
		.arg = c,
		.par = {
			.report_ms = report_ms,
			.handshake_timeout_ms = handshake_timeout_ms,
			.ack_timeout_ms = ack_timeout_ms,
		},
	};
	c->rx_buf = kvmalloc(VTIER_FRAME_MAX, GFP_KERNEL);
	c->session.tx_buf = kvmalloc(VTIER_FRAME_MAX, GFP_KERNEL);
	c->session.batch = kvcalloc(VTIER_MAX_HINTS, sizeof(*c->session.batch),
				    GFP_KERNEL);
	if (!c->rx_buf || !c->session.tx_buf || !c->session.batch) {
		chan_free(c);
		return -ENOMEM;
	}
	c->task = kthread_run(chan_thread, c, "vtier-chan");
	if (IS_ERR(c->task)) {
		err = PTR_ERR(c->task);
		c->task = NULL;
		chan_free(c);
		return err;
	}
	pr_info("host: cid %u port %u\n", cid, port);
	return 0;
}

void vtier_channel_stop(void)
{
	struct vtier_chan *c = &chan;

	if (!c->task)
		return;
	kthread_stop(c->task);
	c->task = NULL;
	chan_free(c);
}
