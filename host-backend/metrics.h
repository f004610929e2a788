/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4, which
 * OpenMetrics parsers read too): per VM its quota, fast memory, hints
 * received, applied, rejected and deferred, migrations and bytes moved,
 * the sampler, the vsock forwarder; for the host the fast-memory pool,
 * what is free of it and of the fast node.  Served by the control socket
 * (vtierctl metrics) and by the optional HTTP listener (--metrics).
 */
#ifndef VTIERD_METRICS_H
#define VTIERD_METRICS_H

#include <stddef.h>

struct balance;
struct tier;
struct vm;

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The whole exposition, malloc'd (*len bytes, NUL-terminated); NULL if out of memory. */
char *metrics_text(struct vm *const *vms, int nvms, const struct tier *t,
		   const struct balance *bal, size_t *len);

/*
 * The HTTP/1.0 answer to a request head (up to its blank line): the
 * exposition for GET /metrics (or /), 404 or 405 otherwise; malloc'd, NULL
 * if out of memory.
 */
char *metrics_http_response(const char *head, struct vm *const *vms, int nvms,
			    const struct tier *t, const struct balance *bal,
			    size_t *len);

#endif
