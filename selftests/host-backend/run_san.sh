#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the host unit tests built with ASan/UBSan (make -C selftests/host-backend SAN=1
# OUT=build/san).  Prints their TAP; exits non-zero if any of them failed.
set -u
dir=${SAN_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/san}
rc=0
found=0
for t in "$dir"/host_backend_*_test; do
	[ -x "$t" ] || continue
	found=1
	echo "# ---- $(basename "$t") (ASan/UBSan)"
	"$t" || rc=1
done
if [ "$found" -eq 0 ]; then
	echo "not ok 1 no sanitizer-built host tests in $dir"
	exit 1
fi
exit $rc
