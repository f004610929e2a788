/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's API for guest-driver/vtier_ring.c and
 * vtier_record.c to build unchanged in userspace.  CPUs are simulated:
 * ksim_cpu is "the CPU we run on" and ksim_nr_cpus the possible ones.
 * Acquire/release map to the C11 atomics they are defined as.
 */
#ifndef KSIM_H
#define KSIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define BIT(n)			(1UL << (n))
#define ____cacheline_aligned	__attribute__((aligned(64)))
#define GFP_KERNEL		0
#define NUMA_NO_NODE		(-1)

extern unsigned int ksim_cpu, ksim_nr_cpus;

#define nr_cpu_ids		ksim_nr_cpus
#define smp_processor_id()	ksim_cpu
#define for_each_possible_cpu(c) for ((c) = 0; (c) < ksim_nr_cpus; (c)++)
#define cpu_to_node(c)		((void)(c), 0)
#define node_online(n)		((void)(n), true)

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline void *kcalloc(size_t n, size_t size, int gfp)
{
	(void)gfp;
	return calloc(n, size);
}

static inline void *kvzalloc_node(size_t size, int gfp, int node)
{
	void *p = NULL;

	(void)gfp;
	(void)node;
	if (posix_memalign(&p, 64, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif /* KSIM_H */
