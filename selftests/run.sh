#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run test programs that print TAP (kselftest harness) and summarise them.
# Usage: selftests/run.sh [--timeout SECONDS] [--no-skips] TEST...
# Each TEST is an executable; its "ok"/"not ok" lines are counted. A test
# program that exits non-zero without reporting a failure (a crash, a
# timeout, a sanitizer report) counts as one failure.  With --no-skips
# (make check, which has just built everything) a skipped test counts as a
# failure too: tests skip when vtier.ko, vtierd or a tool is missing, and
# there that would hide a broken build.
set -u
limit=900
no_skips=
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) limit=$2; shift 2 ;;
	--no-skips) no_skips=1; shift ;;
	*) break ;;
	esac
done

passed=0
failed=0
skipped=0
failed_names=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$@"; do
	name=$(basename "$t")
	echo "# ==== $name"
	start=$(date +%s)
	timeout --kill-after=10 "$limit" "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	ok=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" | tr -d ' ')
	bad=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		[ "$rc" -eq 124 ] && echo "# $name: timed out after ${limit}s"
		echo "# $name: exited with status $rc"
		bad=1
	fi
	if [ -n "$no_skips" ] && [ "$skip" -gt 0 ]; then
		echo "# $name: $skip skipped, a failure with --no-skips"
		bad=$((bad + skip))
	fi
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + bad))
	[ "$bad" -gt 0 ] && failed_names+=("$name")
	echo "# ==== $name: $((ok - skip)) passed, $bad failed, $skip skipped (${secs}s)"
done

[ "$skipped" -gt 0 ] && echo "# $skipped skipped"
[ "$failed" -gt 0 ] && echo "# failed in: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
