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
#include <asm/byteorder.h>

#define vtier_static_assert(e) static_assert(e, #e)
#else
#include <errno.h>
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>	/* __le16/__le32/__le64/__u8, as the kernel */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le16_to_cpu(x) le16toh((uint16_t)(x))
#define le32_to_cpu(x) le32toh((uint32_t)(x))
#define le64_to_cpu(x) le64toh((uint64_t)(x))

#define vtier_static_assert(e) _Static_assert(e, #e)
#endif

#endif /* VTIER_PROTO_COMPAT_H */
