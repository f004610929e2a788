# SPDX-License-Identifier: GPL-2.0
# restart: the host restarts vtierd while this guest runs.  Once connected
# the script prints VTIER-RESTART waiting and reads one line from the
# console: the host's go-ahead, sent after the new vtierd is up.  It then
# resets the vsock device by unbinding and rebinding the virtio vsock
# transport driver (QEMU 7.2 replays the vhost-user state to a new backend
# only at a device reset), and waits for vtier.ko, which kept retrying with
# backoff, to reconnect by itself; then hints must flow again (vtier-fill).
. /scripts/lib.sh

# Only the replayed accesses count: no sampler of its own.
vtier_load sampler=replay || exit 1
wait_state connected "${VTIER_WAIT:-60}" || exit 1
echo "VTIER-RESTART waiting"
read -r go
echo "VTIER-RESTART go=$go"
drv=/sys/bus/virtio/drivers/vmw_vsock_virtio_transport
dev=
for d in "$drv"/virtio*; do
	[ -e "$d" ] && dev=${d##*/}
done
[ -n "$dev" ] || { echo "VTIER-RESTART no-vsock-device"; exit 1; }
before=$(cat /sys/kernel/vtier/reconnects)
echo "$dev" > "$drv/unbind" || exit 1
echo "$dev" > "$drv/bind" || exit 1
echo "VTIER-RESTART transport-reset $dev"
# The reset ends the old session; wait until the module has noticed and
# made a new attempt, so "connected" below is the new session's.
n=$((${VTIER_WAIT:-60} * 10))
while [ "$(cat /sys/kernel/vtier/reconnects)" = "$before" ] && [ $n -gt 0 ]; do
	n=$((n - 1))
	sleep 0.1
done
echo "VTIER-RESTART reconnects=$(($(cat /sys/kernel/vtier/reconnects) - before))"
wait_state connected "${VTIER_WAIT:-60}" || exit 1
vtier-fill "${VTIER_PAGES:-16}" --accesses 8 --hold 600
