#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# abit_scale.sh: the accessed-bit scanner at scale, in QEMU TCG guests with
# large, sparse RAM (a memfd the guest does not touch beyond its own
# kernel's needs).  Each run boots one guest of SIZE GiB in which
# vtier-abit-scale (abit_scale.c) maps SIZE - 2*HOT - 1 GiB of cold memory
# (present 4 KiB PTEs onto the zero page: the page tables of cold data,
# without the RAM) and two HOT MiB regions, makes the first hot for PHASE
# seconds and then the second (the hot set moves), and reports:
#   appear90  s from the first region becoming hot to the first scan
#             rounds that sample 90% of its frames each (the region is in
#             the scanner's hot set)
#   move90    the same for the second, after the move
#   hot       the share of the second region's frames in the engine's hot
#             set (/sys/kernel/debug/vtier/hot) at the end
#   cpu%      the scanner's overhead_ppm (own CPU time / wall time), mean
#             over the second half of the first phase (steady state)
#   pages/s, samples/s, interval_ms: the same window
# A figure of -1 means "not within PHASE seconds".
#
# Usage: abit_scale.sh [--sizes "4 8 16 32"] [--budgets "1 5 10"]
#                      [--hot MIB] [--phase S] [--ko vtier.ko]
# Default: 16 GiB at 0.1%, 0.5% and 1% (cpu_budget_permille 1, 5, 10), then
# 4, 8 and 32 GiB at 1%.  --ko boots another vtier.ko (e.g. an older
# scanner, for comparison).  One guest at a time; a run is skipped when
# the host has less than 4 GiB available.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
OUT=$BUILD/sampler-scale
RUNS='' HOT=1024 PHASE=60 KO=''
SIZES='' BUDGETS=''
while [ $# -gt 0 ]; do
	case $1 in
	--sizes)   SIZES=$2; shift 2 ;;
	--budgets) BUDGETS=$2; shift 2 ;;
	--hot)     HOT=$2; shift 2 ;;
	--phase)   PHASE=$2; shift 2 ;;
	--ko)      KO=$2; shift 2 ;;
	*) echo "usage: $0 [--sizes LIST] [--budgets LIST] [--hot MIB] [--phase S] [--ko FILE]" >&2
	   exit 2 ;;
	esac
done
if [ -z "$SIZES$BUDGETS" ]; then
	RUNS="16:1 16:5 16:10 4:10 8:10 32:10"
else
	for s in ${SIZES:-16}; do
		for b in ${BUDGETS:-10}; do RUNS="$RUNS $s:$b"; done
	done
fi

extra=("$OUT/vtier-abit-scale:/bin/vtier-abit-scale"
       "$ROOT/bench/sampler/abit_scale_guest.sh:/scripts/abit-scale.sh")
[ -n "$KO" ] && extra+=("$KO:/lib/modules/vtier.ko")
"$ROOT/scripts/mkinitramfs.sh" "$OUT/initramfs.cpio.gz" "${extra[@]}" >/dev/null

printf '%-6s %-7s %9s %9s %5s %8s %12s %11s %12s\n' RAM budget appear90_s move90_s \
	hot cpu% pages/s samples/s interval_ms
for run in $RUNS; do
	size=${run%%:*} b=${run#*:}
	cold=$((size * 1024 - 2 * HOT - 1024))
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1048576) }' /proc/meminfo)
	if [ "$cold" -le 0 ] || [ "$avail" -lt 4 ]; then
		printf '%-6s %-7s skipped (cold %d MiB, host has %d GiB available)\n' \
			"${size}G" "$(awk -v b="$b" 'BEGIN { print b / 10 "%" }')" "$cold" "$avail"
		continue
	fi
	log=$OUT/run-${size}G-$b.log
	"$ROOT/qemu-configs/run-guest.sh" --initrd "$OUT/initramfs.cpio.gz" \
		--mem "${size}G" --script abit-scale --timeout $((6 * PHASE + 600)) \
		--append "vtier.budget=$b vtier.cold=$cold vtier.hot=$HOT vtier.phase=$PHASE" \
		>"$log" 2>&1 || true
	tr -d '\r' <"$log" | grep -a '^VTIER-SCALE-RESULT' | tail -n1 |
	awk -v size="${size}G" -v b="$b" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } n++ }
		END {
			if (!n) { printf "%-6s %-7s no figures (see the log)\n", size, b / 10 "%"; exit }
			printf "%-6s %-7s %9s %9s %5s %8.3f %12.0f %11.0f %12.0f\n", size, b / 10 "%",
			       v["appear90"], v["move90"], v["move_hot"], v["overhead_ppm"] / 10000,
			       v["pages_per_s"], v["samples_per_s"], v["interval_ms"]
		}'
done
echo "logs: $OUT/run-*.log"
