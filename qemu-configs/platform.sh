# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# platform.sh - which guest kernel and which QEMU a test guest runs on.
# Sourced (with ROOT and BUILD set) by run-guest.sh, run-numa-vm.sh,
# scripts/mkinitramfs.sh, build-module.sh, e2e-matrix.sh, eval-guest.sh and
# selftests/static/module_checks.sh; the
# versions themselves live in build/guest-kernel.env and build/qemu.env,
# which `make deps` writes.
#
#   VTIER_KERNEL  one of GUEST_KVERS, by its version or a prefix of it
#                 ending at a dot or dash (6.1, 6.12); default GUEST_KVER
#   VTIER_QEMU    one of QEMU_VERSIONS (7.2: the system's qemu-system-x86_64;
#                 any other: unpacked by make deps under build/qemu-<v>/),
#                 or the path of a qemu-system-x86_64; default QEMU_DEFAULT
#
# platform_kernel sets GUEST_KVER (the chosen kernel), GUEST_KERNEL (its
# image), GUEST_MODDIR (its modules), GUEST_KDIR (its headers), GUEST_VTIER_KO
# (vtier.ko built for it), GUEST_INITRD (the initramfs for it) and
# GUEST_IS_DEFAULT (1 for GUEST_KVER).
# platform_qemu sets QEMU_BIN, QEMU_VERSION (as QEMU prints it), QEMU_SHORT
# (major.minor), QEMU_ENV (VAR=value words for env(1)) and QEMU_DATA_ARGS
# (-L <dir> for an unpacked QEMU), and GT_PLUGIN, the vtier-gt build that
# this QEMU loads (empty, with GT_PLUGIN_WHY, for a QEMU it was never built
# for).  Both print the reason and return 2 when the choice is not available.

PLATFORM_KENV=$BUILD/guest-kernel.env
PLATFORM_QENV=$BUILD/qemu.env

# platform_env_get FILE KEY: the value of KEY=value in FILE.
platform_env_get() {
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n1
}

# Every supported kernel, the default first, one per line.
platform_kernels() {
	local all
	all=$(platform_env_get "$PLATFORM_KENV" GUEST_KVERS)
	[ -n "$all" ] || all=$(platform_env_get "$PLATFORM_KENV" GUEST_KVER)
	tr ',' '\n' <<<"$all"
}

# Every supported QEMU (major.minor), the default first, one per line.
platform_qemus() {
	tr ',' '\n' <<<"$(platform_env_get "$PLATFORM_QENV" QEMU_VERSIONS)"
}

# platform_match SPEC VERSION: SPEC names VERSION (equal, or a prefix that
# ends where VERSION has a dot, dash or plus: 6.1 is not 6.12).
platform_match() {
	[ "$1" = "$2" ] && return 0
	case $2 in "$1".* | "$1"-* | "$1"+*) return 0 ;; esac
	return 1
}

platform_kernel() {
	local spec=${VTIER_KERNEL:-} k default
	[ -f "$PLATFORM_KENV" ] || { echo "$PLATFORM_KENV missing; run make deps" >&2; return 2; }
	default=$(platform_env_get "$PLATFORM_KENV" GUEST_KVER)
	[ -n "$default" ] || { echo "no GUEST_KVER in $PLATFORM_KENV" >&2; return 2; }
	GUEST_KVER=
	if [ -z "$spec" ]; then
		GUEST_KVER=$default
	else
		for k in $(platform_kernels); do
			if platform_match "$spec" "$k"; then GUEST_KVER=$k; break; fi
		done
	fi
	[ -n "$GUEST_KVER" ] || {
		echo "VTIER_KERNEL=$spec is none of: $(platform_kernels | tr '\n' ' ')" >&2
		return 2
	}
	GUEST_KERNEL=$BUILD/guest/boot/vmlinuz-$GUEST_KVER
	GUEST_MODDIR=$BUILD/guest/lib/modules/$GUEST_KVER
	GUEST_KDIR=/usr/src/linux-headers-$GUEST_KVER
	# The default kernel's module is the tree's own build (make module);
	# the others are built by scripts/build-module.sh into build/kmod/.
	GUEST_IS_DEFAULT=0
	if [ "$GUEST_KVER" = "$default" ]; then
		GUEST_IS_DEFAULT=1
		GUEST_VTIER_KO=$ROOT/guest-driver/vtier.ko
		GUEST_INITRD=$BUILD/initramfs.cpio.gz
	else
		GUEST_VTIER_KO=$BUILD/kmod/$GUEST_KVER/guest-driver/vtier.ko
		GUEST_INITRD=$BUILD/initramfs-$GUEST_KVER.cpio.gz
	fi
}

platform_qemu() {
	local spec=${VTIER_QEMU:-} root=
	QEMU_ENV=() QEMU_DATA_ARGS=()
	[ -n "$spec" ] || spec=$(platform_env_get "$PLATFORM_QENV" QEMU_DEFAULT)
	if [ -z "$spec" ] || [ "$spec" = "$(platform_env_get "$PLATFORM_QENV" QEMU_DEFAULT)" ]; then
		QEMU_BIN=$(command -v qemu-system-x86_64 || true)
		[ -n "$QEMU_BIN" ] || { echo "qemu-system-x86_64 not found; run make deps" >&2; return 2; }
	else
		case $spec in
		*/*) QEMU_BIN=$spec; root=$(cd "$(dirname "$spec")/../.." && pwd) ;;
		*)   root=$BUILD/qemu-$spec; QEMU_BIN=$root/usr/bin/qemu-system-x86_64 ;;
		esac
		[ -x "$QEMU_BIN" ] || {
			echo "VTIER_QEMU=$spec: no $QEMU_BIN (QEMUs: $(platform_qemus | tr '\n' ' '); run make deps)" >&2
			return 2
		}
	fi
	# An unpacked QEMU must load its own modules and firmware: without
	# QEMU_MODULE_DIR it finds the system QEMU's modules and aborts, and
	# with the system's older SeaBIOS each boot waits 30 s in the BIOS.
	if [ -n "$root" ] && [ -d "$root/usr/lib/x86_64-linux-gnu/qemu" ]; then
		QEMU_ENV=("QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu")
		QEMU_DATA_ARGS=(-L "$root/usr/share/qemu")
		[ -d "$root/usr/share/seabios" ] &&
			QEMU_DATA_ARGS+=(-L "$root/usr/share/seabios")
	fi
	QEMU_VERSION=$(env "${QEMU_ENV[@]}" "$QEMU_BIN" --version 2>/dev/null |
		sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p')
	[ -n "$QEMU_VERSION" ] || { echo "$QEMU_BIN --version failed" >&2; return 2; }
	QEMU_SHORT=$(cut -d. -f1,2 <<<"$QEMU_VERSION")
	platform_plugin
}

# The one place that maps a QEMU to the plugin API level vtier-gt is built
# for (tools/tcgplugin/qemu_plugin_abi.h): 7.2 accepts levels 0..1 only,
# 10.0 levels 2..4; no level is accepted by both.
platform_plugin() {
	local api=
	case $QEMU_SHORT in
	7.2) api=1 ;;
	10.0) api=3 ;;
	esac
	GT_PLUGIN= GT_PLUGIN_WHY=
	if [ -z "$api" ]; then
		GT_PLUGIN_WHY="vtier-gt is built for QEMU 7.2 and 10.0, not $QEMU_VERSION"
	else
		GT_PLUGIN=$BUILD/lib/vtier-gt-api$api.so
	fi
}
