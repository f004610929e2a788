#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: the vtier hint path, live.
#
# Starts vtierd, boots a QEMU guest (qemu-configs/run-guest.sh) that loads
# vtier.ko with sampler=auto (under TCG it picks abit, the accessed-bit
# scanner) and runs vtier-hotcold, a workload whose first 4 MiB of 64 MiB
# take 90% of its memory accesses.  Once a second it prints the guest's
# sampler and counters (samples, hot pages, hints sent/acked) beside
# vtierd's (hints received and translated, distinct pages, hot-region pages
# promoted), then stops by itself and scores the pages vtierd holds as
# promoted against the workload's hot region, whose frames it printed.
# Exits 1 if no page of the hot region was promoted.
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
vtierd_pid='' qemu_pid=''
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
# The value of key=N in the newest VTIER-DEMO line (the guest is not
# trusted: only word characters reach the terminal).
guest_val() {
	grep -a '^VTIER-DEMO ' "$work/console.log" | tail -n1 |
		tr ' ' '\n' | sed -n "s/^$1=//p" | tr -cd 'A-Za-z0-9_'
}
# Field of vtierctl's status row for the demo VM (see docs/vtierd.md).
host_val() { ctl status | awk -v c="$1" '$1 == "demo" { print $c }'; }
host_pages() { ctl pages demo | sed -n '1s/.*, \([0-9]*\) pages$/\1/p'; }

norm() { tr -d '\r' | sed 's/^0x//; s/^0*//' | tr 'A-F' 'a-f'; }
# The workload's hot region, once it has printed it (before it starts):
# frame numbers in hex, nothing else (they reach shell arithmetic below).
hot_region() {
	{ grep -a '^VTIER-HOTPAGE ' "$work/console.log" || true; } |
		awk '{ print $2 }' | norm | sed -n '/^[0-9a-f]\{1,15\}$/p' |
		sort -u >"$work/hot"
}
# Frames vtierd holds as promoted (last hint: promote) in `vtierctl pages`
# output file $1.
promoted() {
	awk 'NR > 2 && $8 == "promote" { print $1 }' "$1" | norm | sort -u
}

: >"$work/pages"
: >"$work/pages.run"
start=$(date +%s)
stage=boot
first_hot='' most_hot=''
while :; do
	sleep 1
	t=$(($(date +%s) - start))
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		stage=exited
		break
	fi
	console_has 'VTIER-SCRIPT-END demo' && break
	if [ $stage = boot ]; then
		if console_has '^VTIER-HOTCOLD-START '; then
			stage=run
			run_start=$t
			hot_region
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
	# vtierd forgets a VM's pages when its VMM goes away: keep the latest,
	# and the latest taken while the workload still ran (the score's: once
	# it stops, its pages cool and are demoted within seconds).
	running=1
	console_has '^VTIER-HOTCOLD-DONE' && running=0
	ctl pages demo >"$work/pages.new" && mv "$work/pages.new" "$work/pages"
	[ $running = 1 ] && cp "$work/pages" "$work/pages.run"
	found=$(promoted "$work/pages" | comm -12 "$work/hot" - | wc -l)
	# Upper bounds: the workload started in the second before run_start.
	if [ -z "$first_hot" ] && [ "$found" -gt 0 ]; then
		first_hot=$((t - run_start + 1))
	fi
	if [ -z "$most_hot" ] && [ "$found" -gt 0 ] &&
	   [ $((10 * found)) -ge $((9 * $(wc -l <"$work/hot"))) ]; then
		most_hot=$((t - run_start + 1))
	fi
	printf '[%3ds] guest: %-6s samples %7s  hot pages %5s  hints sent %6s acked %6s | vtierd: translated %6s  pages %5s  hot region promoted %4s/%s\n' \
		"$t" "$(guest_val sampler)" "$(guest_val samples)" \
		"$(guest_val hot_pages)" "$(guest_val hints_sent)" \
		"$(guest_val hints_acked)" "$(host_val 9)" "$(host_pages)" \
		"$found" "$(wc -l <"$work/hot")"
done

if ! console_has 'VTIER-SCRIPT-END demo rc=0'; then
	echo "demo: the guest side failed; its console:" >&2
	tail -n 40 "$work/console.log" >&2
	echo "demo: vtierd log:" >&2
	tail -n 20 "$work/vtierd.log" >&2
	exit 1
fi

# Score: the pages vtierd held as promoted in the workload's last second
# against the hot region.
hot_region
promoted "$work/pages.run" >"$work/promoted"
awk 'NR > 2 { print $1 }' "$work/pages" | norm | sort -u >"$work/hinted"
hot=$(wc -l <"$work/hot")
prom=$(wc -l <"$work/promoted")
both=$(comm -12 "$work/hot" "$work/promoted" | wc -l)
hinted=$(wc -l <"$work/hinted")
hinted_hot=$(comm -12 "$work/hot" "$work/hinted" | wc -l)
# Promoted pages outside the hot region in a 2 MiB frame range (512
# frames) that holds hot-region pages: cold subpages of a range the engine
# hinted whole (order 9).  The rest belong to other memory of the guest.
regions() { while read -r f; do echo $((16#$f >> 9)); done; }
regions <"$work/hot" | sort -u >"$work/hot.regions"
near=$(comm -13 "$work/hot" "$work/promoted" | regions | sort |
	join - "$work/hot.regions" | wc -l)
echo
echo "demo: summary after ${SECS}s of workload"
echo "  guest:  $(grep -a '^VTIER-DEMO ' "$work/console.log" | tail -n1 | cut -d' ' -f2- | tr -cd 'A-Za-z0-9_= ')"
echo "  vtierd: sampler $(host_val 5), hints received $(host_val 8), translated $(host_val 9), rejected $(host_val 10), mode $(host_val 7)"
echo "  hot region: $hot pages; at the workload's end vtierd held $prom pages as promoted, $both of them in the hot region"
echo "  of the $((prom - both)) others, $near lie in 2 MiB frame ranges with hot-region pages (hinted whole, order 9); the rest is other guest memory"
echo "  (distinct pages hinted over the run: $hinted, $hinted_hot of them in the hot region)"
if [ "$both" -eq 0 ]; then
	echo "demo: FAILED: no page of the hot region was promoted" >&2
	exit 1
fi
echo "  precision $((100 * both / prom))%, recall $((100 * both / hot))%"
echo "  first hot-region page promoted within ${first_hot}s of the workload's start, 90% of the region within ${most_hot:-(never)}${most_hot:+s}"
grep -a 'observe-only' "$work/vtierd.log" | head -n1 | sed 's/^/  /'
