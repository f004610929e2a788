# SPDX-License-Identifier: GPL-2.0
# fill: load vtier.ko (if present), wait for "connected", then run
#   vtier-fill $VTIER_PAGES --accesses $VTIER_ACCESSES --hold $VTIER_HOLD
# Kernel command line: vtier.pages=N (default 64), vtier.accesses=K
# (default 8), vtier.hold=SECONDS (default 600), vtier.wait=SECONDS to wait
# for the connection (default 20).  The host reads the VTIER-PAGE lines,
# checks guest RAM, and stops QEMU when it is done.
. /scripts/lib.sh

if vtier_have_module; then
	# Only the replayed accesses count: no sampler of its own.
	vtier_load sampler=replay || exit 1
	wait_file /sys/kernel/vtier/state 5 &&
		wait_state connected "${VTIER_WAIT:-20}"
else
	echo "VTIER-FILL no-module (pages only, no replay)"
fi
vtier-fill "${VTIER_PAGES:-64}" --accesses "${VTIER_ACCESSES:-8}" \
	--hold "${VTIER_HOLD:-600}"
