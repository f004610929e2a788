/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control socket for vtierctl: a client sends one JSON request line,
 * {"cmd":"status"} or {"cmd":"pages","vm":"NAME"}, and gets one JSON
 * reply line, or {"error":"..."}; then the connection is closed.
 */
#ifndef VTIERD_CONTROL_H
#define VTIERD_CONTROL_H

struct vm;

#define CONTROL_DEFAULT_PATH "/run/vtier/vtierd.sock"

/* Create the directory if needed, bind and listen; 0 or -1 (logged). */
int control_open(const char *path, struct vm **vms, int nvms);
void control_close(void);

#endif
