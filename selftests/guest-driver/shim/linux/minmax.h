/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in: min, min_t */
#ifndef SHIM_LINUX_MINMAX_H
#define SHIM_LINUX_MINMAX_H
#define min(a, b)		((a) < (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#endif
