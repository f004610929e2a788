#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh - boot a vtier test guest under QEMU (TCG) with vhost-user-vsock.
#
# Usage: qemu-configs/run-guest.sh [options] [-- extra qemu args]
#   --socket PATH         vhost-user-vsock socket; QEMU is the client, so the
#                         backend (vtierd) must already listen on PATH.
#   --socket-server PATH  QEMU listens on PATH (server=on,wait=on): it waits
#                         for vtierd (`--vm ...,connect`) to connect before
#                         it boots; the vtierd-restart case.  (wait=off does
#                         not work in QEMU 7.2: the device's realize needs the
#                         backend and fails with "Failed to set msg fds".)
#                         See docs/qemu.md for what QEMU 7.2 does and does
#                         not replay after a reconnect.
#                         Without --socket/--socket-server the guest has no
#                         vsock device (boot-only runs).
#   --initrd FILE         initramfs (default: the chosen kernel's,
#                         build/initramfs.cpio.gz for the default kernel)
#   --kernel FILE         kernel (default build/guest/boot/vmlinuz-$GUEST_KVER)
#   --script NAME         run /scripts/NAME.sh in the guest (vtier.script=NAME)
#   --timeout SECONDS     guest powers itself off after SECONDS (vtier.timeout=)
#   --mem SIZE            guest RAM, QEMU size syntax (default 1G)
#   --smp N               vCPUs (default 2)
#   --append "ARGS"       extra kernel command line arguments
#   --name NAME           QEMU -name (default vtier-guest)
#   --monitor PATH        HMP monitor on a Unix socket at PATH (server)
#   --dry-run             print the QEMU command line instead of running it
#   --platform            print the chosen kernel, QEMU and initramfs and exit
#
# VTIER_KERNEL and VTIER_QEMU choose the guest kernel and the QEMU
# (qemu-configs/platform.sh; e.g. VTIER_KERNEL=6.12 VTIER_QEMU=10.0).
#
# Guest RAM is a shared memfd (memory-backend-memfd,share=on) bound to a
# single NUMA node: vhost-user needs the fd to map guest RAM in vtierd.
# The script execs QEMU, so the caller's child pid is QEMU's pid.  The serial
# console is on stdout.  The guest powers off when its script ends
# (-no-reboot makes a reboot or panic end QEMU too).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}

die() { echo "run-guest: ERROR: $*" >&2; exit 2; }
usage() { sed -n '5,38s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit "${1:-0}"; }

# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"
platform_kernel || exit 2
platform_qemu || exit 2

SOCK='' SOCK_MODE='' INITRD=$GUEST_INITRD KERNEL=$GUEST_KERNEL SCRIPT='' TIMEOUT=''
MEM=1G SMP=2 APPEND='' NAME=vtier-guest MONITOR='' DRY=0 PLATFORM=0
while [ $# -gt 0 ]; do
	case $1 in
	--socket)        SOCK=$2; SOCK_MODE=client; shift 2 ;;
	--socket-server) SOCK=$2; SOCK_MODE=server; shift 2 ;;
	--initrd)        INITRD=$2; shift 2 ;;
	--kernel)        KERNEL=$2; shift 2 ;;
	--script)        SCRIPT=$2; shift 2 ;;
	--timeout)       TIMEOUT=$2; shift 2 ;;
	--mem)           MEM=$2; shift 2 ;;
	--smp)           SMP=$2; shift 2 ;;
	--append)        APPEND=$2; shift 2 ;;
	--name)          NAME=$2; shift 2 ;;
	--monitor)       MONITOR=$2; shift 2 ;;
	--dry-run)       DRY=1; shift ;;
	--platform)      PLATFORM=1; shift ;;
	-h|--help)       usage 0 ;;
	--)              shift; break ;;
	*)               echo "run-guest: unknown option $1" >&2; usage 2 ;;
	esac
done

if [ "$PLATFORM" = 1 ]; then
	printf 'kernel %s\nqemu %s %s\ninitrd %s\n' "$GUEST_KVER" \
		"$QEMU_VERSION" "$QEMU_BIN" "$INITRD"
	exit 0
fi
[ -f "$KERNEL" ] || die "kernel $KERNEL missing; run make deps"
[ -f "$INITRD" ] || die "initramfs $INITRD missing; run scripts/mkinitramfs.sh"
case $SCRIPT in *[!A-Za-z0-9_.-]*) die "bad script name '$SCRIPT'" ;; esac

CMDLINE="console=ttyS0 panic=-1 quiet loglevel=4"
[ -n "$SCRIPT" ] && CMDLINE="$CMDLINE vtier.script=$SCRIPT"
[ -n "$TIMEOUT" ] && CMDLINE="$CMDLINE vtier.timeout=$TIMEOUT"
[ -n "$APPEND" ] && CMDLINE="$CMDLINE $APPEND"

args=("$QEMU_BIN" "${QEMU_DATA_ARGS[@]}" -name "$NAME"
      -machine q35 -accel tcg -smp "$SMP" -m "$MEM"
      -object "memory-backend-memfd,id=mem0,size=$MEM,share=on"
      -numa node,memdev=mem0)
case $SOCK_MODE in
client) args+=(-chardev "socket,id=vu0,path=$SOCK") ;;
server) args+=(-chardev "socket,id=vu0,path=$SOCK,server=on,wait=on") ;;
esac
[ -n "$SOCK_MODE" ] && args+=(-device vhost-user-vsock-pci,chardev=vu0)
[ -n "$MONITOR" ] && args+=(-monitor "unix:$MONITOR,server=on,wait=off")
args+=(-kernel "$KERNEL" -initrd "$INITRD"
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
