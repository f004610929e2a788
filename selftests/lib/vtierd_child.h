/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run vtierd as a child process for a test: temporary directory for its
 * sockets and log, helpers to run the real vtierctl and read the log.
 */
#ifndef VTIERD_CHILD_H
#define VTIERD_CHILD_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#define VTIERD_MAX_VMS 4
#define VTIERD_MAX_ARGS 16

struct vtierd_child {
	pid_t pid;
	char dir[64];
	char control[100];
	char log[100];
	char sock[VTIERD_MAX_VMS][100];
};

/*
 * Start vtierd with VMs vm0..vm<n-1> on <dir>/vm<i>.sock; extra[i] is
 * appended to each --vm spec (e.g. ",cid=5" or ",connect"; NULL for none).
 * Returns 0 once the control socket answers.
 */
int vtierd_start(struct vtierd_child *d, int n, const char *const *extra);
/* The same with more options (NULL-terminated, up to VTIERD_MAX_ARGS). */
int vtierd_start_args(struct vtierd_child *d, int n, const char *const *extra,
		      const char *const *args);
/* One VM, vm0, on an existing socket path (for connect mode). */
int vtierd_start_sock(struct vtierd_child *d, const char *sock,
		      const char *extra);
/*
 * Run vtierd with args (NULL-terminated, up to VTIERD_MAX_ARGS) that must
 * make it stop before serving; its exit status, -1 if it did not exit.
 */
int vtierd_exit_status(const char *const *args);
/* SIGTERM; returns vtierd's exit status (0 clean), -1 on a signal. */
int vtierd_stop(struct vtierd_child *d);
bool vtierd_alive(struct vtierd_child *d);
void vtierd_cleanup(struct vtierd_child *d);

/* Run `vtierctl --control ... ARGS --json`; parsed reply or NULL. */
json_t *vtierctl_json(struct vtierd_child *d, const char *args);
/* Run vtierctl with ARGS; exit status, stderr+stdout into out. */
int vtierctl_run(struct vtierd_child *d, const char *args, char *out,
		 size_t cap);
/* Status object of one VM (borrowed from *root, which the caller frees). */
json_t *vm_status(struct vtierd_child *d, const char *vm, json_t **root);

bool log_contains(struct vtierd_child *d, const char *needle);

#endif
