#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT.cpio.gz [EXTRA[:DEST] ...]
#
# Builds the busybox initramfs the vtier test guests boot:
#   /bin/busybox + applet links      from busybox-static
#   /init                            qemu-configs/initramfs-init.sh
#   /lib/modules/<name>.ko           virtio + vsock transport modules of the
#                                    guest kernel (build/guest; VTIER_KERNEL,
#                                    default GUEST_KVER: platform.sh),
#                                    decompressed, built-ins left out
#   /lib/modules/load-order          the order /init loads them in
#   /lib/modules/vtier.ko            vtier.ko for that kernel, if it was built
#                                    (guest-driver/vtier.ko for the default,
#                                    build/kmod/<kver>/ for the others)
#   /bin/<prog>                      build/guest-bin/* (static test programs)
#   /scripts/*.sh                    selftests/guest/scripts + qemu-configs/guest-scripts
#   EXTRA files                      at DEST, or /bin/<name> if executable,
#                                    else /data/<name>
# Also writes OUT.contents (the files in the image, one per line, e.g.
# lib/modules/vtier.ko) and OUT.stamp (a hash of the inputs).
# The image is rebuilt only when one of its inputs changed (or FORCE=1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}

die() { echo "mkinitramfs: ERROR: $*" >&2; exit 1; }
log() { echo "mkinitramfs: $*"; }

[ $# -ge 1 ] || die "usage: $0 OUT.cpio.gz [EXTRA[:DEST] ...]"
OUT=$1
shift
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

# The kernel VTIER_KERNEL chooses (default GUEST_KVER): its modules, and
# vtier.ko built for it.
# shellcheck source=qemu-configs/platform.sh
. "$ROOT/qemu-configs/platform.sh"
platform_kernel || exit 1
MODDIR=$GUEST_MODDIR
[ -d "$MODDIR" ] || die "$MODDIR missing; run make deps"
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || die "busybox not found (package busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic' ||
	die "$BUSYBOX is not static (install busybox-static)"

TRANSPORT="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
	   virtio_pci vsock vmw_vsock_virtio_transport_common
	   vmw_vsock_virtio_transport"
INIT=$ROOT/qemu-configs/initramfs-init.sh
SCRIPT_DIRS=("$ROOT/selftests/guest/scripts" "$ROOT/qemu-configs/guest-scripts")
VTIER_KO=
kos=("$GUEST_VTIER_KO")
[ "$GUEST_IS_DEFAULT" = 1 ] && kos+=("$BUILD/guest-driver/vtier.ko")
for ko in "${kos[@]}"; do
	if [ -f "$ko" ]; then VTIER_KO=$ko; break; fi
done

# ---- skip the build when nothing changed ----
inputs=("${BASH_SOURCE[0]}" "$INIT" "$BUSYBOX" "$BUILD/guest-kernel.env")
[ -n "$VTIER_KO" ] && inputs+=("$VTIER_KO")
for d in "${SCRIPT_DIRS[@]}" "$BUILD/guest-bin"; do
	[ -d "$d" ] && inputs+=("$d")
done
for e in "$@"; do inputs+=("${e%%:*}"); done
stamp=$( { echo "$GUEST_KVER $VTIER_KO $*";
	   find "${inputs[@]}" -type f -printf '%p %s %T@\n' | sort; } |
	 sha256sum | cut -d' ' -f1)
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT" ] && [ -f "$OUT.stamp" ] &&
   [ -f "$OUT.contents" ] &&
   [ "$(cat "$OUT.stamp")" = "$stamp" ]; then
	log "$OUT up to date"
	exit 0
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/vtier-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
cd "$STAGE"
mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp root etc scripts data \
	 lib/modules
# The kernel opens /dev/console before /init runs; without the node /init
# would have no stdout.  devtmpfs is mounted over /dev later.
mknod -m 600 dev/console c 5 1
mknod -m 666 dev/null c 1 3

cp "$BUSYBOX" bin/busybox
for applet in $(bin/busybox --list-full); do
	[ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
install -m 755 "$INIT" init

# ---- kernel modules ----
: >lib/modules/load-order
for m in $TRANSPORT; do
	# modules.builtin lists paths like kernel/net/vmw_vsock/vsock.ko
	if grep -q "/$m\.ko$" "$MODDIR/modules.builtin" 2>/dev/null; then
		log "$m is built in; not loading it"
		continue
	fi
	src=$(find "$MODDIR/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" \
		-o -name "$m.ko.zst" -o -name "$m.ko.gz" \) | head -n1)
	[ -n "$src" ] || die "module $m not found under $MODDIR"
	# busybox insmod takes plain ELF only: decompress here.
	case $src in
	*.xz)  xz -dc "$src" >"lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$src" >"lib/modules/$m.ko" ;;
	*.gz)  gzip -dc "$src" >"lib/modules/$m.ko" ;;
	*)     cp "$src" "lib/modules/$m.ko" ;;
	esac
	echo "$m" >>lib/modules/load-order
done

if [ -n "$VTIER_KO" ]; then
	vm=$(modinfo -F vermagic "$VTIER_KO" 2>/dev/null | cut -d' ' -f1)
	[ "$vm" = "$GUEST_KVER" ] ||
		log "WARNING: $VTIER_KO vermagic '$vm' != GUEST_KVER $GUEST_KVER"
	cp "$VTIER_KO" lib/modules/vtier.ko
	log "including $VTIER_KO"
else
	log "no vtier.ko (guest-driver not built); guest scripts will report it missing"
fi

# ---- programs, scripts, extras ----
if [ -d "$BUILD/guest-bin" ]; then
	find "$BUILD/guest-bin" -maxdepth 1 -type f -perm -u+x -exec cp {} bin/ \;
fi
for d in "${SCRIPT_DIRS[@]}"; do
	[ -d "$d" ] || continue
	find "$d" -maxdepth 1 -type f -name '*.sh' -exec cp {} scripts/ \;
done
for e in "$@"; do
	src=${e%%:*}
	[ -f "$src" ] || die "extra file $src not found"
	if [ "$src" != "$e" ]; then
		dst=${e#*:}
	elif [ -x "$src" ]; then
		dst=/bin/$(basename "$src")
	else
		dst=/data/$(basename "$src")
	fi
	mkdir -p ".$(dirname "$dst")"
	# DEST may be a busybox applet link (an absolute /bin/busybox link):
	# cp would follow it and overwrite the HOST's busybox.  Replace it.
	rm -f ".$dst"
	cp "$src" ".$dst"
done

mkdir -p "$(dirname "$OUT")"
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 |
	gzip -1 >"$OUT.tmp"
# What went in, for tests to ask (e.g. whether vtier.ko is there).
find . -mindepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort >"$OUT.contents"
mv "$OUT.tmp" "$OUT"
echo "$stamp" >"$OUT.stamp"
log "wrote $OUT ($(du -k "$OUT" | cut -f1) KiB; modules: $(tr '\n' ' ' <lib/modules/load-order))"
