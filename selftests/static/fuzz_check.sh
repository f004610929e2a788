#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The libFuzzer targets of fuzz/ (ASan + UBSan), each for FUZZ_SECONDS
# (default 50: three targets stay under 3 minutes) from its seed corpus, as
# TAP: a target passes when libFuzzer finds no crash, leak or sanitizer
# report.  Prints each target's executions and coverage (docs/reliability.md).
# `make fuzz` runs them longer.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${FUZZ_SECONDS:-50}
TARGETS="proto vring datapath"
echo "TAP version 13"
echo "1..3"
if ! make -s -C "$TOP/fuzz" >/dev/null 2>&1; then
	n=0
	for t in $TARGETS; do
		echo "not ok $((++n)) - $t: make -C fuzz failed"
	done
	exit 1
fi
work=$(mktemp -d /tmp/vtier-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
rc=0 n=0
for t in $TARGETS; do
	n=$((n + 1))
	mkdir -p "$work/$t"
	log="$work/$t.log"
	if "$TOP/build/fuzz/${t}_fuzz" -max_total_time="$SECS" \
		-print_final_stats=1 \
		"$work/$t" "$TOP/fuzz/corpus/$t" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		echo "ok $n - $t: ${execs:-?} executions in ${SECS} s, ${cov:-cov: ?}, corpus $(ls "$work/$t" | wc -l) new inputs"
	else
		echo "not ok $n - $t: libFuzzer found a failure"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/# /'
		rc=1
	fi
done
exit $rc
