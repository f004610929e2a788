// SPDX-License-Identifier: GPL-2.0
/*
 * vtier-mark CODE: execute the vtier-gt marker, the 8-byte NOP
 * `0f 1f 84 00 lo hi 54 47` (nopl 0x4754hilo(%rax,%rax,1)) carrying the
 * 16-bit CODE, then exit.  Under the vtier-gt plugin (arm=K, stop=K2) it
 * starts or stops counting; anywhere else it does nothing.  Static, for the
 * busybox test guest.  Usage in a guest script:
 *   vtier-mark 1; <workload>; vtier-mark 2
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	unsigned char *stub;
	unsigned long code;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: vtier-mark CODE (0..65535)\n");
		return 2;
	}
	errno = 0;
	code = strtoul(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || code > 0xffff || argv[1][0] == '-') {
		fprintf(stderr, "vtier-mark: bad code '%s' (want 0..65535)\n", argv[1]);
		return 2;
	}
	/*
	 * The code is in the instruction's displacement bytes, known only at
	 * run time: assemble the NOP (and a ret) into an executable page.
	 * C programs with a constant code use VTIER_MARK() (vtier_mark.h).
	 */
	stub = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stub == MAP_FAILED) {
		perror("vtier-mark: mmap");
		return 1;
	}
	memcpy(stub, (unsigned char[]){ 0x0f, 0x1f, 0x84, 0x00, code & 0xff,
					code >> 8, 0x54, 0x47, 0xc3 /* ret */ }, 9);
	((void (*)(void))stub)();
	return 0;
}
