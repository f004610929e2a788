#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel module, as TAP, against every guest kernel of
# GUEST_KVERS (build/guest-kernel.env): it builds with W=1 against that
# kernel's headers with no warnings, sparse finds nothing, and it is GPL and
# built for that kernel; and it is checkpatch --strict clean for the
# checkpatch of 6.1 and of 6.12 (build/checkpatch*/, from make deps).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=$TOP BUILD=$TOP/build
# shellcheck source=qemu-configs/platform.sh
. "$TOP/qemu-configs/platform.sh"
mapfile -t kernels < <(platform_kernels)
checkpatches=("$BUILD"/checkpatch/scripts/checkpatch.pl
	      "$BUILD"/checkpatch-6.12/scripts/checkpatch.pl)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
failed=0

result() {	# result OK|FAIL name [detail file]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -n 60
	fi
}

echo "TAP version 13"
echo "1..$((3 * ${#kernels[@]} + ${#checkpatches[@]}))"

for k in "${kernels[@]}"; do
	kdir=/usr/src/linux-headers-$k
	# A private copy keeps the tree's own build untouched.
	mkdir -p "$work/$k"
	cp -r "$TOP/guest-driver" "$TOP/proto" "$work/$k/"
	mod=$work/$k/guest-driver
	make -C "$mod" clean >/dev/null 2>&1
	rm -f "$mod"/*.ko "$mod"/*.o
	make -C "$kdir" M="$mod" W=1 modules >"$work/w1.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q 'warning:' "$work/w1.log"; then
		result OK "module builds with W=1 and no warnings ($k)"
	else
		result FAIL "module builds with W=1 and no warnings ($k)" \
			"$work/w1.log"
	fi

	touch "$mod"/*.c
	make -C "$kdir" M="$mod" C=2 modules >"$work/sparse.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -qE 'warning:|error:' "$work/sparse.log"; then
		result OK "sparse (C=2) reports nothing ($k)"
	else
		result FAIL "sparse (C=2) reports nothing ($k)" "$work/sparse.log"
	fi

	vermagic=$(modinfo -F vermagic "$mod/vtier.ko" 2>/dev/null)
	license=$(modinfo -F license "$mod/vtier.ko" 2>/dev/null)
	if [ "${vermagic%% *}" = "$k" ] && [ "$license" = GPL ]; then
		result OK "vtier.ko is GPL and built for $k"
	else
		echo "# vermagic '$vermagic', license '$license'" >"$work/mi.log"
		result FAIL "vtier.ko is GPL and built for $k" "$work/mi.log"
	fi
done

# Our sources only: Kbuild's generated *.mod.c is not ours to style.
# Its exit status counts too: a checkpatch that did not run prints no
# ERROR, WARNING or CHECK either.
for cp in "${checkpatches[@]}"; do
	ver=${cp#"$BUILD"/checkpatch}
	ver=${ver%%/*}
	ver=${ver#-}
	name="checkpatch --strict of ${ver:-6.1} is clean"
	(cd "$TOP" && "$cp" --strict --no-tree --terse --show-types \
		-f $(ls guest-driver/*.[ch] proto/*.[ch] | grep -v '\.mod\.c$')) \
		>"$work/cp.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -qE 'ERROR|WARNING|CHECK' "$work/cp.log"; then
		result FAIL "$name" "$work/cp.log"
	else
		result OK "$name"
	fi
done

echo "# Totals: pass:$((n - failed)) fail:$failed"
[ $failed -eq 0 ]
