/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in: kvcalloc/kvfree */
#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdlib.h>
#define GFP_KERNEL		0
#define kvcalloc(n, size, gfp)	((void)(gfp), calloc((n), (size)))
#define kvfree(p)		free(p)
#endif
