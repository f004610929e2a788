// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's replies (control_reply.h): vtierctl status, pages,
 * quota and metrics as JSON (libjansson), read from the VMs, the tier and
 * the quota layer.
 */
#include "control_reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "metrics.h"
#include "tier.h"
#include "vm.h"

/*
 * Placement figures (all zero while observe-only but fast_pages and the
 * deferred promotions, which logical residency keeps too).
 */
static void add_placement(json_t *o, const struct tier *t,
			  const struct vm *vm)
{
	const struct placement *pl = &vm->tier.place;
	const struct place_stats *p = &pl->st;
	uint32_t p50, p99;
	const struct deferred *d = t->ops->deferred(&vm->tier);

	placement_latency(pl, &p50, &p99);
	json_object_update_new(o, json_pack(
		"{s:I, s:I, s:I}",
		"deferred_pending", (json_int_t)d->len,
		"deferred_retried", (json_int_t)d->retried,
		"deferred_dropped", (json_int_t)d->dropped));
	/* First touch (--initial first-touch); node -1 when off. */
	json_object_update_new(o, json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"first_touch_node", pl->ft.on ? pl->ft.node : -1,
		"first_touch_pages", (json_int_t)pl->ft.st.fast,
		"first_touch_slow_pages", (json_int_t)pl->ft.st.slow,
		"first_touch_excess_pages", (json_int_t)pl->ft.st.excess,
		"first_touch_evicted", (json_int_t)pl->ft.st.evicted,
		"first_touch_switches", (json_int_t)pl->ft.st.switches,
		"first_touch_passes", (json_int_t)pl->ft.st.passes,
		"first_touch_pass_us", (json_int_t)pl->ft.st.last_pass_us));
	json_object_update_new(o, json_pack(
		"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
		"fast_node", t->fast_node,
		"slow_node", t->slow_node,
		"fast_pages", (json_int_t)t->ops->fast_pages(&vm->tier),
		"promoted_pages", (json_int_t)p->promoted,
		"demoted_pages", (json_int_t)p->demoted,
		"already_pages", (json_int_t)p->already,
		"absent_pages", (json_int_t)p->absent,
		"busy_pages", (json_int_t)p->busy,
		"failed_pages", (json_int_t)p->failed,
		"deferred_hints", (json_int_t)p->deferred,
		"queued_hints", (json_int_t)p->queued,
		"dropped_hints", (json_int_t)p->dropped,
		"queue_depth", (json_int_t)pl->q_len,
		"moved_bytes", (json_int_t)p->moved_bytes,
		"move_bytes_per_s", (json_int_t)pl->bytes_per_s,
		"latency_p50_us", (json_int_t)p50,
		"latency_p99_us", (json_int_t)p99,
		"last_move_errno", p->last_errno));
}

/* The balancer's view of the VM (docs/balancer.md). */
static void add_balance(json_t *o, const struct vm *vm)
{
	const struct vm_balance *vb = &vm->bal;
	json_t *arr = json_array();
	unsigned int i, n = vb->nchanges < VM_QUOTA_CHANGES ?
			    vb->nchanges : VM_QUOTA_CHANGES;

	for (i = vb->nchanges - n; i < vb->nchanges; i++) {
		const struct quota_change *c =
			&vb->changes[i % VM_QUOTA_CHANGES];

		json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s}",
			"t_ms", (json_int_t)c->t_ms, "from", (json_int_t)c->from,
			"to", (json_int_t)c->to, "reason", c->reason));
	}
	json_object_update_new(o, json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:o}",
		"min_pages", (json_int_t)vb->min_pages,
		"max_pages", (json_int_t)vb->max_pages,
		"weight", (json_int_t)vb->weight,
		"demand_pages", (json_int_t)vb->demand_pages,
		"host_demoted_pages", (json_int_t)vb->host_demoted_pages,
		"quota_changes", arr));
}

/* The vsock device's work budget and the forwarder (docs/vtierd.md). */
static void add_vsock(json_t *o, const struct vm *vm)
{
	const struct fwd_stats *f = &vm->fwd.st;

	json_object_update_new(o, json_pack(
		"{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"vsock_tx_yields", (json_int_t)vm->vs.tx_yields,
		"vsock_forwarding", vm->uds_path[0] != 0,
		"vsock_fwd_conns", (json_int_t)vsock_fwd_conns(&vm->fwd),
		"vsock_fwd_buffered_bytes",
		(json_int_t)vsock_fwd_buffered(&vm->fwd),
		"vsock_fwd_guest_conns", (json_int_t)f->guest_conns,
		"vsock_fwd_host_conns", (json_int_t)f->host_conns,
		"vsock_fwd_refused", (json_int_t)f->refused,
		"vsock_fwd_bytes_to_host", (json_int_t)f->bytes_to_host,
		"vsock_fwd_bytes_to_guest", (json_int_t)f->bytes_to_guest));
}

static json_t *vm_status(const struct control_view *v, const struct vm *vm)
{
	const struct session_stats *s = &vm->sv.st;
	json_t *o;

	o = json_pack("{s:s, s:b, s:b, s:I, s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:s}",
			 "name", vm->name,
			 "vhost_connected", vm->vs.vu.conn_fd >= 0,
			 "guest_connected", vm_guest_connected(vm),
			 "cid", (json_int_t)vm->vs.cid,
			 "sampler", vtier_sampler_name(vm->sv.sampler),
			 "quota_pages", (json_int_t)vm->tier.quota_pages,
			 "observe_only", v->tier->ops->observe_only,
			 "hints_received", (json_int_t)s->hints_received,
			 "hints_translated", (json_int_t)s->hints_translated,
			 "hints_rejected", (json_int_t)s->hints_rejected,
			 "frames_rejected", (json_int_t)s->frames_rejected,
			 "batches", (json_int_t)s->batches,
			 "reports", (json_int_t)s->reports,
			 "would_move_pages", (json_int_t)s->would_move_pages,
			 "device_broken", vm->vs.vu.broken,
			 "untracked_pages", (json_int_t)vm->pages.untracked,
			 "last_error", vm->log.last_error);
	if (o) {
		add_placement(o, v->tier, vm);
		add_balance(o, vm);
		add_vsock(o, vm);
	}
	return o;
}

static json_t *status_reply(const struct control_view *v)
{
	json_t *arr = json_array();
	int i;

	struct balance_info bi;
	uint64_t allocated = 0;

	balance_get_info(v->bal, &bi);
	for (i = 0; i < v->nvms; i++) {
		json_array_append_new(arr, vm_status(v, v->vms[i]));
		allocated += v->vms[i]->tier.quota_pages;
	}
	return json_pack("{s:o, s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			 "vms", arr, "balancer",
			 "policy", bi.policy,
			 "period_ms", (json_int_t)bi.period_ms,
			 "fmem_total_pages", (json_int_t)bi.total_pages,
			 "allocated_pages", (json_int_t)allocated,
			 "step_pages", (json_int_t)bi.step_pages,
			 "deadband_pages", (json_int_t)bi.deadband_pages,
			 "deadline_ms", (json_int_t)bi.deadline_ms,
			 "periods", (json_int_t)bi.periods);
}

static int by_gpfn(const void *a, const void *b)
{
	const struct page_entry *x = *(const struct page_entry *const *)a;
	const struct page_entry *y = *(const struct page_entry *const *)b;

	return x->gpfn < y->gpfn ? -1 : x->gpfn > y->gpfn;
}

static const char *action_name(uint8_t a)
{
	return a == VTIER_HINT_PROMOTE ? "promote" :
	       a == VTIER_HINT_DEMOTE ? "demote" : "none";
}

static json_t *pages_reply(const struct control_view *v, const struct vm *vm)
{
	const struct page_table *pt = &vm->pages;
	struct page_entry **sorted = calloc(pt->count + 1, sizeof(*sorted));
	json_t *arr = json_array();
	size_t i, n = 0;

	for (i = 0; sorted && i < pt->cap; i++)
		if (pt->slot[i].used)
			sorted[n++] = &pt->slot[i];
	qsort(sorted, n, sizeof(*sorted), by_gpfn);
	for (i = 0; i < n; i++) {
		const struct page_entry *e = sorted[i];

		bool fast = v->tier->ops->is_fast(&vm->tier, e->gpfn);

		json_array_append_new(arr, json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:b}",
			"gpfn", (json_int_t)e->gpfn, "gpa", (json_int_t)e->gpa,
			"region", (json_int_t)e->region,
			"region_gpa", (json_int_t)e->region_gpa,
			"mmap_offset", (json_int_t)e->mmap_offset,
			"vmm_addr", (json_int_t)e->vmm_addr,
			"hints", (json_int_t)e->hints,
			"last_action", action_name(e->last_action),
			"fast", fast));
	}
	free(sorted);
	return json_pack("{s:s, s:i, s:I, s:o}", "vm", vm->name,
			 "vmm_pid", (int)vm->vs.vu.vmm_pid,
			 "untracked_pages", (json_int_t)pt->untracked,
			 "pages", arr);
}

json_t *control_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	return json_pack("{s:s}", "error", msg);
}

/* Optional non-negative integer field; 0 absent, 1 set, -EINVAL bad. */
static int opt_u64(json_t *req, const char *k, uint64_t *v)
{
	json_t *j = json_object_get(req, k);

	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -EINVAL;
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

static json_t *quota_request(const struct control_view *v, json_t *req,
			     struct vm *vm)
{
	uint64_t min = 0, max = 0, w = 0;
	uint32_t weight;
	int hmin = opt_u64(req, "min_pages", &min);
	int hmax = opt_u64(req, "max_pages", &max);
	int hw = opt_u64(req, "weight", &w);
	char err[200];

	if (hmin < 0 || hmax < 0 || hw < 0)
		return control_error("bad value in quota request%s", "");
	if (hw && w > BAL_MAX_WEIGHT)
		w = 0;		/* out of range: refused below */
	weight = (uint32_t)w;
	if (balance_set_limits(v->bal, vm, hmin ? &min : NULL, hmax ? &max : NULL,
			       hw ? &weight : NULL, err, sizeof(err)))
		return control_error("%s", err);
	return json_pack("{s:s, s:I, s:I, s:I}", "vm", vm->name,
			 "min_pages", (json_int_t)vm->bal.min_pages,
			 "max_pages", (json_int_t)vm->bal.max_pages,
			 "weight", (json_int_t)vm->bal.weight);
}

json_t *control_reply(const struct control_view *v, const char *line)
{
	const char *cmd = NULL, *name = NULL;
	json_error_t err;
	json_t *req = json_loads(line, 0, &err), *rep;
	int i;

	if (!req || json_unpack(req, "{s:s, s?s}", "cmd", &cmd, "vm", &name)) {
		json_decref(req);
		return control_error("malformed request%s", "");
	}
	if (!strcmp(cmd, "status")) {
		rep = status_reply(v);
	} else if (!strcmp(cmd, "metrics")) {
		size_t len;
		char *text = metrics_text(v->vms, v->nvms, v->tier,
					  v->bal, &len);

		rep = text ? json_pack("{s:s}", "metrics", text) :
			     control_error("out of memory%s", "");
		free(text);
	} else if (!strcmp(cmd, "pages") || !strcmp(cmd, "quota")) {
		rep = NULL;
		for (i = 0; name && i < v->nvms; i++)
			if (!strcmp(v->vms[i]->name, name))
				rep = cmd[0] == 'p' ?
				      pages_reply(v, v->vms[i]) :
				      quota_request(v, req, v->vms[i]);
		if (!rep)
			rep = control_error("unknown VM '%s'", name ? name : "");
	} else {
		rep = control_error("unknown command '%s'", cmd);
	}
	json_decref(req);
	return rep;
}
