#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-debs.sh - download the Debian packages of the guest workloads and
# unpack them under build/guestwl/ (never installed on the host).
#
#   build/guestwl/debs/*.deb       the packages (apt-get download)
#   build/guestwl/root/            all of them unpacked (dpkg-deb -x)
#   build/guestwl/versions         "package version" per package
#   build/guestwl/extras           EXTRA:DEST arguments for mkinitramfs.sh:
#                                  the workload binaries, the ELF loader and
#                                  every shared library they need
#
# The programs are dynamically linked and the busybox guest has no libc, so
# the library packages are fetched too: the Depends of every package are
# followed (library packages only: lib*, zlib1g) until closed, and the
# libraries actually NEEDED by the binaries (transitively) are copied into
# the guest's /lib/x86_64-linux-gnu.  Called by scripts/deps.sh; idempotent
# (nothing is downloaded when build/guestwl/extras is newer than this
# script and the package list below did not change).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${VTIER_BUILD:-$ROOT/build}
W=$BUILD/guestwl

# The packages whose programs the workloads run (docs/workloads.md).
PACKAGES=(redis-tools redis-server sqlite3 zstd coreutils memcached)
# Binaries copied into the guest: "path in the package tree:guest path".
# redis-server is a symlink to redis-check-rdb (one binary, chosen by name).
# /opt/wl/bin, not /usr/bin: sort (and others) are busybox applets there.
BINARIES=(usr/bin/redis-check-rdb:/opt/wl/bin/redis-server
	  usr/bin/redis-benchmark:/opt/wl/bin/redis-benchmark
	  usr/bin/redis-cli:/opt/wl/bin/redis-cli
	  usr/bin/sqlite3:/opt/wl/bin/sqlite3
	  usr/bin/zstd:/opt/wl/bin/zstd
	  usr/bin/sort:/opt/wl/bin/sort
	  usr/bin/memcached:/opt/wl/bin/memcached)
LIBDIR=/lib/x86_64-linux-gnu
LOADER=/lib64/ld-linux-x86-64.so.2

log() { echo "guestwl: $*"; }
die() { echo "guestwl: ERROR: $*" >&2; exit 1; }

want="${PACKAGES[*]} ${BINARIES[*]}"
if [ "${FORCE:-0}" != 1 ] && [ -s "$W/extras" ] && [ -s "$W/versions" ] &&
   [ "$W/extras" -nt "${BASH_SOURCE[0]}" ] &&
   [ "$(cat "$W/.want" 2>/dev/null)" = "$want" ]; then
	log "workload packages: present ($(wc -l <"$W/versions") packages)"
	exit 0
fi
for t in apt-get dpkg-deb readelf; do
	command -v "$t" >/dev/null || die "$t not found"
done

rm -rf "$W/debs" "$W/root"
mkdir -p "$W/debs" "$W/root"

# Download packages (as root the _apt sandbox user cannot write here).
download() {
	(cd "$W/debs" && apt-get download -q -o APT::Sandbox::User=root "$@" \
		>/dev/null 2>"$W/debs/.err") && return 0
	if [ ! -f "$W/.apt-updated" ]; then
		log "apt-get download failed; apt-get update once and retry"
		apt-get update -q >/dev/null && touch "$W/.apt-updated"
		(cd "$W/debs" && apt-get download -q -o APT::Sandbox::User=root "$@" \
			>/dev/null 2>"$W/debs/.err") && return 0
	fi
	cat "$W/debs/.err" >&2
	die "apt-get download $* failed"
}

# Library dependencies of a .deb: first alternative of each Depends/
# Pre-Depends entry, library packages only (lib*, zlib1g).
lib_deps() {
	{ dpkg-deb -f "$1" Depends; dpkg-deb -f "$1" Pre-Depends; } |
		tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/^ *//; s/ *$//' |
		grep -E '^(lib[a-z0-9.+-]+|zlib1g)$' || true
}

# Breadth-first over the dependencies, one apt-get call per level.
declare -A seen=()
level=("${PACKAGES[@]}")
for p in "${level[@]}"; do seen[$p]=1; done
while [ ${#level[@]} -gt 0 ]; do
	download "${level[@]}"
	next=()
	for p in "${level[@]}"; do
		deb=$(ls "$W/debs/${p}_"*.deb 2>/dev/null | head -n1)
		[ -n "$deb" ] || die "no .deb for $p after download"
		for d in $(lib_deps "$deb"); do
			[ -n "${seen[$d]:-}" ] && continue
			seen[$d]=1
			next+=("$d")
		done
	done
	level=("${next[@]}")
done
log "downloaded ${#seen[@]} packages into $W/debs"

: >"$W/versions.tmp"
for deb in "$W/debs"/*.deb; do
	dpkg-deb -x "$deb" "$W/root" || die "dpkg-deb -x $deb failed"
	echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" \
		>>"$W/versions.tmp"
done
sort -o "$W/versions.tmp" "$W/versions.tmp"

# Where a shared library of the unpacked tree lives (symlinks resolved).
find_lib() {
	local d
	for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
		if [ -e "$W/root/$d/$1" ]; then
			readlink -f "$W/root/$d/$1"
			return 0
		fi
	done
	return 1
}

: >"$W/extras.tmp"
declare -A have=()
elfs=()
for b in "${BINARIES[@]}"; do
	src=$W/root/${b%%:*}
	[ -f "$src" ] || die "${b%%:*} not in the unpacked packages"
	echo "$src:${b#*:}" >>"$W/extras.tmp"
	elfs+=("$src")
done
loader=$(find_lib ld-linux-x86-64.so.2) || die "no ld-linux-x86-64.so.2 (libc6)"
echo "$loader:$LOADER" >>"$W/extras.tmp"
# Breadth-first over NEEDED entries until every library is in.
while [ ${#elfs[@]} -gt 0 ]; do
	e=${elfs[0]}
	elfs=("${elfs[@]:1}")
	for so in $(readelf -d "$e" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -n "${have[$so]:-}" ] && continue
		have[$so]=1
		path=$(find_lib "$so") ||
			die "$so (needed by ${e#"$W/root/"}) is in no fetched package"
		echo "$path:$LIBDIR/$so" >>"$W/extras.tmp"
		elfs+=("$path")
	done
done
mv "$W/versions.tmp" "$W/versions"
mv "$W/extras.tmp" "$W/extras"
echo "$want" >"$W/.want"
log "$(wc -l <"$W/extras") guest files ($(( $(cut -d: -f1 "$W/extras" |
	xargs du -cLk | tail -n1 | cut -f1) / 1024 )) MiB) listed in $W/extras"
