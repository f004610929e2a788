# SPDX-License-Identifier: GPL-2.0
# demo: load vtier.ko, run vtier-hotcold (a workload whose first HOT MiB are
# hot) and print the module's counters once a second as one VTIER-DEMO line,
# which scripts/demo.sh on the host shows next to vtierd's counters.
# Kernel command line knobs: vtier.seconds=N (default 20).
. /scripts/lib.sh

secs=${VTIER_SECONDS:-20}
# Only the replayed accesses count: no sampler of its own.
vtier_load sampler=replay || exit 1
wait_state connected 20 || exit 1

demo_line() {
	d=/sys/kernel/vtier
	echo "VTIER-DEMO state=$(cat $d/state) samples=$(cat $d/samples)" \
	     "dropped=$(cat $d/samples_dropped) hot_pages=$(cat $d/hot_pages)" \
	     "hints_sent=$(cat $d/hints_sent) hints_acked=$(cat $d/hints_acked)"
}

vtier-hotcold -s 64 -H 4 -p 90 -r 20000 -t "$secs" &
pid=$!
# Not `kill -0`: busybox sh leaves the finished workload a zombie until wait.
i=0
while [ $i -lt "$secs" ]; do
	demo_line
	sleep 1
	i=$((i + 1))
done
wait "$pid"
rc=$?
sleep 2		# let the last epoch's hints reach the host
demo_line
vtier_unload
exit $rc
