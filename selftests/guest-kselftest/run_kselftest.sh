#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the installed vtier kselftests, as the kernel's run_kselftest.sh does
# (same options, same TAP): INSTALL_PATH/kselftest-list.txt names
# COLLECTION:TEST lines, each TEST is INSTALL_PATH/COLLECTION/TEST.  POSIX
# sh, so that it runs in a busybox guest too.  Exits 1 if a test failed.
BASE_DIR=$(cd "$(dirname "$0")" && pwd)
LIST=$BASE_DIR/kselftest-list.txt
. "$BASE_DIR/kselftest/runner.sh"

usage() {
	cat <<USAGE
Usage: $0 [OPTIONS]
  -s | --summary                 print only the results; tests' output goes to output.log
  -t | --test COLLECTION:TEST    run TEST from COLLECTION
  -c | --collection COLLECTION   run all tests of COLLECTION
  -l | --list                    list the available COLLECTION:TEST entries
  -d | --dry-run                 print what would run
  -h | --help                    this text
USAGE
	exit "$1"
}

if [ ! -r "$LIST" ]; then
	echo "$0: cannot read the list of tests $LIST" >&2
	exit 1
fi
available=$(grep -v '^#' "$LIST")
selected=
dryrun=
while [ $# -gt 0 ]; do
	case $1 in
	-s|--summary) logfile=$BASE_DIR/output.log; : >"$logfile"; shift ;;
	-t|--test)
		[ $# -ge 2 ] || usage 1
		echo "$available" | grep -qx "$2" ||
			{ echo "No such test '$2'" >&2; exit 1; }
		selected="$selected $2"; shift 2 ;;
	-c|--collection)
		[ $# -ge 2 ] || usage 1
		found=$(echo "$available" | grep "^$2:")
		[ -n "$found" ] || { echo "No such collection '$2'" >&2; exit 1; }
		selected="$selected $found"; shift 2 ;;
	-l|--list) echo "$available"; exit 0 ;;
	-d|--dry-run) dryrun=1; shift ;;
	-h|--help) usage 0 ;;
	*) usage 1 ;;
	esac
done
[ -n "$selected" ] || selected=$available

status=0
for collection in $(echo "$selected" | tr ' ' '\n' | cut -d: -f1 | uniq); do
	tests=$(echo "$selected" | tr ' ' '\n' | grep "^$collection:" | cut -d: -f2)
	if [ -n "$dryrun" ]; then
		for t in $tests; do echo "$collection/$t"; done
		continue
	fi
	[ -w /dev/kmsg ] && echo "kselftest: Running tests in $collection" >/dev/kmsg
	# shellcheck disable=SC2086  # one word per test
	(cd "$BASE_DIR/$collection" && run_many "$collection" $tests) || status=1
done
exit $status
