#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install and prepare everything vtier needs to build and test.
# Called by `make deps`.  Idempotent: a second run only checks and exits.
#
#  1. Debian packages (installed only when missing).
#  2. The guest kernel: resolve linux-image-amd64 -> linux-image-6.1.0-NN-amd64,
#     record GUEST_KVER in build/guest-kernel.env (the one place it lives),
#     install the matching linux-headers, and download + unpack (never install)
#     the image into build/guest/.
#  3. kselftest_harness.h + kselftest.h into build/ksft/ and checkpatch.pl
#     with its data files into build/checkpatch/scripts/, from linux-source-6.1.
#  4. The Debian packages of the guest workloads, downloaded and unpacked
#     (never installed) under build/guestwl/ by tools/guestwl/fetch-debs.sh.
#
# Environment: VTIER_BUILD overrides the build directory (default <repo>/build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
ENV_FILE=$BUILD/guest-kernel.env
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
export DEBIAN_FRONTEND=noninteractive

log() { echo "deps: $*"; }
die() { echo "deps: ERROR: $*" >&2; exit 1; }

PACKAGES=(gcc make libc6-dev qemu-system-x86 busybox-static cpio libnuma-dev
	  libjansson-dev kmod xz-utils zstd linux-source-6.1 sparse clang
	  perl dpkg-dev zlib1g-dev valgrind gnuplot-nox python3 dkms mandoc libvirt-clients systemd)

APT_UPDATED=0
apt_update_once() {
	[ "$APT_UPDATED" = 1 ] && return 0
	log "apt-get update"
	apt-get update -q || die "apt-get update failed"
	APT_UPDATED=1
}

is_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Install the given packages; refresh the package lists once if that fails.
apt_install() {
	log "apt-get install $*"
	if ! apt-get install -y -q --no-install-recommends "$@"; then
		apt_update_once
		apt-get install -y -q --no-install-recommends "$@" ||
			die "apt-get install $* failed"
	fi
}

[ "$(id -u)" = 0 ] || die "must run as root (installs Debian packages)"
mkdir -p "$BUILD"

# ---- 1. host packages ----
missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt_install "${missing[@]}"
else
	log "host packages: all present"
fi

# ---- 2. guest kernel ----
resolve_kver() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.[0-9.]*-[0-9]*-amd64\)$/\1/p' |
		head -n1
}

KVER=$(resolve_kver || true)
if [ -z "$KVER" ]; then
	apt_update_once
	KVER=$(resolve_kver || true)
fi
OLD_KVER=
if [ -f "$ENV_FILE" ]; then
	OLD_KVER=$(sed -n 's/^GUEST_KVER=//p' "$ENV_FILE")
fi
if [ -z "$KVER" ]; then
	# No package lists (offline): keep what was prepared before, if any.
	[ -n "$OLD_KVER" ] ||
		die "cannot resolve linux-image-amd64 (apt-cache depends gave nothing)"
	log "WARNING: cannot resolve linux-image-amd64; keeping GUEST_KVER=$OLD_KVER"
	KVER=$OLD_KVER
fi
case $KVER in
*[!A-Za-z0-9.+-]*) die "unexpected kernel version string '$KVER'" ;;
esac

if [ "$OLD_KVER" != "$KVER" ]; then
	[ -n "$OLD_KVER" ] &&
		log "guest kernel moved on: $OLD_KVER -> $KVER; re-downloading"
	# Written only on change, so make rules depending on it rebuild exactly
	# when the guest kernel changes.
	printf 'GUEST_KVER=%s\n' "$KVER" >"$ENV_FILE.tmp"
	mv "$ENV_FILE.tmp" "$ENV_FILE"
	log "recorded GUEST_KVER=$KVER in $ENV_FILE"
else
	log "guest kernel: GUEST_KVER=$KVER (recorded)"
fi

if is_installed "linux-headers-$KVER"; then
	log "linux-headers-$KVER: present"
else
	apt_install "linux-headers-$KVER"
fi
[ -d "/usr/src/linux-headers-$KVER" ] ||
	die "/usr/src/linux-headers-$KVER missing after install"

GUEST=$BUILD/guest
if [ -f "$GUEST/.kver" ] && [ "$(cat "$GUEST/.kver")" = "$KVER" ] &&
   [ -f "$GUEST/boot/vmlinuz-$KVER" ] &&
   [ -d "$GUEST/lib/modules/$KVER" ]; then
	log "guest image: $GUEST/boot/vmlinuz-$KVER present"
else
	rm -f "$BUILD"/linux-image-*.deb
	log "apt-get download linux-image-$KVER into $BUILD"
	# As root, download as root: the _apt sandbox user cannot write here.
	if ! (cd "$BUILD" && apt-get download -o APT::Sandbox::User=root "linux-image-$KVER"); then
		apt_update_once
		(cd "$BUILD" && apt-get download -o APT::Sandbox::User=root "linux-image-$KVER") ||
			die "apt-get download linux-image-$KVER failed"
	fi
	deb=$(find "$BUILD" -maxdepth 1 -name "linux-image-${KVER}_*.deb" | head -n1)
	[ -n "$deb" ] || die "downloaded .deb for linux-image-$KVER not found"
	log "unpacking $(basename "$deb") into $GUEST"
	rm -rf "$GUEST"
	mkdir -p "$GUEST"
	dpkg-deb -x "$deb" "$GUEST" || die "dpkg-deb -x $deb failed"
	[ -f "$GUEST/boot/vmlinuz-$KVER" ] ||
		die "$GUEST/boot/vmlinuz-$KVER missing from the package"
	echo "$KVER" >"$GUEST/.kver"
fi

# ---- 3. kselftest harness and checkpatch from linux-source-6.1 ----
KSFT_FILES=(kselftest_harness.h kselftest.h)
CP_FILES=(checkpatch.pl spelling.txt const_structs.checkpatch)
need_extract=0
for f in "${KSFT_FILES[@]}"; do
	[ -s "$BUILD/ksft/$f" ] || need_extract=1
done
for f in "${CP_FILES[@]}"; do
	[ -s "$BUILD/checkpatch/scripts/$f" ] || need_extract=1
done
if [ "$need_extract" = 0 ]; then
	log "kselftest headers and checkpatch: present"
else
	[ -f "$SRC_TAR" ] || die "$SRC_TAR missing (package linux-source-6.1)"
	top=$(tar -tJf "$SRC_TAR" 2>/dev/null | head -n1 | cut -d/ -f1) || true
	[ -n "$top" ] || die "cannot read $SRC_TAR"
	members=()
	for f in "${KSFT_FILES[@]}"; do
		members+=("$top/tools/testing/selftests/$f")
	done
	for f in "${CP_FILES[@]}"; do
		members+=("$top/scripts/$f")
	done
	log "extracting ${members[*]##*/} from $SRC_TAR"
	tmp=$(mktemp -d "$BUILD/.deps.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# One pass over the (large) tarball for all five members.
	tar -xJf "$SRC_TAR" -C "$tmp" --strip-components=1 "${members[@]}" ||
		die "extracting from $SRC_TAR failed"
	mkdir -p "$BUILD/ksft" "$BUILD/checkpatch/scripts"
	for f in "${KSFT_FILES[@]}"; do
		mv -f "$tmp/tools/testing/selftests/$f" "$BUILD/ksft/$f"
	done
	for f in "${CP_FILES[@]}"; do
		mv -f "$tmp/scripts/$f" "$BUILD/checkpatch/scripts/$f"
	done
	chmod +x "$BUILD/checkpatch/scripts/checkpatch.pl"
fi
# kselftest_harness.h includes "kselftest.h" from its own directory, so both
# live side by side in build/ksft and -I build/ksft is all a test needs.
grep -q '#include "kselftest.h"' "$BUILD/ksft/kselftest_harness.h" ||
	log "WARNING: kselftest_harness.h no longer includes \"kselftest.h\" directly; check build/ksft layout"

# ---- 4. Debian packages of the guest workloads (unpacked, never installed) ----
"$ROOT/tools/guestwl/fetch-debs.sh" ||
	die "fetching the guest workload packages failed (tools/guestwl/fetch-debs.sh)"

log "done (GUEST_KVER=$KVER)"
