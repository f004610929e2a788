/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: see ksim.h. */
#include "../ksim.h"
