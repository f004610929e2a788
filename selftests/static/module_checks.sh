#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel module, as TAP: it builds with W=1 against the
# guest kernel's headers with no warnings, sparse finds nothing, it is
# checkpatch --strict clean, and it was built for the guest kernel.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$TOP/build/guest-kernel.env"
KDIR=/usr/src/linux-headers-$GUEST_KVER
CHECKPATCH=$TOP/build/checkpatch/scripts/checkpatch.pl
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
echo "1..4"

# A private copy keeps the tree's own build untouched.
cp -r "$TOP/guest-driver" "$TOP/proto" "$work/"
make -C "$work/guest-driver" clean >/dev/null 2>&1
make -C "$KDIR" M="$work/guest-driver" W=1 modules >"$work/w1.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'warning:' "$work/w1.log"; then
	result OK "module builds with W=1 and no warnings ($GUEST_KVER)"
else
	result FAIL "module builds with W=1 and no warnings ($GUEST_KVER)" \
		"$work/w1.log"
fi

touch "$work"/guest-driver/*.c
make -C "$KDIR" M="$work/guest-driver" C=2 modules >"$work/sparse.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -qE 'warning:|error:' "$work/sparse.log"; then
	result OK "sparse (C=2) reports nothing"
else
	result FAIL "sparse (C=2) reports nothing" "$work/sparse.log"
fi

# Our sources only: Kbuild's generated *.mod.c is not ours to style.
# Its exit status counts too: a checkpatch that did not run prints no
# ERROR, WARNING or CHECK either.
(cd "$TOP" && "$CHECKPATCH" --strict --no-tree --terse --show-types \
	-f $(ls guest-driver/*.[ch] proto/*.[ch] | grep -v '\.mod\.c$')) \
	>"$work/cp.log" 2>&1
rc=$?
if [ $rc -ne 0 ] || grep -qE 'ERROR|WARNING|CHECK' "$work/cp.log"; then
	result FAIL "checkpatch --strict is clean" "$work/cp.log"
else
	result OK "checkpatch --strict is clean"
fi

vermagic=$(modinfo -F vermagic "$work/guest-driver/vtier.ko" 2>/dev/null)
license=$(modinfo -F license "$work/guest-driver/vtier.ko" 2>/dev/null)
if [ "${vermagic%% *}" = "$GUEST_KVER" ] && [ "$license" = GPL ]; then
	result OK "vtier.ko is GPL and built for $GUEST_KVER"
else
	echo "# vermagic '$vermagic', license '$license'" >"$work/mi.log"
	result FAIL "vtier.ko is GPL and built for $GUEST_KVER" "$work/mi.log"
fi

echo "# Totals: pass:$((n - failed)) fail:$failed"
[ $failed -eq 0 ]
