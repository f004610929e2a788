# SPDX-License-Identifier: GPL-2.0
# numa-firsttouch: vtierd --initial first-touch in the two-node VM
# (qemu-configs/run-numa-vm.sh; selftests/e2e/numa_firsttouch_test.c reads
# the output).  vtier-numa-firsttouch runs the real (static) vtierd against
# the test frontend and prints VTIER-NUMA-TEST lines, then
# VTIER-NUMA-FT-DONE.
n=/sys/devices/system/node
echo "VTIER-NUMA online $(cat $n/online) has_cpu $(cat $n/has_cpu) has_memory $(cat $n/has_memory)"
vtier-numa-firsttouch
echo "VTIER-NUMA-FT-END rc=$?"
