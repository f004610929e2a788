# SPDX-License-Identifier: GPL-2.0
# sampler: the sampler tests' guest side (selftests/e2e/sampler_test.c).
# vtier.mode= picks the case:
#   select  load with sampler=auto, print the active sampler and every
#           refused one (VTIER-SAMPLER-ACTIVE, VTIER-REFUSED), wait for the
#           connection (the host checks HELLO's sampler), unload; then force
#           each of pebs and ibs and print whether the load failed and the
#           module's reason (VTIER-FORCE <name> ok|fail, VTIER-FORCE-WHY).
#   hot     start vtier-hotspot (vtier.hot=MiB, vtier.cold=MiB), which prints
#           its hot frames, then load sampler=abit scanning only that
#           process; the host compares the hinted pages with the hot frames.
#   loop    with vtier-hotspot running, load and unload vtier.ko
#           vtier.loops= times with each sampler that can run here, then
#           print the growth of memory in use (VTIER-LOOP mem_growth_kb=N)
#           and the kernel's warnings (VTIER-LOOP done warnings=N).
#   bench   THP off, vtier-hotspot 16 MiB hot / 256 MiB cold, abit over all
#           processes at cpu_budget_permille=vtier.budget; after 10 s
#           print the figures every 2 s for 20 s (VTIER-BENCH lines, for
#           bench/sampler/abit_bench.sh).
. /scripts/lib.sh

S=/sys/kernel/vtier/samplers

# dmesg lines that mean something went wrong in the kernel.
kernel_trouble() {
	dmesg | grep -E 'WARNING:|BUG:|Call Trace|general protection|kmemleak'
}

# Kernel memory a module can leak, kB: unreclaimable slab, vmalloc and
# per-CPU areas (where rings, tables and scan state live).  Not MemTotal -
# MemFree: that includes page cache, which moves by megabytes on a busy
# machine; a module that leaks on unload grows this by hundreds of kB per
# cycle.
mem_used_kb() {
	awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s }' \
		/proc/meminfo
}

case "${VTIER_MODE:-}" in
select)
	vtier_load sampler=auto || exit 1
	echo "VTIER-SAMPLER-ACTIVE $(cat $S/active)"
	while read -r line; do
		echo "VTIER-REFUSED $line"
	done <$S/refused
	wait_state connected "${VTIER_WAIT:-60}"
	vtier_unload || exit 1
	for s in pebs ibs; do
		if insmod "$VTIER_KO" sampler=$s 2>/dev/null; then
			echo "VTIER-FORCE $s ok"
			rmmod vtier
		else
			echo "VTIER-FORCE $s fail"
			why=$(dmesg | grep "sampler=$s cannot run" | tail -n1)
			echo "VTIER-FORCE-WHY ${why#*: }"
		fi
	done
	echo "VTIER-SELECT done"
	;;
hot)
	# Its frames and `ready` reach the console before the load, in order.
	vtier-hotspot "${VTIER_HOT:-4}" "${VTIER_COLD:-16}" >/tmp/hotspot.out &
	pid=$!
	n=0
	while ! grep -q 'VTIER-HOTSPOT ready' /tmp/hotspot.out; do
		[ $n -ge 600 ] && { echo "VTIER-HOTSPOT not ready"; exit 1; }
		n=$((n + 1))
		sleep 0.1
	done
	cat /tmp/hotspot.out
	vtier_load sampler=abit abit_pids=$pid || exit 1
	wait_state connected "${VTIER_WAIT:-60}" || exit 1
	echo "VTIER-HOT-LOADED"
	# Stay until the host is done; show the sampler's figures meanwhile.
	while :; do
		sleep 5
		echo "VTIER-ABIT rounds=$(cat $S/rounds)" \
			"samples=$(cat $S/samples) per_s=$(cat $S/samples_per_s)" \
			"overhead_ppm=$(cat $S/overhead_ppm)" \
			"interval_us=$(cat $S/interval_us)" \
			"pages_per_s=$(cat $S/pages_per_s)"
	done
	;;
loop)
	vtier-hotspot 4 16 --quiet &
	# One cycle first, so that what stays allocated after the first load
	# (module text caches, sysfs/kernfs nodes) is not counted as a leak.
	insmod "$VTIER_KO" sampler=abit && sleep 1 && rmmod vtier
	sleep 1
	before=$(mem_used_kb)
	for i in $(seq "${VTIER_LOOPS:-5}"); do
		for s in abit replay; do
			if ! insmod "$VTIER_KO" sampler=$s; then
				echo "VTIER-LOOP $i $s insmod-failed"
				continue
			fi
			sleep 1
			rmmod vtier || echo "VTIER-LOOP $i $s rmmod-failed"
		done
	done
	sleep 1
	echo "VTIER-LOOP mem_growth_kb=$(($(mem_used_kb) - before))"
	echo "VTIER-LOOP done warnings=$(kernel_trouble | wc -l)"
	kernel_trouble | head -n 20 | sed 's/^/VTIER-LOOP-WARN /'
	;;
bench)
	echo never >/sys/kernel/mm/transparent_hugepage/enabled
	vtier-hotspot 16 256 --quiet >/dev/null &
	sleep 2
	vtier_load sampler=abit cpu_budget_permille="${VTIER_BUDGET:-10}" ||
		exit 1
	sleep 10
	for i in $(seq 10); do
		sleep 2
		echo "VTIER-BENCH pages_per_s=$(cat $S/pages_per_s)" \
			"cpu_ns_per_round=$(cat $S/cpu_ns_per_round)" \
			"interval_us=$(cat $S/interval_us)" \
			"overhead_ppm=$(cat $S/overhead_ppm)" \
			"samples_per_s=$(cat $S/samples_per_s)"
	done
	;;
*)
	echo "VTIER-SAMPLER unknown mode '${VTIER_MODE:-}'"
	exit 1
	;;
esac
