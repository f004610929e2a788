# SPDX-License-Identifier: GPL-2.0
# abit-scale: the guest side of bench/sampler/abit_scale.sh (installed as
# /scripts/abit-scale.sh in that benchmark's own initramfs).  THP off;
# vtier-abit-scale vtier.cold (MiB) vtier.hot (MiB) vtier.phase (s) maps
# its memory while vtier.ko (sampler=abit, all processes) runs at 5% of a
# CPU, until a round checks almost no page: the scanner's first pass over
# the new mappings is done, their upper-level accessed bits are clear (the
# steady state of a long-running guest).  Then vtier.ko is loaded again at
# cpu_budget_permille=vtier.budget (page tables keep their bits across the
# reload) and the program, told to go, prints the VTIER-SCALE lines.
. /scripts/lib.sh

S=/sys/kernel/vtier/samplers
echo never >/sys/kernel/mm/transparent_hugepage/enabled
vtier_load sampler=abit cpu_budget_permille=50 || exit 1
rm -f /tmp/vtier-scale-mapped /tmp/vtier-scale-go
vtier-abit-scale "${VTIER_COLD:?}" "${VTIER_HOT:?}" "${VTIER_PHASE:-30}" &
prog=$!
while [ ! -e /tmp/vtier-scale-mapped ]; do sleep 1; done
# Pages checked per round = pages_per_s x interval; quiet: under 4096.
calm=0 t=0 last=$(cat $S/rounds)
while [ "$calm" -lt 2 ] && [ "$t" -lt 600 ]; do
	sleep 1
	t=$((t + 1))
	r=$(cat $S/rounds)
	[ "$r" = "$last" ] && continue
	last=$r
	per_round=$(($(cat $S/pages_per_s) * $(cat $S/interval_us) / 1000000))
	if [ "$per_round" -lt 4096 ]; then calm=$((calm + 1)); else calm=0; fi
done
echo "VTIER-SCALE first pass done in $t s (pages per round $per_round)"
rmmod vtier || exit 1
vtier_load sampler=abit cpu_budget_permille="${VTIER_BUDGET:-10}" || exit 1
touch /tmp/vtier-scale-go
wait "$prog"
