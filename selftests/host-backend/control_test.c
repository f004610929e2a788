// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket as a local user meets it: created 0600 (0660 with
 * --control-group) whatever the umask, other users refused by their peer
 * credentials even when the file mode would let them in, and idle
 * clients never lock vtierctl out.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_common.h"

#define NOBODY 65534
#define IDLE_MS 5000	/* CONTROL_IDLE_MS */
#define CLIENTS 16	/* CONTROL_MAX_CLIENTS */

static int control_connect(struct vtierd_child *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->control);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send a status request; bytes of the reply until EOF (or -1). */
static ssize_t status_reply_len(int fd)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	char buf[4096];
	ssize_t n, total = 0;

	/* MSG_NOSIGNAL: a refused client must see EPIPE, not die of SIGPIPE. */
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req) - 1)
		return 0;	/* already closed on us: no reply */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return n < 0 && total == 0 ? 0 : total;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

TEST(socket_is_0600_whatever_the_umask)
{
	struct vtierd_child d;
	mode_t old = umask(0);
	struct stat st;
	int r = vtierd_start(&d, 1, NULL);

	umask(old);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, stat(d.control, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(control_group_gets_0660_and_the_group)
{
	static const char *const args[] = { "--control-group", "4242", NULL };
	struct vtierd_child d;
	mode_t old = umask(0);
	struct stat st;
	int r = vtierd_start_args(&d, 1, NULL, args);

	umask(old);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, stat(d.control, &st));
	EXPECT_EQ(0660, st.st_mode & 0777);
	EXPECT_EQ(4242, (int)st.st_gid);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

/*
 * Even with the socket file made world-writable by mistake, a client of
 * another user gets nothing; root (vtierd's user here) still gets answers.
 */
TEST(other_user_is_refused_by_peer_credentials)
{
	struct vtierd_child d;
	int st, fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to connect as another user");
	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	ASSERT_EQ(0, chmod(d.dir, 0755));
	ASSERT_EQ(0, chmod(d.control, 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		fd = control_connect(&d);
		if (fd < 0)
			_exit(3);	/* the file mode stopped it: not tested */
		_exit(status_reply_len(fd) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(log_contains(&d, "control: refused a client of uid 65534"));
	fd = control_connect(&d);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, status_reply_len(fd));
	close(fd);
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST(idle_clients_do_not_lock_vtierctl_out)
{
	int fd[CLIENTS + 4], i, r;
	struct vtierd_child d;
	static char out[1 << 16];
	struct pollfd p;
	long t0, waited;

	ASSERT_EQ(0, vtierd_start(&d, 1, NULL));
	for (i = 0; i < CLIENTS + 4; i++) {
		fd[i] = control_connect(&d);
		ASSERT_LE(0, fd[i]);
	}
	poll(NULL, 0, 100);	/* all accepted */
	r = vtierctl_run(&d, "status --json", out, sizeof(out));
	EXPECT_EQ(0, r);
	EXPECT_NE(NULL, strstr(out, "\"vms\""));

	/* The oldest idle ones made room; the rest time out on their own. */
	t0 = now_ms();
	p.fd = fd[CLIENTS + 3];
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, IDLE_MS + 3000));
	waited = now_ms() - t0;
	EXPECT_EQ(0, read(fd[CLIENTS + 3], out, sizeof(out)));	/* EOF */
	EXPECT_LE(IDLE_MS - 1000, waited + 100);
	for (i = 0; i < CLIENTS + 4; i++)
		close(fd[i]);
	EXPECT_EQ(0, vtierctl_run(&d, "status", out, sizeof(out)));
	EXPECT_EQ(0, vtierd_stop(&d));
	vtierd_cleanup(&d);
}

TEST_HARNESS_MAIN
