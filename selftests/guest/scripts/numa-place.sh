# SPDX-License-Identifier: GPL-2.0
# numa-place: placement proof and mover benchmark in the two-node VM
# (qemu-configs/run-numa-vm.sh; selftests/e2e/numa_test.c reads the output).
# vtier-numa-driver runs the real (static) vtierd against the test frontend
# and prints VTIER-NUMA-TEST lines; vtier-numa-bench prints VTIER-NUMA-BENCH.
n=/sys/devices/system/node
echo "VTIER-NUMA online $(cat $n/online) has_cpu $(cat $n/has_cpu) has_memory $(cat $n/has_memory)"
vtier-numa-driver
echo "VTIER-NUMA-DRIVER rc=$?"
vtier-numa-bench
echo "VTIER-NUMA-BENCH-END rc=$?"
