/* SPDX-License-Identifier: GPL-2.0 */
/* Sizes on vtierd's and vtierctl's command lines: "4096", "0x1000", "4M". */
#ifndef VTIERD_SIZE_H
#define VTIERD_SIZE_H

#include <stdint.h>

/*
 * A number (decimal or 0x-hex, starting with a digit) with an optional
 * K/M/G/T suffix (powers of 2) into *bytes; 0, or -EINVAL when malformed or
 * too large for 64 bits.
 */
int parse_size(const char *s, uint64_t *bytes);

#endif
