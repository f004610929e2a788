# SPDX-License-Identifier: GPL-2.0
# balance: the guest side of selftests/e2e/balance_test.c.  Loads vtier.ko
# with the replay sampler, waits for "connected", and runs
#   vtier-feed 0x10000 $VTIER_FEED
# (a generated workload written to the replay file in real time; see
# selftests/guest/vtier-feed.c).  Once a second it prints
#   VTIER-BAL quota=<quota_pages> hot=<hot_pages> state=<state>
# from /sys/kernel/vtier.  Then it obeys console lines from the host:
#   feed SPEC   replace the workload by `vtier-feed 0x10000 SPEC`
#   greedy N S [--no-report]  unload vtier.ko and run
#               `vtier-greedy 9771 N S [--no-report]` instead
#               (a guest that ignores QUOTA), then print VTIER-BAL-GREEDY-END
#   done        stop
# Kernel command line: vtier.feed=SPEC, vtier.wait=S (default 60),
# vtier.modargs=... (extra module parameters).
. /scripts/lib.sh

# Kernel messages on the console could split a line the host parses.
dmesg -n 1
S=/sys/kernel/vtier
vtier_load sampler=replay || exit 1
wait_state connected "${VTIER_WAIT:-60}" || exit 1

(
	while :; do
		if [ -e $S/quota_pages ]; then
			echo "VTIER-BAL quota=$(cat $S/quota_pages)" \
				"hot=$(cat $S/hot_pages) state=$(cat $S/state)"
		fi
		sleep 1
	done
) &
MON=$!
vtier-feed 0x10000 "$VTIER_FEED" &
FEED=$!

while read -r cmd a b c; do
	case $cmd in
	feed)
		kill $FEED
		wait $FEED
		vtier-feed 0x10000 "$a" &
		FEED=$!
		echo "VTIER-BAL-FED $a"
		;;
	greedy)
		kill $FEED
		wait $FEED
		vtier_unload
		vtier-greedy 9771 "$a" "$b" $c
		echo "VTIER-BAL-GREEDY-END rc=$?"
		;;
	done)
		break
		;;
	esac
done
kill $FEED $MON 2>/dev/null
echo "VTIER-BAL-END"
