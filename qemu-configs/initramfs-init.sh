#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the vtier test initramfs (built by scripts/mkinitramfs.sh).
# Mounts the pseudo file systems, loads the virtio/vsock modules, runs the
# guest script named by `vtier.script=NAME` (/scripts/NAME.sh) and powers off.
# PID 1 must never exit (that panics the kernel), so every path ends in
# `poweroff -f`.
#
# Console markers (tests wait for these):
#   VTIER-READY                     modules loaded, file systems mounted
#   VTIER-MODULE-FAIL <name>        a transport module failed to load
#   VTIER-SCRIPT-BEGIN <name>       the guest script starts
#   VTIER-SCRIPT-END <name> rc=<n>  the guest script exited with status n
#   VTIER-SCRIPT-MISSING <name>     no /scripts/<name>.sh in the initramfs
#   VTIER-TIMEOUT <seconds>         vtier.timeout=<seconds> expired
#   VTIER-POWEROFF                  about to power off
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null

poweroff_now() {
	echo "VTIER-POWEROFF"
	sync
	poweroff -f
	# Not reached unless poweroff failed; never let PID 1 exit.
	while :; do sleep 3600; done
}

# Turn `vtier.KEY=VALUE` kernel parameters into VTIER_KEY=VALUE variables
# for the scripts (dotted parameters are not passed to init by the kernel).
for arg in $(cat /proc/cmdline); do
	case $arg in
	vtier.*=*)
		key=${arg%%=*}
		key=$(echo "${key#vtier.}" | tr 'a-z.-' 'A-Z__')
		export "VTIER_$key=${arg#*=}"
		;;
	esac
done

# Transport modules, in dependency order (list written by mkinitramfs.sh;
# modules built into the kernel are left out of it).
for m in $(cat /lib/modules/load-order); do
	insmod "/lib/modules/$m.ko" || echo "VTIER-MODULE-FAIL $m"
done

if [ -n "$VTIER_TIMEOUT" ]; then
	(sleep "$VTIER_TIMEOUT"; echo "VTIER-TIMEOUT $VTIER_TIMEOUT"; poweroff_now) &
fi

echo "VTIER-READY kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
     "mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"

name=$VTIER_SCRIPT
if [ -z "$name" ]; then
	# Manual use: a shell on the serial console; EOF (tests) powers off.
	echo "VTIER-SHELL (no vtier.script= given)"
	setsid cttyhack sh
elif [ -f "/scripts/$name.sh" ]; then
	echo "VTIER-SCRIPT-BEGIN $name"
	sh "/scripts/$name.sh"
	echo "VTIER-SCRIPT-END $name rc=$?"
else
	echo "VTIER-SCRIPT-MISSING $name"
fi
poweroff_now
