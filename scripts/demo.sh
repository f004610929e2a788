#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: the vtier hint path, live.
#
# Starts vtierd, boots a QEMU guest (qemu-configs/run-guest.sh) that loads
# vtier.ko and runs vtier-hotcold, a workload whose first 4 MiB of 64 MiB
# take 90% of the accesses.  Once a second it prints the guest's counters
# (samples, hot pages, hints sent/acked) beside vtierd's (hints received and
# translated, distinct pages), then stops by itself and scores the pages
# vtierd translated against the workload's known hot pages.
#
# Environment: DEMO_SECONDS (workload run time, default 20), VTIER_KEEP=1
# keeps the working directory with the logs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/bin
SECS=${DEMO_SECONDS:-20}
case $SECS in '' | *[!0-9]*) echo "demo: DEMO_SECONDS must be a number" >&2; exit 2 ;; esac
BOOT_LIMIT=180		# TCG boot is seconds when idle, far more under load
END_LIMIT=$((SECS + BOOT_LIMIT + 60))

for f in "$BIN/vtierd" "$BIN/vtierctl" "$ROOT/guest-driver/vtier.ko" \
	 "$ROOT/build/guest-bin/vtier-hotcold"; do
	[ -e "$f" ] || { echo "demo: $f is missing; run 'make demo'" >&2; exit 1; }
done
"$ROOT/scripts/mkinitramfs.sh" "$ROOT/build/initramfs.cpio.gz" >/dev/null

work=$(mktemp -d /tmp/vtier-demo-XXXXXX)
vtierd_pid= qemu_pid=
cleanup() {
	set +e
	if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null; fi
	if [ -n "$vtierd_pid" ]; then kill "$vtierd_pid" 2>/dev/null; fi
	wait 2>/dev/null
	if [ "${VTIER_KEEP:-0}" != 0 ]; then
		echo "demo: logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctl() { "$BIN/vtierctl" --control "$work/ctl.sock" "$@"; }

echo "demo: starting vtierd (log: $work/vtierd.log)"
"$BIN/vtierd" --vm "name=demo,socket=$work/vu.sock" \
	--control "$work/ctl.sock" >"$work/vtierd.log" 2>&1 </dev/null &
vtierd_pid=$!
for _ in $(seq 50); do [ -S "$work/ctl.sock" ] && break; sleep 0.1; done
[ -S "$work/ctl.sock" ] || { cat "$work/vtierd.log"; exit 1; }
sed 's/^/  /' "$work/vtierd.log"

echo "demo: booting the guest (QEMU TCG, 2 vCPUs, 1 GiB; console: $work/console.log)"
"$ROOT/qemu-configs/run-guest.sh" --socket "$work/vu.sock" --script demo \
	--append "vtier.seconds=$SECS" --timeout "$END_LIMIT" \
	--name vtier-demo >"$work/console.log" 2>&1 </dev/null &
qemu_pid=$!

console_has() { grep -aq "$1" "$work/console.log"; }
# The value of key=N in the newest VTIER-DEMO line.
guest_val() {
	grep -a '^VTIER-DEMO ' "$work/console.log" | tail -n1 |
		tr ' ' '\n' | sed -n "s/^$1=//p"
}
# Field of vtierctl's status row for the demo VM (see docs/vtierd.md).
host_val() { ctl status | awk -v c="$1" '$1 == "demo" { print $c }'; }
host_pages() { ctl pages demo | sed -n '1s/.*, \([0-9]*\) pages$/\1/p'; }

start=$(date +%s)
stage=boot
while :; do
	sleep 1
	t=$(($(date +%s) - start))
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		stage=exited
		break
	fi
	console_has 'VTIER-SCRIPT-END demo' && break
	if [ $stage = boot ]; then
		if console_has '^VTIER-DEMO '; then
			stage=run
			echo "demo: guest up, vtier.ko connected; workload running for ${SECS}s"
		elif [ "$t" -ge "$BOOT_LIMIT" ]; then
			echo "demo: guest did not start the workload within ${BOOT_LIMIT}s" >&2
			break
		else
			[ $((t % 5)) = 0 ] && echo "demo: [${t}s] booting..."
			continue
		fi
	fi
	[ "$t" -ge "$END_LIMIT" ] && { echo "demo: time limit reached" >&2; break; }
	# vtierd forgets a VM's pages when its VMM goes away: keep the latest.
	ctl pages demo >"$work/pages.new" && mv "$work/pages.new" "$work/pages"
	printf '[%3ds] guest: samples %7s  hot pages %5s  hints sent %6s acked %6s | vtierd: received %6s translated %6s pages %5s\n' \
		"$t" "$(guest_val samples)" "$(guest_val hot_pages)" \
		"$(guest_val hints_sent)" "$(guest_val hints_acked)" \
		"$(host_val 8)" "$(host_val 9)" "$(host_pages)"
done

if ! console_has 'VTIER-SCRIPT-END demo rc=0'; then
	echo "demo: the guest side failed; its console:" >&2
	tail -n 40 "$work/console.log" >&2
	echo "demo: vtierd log:" >&2
	tail -n 20 "$work/vtierd.log" >&2
	exit 1
fi

# Score: pages vtierd translated against the workload's known hot pages.
norm() { tr -d '\r' | sed 's/^0x//; s/^0*//' | tr 'A-F' 'a-f'; }
grep -a '^VTIER-HOTPAGE ' "$work/console.log" | awk '{ print $2 }' | norm |
	sort -u >"$work/hot"
awk 'NR > 2 { print $1 }' "$work/pages" 2>/dev/null | norm | sort -u >"$work/hinted"
hot=$(wc -l <"$work/hot")
hinted=$(wc -l <"$work/hinted")
both=$(comm -12 "$work/hot" "$work/hinted" | wc -l)
echo
echo "demo: summary after ${SECS}s of workload"
echo "  guest:  $(grep -a '^VTIER-DEMO ' "$work/console.log" | tail -n1 | cut -d' ' -f2-)"
echo "  vtierd: hints received $(host_val 8), translated $(host_val 9), rejected $(host_val 10), mode $(host_val 7)"
echo "  hot region: $hot pages; vtierd translated $hinted distinct pages, $both of them in the hot region"
if [ "$hinted" -gt 0 ] && [ "$hot" -gt 0 ]; then
	echo "  precision $((100 * both / hinted))%, recall $((100 * both / hot))%"
fi
grep -a 'observe-only' "$work/vtierd.log" | head -n1 | sed 's/^/  /'
