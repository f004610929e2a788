#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What `make install` puts on a host (packaging/, man/, docs/install.md),
# as TAP: the tree it installs with DESTDIR as an unprivileged user and
# with another PREFIX; the systemd unit passes `systemd-analyze verify`,
# its sandbox scores "SAFE" or "OK" in `systemd-analyze security`, its
# user comes from sysusers.d; the man pages are mandoc-lint clean and
# cover every option, parameter and sysfs file; the libvirt example validates; the DKMS
# tree builds vtier.ko against each guest kernel's headers, and modprobe
# with the modprobe.d example loads it after the vsock transport with its
# options.  Needs `make all` (vtierd, vtierctl, vtier.ko) and root for dkms.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$TOP/build/guest-kernel.env"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
n=0
failed=0
log=$work/log

result() {	# result OK|FAIL|SKIP name: the details are in $log
	n=$((n + 1))
	case $1 in
	OK) echo "ok $n $2" ;;
	SKIP) echo "ok $n $2 # SKIP $(head -n1 "$log")" ;;
	*)
		failed=$((failed + 1))
		echo "not ok $n $2"
		sed 's/^/# /' "$log" | head -n 40
		;;
	esac
	: >"$log"
}

# check NAME CMD...: CMD must succeed and leave $log empty (its complaints).
check() {
	local name=$1
	shift
	if "$@" >>"$log" 2>&1 && [ ! -s "$log" ]; then
		result OK "$name"
	else
		result FAIL "$name"
	fi
}

# As nobody when run as root: the install must need no privilege.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

rendered() {	# the text of a man page, without overstrike (bold, underline)
	mandoc -T ascii -O width=200 "$1" | sed 's/.\x08//g'
}

echo "TAP version 13"
echo "1..10"

# ---- 1. the installed tree, PREFIX=/usr ----
dest=$work/dest
mkdir "$dest" && chown 65534:65534 "$dest" 2>/dev/null
inst() {	# inst DESTDIR PREFIX
	as_user make -s -C "$TOP/packaging" install DESTDIR="$1" PREFIX="$2" \
		>"$work/install.log" 2>&1 || { cat "$work/install.log"; return 1; }
}
installed_tree() {
	local src ver
	inst "$dest" /usr || return 1
	src=$(cd "$dest/usr/src" && ls -d vtier-*)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dest/usr/src/$src/dkms.conf")
	[ "$src" = "vtier-$ver" ] ||
		echo "DKMS tree $src does not match PACKAGE_VERSION $ver"
	{
		printf '%s\n' etc/default/vtierd \
			usr/lib/systemd/system/vtierd.service \
			usr/lib/sysusers.d/vtier.conf \
			usr/sbin/vtierctl usr/sbin/vtierd \
			usr/share/doc/vtier/examples/libvirt/vtier-vm0.xml \
			usr/share/doc/vtier/examples/modprobe.d/vtier.conf \
			usr/share/doc/vtier/examples/modules-load.d/vtier.conf \
			usr/share/doc/vtier/examples/vtierd.default \
			usr/share/man/man4/vtier.4 usr/share/man/man8/vtierctl.8 \
			usr/share/man/man8/vtierd.8 "usr/src/$src/dkms.conf"
		(cd "$TOP" && ls guest-driver/Kbuild guest-driver/*.[ch] proto/*.[ch]) |
			grep -v '\.mod\.c$' | sed "s|^|usr/src/$src/|"
	} | sort >"$work/want"
	(cd "$dest" && find . ! -type d | sed 's|^\./||' | sort) >"$work/got"
	diff "$work/want" "$work/got" | sed 's/^</missing:/; s/^>/unexpected:/' |
		grep -E '^(missing|unexpected)'
	for f in guest-driver/Kbuild $(cd "$TOP" && ls guest-driver/*.[ch] proto/*.[ch] | grep -v '\.mod\.c$'); do
		cmp -s "$TOP/$f" "$dest/usr/src/$src/$f" || echo "$f differs"
	done
	for b in vtierd vtierctl; do
		cmp -s "$TOP/build/bin/$b" "$dest/usr/sbin/$b" || echo "$b differs"
		[ -x "$dest/usr/sbin/$b" ] || echo "$b is not executable"
	done
	"$dest/usr/sbin/vtierd" --help | grep -q '^usage: vtierd' ||
		echo "installed vtierd --help prints no usage"
	[ "$(stat -c %U "$dest/usr/sbin/vtierd")" != root ] ||
		echo "installed as root"
	return 0
}
check "make install DESTDIR (as an unprivileged user) installs binaries, man pages, unit, DKMS tree and examples" installed_tree

# ---- 2. another PREFIX ----
other_prefix() {
	local d=$work/opt unit
	mkdir "$d" && chown 65534:65534 "$d" 2>/dev/null
	inst "$d" /opt/vtier || return 1
	for f in opt/vtier/sbin/vtierd opt/vtier/sbin/vtierctl \
		 opt/vtier/share/man/man8/vtierd.8 opt/vtier/share/man/man4/vtier.4 \
		 opt/vtier/lib/systemd/system/vtierd.service \
		 opt/vtier/lib/sysusers.d/vtier.conf \
		 opt/vtier/share/doc/vtier/examples/libvirt/vtier-vm0.xml \
		 etc/default/vtierd; do
		[ -f "$d/$f" ] || echo "missing: $f"
	done
	[ -n "$(ls -d "$d"/usr/src/vtier-*/dkms.conf 2>/dev/null)" ] ||
		echo "missing: usr/src/vtier-*/dkms.conf (dkms looks in /usr/src)"
	[ ! -e "$d/usr/sbin" ] || echo "usr/sbin installed despite PREFIX"
	unit=$d/opt/vtier/lib/systemd/system/vtierd.service
	grep -qx 'ExecStart=/opt/vtier/sbin/vtierd $VTIERD_ARGS' "$unit" ||
		echo "unit: $(grep ^ExecStart= "$unit")"
	grep -qx 'EnvironmentFile=/etc/default/vtierd' "$unit" ||
		echo "unit: $(grep ^EnvironmentFile= "$unit")"
	return 0
}
check "make install PREFIX=/opt/vtier puts programs, man pages and unit there, the unit's ExecStart too" other_prefix

# ---- 3-5. the systemd unit ----
# A root with the host's own units (sysinit.target and the like) and the
# installed tree; man finds the installed pages that Documentation= names.
vroot=$work/vroot
mkdir -p "$vroot/usr/lib/systemd/system"
cp -a /usr/lib/systemd/system/. "$vroot/usr/lib/systemd/system/"
cp -a "$dest/." "$vroot/"
check "systemd-analyze verify: vtierd.service is clean, its ExecStart and man pages exist" \
	env MANPATH="$dest/usr/share/man" systemd-analyze verify --root="$vroot" vtierd.service

sandbox() {
	local unit=$dest/usr/lib/systemd/system/vtierd.service out score
	out=$(systemd-analyze security --offline=yes --root="$vroot" vtierd.service 2>&1) ||
		{ echo "$out"; return 1; }
	score=$(echo "$out" | sed -n 's/.*Overall exposure level for vtierd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	echo "$score" >"$work/score"
	case $score in
	*" SAFE"|*" OK") ;;
	*) echo "$out" | grep '✗'; echo "exposure: ${score:-none}" ;;
	esac
	for want in 'CapabilityBoundingSet=CAP_SYS_NICE CAP_SYS_PTRACE' \
		    'AmbientCapabilities=CAP_SYS_NICE CAP_SYS_PTRACE' \
		    'User=vtier' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
		    'RestrictAddressFamilies=AF_UNIX'; do
		grep -qxF "$want" "$unit" || echo "unit lacks $want"
	done
	return 0
}
check "systemd-analyze security: vtierd.service exposure SAFE or OK (below 2), CAP_SYS_NICE and CAP_SYS_PTRACE only" sandbox
echo "# systemd-analyze security: vtierd.service exposure $(cat "$work/score" 2>/dev/null)"

sysusers() {
	local sys=$work/sysroot
	mkdir -p "$sys/etc" "$sys/usr/lib/sysusers.d"
	cp "$dest/usr/lib/sysusers.d/vtier.conf" "$sys/usr/lib/sysusers.d/"
	systemd-sysusers --root="$sys" >/dev/null 2>&1 ||
		{ echo "systemd-sysusers failed"; return 1; }
	grep -q '^vtier:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$sys/etc/passwd" ||
		echo "no user vtier: $(cat "$sys/etc/passwd")"
	grep -q '^vtier:x:[0-9]*:' "$sys/etc/group" || echo "no group vtier"
}
check "sysusers.d creates the unit's user and group vtier (no login shell)" sysusers

# ---- 6-7. man pages ----
lint() {
	local p
	for p in "$dest"/usr/share/man/man*/*; do
		mandoc -T lint -W warning "$p"
	done
}
check "mandoc -T lint: vtierd(8), vtierctl(8), vtier(4) have no warnings" lint

coverage() {
	local d8=$work/vtierd.txt c8=$work/vtierctl.txt v4=$work/vtier.txt o p f
	rendered "$dest/usr/share/man/man8/vtierd.8" >"$d8"
	rendered "$dest/usr/share/man/man8/vtierctl.8" >"$c8"
	rendered "$dest/usr/share/man/man4/vtier.4" >"$v4"
	# vtierd: every --option and every --vm key of its --help.
	for o in $("$TOP/build/bin/vtierd" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		grep -qF -- "$o" "$d8" || echo "vtierd(8) lacks $o"
	done
	for o in $("$TOP/build/bin/vtierd" --help | grep -oE '[a-z]+=' | sort -u) connect; do
		grep -qF -- "$o" "$d8" || echo "vtierd(8) lacks the --vm key $o"
	done
	# vtierctl: its commands and options, from its usage.
	for o in $("$TOP/build/bin/vtierctl" 2>&1 | grep -oE -- '--[a-z]+|\] [a-z]+ |[a-z]+=' |
		   sed 's/^\] //; s/ $//' | sort -u); do
		grep -qF -- "$o" "$c8" || echo "vtierctl(8) lacks $o"
	done
	# vtier(4): every parameter of the module, every sysfs file of
	# docs/module.md and docs/samplers.md, and the debugfs files.
	for p in $(modinfo -F parm "$TOP/guest-driver/vtier.ko" | cut -d: -f1); do
		# An entry of its own: the name begins a line.
		grep -qE -- "^ +$p( |$)" "$v4" || echo "vtier(4) lacks the parameter $p"
	done
	for f in $(sed -n '/^## sysfs: \/sys\/kernel\/vtier\/$/,/^## /s/^| `\([a-z_/]*\)` |.*/\1/p' "$TOP/docs/module.md") \
		 $(sed -n '/^## sysfs: \/sys\/kernel\/vtier\/samplers\//,/^## /s/^| `\([a-z_]*\)` |.*/\1/p' "$TOP/docs/samplers.md") \
		 replay ranges hot hints; do
		grep -qw -- "${f%/}" "$v4" || echo "vtier(4) lacks the file $f"
	done
}
check "the man pages name every vtierd option and --vm key, vtierctl command, module parameter and sysfs/debugfs file" coverage

# ---- 8. libvirt ----
libvirt() {
	local x=$dest/usr/share/doc/vtier/examples/libvirt/vtier-vm0.xml sock
	virt-xml-validate "$x" domain >"$work/xml.log" 2>&1 ||
		{ cat "$work/xml.log"; return 1; }
	sock=$(sed -n 's/.*socket=\([^,"]*\).*/\1/p' "$dest/etc/default/vtierd")
	grep -qF "path=$sock'" "$x" ||
		echo "the example's chardev is not the default VTIERD_ARGS' socket $sock"
	grep -q "vhost-user-vsock-pci,chardev=" "$x" || echo "no vhost-user-vsock-pci"
	grep -q "<access mode='shared'/>" "$x" || echo "guest RAM not shared"
	[ "$(xmllint --xpath 'count(/domain/devices/vsock)' "$x")" = 0 ] ||
		echo "a second vsock device"
}
check "virt-xml-validate: the libvirt example is a valid domain with vhost-user-vsock on vtierd's socket and shared RAM" libvirt

# ---- 9-11. DKMS and the guest's module configuration ----
kvers=${GUEST_KVERS:-$GUEST_KVER}
src=$(ls -d "$dest"/usr/src/vtier-*)
ver=${src##*/vtier-}
dkms_build() {
	local k ko
	for k in ${kvers//,/ }; do
		[ -d "/usr/src/linux-headers-$k" ] || { echo "no headers for $k"; continue; }
		# sign_file: no signing key is made on this machine.
		sign_file=/nonexistent dkms build -q --dkmstree "$work/dkms" \
			--sourcetree "$dest/usr/src" -m vtier -v "$ver" -k "$k" \
			--kernelsourcedir "/usr/src/linux-headers-$k" \
			>"$work/dkms-$k.log" 2>&1 || { tail -n 30 "$work/dkms-$k.log"; continue; }
		# vtier.ko.xz where the kernel compresses its modules.
		ko=$(ls "$work/dkms/vtier/$ver/$k/x86_64/module/vtier.ko"* 2>/dev/null)
		[ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$k" ] ||
			echo "$ko: vermagic is not $k"
		[ "$(modinfo -F parm "$ko" | sort)" = "$(modinfo -F parm "$TOP/guest-driver/vtier.ko" | sort)" ] ||
			echo "$k: dkms's vtier.ko has other parameters than guest-driver/vtier.ko"
	done
}
if [ "$(id -u)" != 0 ]; then
	echo "dkms needs root" >"$log"
	result SKIP "dkms build of the installed tree against the guest headers (${kvers})"
else
	mkdir -p "$work/dkms"
	if dkms add -q --dkmstree "$work/dkms" --sourcetree "$dest/usr/src" \
		-m vtier -v "$ver" >>"$log" 2>&1; then
		: >"$log"
		check "dkms build of the installed tree against the guest headers (${kvers//,/, })" dkms_build
	else
		result FAIL "dkms build of the installed tree against the guest headers (${kvers})"
	fi
fi

# The guest kernel's module tree with the DKMS-built vtier.ko in updates/.
mods=$work/modroot
modprobe_d() {
	local ex=$dest/usr/share/doc/vtier/examples out o ko
	ko=$(ls "$work/dkms/vtier/$ver/$GUEST_KVER/x86_64/module/vtier.ko"* 2>/dev/null)
	[ -f "$ko" ] || { echo "no vtier.ko from dkms for $GUEST_KVER"; return 1; }
	mkdir -p "$mods/lib/modules"
	cp -rs "$TOP/build/guest/lib/modules/$GUEST_KVER" "$mods/lib/modules/"
	mkdir -p "$mods/lib/modules/$GUEST_KVER/updates/dkms"
	cp "$ko" "$mods/lib/modules/$GUEST_KVER/updates/dkms/"
	depmod -b "$mods" "$GUEST_KVER" || return 1
	out=$(modprobe -n -v -d "$mods" -S "$GUEST_KVER" -C "$ex/modprobe.d" vtier) ||
		{ echo "$out"; return 1; }
	echo "$out" | sed -n '$p' | grep -q "/updates/dkms/vtier.ko" ||
		echo "vtier.ko is not loaded last: $out"
	echo "$out" | grep -q '/vmw_vsock_virtio_transport.ko' ||
		echo "the vsock transport is not loaded first: $out"
	for o in $(sed -n 's/^options vtier //p' "$ex/modprobe.d/vtier.conf"); do
		echo "$out" | sed -n '$p' | grep -qw -- "$o" || echo "option $o not passed"
		modinfo -F parm "$ko" | grep -q "^${o%%=*}:" ||
			echo "$o: vtier.ko has no such parameter"
	done
	for o in $(grep -v '^#' "$ex/modules-load.d/vtier.conf"); do
		modprobe -n -d "$mods" -S "$GUEST_KVER" "$o" ||
			echo "modules-load.d names $o, which modprobe does not find"
	done
}
if [ "$(id -u)" != 0 ]; then
	echo "dkms needs root" >"$log"
	result SKIP "modprobe with the modprobe.d example loads the vsock transport, then vtier.ko with its options"
else
	check "modprobe with the modprobe.d example loads the vsock transport, then vtier.ko with its options; modules-load.d names it" modprobe_d
fi

echo "# Totals: pass:$((n - failed)) fail:$failed"
[ $failed -eq 0 ]
