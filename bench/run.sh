#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The identification benchmarks, one command (`make bench`, QUICK=1 for a
# shorter accuracy run): ingest cost (time, and instructions per sample
# under callgrind), metadata per page, then the accuracy tables of vtier's
# engine beside the HeMem-style and MEMTIS-style baselines.
set -euo pipefail
BIN=$(cd "$(dirname "$0")/../build/bin" && pwd)
quick=
[ "${1:-}" = --quick ] && quick=--quick

echo "## ingest"
"$BIN/bench_ingest"
if command -v valgrind >/dev/null; then
	# Count only inside one phase's record calls: instructions / calls.
	n=200000
	for phase in first_pass steady; do
		out=$(mktemp)
		valgrind --tool=callgrind --callgrind-out-file="$out" \
			--collect-atstart=no --toggle-collect=$phase \
			"$BIN/bench_ingest" $n >/dev/null 2>&1
		ir=$(awk '/^summary:/ {print $2}' "$out")
		rm -f "$out"
		# first_pass: n calls; steady: 2n (the same frames again, skewed).
		calls=$n
		[ $phase = steady ] && calls=$((2 * n))
		echo "callgrind, $phase: $ir instructions over $calls samples:" \
			"$(awk -v a="$ir" -v b=$calls 'BEGIN {printf "%.1f", a / b}') per sample"
	done
else
	echo "callgrind: valgrind not installed"
fi
echo
echo "## accuracy"
"$BIN/bench_accuracy" $quick
