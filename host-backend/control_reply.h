/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket's replies: one JSON request line in
 * ({"cmd":"status"}, {"cmd":"pages","vm":"NAME"}, {"cmd":"quota",...},
 * {"cmd":"metrics"}), one JSON reply out (docs/vtierd.md).
 */
#ifndef VTIERD_CONTROL_REPLY_H
#define VTIERD_CONTROL_REPLY_H

#include <jansson.h>

struct balance;
struct tier;
struct vm;

/**
 * struct control_view - what the replies read (and quota sets).
 * @vms: all VMs.
 * @nvms: entries in @vms.
 * @bal: the quota layer.
 * @tier: the tier of all VMs.
 */
struct control_view {
	struct vm **vms;
	int nvms;
	struct balance *bal;
	const struct tier *tier;
};

/* The reply to one request line (NUL-terminated, no newline). */
json_t *control_reply(const struct control_view *v, const char *line);
/* {"error": fmt with arg}. */
json_t *control_error(const char *fmt, const char *arg);

#endif
