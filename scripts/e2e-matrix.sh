#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e-matrix.sh subset|all - the e2e test programs to run on the other pairs
# of guest kernel and QEMU (build/guest-kernel.env's GUEST_KVERS,
# build/qemu.env's QEMU_VERSIONS), as paths for selftests/run.sh.
#   subset  make check: SUBSET (below) on the newest kernel and the newest
#           QEMU; the default pair runs every test as build/bin/e2e_*_test
#   all     make check-matrix: every build/bin/e2e_*_test on every pair
#           (the default pair's are the programs themselves)
# A program on another pair is a wrapper, build/matrix/<test>@linux-<k>+qemu-<q>,
# that sets VTIER_KERNEL and VTIER_QEMU (qemu-configs/platform.sh) and runs it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"

# The hint path and restart/reload (hints), the accessed-bit sampler
# (sampler) and the in-guest replay equality (replay).
SUBSET=(e2e_hints_test e2e_sampler_test e2e_replay_test)

die() { echo "e2e-matrix: ERROR: $*" >&2; exit 1; }

# wrapper TEST KVER QEMU: print the program that runs TEST on that pair.
wrapper() {
	local w=$BUILD/matrix/$1@linux-$2+qemu-$3
	mkdir -p "$BUILD/matrix"
	printf '#!/bin/sh\n# %s on linux %s, qemu %s (scripts/e2e-matrix.sh)\nVTIER_KERNEL=%s VTIER_QEMU=%s exec '%s' "$@"\n' \
		"$1" "$2" "$3" "$2" "$3" "$BUILD/bin/$1" >"$w.tmp"
	chmod +x "$w.tmp"
	mv "$w.tmp" "$w"
	echo "$w"
}

mapfile -t kernels < <(platform_kernels)
mapfile -t qemus < <(platform_qemus)
[ ${#kernels[@]} -ge 1 ] && [ -n "${kernels[0]}" ] || die "no kernels; run make deps"
[ ${#qemus[@]} -ge 1 ] && [ -n "${qemus[0]}" ] || die "no QEMU versions; run make deps"

case ${1:-} in
subset)
	k=${kernels[${#kernels[@]} - 1]} q=${qemus[${#qemus[@]} - 1]}
	[ "$k" = "${kernels[0]}" ] && [ "$q" = "${qemus[0]}" ] && exit 0
	for t in "${SUBSET[@]}"; do
		[ -x "$BUILD/bin/$t" ] || die "$BUILD/bin/$t not built"
		wrapper "$t" "$k" "$q"
	done
	;;
all)
	for k in "${kernels[@]}"; do
		for q in "${qemus[@]}"; do
			for b in "$BUILD"/bin/e2e_*_test; do
				[ -x "$b" ] || continue
				if [ "$k" = "${kernels[0]}" ] && [ "$q" = "${qemus[0]}" ]; then
					echo "$b"
				else
					wrapper "${b##*/}" "$k" "$q"
				fi
			done
		done
	done
	;;
*)
	echo "usage: $0 subset|all" >&2
	exit 2
	;;
esac
