#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-numa-vm.sh - boot a test guest with two NUMA memory nodes (TCG).
#
# Usage: qemu-configs/run-numa-vm.sh [options] [-- extra qemu args]
#   --initrd FILE     initramfs (default: the chosen kernel's, as run-guest.sh)
#   --script NAME     run /scripts/NAME.sh in the guest (default numa-info)
#   --timeout SECONDS guest powers itself off after SECONDS
#   --append "ARGS"   extra kernel command line arguments
#   --dry-run         print the QEMU command line instead of running it
#
# VTIER_KERNEL and VTIER_QEMU choose the guest kernel and the QEMU
# (qemu-configs/platform.sh), as for run-guest.sh.
#
# Node 0: 512 MiB and both vCPUs; node 1: 512 MiB, no CPUs, "far" memory
# (distance 20; HMAT: 250 ns / 8 GB/s against 80 ns / 20 GB/s for node 0).
# This is for testing page moves inside a guest, as the host here has a
# single NUMA node (docs/qemu.md).  No vsock device.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}

die() { echo "run-numa-vm: ERROR: $*" >&2; exit 2; }

# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"
platform_kernel || exit 2
platform_qemu || exit 2

INITRD=$GUEST_INITRD SCRIPT=numa-info TIMEOUT='' APPEND='' DRY=0
while [ $# -gt 0 ]; do
	case $1 in
	--initrd)  INITRD=$2; shift 2 ;;
	--script)  SCRIPT=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--append)  APPEND=$2; shift 2 ;;
	--dry-run) DRY=1; shift ;;
	-h|--help) sed -n '5,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	--)        shift; break ;;
	*)         die "unknown option $1" ;;
	esac
done

KERNEL=$GUEST_KERNEL
[ -f "$KERNEL" ] || die "kernel $KERNEL missing; run make deps"
[ -f "$INITRD" ] || die "initramfs $INITRD missing; run scripts/mkinitramfs.sh"
case $SCRIPT in *[!A-Za-z0-9_.-]*) die "bad script name '$SCRIPT'" ;; esac

CMDLINE="console=ttyS0 panic=-1 quiet loglevel=4 vtier.script=$SCRIPT"
[ -n "$TIMEOUT" ] && CMDLINE="$CMDLINE vtier.timeout=$TIMEOUT"
[ -n "$APPEND" ] && CMDLINE="$CMDLINE $APPEND"

args=("$QEMU_BIN" "${QEMU_DATA_ARGS[@]}" -name vtier-numa
      -machine q35,accel=tcg,hmat=on -cpu max -smp 2 -m 1G
      -object memory-backend-ram,id=m0,size=512M
      -object memory-backend-ram,id=m1,size=512M
      -numa node,nodeid=0,cpus=0-1,memdev=m0,initiator=0
      -numa node,nodeid=1,memdev=m1,initiator=0
      -numa dist,src=0,dst=1,val=20
      -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=80
      -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=20G
      -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=250
      -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=8G
      -kernel "$KERNEL" -initrd "$INITRD"
      -nographic -no-reboot -nic none
      -append "$CMDLINE" "$@")

# An unpacked QEMU needs its environment (QEMU_ENV); env execs QEMU in turn.
[ ${#QEMU_ENV[@]} -gt 0 ] && args=(env "${QEMU_ENV[@]}" "${args[@]}")
if [ "$DRY" = 1 ]; then
	printf '%q ' "${args[@]}"
	echo
	exit 0
fi
exec "${args[@]}"
