#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Sourced by run_kselftest.sh (installed as kselftest/runner.sh):
# run_many COLLECTION TEST... runs each TEST of the current directory and
# prints TAP the way the kernel's kselftest/runner.sh does: the test's own
# output as "# " lines, then "ok N selftests: COLLECTION: TEST", with
# "# SKIP" for exit status 4 and "# TIMEOUT" after the collection's
# settings timeout= (default 45 s).  Returns 1 if a test failed.
skip_rc=4
timeout_rc=124
logfile=${logfile:-}

# settings: "timeout=SECONDS" lines of the collection.
collection_timeout() {
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' settings 2>/dev/null | tail -n1)
	echo "${t:-45}"
}

# A test's output as TAP comments, into output.log with -s.  Not via
# /dev/stdout: a guest with only devtmpfs has no such link.
tap_prefix() {
	if [ -n "$logfile" ]; then
		sed 's/^/# /' >>"$logfile"
	else
		sed 's/^/# /'
	fi
}

run_one() {	# run_one COLLECTION TEST NUM TIMEOUT
	hdr="selftests: $1: $2"
	echo "# $hdr"
	if [ ! -x "./$2" ]; then
		echo "# Warning: $2 is missing or not executable"
		echo "not ok $3 $hdr"
		return 1
	fi
	rcfile=$(mktemp)
	if command -v timeout >/dev/null 2>&1; then
		(timeout "$4" "./$2" 2>&1; echo $? >"$rcfile") | tap_prefix
	else
		("./$2" 2>&1; echo $? >"$rcfile") | tap_prefix
	fi
	rc=$(cat "$rcfile")
	rm -f "$rcfile"
	case $rc in
	0) echo "ok $3 $hdr" ;;
	"$skip_rc") echo "ok $3 $hdr # SKIP" ;;
	"$timeout_rc") echo "not ok $3 $hdr # TIMEOUT $4 seconds"; return 1 ;;
	*) echo "not ok $3 $hdr # exit=$rc"; return 1 ;;
	esac
	return 0
}

run_many() {	# run_many COLLECTION TEST...
	collection=$1
	shift
	limit=$(collection_timeout)
	echo "TAP version 13"
	echo "1..$#"
	num=0
	failed=0
	for test in "$@"; do
		num=$((num + 1))
		run_one "$collection" "$test" "$num" "$limit" || failed=1
	done
	return $failed
}
