# SPDX-License-Identifier: GPL-2.0
# replay: the guest side of selftests/e2e/replay_test.c.  Load vtier.ko
# (parameters from vtier.modargs=, e.g. sampler=replay so no other sampler
# feeds the engine); with vtier.wait=S (a host is attached) wait up to S
# seconds for "connected", so the quota from WELCOME is in place; write
# /data/trace.txt (a trace the host test put into the initramfs) to the
# replay file, then print what the engine decided:
#   VTIER-REPLAY-RANGE <start_pfn> <npages>        tracked RAM, in order
#   VTIER-REPLAY-HOT <gpfn_hex>                    the hot set, ascending
#   VTIER-REPLAY-HINT <action> <gpfn_hex> <order> <hotness>   oldest first
#   VTIER-STAT <name> <value>                      /sys/kernel/vtier
#   VTIER-REPLAY-DONE ranges=N hot=N hints=N
# With a host, the module then stays loaded (sending its hints) until a
# line arrives on the console.
. /scripts/lib.sh

D=/sys/kernel/debug/vtier
# Kernel messages on the console could split a line the host parses.
dmesg -n 1
vtier_load || exit 1
if [ -n "${VTIER_WAIT:-}" ]; then
	wait_state connected "$VTIER_WAIT" || exit 1
fi
if [ ! -e $D/replay ] || [ ! -e /data/trace.txt ]; then
	echo "VTIER-REPLAY missing replay file or trace"
	exit 1
fi
# The module drains the rings before write() returns: once cat is done,
# the engine has seen every record.
cat /data/trace.txt >$D/replay || echo "VTIER-REPLAY write failed"
sed 's/^/VTIER-REPLAY-RANGE /' $D/ranges
sed 's/^/VTIER-REPLAY-HOT /' $D/hot
sed 's/^/VTIER-REPLAY-HINT /' $D/hints
vtier_stats
echo "VTIER-REPLAY-DONE ranges=$(wc -l <$D/ranges) hot=$(wc -l <$D/hot)" \
	"hints=$(wc -l <$D/hints)"
[ -n "${VTIER_WAIT:-}" ] && read -r _
vtier_unload
