/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in: the system's linux/types.h, plus bool */
#ifndef SHIM_LINUX_TYPES_H
#define SHIM_LINUX_TYPES_H
#include_next <linux/types.h>
#include <stdbool.h>
#endif
