/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only difference between the kernel and the userspace builds of the
 * protocol code: where the fixed-width types, byte-order helpers and errno
 * values come from.
 */
#ifndef VTIER_PROTO_COMPAT_H
#define VTIER_PROTO_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/bits.h>
#include <asm/byteorder.h>
#else
#include <errno.h>
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <assert.h>
#include <linux/types.h>	/* __le16/__le32/__le64/__u8, as the kernel */

/* The compiler's own names for uint8_t..uint64_t, so PRIu64 etc. fit. */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;

#ifndef BIT
#define BIT(n) (1UL << (n))
#endif

#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le16_to_cpu(x) le16toh((uint16_t)(x))
#define le32_to_cpu(x) le32toh((uint32_t)(x))
#define le64_to_cpu(x) le64toh((uint64_t)(x))

#endif

#define vtier_static_assert(e) static_assert(e, #e)

#endif /* VTIER_PROTO_COMPAT_H */
