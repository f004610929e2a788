# SPDX-License-Identifier: GPL-2.0
# vsock: other vsock ports keep working beside vtier (vtierd's uds=).  With
# vtier.ko connected and hinting (rounds of vtier-fill on fresh pages with
# replayed accesses, one a second in the background until the end), send a stream to
# host port 5000 (vtierd forwards it to
# <uds>_5000) and read the host's answer; then serve port 7000 for a host
# client's CONNECT 7000.  Kernel command line: vtier.bytes=N (default 8 MiB).
# The host compares the VTIER-VSOCK lines' checksums with its own.
. /scripts/lib.sh

bytes=${VTIER_BYTES:-8388608}
if vtier_have_module; then
	vtier_load sampler=replay || exit 1
	wait_file /sys/kernel/vtier/state 5 &&
		wait_state connected "${VTIER_WAIT:-60}"
	# Each round holds its pages for a minute, so the next one gets
	# fresh frames (a freed frame comes back already hot: no new hint).
	(while [ ! -e /tmp/vsock-done ]; do
		vtier-fill 32 --accesses 8 --hold 60 >/dev/null &
		sleep 1
	done) &
fi
vtier-vsock send 5000 "$bytes" 11 || exit 1
vtier-vsock serve 7000 "$bytes" 33 || exit 1
touch /tmp/vsock-done
echo "VTIER-VSOCK-DONE"
