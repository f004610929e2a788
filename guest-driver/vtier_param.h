/* SPDX-License-Identifier: GPL-2.0 */
/* Range checks of module parameters, for the file that owns each one. */
#ifndef VTIER_PARAM_H
#define VTIER_PARAM_H

#include <linux/log2.h>
#include <linux/printk.h>
#include <linux/types.h>

static inline bool vtier_param_in_range(const char *name, unsigned int v,
					unsigned int lo, unsigned int hi)
{
	if (v >= lo && v <= hi)
		return true;
	pr_err("parameter %s=%u out of range %u..%u\n", name, v, lo, hi);
	return false;
}

static inline bool vtier_param_pow2(const char *name, unsigned int v,
				    unsigned int lo, unsigned int hi)
{
	if (!vtier_param_in_range(name, v, lo, hi))
		return false;
	if (is_power_of_2(v))
		return true;
	pr_err("parameter %s=%u is not a power of two\n", name, v);
	return false;
}

#endif /* VTIER_PARAM_H */
