#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh [KVER...] - build vtier.ko, with W=1, for the guest kernels
# other than the default one (whose module is the tree's own build,
# guest-driver/vtier.ko): each into build/kmod/<kver>/guest-driver/vtier.ko,
# from a copy of guest-driver/ and proto/ (Kbuild builds in the source
# directory).  Without arguments: every kernel of GUEST_KVERS but GUEST_KVER.
# A kernel is named as VTIER_KERNEL names it (6.12).  Only changed sources are
# copied, so an unchanged tree rebuilds nothing.  Fails on any warning.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"

die() { echo "build-module: ERROR: $*" >&2; exit 1; }

if [ $# -eq 0 ]; then
	default=$(platform_env_get "$PLATFORM_KENV" GUEST_KVER)
	mapfile -t kernels < <(platform_kernels | grep -vxF "$default")
else
	kernels=("$@")
fi

for spec in "${kernels[@]}"; do
	VTIER_KERNEL=$spec platform_kernel || exit 1
	[ "$GUEST_IS_DEFAULT" = 0 ] ||
		die "$GUEST_KVER is the default kernel: its module is make module's"
	[ -d "$GUEST_KDIR" ] || die "no headers at $GUEST_KDIR; run make deps"
	dst=$(dirname "$(dirname "$GUEST_VTIER_KO")")
	mkdir -p "$dst/guest-driver" "$dst/proto"
	for d in guest-driver proto; do
		# Sources that left the tree leave the copy too.
		for f in "$dst/$d"/*.[ch] "$dst/$d/Kbuild"; do
			[ -e "$f" ] || continue
			case $f in *.mod.c) continue ;; esac
			[ -e "$ROOT/$d/${f##*/}" ] || rm -f "$f"
		done
		for f in "$ROOT/$d"/*.[ch] "$ROOT/$d/Kbuild"; do
			[ -e "$f" ] || continue
			case $f in *.mod.c) continue ;; esac
			cmp -s "$f" "$dst/$d/${f##*/}" || cp -p "$f" "$dst/$d/"
		done
	done
	log=$dst/build.log
	if ! make -C "$GUEST_KDIR" M="$dst/guest-driver" W=1 modules >"$log" 2>&1; then
		cat "$log" >&2
		die "vtier.ko does not build against $GUEST_KVER"
	fi
	if grep -q 'warning:' "$log"; then
		grep 'warning:' "$log" >&2
		# So that the next run compiles (and warns) again.
		rm -f "$dst/guest-driver/"*.o "$GUEST_VTIER_KO"
		die "vtier.ko builds against $GUEST_KVER with warnings"
	fi
	echo "build-module: $GUEST_VTIER_KO ($GUEST_KVER)"
done
