// SPDX-License-Identifier: GPL-2.0
/*
 * Sampler selection.
 *
 * sampler=auto tries pebs, then ibs, then abit, and runs the first whose
 * probe and start succeed; every one passed over keeps its reason in words
 * for the `refused` file.  sampler=NAME runs only NAME and fails the load
 * with its reason.  sampler=replay runs no source: only the replay debugfs
 * file (always present) feeds the policy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "vtier_abit_defs.h"
#include "vtier_sampler.h"

static char *sampler = "auto";
module_param(sampler, charp, 0444);
MODULE_PARM_DESC(sampler,
		 "access sampler: auto (pebs, else ibs, else abit), pebs, ibs, abit or replay");

static unsigned int cpu_budget_permille = VTIER_DEFAULT_CPU_BUDGET_PERMILLE;
module_param(cpu_budget_permille, uint, 0444);
MODULE_PARM_DESC(cpu_budget_permille,
		 "CPU time a sampler may use, per mille of one CPU (1..500; default 10 = 1%)");

/* Probe order of sampler=auto: precise hardware first. */
static const struct vtier_sampler_ops *const samplers[] = {
	&vtier_pebs_ops,
	&vtier_ibs_ops,
	&vtier_abit_ops,
};

static struct vtier_sampler_stats stats;
static struct vtier_sampler_env env;
static const struct vtier_sampler_ops *active;
static char refused[ARRAY_SIZE(samplers)][VTIER_WHY_LEN];

/* Probe and start one sampler; on failure its reason is in refused[i]. */
static int try_sampler(struct vtier_ctx *ctx, unsigned int i)
{
	const struct vtier_sampler_ops *ops = samplers[i];
	char *why = refused[i];
	int err;

	why[0] = '\0';
	err = ops->probe(why, VTIER_WHY_LEN);
	if (!err) {
		memset(&stats, 0, sizeof(stats));
		err = ops->start(&env, why, VTIER_WHY_LEN);
	}
	if (!err) {
		WRITE_ONCE(active, ops);
		ctx->sampler = ops->id;
		return 0;
	}
	if (!why[0])
		snprintf(why, VTIER_WHY_LEN, "failed (error %d)", err);
	return err;
}

int vtier_sampler_start(struct vtier_ctx *ctx)
{
	unsigned int i;
	int err = -EINVAL;

	if (cpu_budget_permille < 1 || cpu_budget_permille > 500) {
		pr_err("parameter cpu_budget_permille=%u out of range 1..500\n",
		       cpu_budget_permille);
		return -EINVAL;
	}
	env = (struct vtier_sampler_env){
		.core = ctx,
		.stats = &stats,
		.cpu_budget_permille = cpu_budget_permille,
	};
	ctx->sampler = VTIER_SAMPLER_REPLAY;
	if (!strcmp(sampler, "replay"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(samplers); i++) {
		bool forced = !strcmp(sampler, samplers[i]->name);

		if (!forced && strcmp(sampler, "auto"))
			continue;
		err = try_sampler(ctx, i);
		if (!err)
			return 0;
		if (forced) {
			pr_err("sampler=%s cannot run: %s\n", sampler,
			       refused[i]);
			return err;
		}
		pr_info("sampler %s refused: %s\n", samplers[i]->name,
			refused[i]);
	}
	if (strcmp(sampler, "auto")) {
		pr_err("sampler=%s is unknown (auto, pebs, ibs, abit or replay)\n",
		       sampler);
		return -EINVAL;
	}
	/* Nothing can sample here: the replay file still works. */
	pr_warn("no sampler can run; only trace replay feeds the policy\n");
	return 0;
}

void vtier_sampler_stop(void)
{
	if (active)
		active->stop();
	WRITE_ONCE(active, NULL);
}

const char *vtier_sampler_active(void)
{
	const struct vtier_sampler_ops *ops = READ_ONCE(active);

	return ops ? ops->name : "replay";
}

bool vtier_sampler_refused(unsigned int i, const char **name,
			   const char **why)
{
	if (i >= ARRAY_SIZE(samplers))
		return false;
	*name = samplers[i]->name;
	*why = refused[i][0] && samplers[i] != READ_ONCE(active) ?
	       refused[i] : NULL;
	return true;
}

const struct vtier_sampler_stats *vtier_sampler_figures(void)
{
	return &stats;
}

unsigned int vtier_sampler_budget_permille(void)
{
	return cpu_budget_permille;
}
