# SPDX-License-Identifier: GPL-2.0
# badframe: run vtier-badframe once per mode against the host.
# Kernel command line: vtier.modes=badmagic,badlen,badpfn,hello (default
# "hello,badmagic"), vtier.port=PORT (default 9771), vtier.wait=SECONDS
# each mode waits for the host to close (default 5).
# Prints `VTIER-BADFRAME-MODE <mode>` before each run's result line.
for mode in $(echo "${VTIER_MODES:-hello,badmagic}" | tr ',' ' '); do
	echo "VTIER-BADFRAME-MODE $mode"
	vtier-badframe "${VTIER_PORT:-9771}" "$mode" "${VTIER_WAIT:-5}"
done
