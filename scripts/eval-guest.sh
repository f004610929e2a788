#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# eval-guest.sh - run one real workload inside the TCG test guest under the
# ground-truth plugin (docs/workloads.md, docs/tcg-plugin.md).
#
# Usage: scripts/eval-guest.sh WORKLOAD... [--jobs N] [--quick] [--sample N]
#                              [--window-ms MS] [--seed N] [--timeout S]
#                              [--llc SIZE] [--no-plugin] --out DIR
#        scripts/eval-guest.sh --list
#   WORKLOAD       one or more of --list (redis sqlite zstd sort graph
#                  memcached xsbench); with several, each runs in its own
#                  guest, N at a time, output lines prefixed "[WORKLOAD] "
#   --jobs N       guests at once (default 1; 2 on a 2-core host)
#   --quick        the QUICK sizes (all seven together take about 3 minutes)
#   --sample N     also write a sampled trace v1 of every Nth access
#                  (default 1000; 0: no trace)
#   --window-ms MS ground-truth window length (default 100), in the
#                  plugin's clock: guest instructions at 1 ns each
#   --seed N       input seed (default 42)
#   --llc SIZE     count only the accesses that miss a per-vCPU cache
#                  of SIZE (e.g. 4M, 16-way; plugin option llc=)
#   --timeout S    give up on the guest after S seconds (default 1800,
#                  600 with --quick)
#   --no-plugin    run without the plugin (no .truth/.trace.gz/.summary)
#   --out DIR      where the results go (created)
# Writes DIR/WORKLOAD.truth (per-page access counts per window),
# DIR/WORKLOAD.trace.gz (sampled trace v1), DIR/WORKLOAD.summary (plugin
# key=value), DIR/WORKLOAD.log (guest console and QEMU's stderr) and
# DIR/WORKLOAD.meta (key=value: workload, sizes, seed, package versions,
# QEMU version, plugin options, times, steady_ns: the plugin time at
# which the steady phase starts).  The guest runs
# `vtier-mark 1; LOAD; vtier-mark 3; STEADY; vtier-mark 2`; the plugin
# counts only between 1 and 2 and logs the time of 3.
# Exit status: 0 success (all of them), 1 a workload or run failed, 2 bad
# usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
WLDIR=$ROOT/tools/guestwl
W=$BUILD/guestwl
MARK=$BUILD/guest-bin/vtier-mark
INITRD=$W/initramfs-wl.cpio.gz
# shellcheck source=../tools/guestwl/workloads.sh
. "$WLDIR/workloads.sh"

START=$(date +%s)
say() { printf 'eval-guest: [%4ds] %s\n' "$(( $(date +%s) - START ))" "$*"; }
die() { echo "eval-guest: ERROR: $1" >&2; exit "${2:-1}"; }
usage() {
	sed -n '5,38s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit "${1:-0}"
}
list() {
	for n in $WL_NAMES; do
		printf '%-9s %s\n' "$n" "$(wl_describe "$n")"
		printf '%-9s   full: %s; quick: %s\n' "" "$(wl_sizes "$n" full)" \
			"$(wl_sizes "$n" quick)"
	done
}
number() {
	case $2 in ''|*[!0-9]*) die "$1 needs a non-negative integer, got '$2'" 2 ;; esac
}

WL='' SIZE=full SAMPLE=1000 WINDOW_MS=100 SEED=$WL_SEED_DEFAULT TIMEOUT=''
OUT='' USE_PLUGIN=1 LLC='' JOBS=1 WLS=()
while [ $# -gt 0 ]; do
	case $1 in
	--list)      list; exit 0 ;;
	--jobs)      [ $# -ge 2 ] || die "--jobs needs a value" 2
		     number --jobs "$2"; JOBS=$2; shift 2; continue ;;
	--quick)     SIZE=quick; shift ;;
	--sample)    [ $# -ge 2 ] || die "--sample needs a value" 2
		     number --sample "$2"; SAMPLE=$2; shift 2 ;;
	--window-ms) [ $# -ge 2 ] || die "--window-ms needs a value" 2
		     number --window-ms "$2"; WINDOW_MS=$2; shift 2 ;;
	--seed)      [ $# -ge 2 ] || die "--seed needs a value" 2
		     number --seed "$2"; SEED=$2; shift 2 ;;
	--timeout)   [ $# -ge 2 ] || die "--timeout needs a value" 2
		     number --timeout "$2"; TIMEOUT=$2; shift 2 ;;
	--llc)       [ $# -ge 2 ] || die "--llc needs a size" 2
		     case $2 in ''|*[!0-9KMGkmg]*) die "--llc needs a size like 4M, got '$2'" 2 ;; esac
		     LLC=$2; shift 2 ;;
	--no-plugin) USE_PLUGIN=0; shift ;;
	--out)       [ $# -ge 2 ] || die "--out needs a directory" 2
		     OUT=$2; shift 2 ;;
	-h|--help)   usage 0 ;;
	-*)          echo "eval-guest: unknown option $1" >&2; usage 2 ;;
	*)           WLS+=("$1"); shift; continue ;;
	esac
done
[ ${#WLS[@]} -gt 0 ] || { echo "eval-guest: no workload given" >&2; usage 2; }
for w in "${WLS[@]}"; do
	if ! wl_describe "$w" >/dev/null; then
		echo "eval-guest: ERROR: unknown workload '$w'; known workloads:" >&2
		list >&2
		exit 2
	fi
done
[ -n "$OUT" ] || die "--out DIR is required" 2
[ "$WINDOW_MS" -gt 0 ] || die "--window-ms must be > 0" 2
[ "$JOBS" -gt 0 ] || die "--jobs must be > 0" 2

# Several workloads: one child run of this script each, JOBS at a time
# (each guest is its own QEMU; the build step is shared under a lock).
if [ ${#WLS[@]} -gt 1 ]; then
	PASS=(--sample "$SAMPLE" --window-ms "$WINDOW_MS" --seed "$SEED" --out "$OUT")
	[ $SIZE = quick ] && PASS+=(--quick)
	[ -n "$TIMEOUT" ] && PASS+=(--timeout "$TIMEOUT")
	[ -n "$LLC" ] && PASS+=(--llc "$LLC")
	[ $USE_PLUGIN = 0 ] && PASS+=(--no-plugin)
	fails=0 running=0
	for w in "${WLS[@]}"; do
		if [ $running -ge "$JOBS" ]; then
			wait -n || fails=$((fails + 1))
			running=$((running - 1))
		fi
		"${BASH_SOURCE[0]}" "$w" "${PASS[@]}" 2>&1 | sed -u "s/^/[$w] /" &
		running=$((running + 1))
	done
	while [ $running -gt 0 ]; do
		wait -n || fails=$((fails + 1))
		running=$((running - 1))
	done
	say "${#WLS[@]} workloads, $fails failed"
	[ $fails = 0 ]
	exit
fi
WL=${WLS[0]}
[ -n "$TIMEOUT" ] || { [ $SIZE = quick ] && TIMEOUT=600 || TIMEOUT=1800; }
mkdir -p "$OUT" || die "cannot create $OUT" 2
OUT=$(cd "$OUT" && pwd)
PREFIX=$OUT/$WL
rm -f "$PREFIX".{truth,trace,trace.gz,summary,log,meta}

# ---- build: guest programs, workload packages, plugin, initramfs ----
# The kernel and QEMU that VTIER_KERNEL and VTIER_QEMU choose, as for
# mkinitramfs.sh (qemu-configs/platform.sh; default GUEST_KVER and 7.2).
# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"
platform_kernel || die "no guest kernel; run make deps"
platform_qemu || die "no QEMU; run make deps"
PLUGIN=$GT_PLUGIN	# vtier-gt's build for this QEMU (platform.sh)
[ $USE_PLUGIN = 0 ] || [ -n "$PLUGIN" ] || die "$GT_PLUGIN_WHY; --no-plugin runs without ground truth"
KERNEL=$GUEST_KERNEL
[ -f "$KERNEL" ] || die "$KERNEL missing; run make deps"
say "building guest programs, packages and the initramfs"
mkdir -p "$W"
(
	# One builder at a time: parallel runs share build/guestwl.
	flock 9
	make -s -C "$WLDIR" >/dev/null || die "building tools/guestwl failed"
	"$WLDIR/fetch-debs.sh" || die "fetching the workload packages failed"
	if [ $USE_PLUGIN = 1 ]; then
		[ -f "$ROOT/tools/tcgplugin/Makefile" ] &&
			{ make -s -C "$ROOT/tools/tcgplugin" >/dev/null ||
			  die "building tools/tcgplugin failed"; }
		[ -f "$PLUGIN" ] || die "$PLUGIN missing (tools/tcgplugin); --no-plugin runs without ground truth"
		[ -x "$MARK" ] || die "$MARK missing (tools/tcgplugin)"
	fi
	extras=()
	while IFS= read -r l; do extras+=("$l"); done <"$W/extras"
	extras+=("$W/bin/vtier-graph" "$W/bin/vtier-wlgen" "$W/bin/vtier-ycsb"
		 "$W/bin/vtier-xsbench"
		 "$WLDIR/guest-wl.sh:/scripts/wl.sh"
		 "$WLDIR/workloads.sh:/etc/vtier-workloads.sh")
	"$ROOT/scripts/mkinitramfs.sh" "$INITRD" "${extras[@]}" >"$W/mkinitramfs.log" 2>&1 ||
		{ cat "$W/mkinitramfs.log" >&2; die "mkinitramfs failed"; }
) 9>"$W/.lock"

# ---- boot ----
PLUGIN_OPTS=''
qemu=(env "${QEMU_ENV[@]}" "$QEMU_BIN" "${QEMU_DATA_ARGS[@]}" -name "vtier-eval-$WL" -machine q35
      -accel tcg,thread=multi -cpu max -smp 2 -m "$WL_GUEST_MEM"
      -kernel "$KERNEL" -initrd "$INITRD" -nographic -no-reboot -nic none
      -append "console=ttyS0 panic=-1 quiet loglevel=4 idle=halt vtier.script=wl vtier.wl=$WL vtier.size=$SIZE vtier.seed=$SEED vtier.need_mark=$USE_PLUGIN vtier.timeout=$TIMEOUT")
if [ $USE_PLUGIN = 1 ]; then
	PLUGIN_OPTS="out=$PREFIX,window_ms=$WINDOW_MS,arm=1,stop=2"
	[ "$SAMPLE" -gt 0 ] && PLUGIN_OPTS="$PLUGIN_OPTS,sample=$SAMPLE"
	[ -n "$LLC" ] && PLUGIN_OPTS="$PLUGIN_OPTS,llc=$LLC"
	qemu+=(-plugin "$PLUGIN,$PLUGIN_OPTS")
fi
say "booting QEMU ($SIZE $WL, plugin: ${PLUGIN_OPTS:-none}); console in $PREFIX.log"
boot_t=$(date +%s)
: >"$PREFIX.log"
# The guest powers itself off after TIMEOUT s (vtier.timeout); the host
# timeout is a backstop 60 s later.  SIGTERM lets the plugin write its files.
timeout --kill-after=30 $((TIMEOUT + 60)) "${qemu[@]}" </dev/null >"$PREFIX.log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
seen=0
while :; do
	alive=1
	kill -0 $qpid 2>/dev/null || alive=0
	# One progress line per guest phase, as the console reports it.
	n=$(wc -l <"$PREFIX.log")
	if [ "$n" -gt "$seen" ]; then
		sed -n "$((seen + 1)),${n}p" "$PREFIX.log" |
			grep -aE '^(VTIER-READY|WL-BEGIN|WL-PHASE-BEGIN|WL-PHASE-END|WL-OK|WL-FAIL|VTIER-TIMEOUT)' |
			tr -d '\r' | while IFS= read -r l; do say "guest: $l"; done ||
			true
		seen=$n
	fi
	[ $alive = 1 ] || break
	sleep 1
done
qrc=0
wait $qpid || qrc=$?
trap - EXIT
END=$(date +%s)
say "QEMU exited with status $qrc after $((END - boot_t)) s"

# ---- results ----
phase=$(grep -a '^WL-PHASE-END' "$PREFIX.log" | tr -d '\r' | tail -n1 || true)
guest_s=$(echo "$phase" | sed -n 's/.*guest_s=\([0-9.]*\).*/\1/p')
ok=0
grep -aq "^WL-OK $WL" "$PREFIX.log" && ok=1
if [ $USE_PLUGIN = 1 ]; then
	[ -s "$PREFIX.truth" ] || { ok=0; echo "eval-guest: no $PREFIX.truth written" >&2; }
	if [ -f "$PREFIX.trace" ]; then
		# -1: the full traces are hundreds of MB; -6 took 1-2 minutes
		gzip -1 -f "$PREFIX.trace"
	elif [ "$SAMPLE" -gt 0 ]; then
		ok=0; echo "eval-guest: no $PREFIX.trace written" >&2
	fi
fi

pkgs() {
	case $1 in
	redis)  echo "redis-server redis-tools libjemalloc2" ;;
	sqlite) echo "sqlite3 libsqlite3-0" ;;
	zstd)   echo "zstd libzstd1" ;;
	sort)   echo "coreutils" ;;
	memcached) echo "memcached libevent-2.1-7" ;;
	graph|xsbench) echo "" ;;
	esac
}
{
	echo "workload=$WL"
	echo "description=$(wl_describe "$WL")"
	echo "size=$SIZE"
	echo "params=$(wl_sizes "$WL" "$SIZE")"
	echo "seed=$SEED"
	for p in $(pkgs "$WL") libc6; do
		echo "package.$p=$(awk -v p="$p" '$1 == p {print $2}' "$W/versions")"
	done
	echo "guest_kernel=$GUEST_KVER"
	echo "qemu=$(env "${QEMU_ENV[@]}" "$QEMU_BIN" --version | head -n1)"
	echo "qemu_args=-machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m $WL_GUEST_MEM"
	echo "plugin=$([ $USE_PLUGIN = 1 ] && echo "$PLUGIN" || echo none)"
	echo "plugin_options=$PLUGIN_OPTS"
	echo "git_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "guest_phase_s=${guest_s:-unknown}"
	echo "boot_to_poweroff_wall_s=$((END - boot_t))"
	echo "wall_s=$((END - START))"
	echo "qemu_status=$qrc"
	if [ -s "$PREFIX.truth" ]; then
		# The measured working set: distinct pages touched in the phase.
		awk '/^#/ {next} $1 == "window" {w++; next}
		     {if (!($1 in p)) {p[$1] = 1; n++}; s += $2}
		     END {printf "truth_windows=%d\ntruth_pages=%d\ntruth_mib=%d\ntruth_accesses=%.0f\n",
			  w, n, n / 256, s}' "$PREFIX.truth"
	fi
	# The phases on the plugin's clock (ns, the time base of the trace and
	# the .truth windows): counting starts at marker 1 (0), the steady
	# phase at marker 3, the run ends at marker 2.
	if [ -s "$PREFIX.summary" ]; then
		awk -F= '$1 == "marker_ns.3" {s = $2} $1 == "marker_ns.2" {e = $2}
		     END {if (s != "") printf "steady_ns=%s\n", s
			  if (e != "") printf "plugin_s=%.3f\n", e / 1e9
			  if (s != "" && e != "") printf "load_s=%.3f\nsteady_s=%.3f\n", s / 1e9, (e - s) / 1e9}' \
			"$PREFIX.summary"
	fi
	res=$(grep -a '^WL-RESULT' "$PREFIX.log" | tr -d '\r' | tail -n1)
	echo "dataset_mib=$(echo "$res" | sed -n 's/.*dataset_mib=\([0-9]*\).*/\1/p')"
	echo "result=$([ $ok = 1 ] && echo ok || echo fail)"
	grep -a '^WL-RESULT' "$PREFIX.log" | tr -d '\r' | sed 's/^WL-RESULT /results=/'
} >"$PREFIX.meta"

if [ $ok = 1 ]; then
	say "done: $WL ok, workload phase ${guest_s}s guest time; results in $OUT"
	exit 0
fi
grep -a '^WL-FAIL' "$PREFIX.log" | tr -d '\r' >&2 || true
say "FAILED: $WL (see $PREFIX.log)"
exit 1
