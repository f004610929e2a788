// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-numa-driver, limits step: a second vtierd with a 2 MB/s bandwidth
 * limit and a queue of 2 hints, driven by a fresh frontend: a 2 MiB
 * promotion waits for its budget and then lands on the fast node; what
 * does not fit in the queue is dropped and counted.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "numa_driver.h"

/* A second vtierd with --vm-mbps 2 --queue-len 2, on a fresh frontend. */
static int start_limited(struct vtierd_child *l)
{
	char exe[PATH_MAX], spec[200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);
	json_t *root;
	int i, fd;

	memset(l, 0, sizeof(*l));
	strcpy(l->dir, "/tmp/vtierd-limits-XXXXXX");
	if (n <= 0 || !mkdtemp(l->dir))
		return -1;
	exe[n] = 0;
	strcpy(strrchr(exe, '/') + 1, "vtierd");
	snprintf(l->control, sizeof(l->control), "%s/ctl.sock", l->dir);
	snprintf(l->log, sizeof(l->log), "%s/vtierd.log", l->dir);
	snprintf(l->sock[0], sizeof(l->sock[0]), "%s/vm0.sock", l->dir);
	snprintf(spec, sizeof(spec), "name=vm0,socket=%s,quota=8M", l->sock[0]);
	l->pid = fork();
	if (l->pid == 0) {
		fd = open(l->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execl(exe, exe, "--vm", spec, "--control", l->control,
		      "--vm-mbps", "2", "--queue-len", "2", "--initial", "slow",
		      "--demote", "eager", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1000 && vtierd_alive(l); i++) {
		if (vm_status(l, "vm0", &root)) {
			json_decref(root);
			return 0;
		}
		json_decref(root);
		usleep(10000);
	}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void step_limits(void)
{
	struct vtier_hint_host h[2 + 128];
	json_t *root = NULL, *vm = NULL;
	struct vtierd_child l;
	struct vtier_msg a;
	unsigned int n, g, i;
	double t_ack;
	int ok;

	if (start_limited(&l) || fe_up(&fe, l.sock[0]) ||
	    vtier_hello(&fe, &conn, 50002, &a)) {
		numa_mark(0, "limits_setup", "second vtierd or frontend failed");
		vtierd_cleanup(&l);
		return;
	}
	for (g = DATA_FIRST; g < DATA_END; g++)
		numa_fill(fe.mem, g);
	/* 2 MB/s, burst 2 MiB: A goes now, B waits ~1 s, 1 small waits, 127 dropped. */
	h[0] = H(HUGE_A, 9, VTIER_HINT_PROMOTE);
	h[1] = H(HUGE_B, 9, VTIER_HINT_PROMOTE);
	n = 2 + range(h + 2, SMALL, 128, VTIER_HINT_PROMOTE);
	ok = !hints(h, n, &a);
	t_ack = now_s();
	numa_mark(ok && ack_is(&a, 1, 0, 129), "limits_ack", ACKFMT, ACKARGS(a));
	where(0, fe.mem, st);
	if (now_s() - t_ack < 0.5)	/* B cannot have had its budget yet */
		numa_mark(count(st, HUGE_B, HUGE_B + 512, SLOW) == 512, "limits_wait",
		     "%u of 512 pages of the queued 2 MiB still slow",
		     count(st, HUGE_B, HUGE_B + 512, SLOW));
	else
		numa_mark(1, "limits_wait", "not checked: the query came %.2f s late",
		     now_s() - t_ack);
	for (i = 0; i < 3000; i++) {	/* the queue drains as budget comes */
		json_decref(root);
		vm = vm_status(&l, "vm0", &root);
		if (vm && jint(vm, "queue_depth") == 0)
			break;
		usleep(10000);
	}
	check_place("limits_queue_drained", "queued 2 MiB", HUGE_B, 512, FAST,
		    1024 + 1);
	numa_mark(vm && jint(vm, "queue_depth") == 0 && jint(vm, "queued_hints") == 2 &&
	     jint(vm, "dropped_hints") == 127 && jint(vm, "fast_pages") == 1025,
	     "limits_numbers", "queued %lld dropped %lld depth %lld fast %lld",
	     vm ? jint(vm, "queued_hints") : -1, vm ? jint(vm, "dropped_hints") : -1,
	     vm ? jint(vm, "queue_depth") : -1, vm ? jint(vm, "fast_pages") : -1);
	json_decref(root);
	numa_mark(numa_bad_pages(fe.mem, DATA_FIRST, DATA_END) == 0, "limits_checksums", "%u data pages differ",
	     numa_bad_pages(fe.mem, DATA_FIRST, DATA_END));
	vu_fe_close(&fe);
	numa_mark(vtierd_stop(&l) == 0, "limits_vtierd_exits", "clean exit");
	vtierd_cleanup(&l);
}

