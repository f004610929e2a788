# SPDX-License-Identifier: GPL-2.0
# smoke: load vtier.ko, wait for it to report a state, print its stats, unload.
# Wait time for "connected": vtier.wait=SECONDS on the kernel command line
# (default 20).  Without a daemon the module stays in connecting/backoff;
# the state line is printed either way and the host test decides.
. /scripts/lib.sh

echo "VTIER-SMOKE vsock=$( [ -e /dev/vsock ] && echo yes || echo no )"
if ! vtier_have_module; then
	echo "VTIER-SMOKE no-module"
	exit 0
fi
vtier_load || exit 1
if ! wait_file /sys/kernel/vtier/state 5; then
	echo "VTIER-SMOKE no-sysfs"
	vtier_unload
	exit 1
fi
wait_state connected "${VTIER_WAIT:-20}" || true
vtier_stats
[ -e /sys/kernel/debug/vtier/replay ] && echo "VTIER-SMOKE replay=yes" ||
	echo "VTIER-SMOKE replay=no"
vtier_unload || exit 1
echo "VTIER-SMOKE done"
