# SPDX-License-Identifier: GPL-2.0
# abit-scale: the guest side of bench/sampler/abit_scale.sh (installed as
# /scripts/abit-scale.sh in that benchmark's own initramfs).  THP off,
# vtier.ko with sampler=abit over all processes at cpu_budget_permille=
# vtier.budget, then vtier-abit-scale vtier.cold (MiB) vtier.hot (MiB)
# vtier.phase (s), which prints the VTIER-SCALE lines.
. /scripts/lib.sh

echo never >/sys/kernel/mm/transparent_hugepage/enabled
vtier_load sampler=abit cpu_budget_permille="${VTIER_BUDGET:-10}" || exit 1
vtier-abit-scale "${VTIER_COLD:?}" "${VTIER_HOT:?}" "${VTIER_PHASE:-30}"
