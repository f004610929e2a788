#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install and prepare everything vtier needs to build and test.
# Called by `make deps`.  Idempotent: a second run only checks and exits.
#
#  1. Debian packages (installed only when missing).
#  2. The guest kernels and the second QEMU: resolve linux-image-amd64 in
#     bookworm (6.1) and bookworm-backports (6.12, a sources list is added
#     for it), record them in build/guest-kernel.env (GUEST_KVER, the
#     default, and GUEST_KVERS, all), install the matching linux-headers,
#     download + unpack (never install) the images into build/guest/; unpack
#     bookworm-backports' QEMU (10.0) into build/qemu-10.0/ and record the
#     QEMU versions in build/qemu.env (qemu-configs/platform.sh reads both).
#  3. kselftest_harness.h + kselftest.h into build/ksft/ and checkpatch.pl
#     with its data files into build/checkpatch/scripts/, from linux-source-6.1;
#     6.12's checkpatch into build/checkpatch-6.12/scripts/.
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
	  libjansson-dev kmod xz-utils zstd linux-source-6.1 linux-source-6.12 sparse clang
	  perl dpkg-dev zlib1g-dev valgrind gnuplot-nox python3 dwarves dkms mandoc libvirt-clients libxml2-utils systemd prometheus)

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

# ---- 2. guest kernels and the second QEMU ----
# Both come from Debian: 6.1 from bookworm, 6.12 and QEMU 10.0 from
# bookworm-backports (Debian 13's versions built for 12).  The backports
# suite has priority 100, so adding it upgrades nothing by itself.
BPO=bookworm-backports
BPO_LIST=/etc/apt/sources.list.d/vtier-$BPO.sources
# suite_uri SUITE: the archive URI a configured source of SUITE uses.
suite_uri() {
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk -v s="$1" '$1 == s { print $2; exit }'
}
# indextargets lists only what apt-get update has fetched before.
[ -n "$(suite_uri bookworm)" ] || apt_update_once
if [ -z "$(suite_uri "$BPO")" ]; then
	# From the same archive as bookworm's own source.
	uri=$(suite_uri bookworm)
	[ -n "$uri" ] || die "no apt source for bookworm to add $BPO beside"
	log "adding $BPO ($uri) to $BPO_LIST"
	cat >"$BPO_LIST.tmp" <<-EOF
	Types: deb
	URIs: $uri
	Suites: $BPO
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	mv "$BPO_LIST.tmp" "$BPO_LIST"
	APT_UPDATED=0
	apt_update_once
fi

# resolve_kver [/SUITE]: the kernel linux-image-amd64 depends on, in its
# candidate version (bookworm's, with its security updates) or in SUITE.
resolve_kver() {
	apt-cache depends "linux-image-amd64${1:-}" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.[0-9][0-9A-Za-z.+-]*-amd64\)$/\1/p' |
		head -n1
}

# The one place the versions live: GUEST_KVER (the default kernel, which
# `make` builds vtier.ko for) and GUEST_KVERS (every kernel tested, the
# default first); build/qemu.env has the QEMUs.  Kept when offline.
OLD_KVER=$(sed -n 's/^GUEST_KVER=//p' "$ENV_FILE" 2>/dev/null || true)
OLD_KVERS=$(sed -n 's/^GUEST_KVERS=//p' "$ENV_FILE" 2>/dev/null || true)
KVERS=()
for suite in '' "/$BPO"; do
	k=$(resolve_kver "$suite" || true)
	if [ -z "$k" ]; then
		apt_update_once
		k=$(resolve_kver "$suite" || true)
	fi
	KVERS+=("$k")
done
if [ -z "${KVERS[0]}" ] || [ -z "${KVERS[1]}" ]; then
	# No package lists (offline): keep what was prepared before, if any.
	[ -n "$OLD_KVERS" ] ||
		die "cannot resolve linux-image-amd64 in bookworm and $BPO"
	log "WARNING: cannot resolve linux-image-amd64; keeping GUEST_KVERS=$OLD_KVERS"
	IFS=, read -r -a KVERS <<<"$OLD_KVERS"
fi
for k in "${KVERS[@]}"; do
	case $k in
	*[!A-Za-z0-9.+-]*) die "unexpected kernel version string '$k'" ;;
	esac
done
KVER=${KVERS[0]}
KVERS_CSV=$(IFS=,; echo "${KVERS[*]}")

if [ "$OLD_KVER" != "$KVER" ] || [ "$OLD_KVERS" != "$KVERS_CSV" ]; then
	[ -n "$OLD_KVERS" ] &&
		log "guest kernels moved on: $OLD_KVERS -> $KVERS_CSV"
	# Written only on change, so make rules depending on it rebuild exactly
	# when a guest kernel changes.
	printf 'GUEST_KVER=%s\nGUEST_KVERS=%s\n' "$KVER" "$KVERS_CSV" >"$ENV_FILE.tmp"
	mv "$ENV_FILE.tmp" "$ENV_FILE"
	log "recorded GUEST_KVER=$KVER GUEST_KVERS=$KVERS_CSV in $ENV_FILE"
else
	log "guest kernels: GUEST_KVERS=$KVERS_CSV (recorded)"
fi

# apt_download DIR PKG...: download packages (PKG or PKG/SUITE) into DIR.
apt_download() {
	local dir=$1
	shift
	log "apt-get download $* into $dir"
	# As root, download as root: the _apt sandbox user cannot write here.
	if ! (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@"); then
		apt_update_once
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@") ||
			die "apt-get download $* failed"
	fi
}

# Headers installed on the host (the 6.12 ones keep absolute symlinks into
# /usr/lib/linux-kbuild-*, so they are installed, not unpacked); images
# downloaded and unpacked side by side into build/guest/, never installed.
GUEST=$BUILD/guest
mkdir -p "$GUEST"
# The one-kernel marker of earlier versions of this script.
if [ -f "$GUEST/.kver" ]; then
	touch "$GUEST/.kver-$(cat "$GUEST/.kver")"
	rm -f "$GUEST/.kver"
fi
for k in "${KVERS[@]}"; do
	if is_installed "linux-headers-$k"; then
		log "linux-headers-$k: present"
	else
		apt_install "linux-headers-$k"
	fi
	[ -d "/usr/src/linux-headers-$k" ] ||
		die "/usr/src/linux-headers-$k missing after install"
	if [ -f "$GUEST/boot/vmlinuz-$k" ] && [ -f "$GUEST/.kver-$k" ] &&
	   [ -d "$GUEST/lib/modules/$k" ]; then
		log "guest image: $GUEST/boot/vmlinuz-$k present"
		continue
	fi
	rm -f "$BUILD"/linux-image-*.deb
	apt_download "$BUILD" "linux-image-$k"
	deb=$(find "$BUILD" -maxdepth 1 -name "linux-image-${k}_*.deb" | head -n1)
	[ -n "$deb" ] || die "downloaded .deb for linux-image-$k not found"
	log "unpacking $(basename "$deb") into $GUEST"
	rm -rf "$GUEST/lib/modules/$k" "$GUEST/boot/"*"-$k"
	dpkg-deb -x "$deb" "$GUEST" || die "dpkg-deb -x $deb failed"
	rm -f "$deb"
	[ -f "$GUEST/boot/vmlinuz-$k" ] ||
		die "$GUEST/boot/vmlinuz-$k missing from the package"
	touch "$GUEST/.kver-$k"
done
# Kernels no longer tested leave build/guest/.
for f in "$GUEST"/.kver-*; do
	[ -e "$f" ] || continue
	k=${f#"$GUEST"/.kver-}
	case ",$KVERS_CSV," in *",$k,"*) continue ;; esac
	log "removing the old guest kernel $k from $GUEST"
	rm -rf "$GUEST/lib/modules/$k" "$GUEST/boot/"*"-$k" "$f" "$BUILD/kmod/$k"
done

# QEMU 10.0 and its SeaBIOS from bookworm-backports, unpacked (not
# installed) under build/qemu-<major.minor>/; it runs on bookworm's
# libraries, which the system's QEMU 7.2 has already brought
# (qemu-configs/platform.sh runs it with its own modules and firmware).
QENV_FILE=$BUILD/qemu.env
QEMU_SYS=$(dpkg-query -W -f='${Version}' qemu-system-x86 | sed 's/^[0-9]*://; s/^\([0-9]*\.[0-9]*\).*/\1/')
# bpo_version PKG: PKG's version in bookworm-backports.
bpo_version() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F' *\\| *' -v s="$BPO/main" 'index($3, s) { print $2; exit }'
}
QEMU_BPO_DEB=$(bpo_version qemu-system-x86)
# Its SeaBIOS too (it depends on >= 1.16.3): with bookworm's 1.16.2 the
# BIOS waits 30 s for q35's empty AHCI CD-ROM at every boot.
SEABIOS_BPO_DEB=$(bpo_version seabios)
if [ -z "$QEMU_BPO_DEB" ] || [ -z "$SEABIOS_BPO_DEB" ]; then
	QEMU_BPO_DEB=$(sed -n 's/^QEMU_BPO_DEB=//p' "$QENV_FILE" 2>/dev/null || true)
	SEABIOS_BPO_DEB=$(sed -n 's/^SEABIOS_BPO_DEB=//p' "$QENV_FILE" 2>/dev/null || true)
	[ -n "$QEMU_BPO_DEB" ] && [ -n "$SEABIOS_BPO_DEB" ] ||
		die "no qemu-system-x86 or seabios in $BPO"
	log "WARNING: cannot resolve qemu-system-x86 in $BPO; keeping $QEMU_BPO_DEB"
fi
QEMU_BPO=$(sed 's/^[0-9]*://; s/^\([0-9]*\.[0-9]*\).*/\1/' <<<"$QEMU_BPO_DEB")
QROOT=$BUILD/qemu-$QEMU_BPO
if [ -x "$QROOT/usr/bin/qemu-system-x86_64" ] &&
   [ "$(cat "$QROOT/.deb-version" 2>/dev/null)" = "$QEMU_BPO_DEB $SEABIOS_BPO_DEB" ]; then
	log "QEMU $QEMU_BPO_DEB, SeaBIOS $SEABIOS_BPO_DEB: $QROOT present"
else
	tmp=$(mktemp -d "$BUILD/.qemu.XXXXXX")
	apt_download "$tmp" "qemu-system-x86=$QEMU_BPO_DEB" \
		"qemu-system-common=$QEMU_BPO_DEB" "qemu-system-data=$QEMU_BPO_DEB" \
		"seabios=$SEABIOS_BPO_DEB"
	rm -rf "$QROOT"
	mkdir -p "$QROOT"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$QROOT" || die "dpkg-deb -x $deb failed"
	done
	rm -rf "$tmp"
	[ -x "$QROOT/usr/bin/qemu-system-x86_64" ] ||
		die "$QROOT/usr/bin/qemu-system-x86_64 missing from the packages"
	echo "$QEMU_BPO_DEB $SEABIOS_BPO_DEB" >"$QROOT/.deb-version"
	log "unpacked QEMU $QEMU_BPO_DEB and SeaBIOS $SEABIOS_BPO_DEB into $QROOT"
fi
for d in "$BUILD"/qemu-*/; do	# older unpacked QEMUs
	[ -f "$d/.deb-version" ] && [ "$d" != "$QROOT/" ] && rm -rf "$d"
done
qenv=$(printf 'QEMU_DEFAULT=%s\nQEMU_VERSIONS=%s,%s\nQEMU_BPO_DEB=%s\nSEABIOS_BPO_DEB=%s\n' \
	"$QEMU_SYS" "$QEMU_SYS" "$QEMU_BPO" "$QEMU_BPO_DEB" "$SEABIOS_BPO_DEB")
if [ "$(cat "$QENV_FILE" 2>/dev/null)" != "$qenv" ]; then
	echo "$qenv" >"$QENV_FILE"
	log "recorded QEMU_VERSIONS=$QEMU_SYS,$QEMU_BPO in $QENV_FILE"
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
# The newest guest kernel's checkpatch too (selftests/static/module_checks.sh
# runs both): linux-source-6.12, from bookworm's security updates.
SRC_TAR_NEW=/usr/src/linux-source-6.12.tar.xz
CP_NEW=$BUILD/checkpatch-6.12/scripts
need_extract=0
for f in "${CP_FILES[@]}"; do
	[ -s "$CP_NEW/$f" ] || need_extract=1
done
if [ "$need_extract" = 0 ]; then
	log "checkpatch of 6.12: present"
else
	[ -f "$SRC_TAR_NEW" ] || die "$SRC_TAR_NEW missing (package linux-source-6.12)"
	top=$(tar -tJf "$SRC_TAR_NEW" 2>/dev/null | head -n1 | cut -d/ -f1) || true
	[ -n "$top" ] || die "cannot read $SRC_TAR_NEW"
	log "extracting ${CP_FILES[*]} from $SRC_TAR_NEW"
	mkdir -p "$CP_NEW"
	tar -xJf "$SRC_TAR_NEW" -C "$CP_NEW" --strip-components=2 \
		"${CP_FILES[@]/#/$top/scripts/}" ||
		die "extracting from $SRC_TAR_NEW failed"
	chmod +x "$CP_NEW/checkpatch.pl"
fi
# kselftest_harness.h includes "kselftest.h" from its own directory, so both
# live side by side in build/ksft and -I build/ksft is all a test needs.
grep -q '#include "kselftest.h"' "$BUILD/ksft/kselftest_harness.h" ||
	log "WARNING: kselftest_harness.h no longer includes \"kselftest.h\" directly; check build/ksft layout"

# ---- 4. Debian packages of the guest workloads (unpacked, never installed) ----
"$ROOT/tools/guestwl/fetch-debs.sh" ||
	die "fetching the guest workload packages failed (tools/guestwl/fetch-debs.sh)"

log "done (GUEST_KVER=$KVER)"
