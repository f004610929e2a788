/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in: atomic64_t as C11 atomics */
#ifndef SHIM_LINUX_ATOMIC_H
#define SHIM_LINUX_ATOMIC_H
#include <stdint.h>
typedef struct { int64_t counter; } atomic64_t;
#define atomic64_inc(v)		__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic64_read(v)	__atomic_load_n(&(v)->counter, __ATOMIC_SEQ_CST)
#endif
