// SPDX-License-Identifier: GPL-2.0
/* Logging helpers: one line per event on stderr, naming the VM. */
#include "vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool g_observe_only = true;
int g_verbose;

static void vm_vlog(const struct vm *vm, const char *fmt, va_list ap,
		    char *keep, size_t keep_len)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (keep) {	/* truncation of a long message is fine here */
		size_t n = strnlen(msg, keep_len - 1);

		memcpy(keep, msg, n);
		keep[n] = 0;
	}
	/* One write per line so lines of several VMs never interleave. */
	fprintf(stderr, "vtierd: %s: %s\n", vm->name, msg);
}

void vm_log(const struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_vlog(vm, fmt, ap, NULL, 0);
	va_end(ap);
}

void vm_error(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_vlog(vm, fmt, ap, vm->last_error, sizeof(vm->last_error));
	va_end(ap);
}

void vm_break(struct vm *vm, const char *ring, const char *why)
{
	if (vm->broken)
		return;
	vm->broken = true;
	vsock_reset(vm);
	vm_error(vm, "device broken: %s ring: %s; stopped until the guest resets the device",
		 ring, why);
}
