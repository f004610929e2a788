/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user backend for vhost-user-vsock-pci (QEMU 7.2): the control
 * messages on the VM's socket.  Replies carry flags exactly 0x5.
 */
#ifndef VTIERD_VHOST_USER_H
#define VTIERD_VHOST_USER_H

struct vm;

/* Adopt a freshly connected socket (accepted or connected). */
void vu_attach(struct vm *vm, int fd);

/* Drop the connection: flows, rings, mappings; then wait for the next. */
void vu_detach(struct vm *vm);

#endif
