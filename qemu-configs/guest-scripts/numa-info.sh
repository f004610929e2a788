# SPDX-License-Identifier: GPL-2.0
# numa-info: print the guest's NUMA topology as VTIER-NUMA lines.
n=/sys/devices/system/node
echo "VTIER-NUMA online $(cat $n/online) has_cpu $(cat $n/has_cpu)"
for d in $n/node[0-9]*; do
	id=${d##*node}
	kb=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' "$d/meminfo")
	lat=$(cat "$d/access0/initiators/read_latency" 2>/dev/null || echo -)
	bw=$(cat "$d/access0/initiators/read_bandwidth" 2>/dev/null || echo -)
	echo "VTIER-NUMA node$id mem_kb=$kb cpus=$(cat "$d/cpulist")" \
	     "distance=$(cat "$d/distance" | tr ' ' ,) read_latency=$lat" \
	     "read_bandwidth=$bw"
done
