/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VTIER_MARK(code): execute the vtier-gt guest marker with a constant 16-bit
 * code inline (docs/tcg-plugin.md, "Markers").  The plugin arms on the
 * marker before it executes, but the rest of the translation block that
 * holds it runs with the old (uninstrumented) code: make a call or a
 * system call before the accesses to be counted.
 */
#ifndef VTIER_MARK_H
#define VTIER_MARK_H

#define VTIER_MARK(code)						\
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0x00, %c0, %c1, 0x54, 0x47" \
			 : : "i"((code) & 0xff), "i"(((code) >> 8) & 0xff) \
			 : "memory")

#endif /* VTIER_MARK_H */
