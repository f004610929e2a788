/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qemu_plugin_abi.h: our own declaration of the part of the QEMU TCG plugin
 * ABI that vtier-gt uses, at plugin API level VTIER_QEMU_PLUGIN_VERSION
 * (the Makefile builds one plugin per level: 1 for QEMU 7.2, 3 for QEMU
 * 10.0).  Debian's QEMU packages load plugins but ship no qemu-plugin.h, so
 * we declare it here.
 *
 * Where the facts come from:
 *  [H] upstream include/qemu/qemu-plugin.h at tag v7.2.0 (QEMU_PLUGIN_VERSION
 *      1): the prototypes, typedefs, struct qemu_info_t and the enum values;
 *  [H10] the same file at tag v10.0.0 (QEMU_PLUGIN_VERSION 4): its version
 *      history says level 2 removed qemu_plugin_n_vcpus, n_max_vcpus and the
 *      non-per-vCPU inline ops, level 3 changed qemu_plugin_insn_data to copy
 *      into a caller's buffer, level 4 added qemu_plugin_read_memory_vaddr;
 *      every other declaration below is unchanged there;
 *  [N] `nm -D` of /usr/bin/qemu-system-x86_64 (7.2.22) and of
 *      build/qemu-10.0/usr/bin/qemu-system-x86_64 (bookworm-backports'
 *      10.0): every function declared below is exported by both (10.0 also
 *      exports qemu_plugin_read_memory_vaddr but no level-5 function);
 *  [R] /work/shared/reference/tcg-plugin.md section 1 (levels checked by
 *      loading test plugins: QEMU 7.2 accepts version 0..1, rejects 2);
 *      QEMU 10.0 rejects level 1 ("supports only a minimum version of 2").
 * No level is accepted by both QEMUs.  Only what we call is declared; a
 * signature that is wrong here would be an ABI break, so each is copied in
 * shape from [H] and [H10].
 */
#ifndef VTIER_QEMU_PLUGIN_ABI_H
#define VTIER_QEMU_PLUGIN_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The plugin must export these two symbols with default visibility [H][R]. */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#ifndef VTIER_QEMU_PLUGIN_VERSION
#error "build with -DVTIER_QEMU_PLUGIN_VERSION=1 (QEMU 7.2) or 3 (QEMU 10.0)"
#endif
#if VTIER_QEMU_PLUGIN_VERSION != 1 && VTIER_QEMU_PLUGIN_VERSION != 3
#error "vtier-gt declares plugin API levels 1 and 3 only"
#endif

typedef uint64_t qemu_plugin_id_t;		/* [H] */
typedef uint32_t qemu_plugin_meminfo_t;		/* [H] */

/* [H]: valid only during qemu_plugin_install(). */
typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;		/* opaque [H] */
struct qemu_plugin_insn;	/* opaque [H] */
struct qemu_plugin_hwaddr;	/* opaque, valid only inside a mem cb [H] */

/* [H] enum values; checked against [R]. */
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS = 0,
	QEMU_PLUGIN_CB_R_REGS = 1,
	QEMU_PLUGIN_CB_RW_REGS = 2,
};

enum qemu_plugin_mem_rw {
	QEMU_PLUGIN_MEM_R = 1,
	QEMU_PLUGIN_MEM_W = 2,
	QEMU_PLUGIN_MEM_RW = 3,
};

/* Callback types [H]. */
typedef void (*qemu_plugin_simple_cb_t)(qemu_plugin_id_t id);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id,
					     unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index,
					  qemu_plugin_meminfo_t info,
					  uint64_t vaddr, void *userdata);

/* Entry point the plugin exports: 0 = installed [H][R]. */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv);

/* Functions QEMU exports [H][N]. */
void qemu_plugin_reset(qemu_plugin_id_t id, qemu_plugin_simple_cb_t cb);
void qemu_plugin_register_vcpu_resume_cb(qemu_plugin_id_t id,
					 qemu_plugin_vcpu_simple_cb_t cb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
				      qemu_plugin_vcpu_mem_cb_t cb,
				      enum qemu_plugin_cb_flags flags,
				      enum qemu_plugin_mem_rw rw,
				      void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
#if VTIER_QEMU_PLUGIN_VERSION >= 3
/* [H10] level 3: copies min(len, insn size) bytes, returns that count. */
size_t qemu_plugin_insn_data(const struct qemu_plugin_insn *insn, void *dest,
			     size_t len);
#else
/* [H] level 1: the bytes, valid during the translation callback. */
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
#endif
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
struct qemu_plugin_hwaddr *qemu_plugin_get_hwaddr(qemu_plugin_meminfo_t info,
						  uint64_t vaddr);
bool qemu_plugin_hwaddr_is_io(const struct qemu_plugin_hwaddr *haddr);
/*
 * Not always the guest-physical address: RAM-block offset + region base,
 * right only for the first backend below the PCI hole ([R] pitfall 2);
 * vtier-gt's remap= corrects it.
 */
uint64_t qemu_plugin_hwaddr_phys_addr(const struct qemu_plugin_hwaddr *haddr);

#endif /* VTIER_QEMU_PLUGIN_ABI_H */
