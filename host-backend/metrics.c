// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of vtierd's state (see metrics.h).  Each
 * family is written whole, HELP and TYPE first, one sample per VM; names
 * follow Prometheus's conventions (base units: bytes; counters end in
 * _total), so `promtool check metrics` accepts them.
 */
#include "metrics.h"

#include <numa.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "tier.h"
#include "vm.h"

#define PAGE 4096ull

/* One value of a VM; which selects it. */
typedef uint64_t (*vm_value_fn)(const struct vm *vm, const struct tier *t);

struct family {
	const char *name, *type, *help;
	vm_value_fn fn;
};

static uint64_t quota(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->tier.quota_pages * PAGE;
}

static uint64_t fast(const struct vm *vm, const struct tier *t)
{
	return t->ops->fast_pages(&vm->tier) * PAGE;
}

static uint64_t received(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->sv.st.hints_received;
}

static uint64_t applied(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->acks.applied;
}

static uint64_t rejected(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->acks.rejected + vm->sv.st.hints_rejected;
}

static uint64_t deferred(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->acks.deferred;
}

static uint64_t promoted(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->tier.place.st.promoted;
}

static uint64_t demoted(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->tier.place.st.demoted;
}

static uint64_t moved(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->tier.place.st.moved_bytes;
}

static uint64_t frames_rejected(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->sv.st.frames_rejected;
}

static uint64_t reports(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->sv.st.reports;
}

static uint64_t vhost(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->vs.vu.conn_fd >= 0;
}

static uint64_t guest(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm_guest_connected(vm);
}

static uint64_t broken(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->vs.vu.broken;
}

static uint64_t yields(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->vs.tx_yields;
}

static uint64_t fwd_conns(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vsock_fwd_conns(&vm->fwd);
}

static uint64_t fwd_buffered(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vsock_fwd_buffered(&vm->fwd);
}

static uint64_t fwd_to_host(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->fwd.st.bytes_to_host;
}

static uint64_t fwd_to_guest(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->fwd.st.bytes_to_guest;
}

static uint64_t fwd_refused(const struct vm *vm, const struct tier *t)
{
	(void)t;
	return vm->fwd.st.refused;
}

static const struct family vm_families[] = {
	{ "vtier_vm_quota_bytes", "gauge", "Fast-memory quota of the VM.", quota },
	{ "vtier_vm_fast_bytes", "gauge", "Memory of the VM on the fast tier (observe-only: its logical residency).", fast },
	{ "vtier_vm_hints_received_total", "counter", "Hints in accepted HINTS frames.", received },
	{ "vtier_vm_hints_applied_total", "counter", "Hints the ACKs said applied.", applied },
	{ "vtier_vm_hints_rejected_total", "counter", "Hints rejected (outside guest RAM, or refused by placement).", rejected },
	{ "vtier_vm_hints_deferred_total", "counter", "Hints deferred for lack of room under the quota or the pool.", deferred },
	{ "vtier_vm_promoted_pages_total", "counter", "4 KiB pages migrated to the fast node.", promoted },
	{ "vtier_vm_demoted_pages_total", "counter", "4 KiB pages migrated to the slow node.", demoted },
	{ "vtier_vm_moved_bytes_total", "counter", "Bytes migrated between nodes.", moved },
	{ "vtier_vm_frames_rejected_total", "counter", "vtier frames that failed validation.", frames_rejected },
	{ "vtier_vm_reports_total", "counter", "REPORT frames accepted.", reports },
	{ "vtier_vm_vhost_connected", "gauge", "1 while a VMM is connected.", vhost },
	{ "vtier_vm_guest_connected", "gauge", "1 while a guest vtier session is open.", guest },
	{ "vtier_vm_device_broken", "gauge", "1 while the vsock device is stopped after a bad ring.", broken },
	{ "vtier_vm_vsock_tx_yields_total", "counter", "Times the vsock tx path stopped at its work budget.", yields },
	{ "vtier_vm_vsock_fwd_connections", "gauge", "Forwarded vsock connections open.", fwd_conns },
	{ "vtier_vm_vsock_fwd_buffered_bytes", "gauge", "Bytes of forwarded connections held in vtierd.", fwd_buffered },
	{ "vtier_vm_vsock_fwd_to_host_bytes_total", "counter", "Guest bytes forwarded to host sockets.", fwd_to_host },
	{ "vtier_vm_vsock_fwd_to_guest_bytes_total", "counter", "Host socket bytes forwarded to the guest.", fwd_to_guest },
	{ "vtier_vm_vsock_fwd_refused_total", "counter", "Forwarded connections refused.", fwd_refused },
};

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* VM names are [A-Za-z0-9_.-]: nothing to escape in a label value. */
static void vm_metrics(FILE *f, struct vm *const *vms, int nvms,
		       const struct tier *t)
{
	size_t k;
	int i;

	header(f, "vtier_vm_info", "gauge",
	       "The VM's sampler (named in the guest's last HELLO) and guest CID; always 1.");
	for (i = 0; i < nvms; i++)
		fprintf(f, "vtier_vm_info{vm=\"%s\",sampler=\"%s\",cid=\"%llu\"} 1\n",
			vms[i]->name, vtier_sampler_name(vms[i]->sv.sampler),
			(unsigned long long)vms[i]->vs.cid);
	for (k = 0; k < sizeof(vm_families) / sizeof(vm_families[0]); k++) {
		const struct family *fa = &vm_families[k];

		header(f, fa->name, fa->type, fa->help);
		for (i = 0; i < nvms; i++)
			fprintf(f, "%s{vm=\"%s\"} %llu\n", fa->name, vms[i]->name,
				(unsigned long long)fa->fn(vms[i], t));
	}
}

static void host_metrics(FILE *f, struct vm *const *vms, int nvms,
			 const struct tier *t, const struct balance *bal)
{
	uint64_t used = 0, pool = t->bounded ? t->pool_pages * PAGE : 0;
	struct balance_info bi;
	long long free_b;
	int i;

	for (i = 0; i < nvms; i++)
		used += t->ops->fast_pages(&vms[i]->tier) * PAGE;
	header(f, "vtier_host_observe_only", "gauge",
	       "1 when vtierd moves no page (one memory node, or no CAP_SYS_NICE).");
	fprintf(f, "vtier_host_observe_only %d\n", t->ops->observe_only ? 1 : 0);
	header(f, "vtier_host_pool_bytes", "gauge",
	       "Fast memory vtierd hands out to all VMs (--fmem-total); 0 for no limit.");
	fprintf(f, "vtier_host_pool_bytes %llu\n", (unsigned long long)pool);
	header(f, "vtier_host_pool_free_bytes", "gauge",
	       "Of the pool, what no VM holds on the fast tier (0 without a pool).");
	fprintf(f, "vtier_host_pool_free_bytes %llu\n",
		(unsigned long long)(pool > used ? pool - used : 0));
	header(f, "vtier_host_fast_used_bytes", "gauge",
	       "Memory all VMs hold on the fast tier.");
	fprintf(f, "vtier_host_fast_used_bytes %llu\n", (unsigned long long)used);
	if (t->fast_node >= 0 && numa_node_size64(t->fast_node, &free_b) >= 0) {
		header(f, "vtier_host_fast_node_free_bytes", "gauge",
		       "Free memory of the fast NUMA node, as the kernel counts it.");
		fprintf(f, "vtier_host_fast_node_free_bytes{node=\"%d\"} %lld\n",
			t->fast_node, free_b);
	}
	balance_get_info(bal, &bi);
	header(f, "vtier_host_balancer_periods_total", "counter",
	       "Periods the balancer planned quotas in.");
	fprintf(f, "vtier_host_balancer_periods_total %llu\n",
		(unsigned long long)bi.periods);
	header(f, "vtier_host_vms", "gauge", "VMs vtierd serves (--vm).");
	fprintf(f, "vtier_host_vms %d\n", nvms);
}

char *metrics_text(struct vm *const *vms, int nvms, const struct tier *t,
		   const struct balance *bal, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	vm_metrics(f, vms, nvms, t);
	host_metrics(f, vms, nvms, t, bal);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *metrics_http_response(const char *head, struct vm *const *vms, int nvms,
			    const struct tier *t, const struct balance *bal,
			    size_t *len)
{
	const char *status = "200 OK", *path = head + 4;
	char *body = NULL, *out;
	size_t blen = 0, plen = strcspn(path, " ?\r\n");
	int n;

	if (strncmp(head, "GET ", 4))
		status = "405 Method Not Allowed";
	else if (!(plen == 1 && *path == '/') &&
		 !(plen == 8 && !strncmp(path, "/metrics", 8)))
		status = "404 Not Found";
	else if (!(body = metrics_text(vms, nvms, t, bal, &blen)))
		return NULL;
	n = asprintf(&out, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status, body ? METRICS_CONTENT_TYPE : "text/plain",
		     blen, body ? body : "");
	free(body);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}
