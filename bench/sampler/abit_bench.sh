#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# abit_bench.sh: the accessed-bit scanner's cost in a QEMU TCG guest at
# CPU budgets of 0.5%, 1% and 3% (cpu_budget_permille 5, 10, 30).  Each
# run boots the test guest (build/initramfs.cpio.gz, `make tests` first),
# starts vtier-hotspot (16 MiB hot, 256 MiB cold, 4 KiB pages) and abit
# over all processes, and averages ten readings of /sys/kernel/vtier/
# samplers/ taken after 10 s of warm-up (guest script sampler.sh, bench).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
printf '%-8s %14s %16s %12s %14s %12s\n' budget pages/s cpu_us/round interval_ms overhead_ppm samples/s
for b in 5 10 30; do
	log=$(mktemp)
	"$ROOT/qemu-configs/run-guest.sh" --script sampler \
		--append "vtier.mode=bench vtier.budget=$b" --timeout 300 \
		>"$log" 2>&1 || true
	grep -a '^VTIER-BENCH' "$log" | tr -d '\r' | awk -v b="$b" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); sum[kv[1]] += kv[2] } n++ }
		END {
			if (!n) { printf "%-8s no figures (guest failed)\n", b / 10 "%"; exit }
			printf "%-8s %14.0f %16.0f %12.0f %14.0f %12.0f\n", b / 10 "%",
			       sum["pages_per_s"] / n, sum["cpu_ns_per_round"] / n / 1000,
			       sum["interval_us"] / n / 1000, sum["overhead_ppm"] / n,
			       sum["samples_per_s"] / n
		}'
	rm -f "$log"
done
