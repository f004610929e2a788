#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [RUNS] - vtier-gt's slowdown (docs/tcg-plugin.md, "Slowdown").
#
# Boots the test guest (2 vCPUs, 1 GiB, MTTCG) RUNS times (default 2) per
# configuration and runs vtier-touch between markers 1 and 2: 2 threads,
# 1024 hot pages x 100 rounds and 15360 cold pages x 5 rounds, 128 8-byte
# accesses per page touch (about 46 million accesses).  Prints per
# configuration the whole run's wall time (boot + workload + power-off),
# QEMU's CPU time (user + sys: less disturbed by other jobs on a shared
# machine) and the workload phase as the guest's clock measured it, each
# as min..max and (min) as a factor of the plain run's min.  Needs `make userspace guest-bin`.
# VTIER_BENCH_DIR keeps the outputs (default: a temporary directory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${1:-2}
BUILD=${VTIER_BUILD:-$ROOT/build}
# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"
platform_qemu || exit 2
SO=$GT_PLUGIN	# vtier-gt's build for the QEMU in use
[ -n "$SO" ] || { echo "bench.sh: $GT_PLUGIN_WHY" >&2; exit 2; }
DIR=${VTIER_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/vtier-gt-bench.XXXXXX")}
APPEND="vtier.hot=1024 vtier.cold=15360 vtier.hrounds=100 vtier.crounds=5 vtier.threads=2"

[ -f "$SO" ] || { echo "bench.sh: $SO missing: make userspace" >&2; exit 2; }
mkdir -p "$DIR"
"$ROOT/scripts/mkinitramfs.sh" "$DIR/initrd.gz" >/dev/null

# name|plugin options ("" = no plugin)
CONFIGS=(
	"plain|"
	"exact, arm=1 stop=2|arm=1,stop=2"
	"exact + sample=1000, arm=1 stop=2|arm=1,stop=2,sample=1000"
	"exact from boot (no arm)|stop=2"
	"exact + sample=1000 from boot|stop=2,sample=1000"
)

run_one() {	# $1 = plugin options, $2 = output prefix; prints "wall_s cpu_s phase_ms"
	local extra=() phase TIMEFORMAT='%R %U %S'
	[ -n "$1" ] && extra=(-- -plugin "$SO,out=$2,$1")
	{ time "$ROOT/qemu-configs/run-guest.sh" --initrd "$DIR/initrd.gz" \
		--mem 1G --smp 2 --script plugin-touch --timeout 1800 \
		--append "$APPEND" "${extra[@]}" >"$2.console" 2>&1; } 2>"$2.time"
	phase=$(sed -n 's/.*VTIER-TOUCH done phase_ms=\([0-9]*\).*/\1/p' "$2.console")
	[ -n "$phase" ] || { echo "bench.sh: no result in $2.console" >&2; exit 1; }
	awk -v p="$phase" '{ printf "%.2f %.2f %d\n", $1, $2 + $3, p }' "$2.time"
}

# min..max of the arguments, and min / base
range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd' '; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

echo "# vtier-gt slowdown: $RUNS run(s) per configuration; outputs in $DIR"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s %-18s %-18s %-18s\n' configuration "wall s (x plain)" \
	"QEMU cpu s (x)" "phase ms (x)"
bw='' bc='' bp=''
i=0
for c in "${CONFIGS[@]}"; do
	name=${c%%|*} opts=${c#*|}
	walls=() cpus=() phases=()
	for r in $(seq "$RUNS"); do
		echo "  ... $name, run $r" >&2
		read -r w u p < <(run_one "$opts" "$DIR/c$i.r$r")
		walls+=("$w") cpus+=("$u") phases+=("$p")
	done
	read -r wmin wmax < <(range "${walls[@]}")
	read -r cmin cmax < <(range "${cpus[@]}")
	read -r pmin pmax < <(range "${phases[@]}")
	[ -z "$bw" ] && bw=$wmin bc=$cmin bp=$pmin
	printf '%-36s %-18s %-18s %-18s\n' "$name" \
		"$wmin..$wmax ($(ratio "$wmin" "$bw"))" \
		"$cmin..$cmax ($(ratio "$cmin" "$bc"))" \
		"$pmin..$pmax ($(ratio "$pmin" "$bp"))"
	i=$((i + 1))
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
