#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# record_bench.sh BENCH N: instructions per sample of the record path under
# callgrind: inclusive Ir of vtier_record_push (handler side) and
# vtier_ring_pop (drain side), divided by the N samples.
set -euo pipefail
bin=$1 n=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$n" >/dev/null 2>&1
callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
awk -v n="$n" '
	/:vtier_record_push \[/ { gsub(",", "", $1); push = $1 }
	/:vtier_ring_pop \[/ { gsub(",", "", $1); pop = $1 }
	END {
		printf "record path, %d samples: push (translate, filter, ring) %.1f instructions/sample, pop %.1f, total %.1f\n",
		       n, push / n, pop / n, (push + pop) / n
	}'
