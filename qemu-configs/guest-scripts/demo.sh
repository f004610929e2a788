# SPDX-License-Identifier: GPL-2.0
# demo: load vtier.ko with the sampler a guest really uses (sampler=auto:
# abit under TCG), run vtier-hotcold (a workload whose first 4 MiB of 64 take
# 90% of its memory accesses) and print the module's counters once a second
# as one VTIER-DEMO line, which scripts/demo.sh on the host shows next to
# vtierd's counters.
# Kernel command line knobs: vtier.seconds=N (default 20).
. /scripts/lib.sh

secs=${VTIER_SECONDS:-20}
# abit at 5% of a CPU with rounds from 100 ms.  The workload writes pages
# all over its 64 MiB, so every round rechecks all 16 384 PTEs; on this
# 2-core TCG host a round then costs 0.5-15% of 100 ms (mean about 3%), and
# at the default 1% / 200 ms the rounds stretched to 0.6-1.2 s, one sample
# per hot page per epoch at best, and the hot set flapped (recall 12% at
# the end).  At 10 000 accesses/s a hot page is written about 0.9 times per
# 100 ms round, a cold one 0.007 times.
vtier_load sampler=auto cpu_budget_permille=50 abit_interval_ms=100 || exit 1
wait_state connected 20 || exit 1

demo_line() {
	d=/sys/kernel/vtier
	echo "VTIER-DEMO state=$(cat $d/state) sampler=$(cat $d/sampler)" \
	     "samples=$(cat $d/samples) dropped=$(cat $d/samples_dropped)" \
	     "hot_pages=$(cat $d/hot_pages) hints_sent=$(cat $d/hints_sent)" \
	     "hints_acked=$(cat $d/hints_acked)" \
	     "round_ms=$(($(cat $d/samplers/interval_us) / 1000))" \
	     "overhead_ppm=$(cat $d/samplers/overhead_ppm)"
}

vtier-hotcold -s 64 -H 4 -p 90 -r 10000 -t "$secs" &
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
