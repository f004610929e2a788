#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make eval: the whole evaluation, one command (docs/EVALUATION.md says what
# each part shows).
#
#   bench/eval/eval.sh [--quick] [--reuse-traces] [--out DIR] [--report FILE]
#
# --reuse-traces keeps a real workload's trace from an earlier run when its
# .meta shows the same size and plugin options (to redo the analysis only).
#
# 1. the cost of one sample (bench_ingest, callgrind);
# 2. identification accuracy on the generated workloads against their
#    exact truth, vtier beside the HeMem- and MEMTIS-style baselines, at
#    three sampling rates (bench_accuracy);
# 3. real workloads in a QEMU guest under the ground-truth TCG plugin
#    (scripts/eval-guest.sh): exact per-page counts and a sampled trace;
# 4. vtier's hot set against that truth, window by window and at several
#    sampling rates (vtier-replay);
# 5. the tiering simulator on every trace, every policy, fast:slow 1:2,
#    1:4 and 1:8 (vtier-sim);
# 6. multi-VM mixes sharing one fast tier: the balancer's policies against
#    a static split and the global oracle (vtier-sim --vm ... --balance);
# 7. CSV files, gnuplot PNGs and the report (report.py).
#
# The full run writes docs/eval/ and docs/EVALUATION.md; --quick writes
# build/eval-quick/ (figures and EVALUATION.md there) and leaves docs/ alone.
# Seeds are fixed; versions go to versions.txt next to the CSV files.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/build/bin
quick=0
reuse=0
out=
report=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--reuse-traces) reuse=1; shift ;;
	--out) out=$2; shift 2 ;;
	--report) report=$2; shift 2 ;;
	-h|--help) awk 'NR > 2 && !/^#/ {exit} NR > 2 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
	*) echo "eval: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
if [ $quick = 1 ]; then
	out=${out:-$ROOT/build/eval-quick}
	report=${report:-$out/EVALUATION.md}
else
	out=${out:-$ROOT/docs/eval}
	report=${report:-$ROOT/docs/EVALUATION.md}
fi
mode=full
[ $quick = 1 ] && mode=quick
work=$ROOT/build/eval-work-$mode
mkdir -p "$out" "$work"
rm -f "$out"/*.csv "$out"/*.png

START=$(date +%s)
step=0
NSTEPS=7
phase() {
	step=$((step + 1))
	printf '[eval %4ds] step %d/%d: %s\n' $(($(date +%s) - START)) \
		$step $NSTEPS "$*"
}
note() { printf '[eval %4ds]   %s\n' $(($(date +%s) - START)) "$*"; }
die() { echo "eval: ERROR: $*" >&2; exit 1; }

# Sizes.  Generated traces: RATE accesses/s for GEN_S seconds, written 1 in
# GEN_W (each record stands for GEN_W accesses).  Real workloads: the
# plugin counts the accesses that miss a per-vCPU cache of LLC (what
# reaches memory) and keeps 1 in REAL_W of them.  Policies see 1 in 1000.
RATIOS="2 4 8"
SIM_JOBS=2	# simulator runs at once (one per core)
GUEST_JOBS=2	# TCG guests at once (one per core)
ABIT_LOADED_NS=430	# abit sensitivity: the cost per entry measured on a loaded host
if [ $quick = 1 ]; then
	GEN_WL="zipf1.0 shift"
	GEN_S=6
	GEN_PAGES=16384
	ACC_ARGS="--pages 8192 --seconds 5"
	REAL_WL=${EVAL_WORKLOADS:-"sqlite graph"}
	GUEST_ARGS=--quick
	MIX_S=6
	MIX_PAGES=16384
	LOOP_S=12	# each run's steady phase looped to at least this long
else
	GEN_WL="zipf1.0 zipf1.2 shift scan many"
	GEN_S=20
	GEN_PAGES=65536
	ACC_ARGS="--pages 32768 --seconds 10"
	REAL_WL=${EVAL_WORKLOADS:-all}
	GUEST_ARGS=
	MIX_S=10
	MIX_PAGES=65536
	LOOP_S=60	# issue 11: the policies see >= 60 s of steady state
fi
RATE=10000000
GEN_W=100
REAL_W=10
LLC=2M
EPOCH_MS=200
WINDOW_MS=250
[ $quick = 1 ] && WINDOW_MS=100

for t in vtier-sim vtier-replay vtier-gen bench_ingest bench_accuracy; do
	[ -x "$BIN/$t" ] || die "$BIN/$t missing (make eval builds it)"
done
command -v gnuplot >/dev/null || die "gnuplot missing (make deps installs gnuplot-nox)"
command -v python3 >/dev/null || die "python3 missing (make deps installs it)"
if [ "$REAL_WL" = all ]; then
	REAL_WL=$("$ROOT/scripts/eval-guest.sh" --list | awk '/^[^ ]/ {print $1}' | tr '\n' ' ')
fi

# ---- 0: versions ----
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "mode: $mode"
	echo "git: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "host kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	echo "gcc: $(gcc -dumpfullversion)"
	echo "qemu: $(qemu-system-x86_64 --version | head -1)"
	echo "gnuplot: $(gnuplot --version)"
	echo "guest kernel: $(sed -n 's/^GUEST_KVER=//p' "$ROOT/build/guest-kernel.env")"
	echo "generated workloads: $GEN_WL, $GEN_PAGES pages, $RATE accesses/s, $GEN_S s, seed 1"
	echo "real workloads: $REAL_WL"
} >"$out/versions.txt"

# ---- 1: cost of a sample ----
phase "cost of one sample (bench_ingest; callgrind)"
"$BIN/bench_ingest" | tee "$work/ingest.txt" | sed 's/^/    /'
{
	echo "metric,value"
	awk -F': ' '/^metadata/ {split($2, a, " "); print "bytes_per_page," a[1]}
		/first pass/ {split($2, a, " "); print "ns_first_touch," a[1]}
		/steady state/ {split($2, a, " "); print "ns_steady," a[1]}
		/90% of samples/ {split($2, a, " "); print "ns_skewed," a[1]}
		/cooling sweep/ {split($2, a, " "); print "ns_sweep_per_page," a[1]}' \
		"$work/ingest.txt"
	if command -v valgrind >/dev/null; then
		n=100000
		cg=$(mktemp)
		valgrind --tool=callgrind --callgrind-out-file="$cg" \
			--collect-atstart=no --toggle-collect=steady \
			"$BIN/bench_ingest" $n >/dev/null 2>&1
		ir=$(awk '/^summary:/ {print $2}' "$cg")
		rm -f "$cg"
		echo "instr_per_sample_steady,$(awk -v a="$ir" -v b=$((2 * n)) 'BEGIN {printf "%.1f", a / b}')"
	fi
} >"$out/cost.csv"

# ---- 2: accuracy on the generated workloads ----
phase "identification accuracy, generated workloads (bench_accuracy $ACC_ARGS)"
# shellcheck disable=SC2086
"$BIN/bench_accuracy" $ACC_ARGS --csv "$out/accuracy_generated.csv" \
	>"$work/accuracy.txt" 2> >(sed 's/^/    /' >&2)

# ---- 3: real workloads under the plugin ----
# shellcheck source=../../tools/guestwl/workloads.sh
. "$ROOT/tools/guestwl/workloads.sh"	# wl_sizes
phase "real workloads in the guest under the TCG plugin: $REAL_WL"
todo=
for wl in $REAL_WL; do
	opts="window_ms=$WINDOW_MS,arm=1,stop=2,sample=$REAL_W,llc=$LLC"
	# Reused only if recorded with today's sizes, options and phases.
	if [ $reuse = 1 ] && [ -s "$work/$wl.trace.gz" ] &&
	   grep -q '^result=ok$' "$work/$wl.meta" 2>/dev/null &&
	   grep -q "^plugin_options=.*,$opts\$" "$work/$wl.meta" &&
	   grep -q "^size=$mode\$" "$work/$wl.meta" &&
	   grep -q '^steady_ns=' "$work/$wl.meta" &&
	   grep -qxF "params=$(wl_sizes "$wl" "$mode")" "$work/$wl.meta"; then
		note "$wl: reusing $work/$wl.trace.gz"
		cp "$work/$wl.meta" "$work/$wl.summary" "$out/"
		continue
	fi
	todo="$todo $wl"
done
if [ -n "$todo" ]; then
	note "running$todo, $GUEST_JOBS guests at a time"
	# shellcheck disable=SC2086
	"$ROOT/scripts/eval-guest.sh" $todo --jobs $GUEST_JOBS $GUEST_ARGS \
		--sample $REAL_W --llc $LLC --window-ms $WINDOW_MS \
		--out "$work" 2>&1 | sed 's/^/      /'
	[ "${PIPESTATUS[0]}" = 0 ] || die "a workload failed (logs: $work/WORKLOAD.log)"
	for wl in $todo; do
		cp "$work/$wl.meta" "$work/$wl.summary" "$out/"
	done
fi

# Generated traces for the simulator, with their exact truth.
for wl in $GEN_WL; do
	[ -s "$work/gen-$wl.trace.gz" ] && continue
	note "vtier-gen $wl"
	"$BIN/vtier-gen" "$wl" --pages $GEN_PAGES --rate $RATE \
		--seconds $GEN_S --sample $GEN_W --seed 1 \
		--truth "$work/gen-$wl.truth" | gzip -1 >"$work/gen-$wl.trace.gz"
done

# Distinct pages in a truth file: the footprint the ratios divide.
footprint() { awk '$1 != "window" && $1 !~ /^#/ {p[$1] = 1} END {print length(p)}' "$1"; }

# ---- 4: hot-set accuracy on the real workloads ----
phase "hot-set accuracy on the real workloads (vtier-replay)"
echo "workload,window,t_s,f1,coverage" >"$out/f1_time.csv"
echo "workload,sample_1_in,mean_f1,mean_coverage" >"$out/f1_rate_real.csv"
for wl in $REAL_WL; do
	fp=$(footprint "$work/$wl.truth")
	k=$(((fp + 4) / 5))		# the fast tier at 1:4
	"$BIN/vtier-replay" --quota $k --truth "$work/$wl.truth" \
		--window $((WINDOW_MS * 1000000)) --sample 1 \
		"$work/$wl.trace.gz" >"$work/$wl.replay"
	awk -v wl="$wl" -v w=$WINDOW_MS '$1 == "window" {
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		printf "%s,%d,%.1f,%s,%s\n", wl, $2, ($2 + 1) * w / 1000, v["f1"], v["coverage"] }' \
		"$work/$wl.replay" >>"$out/f1_time.csv"
	for s in 1 10 100 1000; do
		"$BIN/vtier-replay" --quota $k --truth "$work/$wl.truth" \
			--window $((WINDOW_MS * 1000000)) --sample $s --seed 1 --quiet \
			"$work/$wl.trace.gz" |
			awk -v wl="$wl" -v n=$((s * REAL_W)) '$1 == "total" {
				for (i = 1; i < NF; i++) v[$i] = $(i + 1)
				printf "%s,%d,%s,%s\n", wl, n, v["mean_f1"], v["mean_coverage"] }' \
			>>"$out/f1_rate_real.csv"
	done
	note "$wl: footprint $fp pages, K $k: $(tail -1 "$work/$wl.replay")"
done

# ---- 5: the simulator ----
phase "tiering simulator: every policy, fast:slow 1:$RATIOS, samplers pebs and abit"
# Every migrating policy starts from first-touch placement; a real
# workload's steady phase (steady_ns in its .meta) is looped to last
# LOOP_S seconds.  Labels: W (pebs, 1 in 1000 accesses), W/abit (the
# accessed-bit scanner at the module's defaults), and two variants at 1:4:
# W/slow (pebs from an all-slow start, the old default) and W/abit-430ns
# (abit at the cost per entry measured while other guests loaded the host).  The runs go two
# at a time (SIM_JOBS), each into its own CSV, merged in a fixed order.
simdir=$work/sim
rm -rf "$simdir"
mkdir -p "$simdir"
: >"$simdir/jobs"
: >"$simdir/order"
# sim_input TRACE: its file, weight, label and loop options.
sim_input() {
	loop="--loop-from-ns 0 --loop-to-s $LOOP_S"
	case " $GEN_WL " in
	*" $1 "*) file=$work/gen-$1.trace.gz; w=$GEN_W; label=gen-$1 ;;
	*) file=$work/$1.trace.gz; w=$REAL_W; label=$1
	   st=$(sed -n 's/^steady_ns=//p' "$work/$1.meta" 2>/dev/null)
	   [ -n "$st" ] && loop="--loop-from-ns $st --loop-to-s $LOOP_S" ;;
	esac
}
for tr in $REAL_WL $GEN_WL; do
	sim_input "$tr"
	for r in $RATIOS; do
		for v in pebs abit slow abit430; do
			lab=$label args="--sample $((1000 / w))"
			case $v in
			pebs) [ "$r" = 4 ] && args="$args --epoch-csv $simdir/$label.epochs.csv" ;;
			abit) lab=$label/abit args="--sampler abit" ;;
			slow) [ "$r" = 4 ] || continue
			      lab=$label/slow args="$args --initial slow" ;;
			abit430) [ "$r" = 4 ] || continue
				lab=$label/abit-430ns
				args="--sampler abit --abit-entry-ns $ABIT_LOADED_NS" ;;
			esac
			n=$label.$v.1-$r
			echo "$n" >>"$simdir/order"
			echo "$BIN/vtier-sim --quiet --csv $simdir/$n.csv --ratio 1:$r --weight $w $args $loop --seed 1 --epoch-ms $EPOCH_MS --label $lab $file >$simdir/$n.txt 2>&1 || touch $simdir/$n.failed" >>"$simdir/jobs"
		done
	done
done
note "$(wc -l <"$simdir/jobs") simulator runs, $SIM_JOBS at a time"
xargs -P "$SIM_JOBS" -I CMD sh -c CMD <"$simdir/jobs"
if ls "$simdir"/*.failed >/dev/null 2>&1; then
	for f in "$simdir"/*.failed; do
		n=$(basename "$f" .failed)
		echo "eval: vtier-sim failed for $n:" >&2
		cat "$simdir/$n.txt" >&2
	done
	exit 1
fi
while read -r n; do
	note "  $n: $(sed -n '1s/.*(steady/(steady/; 1s/);.*/)/p' "$simdir/$n.txt")" >&2
	cat "$simdir/$n.csv"
done <"$simdir/order" | awk 'NR == 1 || !/^label,/' >"$out/sim.csv"
for f in "$simdir"/*.epochs.csv; do [ -e "$f" ] && cat "$f"; done |
	awk 'NR == 1 || !/^label,/' >"$out/sim_epochs.csv"

# vtier's shortest cooling epoch (default 1000 ms) against shorter ones,
# at 1:4, pebs, looped as above.
for tr in $REAL_WL $GEN_WL; do
	sim_input "$tr"
	for e in 100 250 1000; do
		# shellcheck disable=SC2086
		"$BIN/vtier-sim" --ratio 1:4 --weight $w --sample $((1000 / w)) \
			$loop --seed 1 --epoch-ms $EPOCH_MS --label "$label" --quiet \
			--policy vtier --vtier-epoch-ms $e \
			--csv "$out/vtier_epoch_$e.csv" "$file" >/dev/null
	done
done
note "vtier's epoch at 100, 250 and 1000 ms: done"

# ---- 6: fast memory shared among VMs (issue 7) ----
phase "multi-VM mixes: the balancer's policies against static and the oracle"
# skewed: a small very hot set, a large flat VM, one that changes phase;
# even: three Zipf VMs at the same rate; real: three real workloads.
mixgen() {	# NAME WORKLOAD PAGES RATE SEED
	[ -s "$work/mix-$1.trace.gz" ] && return 0
	"$BIN/vtier-gen" "$2" --pages "$3" --rate "$4" --seconds $MIX_S \
		--sample $GEN_W --seed "$5" | gzip -1 >"$work/mix-$1.trace.gz"
}
mixgen hot hotset $((MIX_PAGES * 2)) 40000000 11
mixgen flat zipf0.8 $((MIX_PAGES * 4)) 5000000 12
mixgen phase shift $MIX_PAGES 10000000 13
mixgen z12 zipf1.2 $((MIX_PAGES / 8)) 10000000 14
mixgen z08 zipf0.8 $MIX_PAGES 10000000 15
mixgen sh shift $((MIX_PAGES / 2)) 10000000 16
vm() { echo "--vm $work/mix-$1.trace.gz,label=$2,scale=$GEN_W"; }
# Every VM of a mix samples 1 in 1000 accesses: --sample 1000 / scale.
MIXES="skewed even"
set -- $REAL_WL
if [ $# -ge 3 ]; then
	MIXES="$MIXES real"
	REAL_MIX="--vm $work/$1.trace.gz,label=$1,scale=$REAL_W --vm $work/$2.trace.gz,label=$2,scale=$REAL_W --vm $work/$3.trace.gz,label=$3,scale=$REAL_W"
fi
for mix in $MIXES; do
	case $mix in
	skewed) vms="$(vm hot hot) $(vm flat flat) $(vm phase phase)"; w=$GEN_W ;;
	even) vms="$(vm z12 zipf1.2) $(vm z08 zipf0.8) $(vm sh shift)"; w=$GEN_W ;;
	real) vms=$REAL_MIX; w=$REAL_W ;;
	esac
	for r in $RATIOS; do
		note "$mix 1:$r"
		ecsv=
		[ "$r" = 4 ] && ecsv="--epoch-csv $out/multivm_quota.csv"
		# shellcheck disable=SC2086
		"$BIN/vtier-sim" $vms --ratio 1:$r --sample $((1000 / w)) \
			--seed 1 --label "$mix 1:$r" --quiet \
			--csv "$out/multivm.csv" $ecsv >"$work/mix-$mix.1-$r.txt"
		grep '^goal' "$work/mix-$mix.1-$r.txt" | sed 's/^/      /'
	done
done

# ---- 7: report ----
phase "figures and report"
python3 "$ROOT/bench/eval/report.py" --data "$out" --report "$report" \
	--mode $mode
note "done in $(($(date +%s) - START)) s: $report"
