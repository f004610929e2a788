# SPDX-License-Identifier: GPL-2.0
# Helpers for guest scripts (busybox sh): `. /scripts/lib.sh`.
# Output goes to the serial console, which the host test reads line by line;
# every line a test matches on starts with "VTIER-".

VTIER_KO=/lib/modules/vtier.ko

# vtier_have_module: true if the initramfs carries vtier.ko.
vtier_have_module() {
	[ -f "$VTIER_KO" ]
}

# vtier_load [param=value ...]: insmod vtier.ko with the given parameters
# plus those from `vtier.modargs=a=1,b=2` on the kernel command line.
# Prints VTIER-INSMOD ok|fail|missing.
vtier_load() {
	if ! vtier_have_module; then
		echo "VTIER-INSMOD missing (no vtier.ko in the initramfs)"
		return 2
	fi
	# shellcheck disable=SC2046  # word splitting of the parameter list is intended
	if insmod "$VTIER_KO" "$@" $(echo "$VTIER_MODARGS" | tr ',' ' '); then
		echo "VTIER-INSMOD ok"
		return 0
	fi
	echo "VTIER-INSMOD fail"
	return 1
}

# vtier_unload: rmmod vtier; prints VTIER-RMMOD ok|fail.
vtier_unload() {
	if rmmod vtier; then
		echo "VTIER-RMMOD ok"
		return 0
	fi
	echo "VTIER-RMMOD fail"
	return 1
}

# wait_file PATH SECONDS: wait until PATH exists; false on timeout.
wait_file() {
	n=$(($2 * 10))
	while [ ! -e "$1" ]; do
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
	return 0
}

# wait_state WANT SECONDS: wait until /sys/kernel/vtier/state reads WANT.
# Prints the final state as VTIER-STATE <state>; false on timeout.
wait_state() {
	n=$(($2 * 10))
	while :; do
		s=$(cat /sys/kernel/vtier/state 2>/dev/null)
		if [ "$s" = "$1" ] || [ "$n" -le 0 ]; then
			break
		fi
		n=$((n - 1))
		sleep 0.1
	done
	echo "VTIER-STATE ${s:-none}"
	[ "$s" = "$1" ]
}

# vtier_stats: print every /sys/kernel/vtier attribute as VTIER-STAT name value.
vtier_stats() {
	for f in /sys/kernel/vtier/*; do
		[ -f "$f" ] || continue
		echo "VTIER-STAT ${f##*/} $(cat "$f" 2>/dev/null | head -n1)"
	done
}
