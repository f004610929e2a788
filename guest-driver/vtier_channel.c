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

#include "vtier_chan.h"

#define HDR_LEN		sizeof(struct vtier_hdr)
#define RX_FRAMES_PER_PASS	64

static struct vtier_chan chan;
static DECLARE_WAIT_QUEUE_HEAD(vtier_chan_wq);

/* The socket's own callbacks; ours chain to them. */
static void (*orig_data_ready)(struct sock *sk);
static void (*orig_state_change)(struct sock *sk);

/* Set when a drain pass queued hints: send what has accumulated. */
atomic_t vtier_hints_kick = ATOMIC_INIT(0);

void vtier_channel_kick(void)
{
	atomic_set(&vtier_hints_kick, 1);
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

int vtier_chan_send(struct vtier_chan *c, int len)
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
	atomic_set(&c->rx_ready, 1);
	return 0;
}

static void chan_close(struct vtier_chan *c)
{
	struct sock *sk;

	if (!c->sock)
		return;
	if (c->bye_reason >= 0 && !c->tx_broken)
		vtier_session_bye(c);	/* best effort */
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
				return vtier_session_bad_frame(c, why);
			c->rx_seq = le32_to_cpu(((struct vtier_hdr *)c->rx_buf)->seq);
		}
		if (c->rx_have >= HDR_LEN && c->rx_have == HDR_LEN + c->rx_len) {
			c->rx_have = 0;
			frames++;
			err = vtier_session_frame(c);
			if (err)
				return err;
		}
	}
	atomic_set(&c->rx_ready, 1);	/* more may be waiting */
	return 0;
}

static bool chan_has_work(struct vtier_chan *c)
{
	return kthread_should_stop() || atomic_read(&c->rx_ready) ||
	       vtier_session_wants_send(c);
}

/* Run one connected session until an error or kthread_stop(). */
static int chan_session(struct vtier_chan *c)
{
	long timeout;
	int err;

	err = vtier_session_start(c);
	while (!err && !kthread_should_stop()) {
		err = chan_receive(c);
		if (!err)
			err = vtier_session_tick(c, &timeout);
		if (!err)
			wait_event_interruptible_timeout(vtier_chan_wq,
							 chan_has_work(c),
							 timeout);
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
		if (err) {
			log_connect_error(c, err);
		} else {
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

	c->rx_buf = kvmalloc(VTIER_FRAME_MAX, GFP_KERNEL);
	c->tx_buf = kvmalloc(VTIER_FRAME_MAX, GFP_KERNEL);
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
