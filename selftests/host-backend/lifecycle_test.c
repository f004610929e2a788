// SPDX-License-Identifier: GPL-2.0
/*
 * vtierd lifecycle: VMM disconnect and reconnect, guest device reset
 * (GET_VRING_BASE), connect mode with a restarted vtierd, SIGTERM with a
 * BYE to the guest, and vtierctl's error messages.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

/* Status field of vm0 as an integer (booleans as 0/1). */
static long long vm0_field(struct vtierd_child *d, const char *k)
{
	json_t *root, *vm = vm_status(d, "vm0", &root), *v;
	long long r = -1;

	v = vm ? json_object_get(vm, k) : NULL;
	if (json_is_boolean(v))
		r = json_is_true(v);
	else if (json_is_integer(v))
		r = json_integer_value(v);
	json_decref(root);
	return r;
}

TEST(disconnect_then_new_connection_on_same_socket)
{
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c;
	struct vu_fe fe;
	int i;

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1000, &w));
	vu_fe_close(&fe);	/* QEMU quits: EOF */
	for (i = 0; i < 250 && vm0_field(&d, "vhost_connected") != 0; i++)
		poll(NULL, 0, 20);
	EXPECT_EQ(0, vm0_field(&d, "vhost_connected"));
	EXPECT_EQ(0, vm0_field(&d, "guest_connected"));
	EXPECT_TRUE(log_contains(&d, "vhost-user disconnected"));

	/* a new QEMU on the same socket starts from GET_FEATURES */
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1001, &w));
	EXPECT_EQ(1, vm0_field(&d, "guest_connected"));
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(device_reset_drops_connections_and_starts_fresh)
{
	uint8_t junk[8] = { 0 };
	struct vtierd_child d;
	struct fe_conn c, c2;
	uint32_t base[2];
	struct vtier_msg w;
	struct vu_fe fe;

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1000, &w));
	ASSERT_EQ(0, vu_fe_reset(&fe, base));
	/* GET_VRING_BASE returns where vtierd stopped in each ring */
	EXPECT_EQ(fe.avail_idx[FE_TX], base[FE_TX]);
	EXPECT_EQ(2, base[FE_RX]);	/* RESPONSE and WELCOME */
	EXPECT_EQ(0, vm0_field(&d, "guest_connected"));
	EXPECT_TRUE(log_contains(&d, "device reset"));

	ASSERT_EQ(0, vu_fe_driver_ok(&fe));
	/* the old connection is gone: data on it is answered with RST */
	c.close_op = 0;
	ASSERT_EQ(0, fe_conn_send(&fe, &c, junk, sizeof(junk)));
	EXPECT_EQ(VSOCK_OP_RST, fe_conn_wait_close(&fe, &c, WAIT_MS));
	ASSERT_EQ(0, vtier_hello(&fe, &c2, 1001, &w));
	vu_fe_close(&fe);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 1))
		return -1;
	return fd;
}

static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/*
 * QEMU with server=on: vtierd connects.  When the connection drops (as if
 * vtierd restarted) vtierd connects again and QEMU sends no realize
 * sequence, only the guest's next reset and DRIVER_OK.
 */
TEST(connect_mode_and_reconnect_without_realize)
{
	char dir[] = "/tmp/vtierd-qemu-XXXXXX", path[100];
	struct vtierd_child d;
	struct vtier_msg w;
	struct fe_conn c;
	struct vu_fe fe;
	uint32_t base[2];
	int lfd, fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qemu.sock", dir);
	lfd = listen_at(path);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, vtierd_start_sock(&d, path, ",connect"));
	fd = accept_within(lfd, WAIT_MS);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vu_fe_adopt(&fe, fd));
	ASSERT_EQ(0, vu_fe_realize(&fe));
	ASSERT_EQ(0, vu_fe_driver_ok(&fe));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1000, &w));

	/* connection lost: vtierd retries; QEMU replays nothing ... */
	close(fe.sock);
	fd = accept_within(lfd, WAIT_MS);
	ASSERT_LE(0, fd);
	fe.sock = fd;
	/* ... until the guest resets: GET_VRING_BASE for unseen rings is 0 */
	ASSERT_EQ(0, vu_fe_reset(&fe, base));
	EXPECT_EQ(0, base[0]);
	EXPECT_EQ(0, base[1]);
	ASSERT_EQ(0, vu_fe_driver_ok(&fe));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1001, &w));

	vu_fe_close(&fe);
	close(lfd);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
	unlink(path);
	rmdir(dir);
}

TEST(sigterm_says_bye_and_exits_cleanly)
{
	struct vtierd_child d;
	struct vtier_msg w, bye;
	struct fe_conn c;
	struct vu_fe fe;

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	ASSERT_EQ(0, fe_up(&fe, d.sock[0]));
	ASSERT_EQ(0, vtier_hello(&fe, &c, 1000, &w));
	EXPECT_EQ(0, vtierd_stop(&d));
	/* what vtierd left in the rx ring: BYE(shutdown), then SHUTDOWN */
	ASSERT_EQ(0, recv_msg(&fe, &c, &bye));
	EXPECT_EQ(VTIER_MSG_BYE, bye.type);
	EXPECT_EQ(VTIER_BYE_SHUTDOWN, bye.bye.reason);
	EXPECT_EQ(VSOCK_OP_SHUTDOWN, fe_conn_wait_close(&fe, &c, WAIT_MS));
	EXPECT_TRUE(log_contains(&d, "exited cleanly"));
	vu_fe_close(&fe);
	vtierd_cleanup(&d);
}

TEST(vtierctl_reports_errors_clearly)
{
	static char out[8192];
	struct vtierd_child d;

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	EXPECT_EQ(1, vtierctl_run(&d, "pages nosuch", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "vtierctl: unknown VM 'nosuch'"));
	EXPECT_EQ(0, vtierctl_run(&d, "status", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "vm0"));
	EXPECT_EQ(0, vtierctl_run(&d, "pages vm0", out, sizeof(out)));
	EXPECT_EQ(0, vtierd_stop(&d));
	EXPECT_EQ(1, vtierctl_run(&d, "status", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "No such file or directory (is vtierd running?)"));
	vtierd_cleanup(&d);
}

TEST_HARNESS_MAIN
