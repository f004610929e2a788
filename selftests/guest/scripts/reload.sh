# SPDX-License-Identifier: GPL-2.0
# reload: unload vtier.ko while it is connected, load it again, and check
# that hints flow on the new connection (vtier-fill, vtier.pages=N pages).
. /scripts/lib.sh

# Only the replayed accesses count: no sampler of its own.
vtier_load sampler=replay || exit 1
wait_state connected "${VTIER_WAIT:-60}" || exit 1
vtier_unload || exit 1
echo "VTIER-RELOAD unloaded"
vtier_load sampler=replay || exit 1
wait_state connected "${VTIER_WAIT:-60}" || exit 1
vtier-fill "${VTIER_PAGES:-16}" --accesses 8 --hold 600
