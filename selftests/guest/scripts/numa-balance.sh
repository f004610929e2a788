# SPDX-License-Identifier: GPL-2.0
# numa-balance: the balancer in the two-node VM (qemu-configs/run-numa-vm.sh;
# selftests/e2e/numa_balance_test.c reads the output).  vtier-numa-balance
# runs the real (static) vtierd with three test frontends as VMs sharing
# --fmem-total and prints VTIER-NUMA-TEST lines, then VTIER-NUMA-BAL-DONE.
n=/sys/devices/system/node
echo "VTIER-NUMA online $(cat $n/online) has_cpu $(cat $n/has_cpu) has_memory $(cat $n/has_memory)"
vtier-numa-balance
echo "VTIER-NUMA-BAL-END rc=$?"
