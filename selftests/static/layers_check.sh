#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The layering rules of docs/architecture.md, as TAP: in host-backend/ and
# guest-driver/ no files depend on each other in a circle (by include or
# by a symbol one object uses and another defines; calls through ops
# structs are not dependencies), and no mutable global is shared between
# files.  Reads the objects `make all` built (tools/layers/layers.py).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LAYERS="python3 $TOP/tools/layers/layers.py"
echo "TAP version 13"
echo "1..4"
rc=0
$LAYERS "$TOP/host-backend" "$TOP/build/host-backend" --tap vtierd |
	awk '/^(ok|not ok) -/ { sub(/ -/, " " ++n " -") } { print }' || rc=1
$LAYERS "$TOP/guest-driver" "$TOP/guest-driver" --exclude vtier --tap vtier.ko |
	awk '/^(ok|not ok) -/ { sub(/ -/, " " (++n + 2) " -") } { print }' || rc=1
exit $rc
