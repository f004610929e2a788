// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd's Prometheus metrics as an operator's monitoring reads them:
 * `vtierctl metrics` and the --metrics HTTP listener (a Unix socket or a
 * loopback port) give the same families, `promtool check metrics`
 * accepts them, and the values are vtierctl status's (hints received,
 * applied and rejected, the sampler, the quota).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

static char out[1 << 20];

/* The value of one sample line "name{labels} value", -1 if absent. */
static long long sample(const char *text, const char *series)
{
	const char *p = text;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static bool promtool_ok(const char *text, char *why, size_t cap)
{
	char path[] = "/tmp/vtier-metrics-XXXXXX", cmd[128];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;
	int st;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return false;
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	f = popen(cmd, "r");
	n = f ? fread(why, 1, cap - 1, f) : 0;
	why[n] = 0;
	st = f ? pclose(f) : -1;
	unlink(path);
	return st == 0 && n == 0;	/* lint findings are printed too */
}

/* GET path over fd; the whole response into out, its length. */
static ssize_t http_get(int fd, const char *path)
{
	char req[128];
	ssize_t n, len = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
		 path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -1;
	while ((n = read(fd, out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = 0;
	close(fd);
	return len;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A loopback port nothing listens on now. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

TEST(vtierctl_metrics_are_valid_and_match_status)
{
	struct vtier_hint_host h[3] = {
		{ .gpfn = 0x300, .action = VTIER_HINT_PROMOTE },
		{ .gpfn = 0x301, .action = VTIER_HINT_DEMOTE },
		{ .gpfn = 0xa0, .action = VTIER_HINT_PROMOTE },	/* VGA hole */
	};
	struct vtierd_child d;
	struct vtier_msg w;
	json_t *root, *vm;
	struct fe_conn c;
	struct vu_fe fe;
	uint8_t buf[128];
	char why[4096];
	int n;

	if (system("command -v promtool >/dev/null"))
		SKIP(return, "promtool (Debian package prometheus) is not installed");
	ASSERT_EQ(0, vtierd_start(&d, 2, (const char *const[]){ ",quota=64M",
								",cid=4" }));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1000, &w));
	n = vtier_enc_hints(buf, sizeof(buf), 2, h, 3);
	ASSERT_EQ(0, fe_conn_send(&fe, &c, buf, (uint32_t)n));
	ASSERT_EQ(0, recv_msg(&fe, &c, &w));
	ASSERT_EQ(VTIER_MSG_ACK, w.type);

	ASSERT_EQ(0, vtierctl_run(&d, "metrics", out, sizeof(out)));
	EXPECT_TRUE(promtool_ok(out, why, sizeof(why)));
	if (why[0])
		TH_LOG("promtool: %s", why);
	vm = vm_status(&d, "vm0", &root);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(jint(vm, "hints_received"),
		  sample(out, "vtier_vm_hints_received_total{vm=\"vm0\"}"));
	EXPECT_EQ(3, sample(out, "vtier_vm_hints_received_total{vm=\"vm0\"}"));
	EXPECT_EQ(w.ack.applied,
		  sample(out, "vtier_vm_hints_applied_total{vm=\"vm0\"}"));
	EXPECT_EQ(w.ack.rejected,
		  sample(out, "vtier_vm_hints_rejected_total{vm=\"vm0\"}"));
	EXPECT_EQ(1, sample(out, "vtier_vm_hints_rejected_total{vm=\"vm0\"}"));
	EXPECT_EQ(w.ack.deferred,
		  sample(out, "vtier_vm_hints_deferred_total{vm=\"vm0\"}"));
	EXPECT_EQ(64 << 20, sample(out, "vtier_vm_quota_bytes{vm=\"vm0\"}"));
	EXPECT_EQ(jint(vm, "fast_pages") * 4096,
		  sample(out, "vtier_vm_fast_bytes{vm=\"vm0\"}"));
	EXPECT_EQ(1, sample(out, "vtier_vm_info{vm=\"vm0\",sampler=\"replay\",cid=\"3\"}"));
	EXPECT_EQ(1, sample(out, "vtier_vm_info{vm=\"vm1\",sampler=\"none\",cid=\"4\"}"));
	EXPECT_EQ(1, sample(out, "vtier_vm_guest_connected{vm=\"vm0\"}"));
	EXPECT_EQ(0, sample(out, "vtier_vm_vhost_connected{vm=\"vm1\"}"));
	EXPECT_EQ(0, sample(out, "vtier_vm_moved_bytes_total{vm=\"vm0\"}"));
	EXPECT_EQ(2, sample(out, "vtier_host_vms"));
	EXPECT_LE(0, sample(out, "vtier_host_pool_bytes"));
	EXPECT_LE(0, sample(out, "vtier_host_pool_free_bytes"));
	json_decref(root);
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(http_listener_on_a_unix_socket_and_a_loopback_port)
{
	char args_path[120], port_s[32], why[4096], copy[1 << 16];
	const char *args[] = { "--metrics", args_path, NULL };
	struct vtierd_child d, d2;
	ssize_t len;
	char *body;
	int port = free_port();

	/* A Unix socket. */
	snprintf(args_path, sizeof(args_path), "/tmp/vtier-metrics-%d.sock",
		 (int)getpid());
	ASSERT_EQ(0, vtierd_start_args(&d, 1, NULL, args));
	len = http_get(unix_connect(args_path), "/metrics");
	ASSERT_LT(0, len);
	EXPECT_EQ(0, strncmp(out, "HTTP/1.0 200 OK\r\n", 17));
	EXPECT_NE(NULL, strstr(out, "Content-Type: text/plain; version=0.0.4"));
	body = strstr(out, "\r\n\r\n");
	ASSERT_NE(NULL, body);
	snprintf(copy, sizeof(copy), "%s", body + 4);
	EXPECT_EQ(0, sample(copy, "vtier_vm_hints_received_total{vm=\"vm0\"}"));
	if (!system("command -v promtool >/dev/null"))
		EXPECT_TRUE(promtool_ok(copy, why, sizeof(why)));
	/* What vtierctl prints is what the listener serves. */
	ASSERT_EQ(0, vtierctl_run(&d, "metrics", out, sizeof(out)));
	EXPECT_EQ(0, strcmp(out, copy));
	len = http_get(unix_connect(args_path), "/nothing");
	EXPECT_EQ(0, strncmp(out, "HTTP/1.0 404", 12));
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
	EXPECT_NE(0, access(args_path, F_OK));	/* removed at exit */

	/* A loopback port. */
	ASSERT_LT(0, port);
	snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
	args[1] = port_s;
	ASSERT_EQ(0, vtierd_start_args(&d2, 1, NULL, args));
	len = http_get(tcp_connect(port), "/metrics");
	ASSERT_LT(0, len);
	EXPECT_EQ(0, strncmp(out, "HTTP/1.0 200 OK\r\n", 17));
	EXPECT_LE(0, sample(strstr(out, "\r\n\r\n") + 4, "vtier_host_vms"));
	EXPECT_EQ(0, vtierd_stop(&d2));
	vtierd_cleanup(&d2);
}

TEST(metrics_listener_is_loopback_only)
{
	const char *args[] = { "--vm", "name=vm0,socket=/tmp/vtier-m-x.sock",
			       "--control", "/tmp/vtier-m-x.ctl",
			       "--metrics", "0.0.0.0:9772", NULL };

	EXPECT_EQ(1, vtierd_exit_status(args));
	args[5] = "192.168.1.1:9772";
	EXPECT_EQ(1, vtierd_exit_status(args));
	unlink("/tmp/vtier-m-x.sock");
	unlink("/tmp/vtier-m-x.ctl");
}

TEST_HARNESS_MAIN
