#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/eval-guest.sh, installed as /scripts/wl.sh in the
# workload initramfs; /init runs it for vtier.script=wl.  Parameters come
# from the kernel command line: vtier.wl=NAME vtier.size=full|quick
# vtier.seed=N.
#
# Each workload prepares what is not part of it (starts its server, writes
# its SQL script; not measured), then runs between the ground-truth markers
# its load phase (builds the data set) and its steady phase (the operation
# mix repeated over the warm data set), separated by marker 3, whose time
# the plugin logs (marker_ns.3: the .meta's steady_ns):
#     vtier-mark 1; <load>; vtier-mark 3; <steady>; vtier-mark 2
# (graph, memcached and xsbench run one program that executes marker 3
# itself), and checks its own results afterwards.  Console lines (the host
# parses them; docs/workloads.md):
#   WL-BEGIN name=.. size=.. seed=.. <size parameters>
#   WL-PHASE-BEGIN                      just before marker 1
#   WL-PHASE-END rc=N guest_s=S         just after marker 2 (S: guest clock)
#   WL-RESULT key=value ...             what the workload reported
#   WL-OK NAME  |  WL-FAIL NAME REASON  the verdict
. /etc/vtier-workloads.sh

WL=${VTIER_WL:-}
SIZE=${VTIER_SIZE:-full}
SEED=${VTIER_SEED:-$WL_SEED_DEFAULT}
T=/tmp/wl
export LC_ALL=C
# The Debian programs live apart from the busybox applets (same names);
# busybox sh runs its own applets before searching PATH, so call them by
# their full path.
B=/opt/wl/bin

fail() {
	echo "WL-FAIL $WL $*"
	exit 1
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

mark() {
	# The marker NOP is a no-op without the plugin; a missing vtier-mark
	# is a build problem only when the host asked for ground truth.
	if command -v vtier-mark >/dev/null; then
		vtier-mark "$1" || fail "vtier-mark $1 failed"
	elif [ "${VTIER_NEED_MARK:-0}" = 1 ]; then
		fail "vtier-mark missing from the initramfs"
	fi
}

params=$(wl_sizes "$WL" "$SIZE") || fail "unknown workload or size '$WL' '$SIZE'"
eval "$params"
echo "WL-BEGIN name=$WL size=$SIZE seed=$SEED $params"
mkdir -p $T || fail "mkdir $T"

# ---------------------------------------------------------------- redis
redis_prepare() {
	# The initramfs brings up no network; redis talks over loopback.
	ip link set lo up || fail "cannot bring up lo"
	$B/redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no \
		--protected-mode no --daemonize yes --logfile $T/redis.log \
		--dir $T || fail "redis-server did not start"
	i=0
	until [ "$($B/redis-cli ping 2>/dev/null)" = PONG ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "redis-server not answering after 60 s"
		sleep 0.2
	done
}
redis_run() {
	vtier-wlgen redis "$SEED" "$KEYS" "$VALUE" |
		$B/redis-cli --pipe >$T/pipe.out 2>&1 || return 1
	grep -q "errors: 0, replies: $KEYS" $T/pipe.out || return 1
	$B/redis-cli config resetstat >/dev/null || return 1
	mark 3
	: >$T/bench.out
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		$B/redis-benchmark -t set,get -n "$OPS" -r "$KEYS" -d "$VALUE" \
			-c 8 -P 8 >>$T/bench.out 2>&1 || return 1
		r=$((r + 1))
	done
}
redis_check() {
	grep -q "errors: 0, replies: $KEYS" $T/pipe.out ||
		{ cat $T/pipe.out; fail "populate: not $KEYS replies without errors"; }
	# Per round one SET and one GET line, each with OPS requests completed.
	lines=$(grep -E '^  [0-9]+ requests completed' $T/bench.out |
		awk -v ops="$OPS" '$1 == ops {n++} END {print n + 0}')
	[ "$lines" = $((2 * ROUNDS)) ] ||
		{ tail -n 20 $T/bench.out; fail "not $ROUNDS rounds of $OPS SET and $OPS GET completed"; }
	dbsize=$($B/redis-cli dbsize)
	hits=$($B/redis-cli info stats | sed -n 's/^keyspace_hits:\([0-9]*\).*/\1/p')
	misses=$($B/redis-cli info stats | sed -n 's/^keyspace_misses:\([0-9]*\).*/\1/p')
	used=$($B/redis-cli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
	echo "WL-RESULT rounds=$ROUNDS set_completed=$((ROUNDS * OPS)) get_completed=$((ROUNDS * OPS)) dbsize=$dbsize keyspace_hits=$hits keyspace_misses=$misses dataset_mib=$((used >> 20))"
	$B/redis-cli shutdown nosave >/dev/null 2>&1
	[ "$dbsize" = "$KEYS" ] || fail "dbsize $dbsize != $KEYS"
	# Every key exists, so every GET must hit.
	[ "$hits" = $((ROUNDS * OPS)) ] && [ "$misses" = 0 ] ||
		fail "GET hits $hits misses $misses, expected $((ROUNDS * OPS)) and 0"
}

# ---------------------------------------------------------------- sqlite
# The generated values are closed-form in the row number, so the test
# (selftests/e2e/workloads_test.c) recomputes every answer independently.
# The names (NAMELEN bytes cut from a repeated 10-byte pattern) make each
# row about 1 KiB, so that ITEMS rows make the data set; no query reads
# them.  Each round runs the same queries and leaves the data as it found
# it (its two updates cancel), so every round must give the same answers.
sqlite_prepare() {
	cat >$T/wl.sql <<EOF
CREATE TABLE items(id INTEGER PRIMARY KEY, cat INTEGER, price INTEGER, name TEXT);
CREATE TABLE orders(oid INTEGER PRIMARY KEY, item INTEGER, qty INTEGER);
BEGIN;
WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $ITEMS),
  pad(t) AS (SELECT replace(hex(zeroblob(($NAMELEN + 40) / 10)), '00', 'quick-fox-'))
INSERT INTO items SELECT x, (x * 7919) % 1000, (x * 104729) % 10007,
  printf('item-%09d-', x) || substr(pad.t, 1 + x % 17, $NAMELEN) FROM s, pad;
WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $ORDERS)
INSERT INTO orders SELECT x, 1 + (x * 48271) % $ITEMS, 1 + x % 7 FROM s;
COMMIT;
CREATE INDEX items_cat ON items(cat);
CREATE INDEX orders_item ON orders(item);
SELECT 'SQL size', page_count * page_size FROM pragma_page_count(), pragma_page_size();
EOF
	# The CLI runs the marker between load and steady phases.
	command -v vtier-mark >/dev/null && echo ".shell vtier-mark 3" >>$T/wl.sql
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		cat >>$T/wl.sql <<EOF
SELECT 'SQL q1', count(*), sum(price) FROM items WHERE cat BETWEEN 100 AND 149;
WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $LOOKUPS)
SELECT 'SQL q2', count(*), sum(i.price) FROM k JOIN items i ON i.id = 1 + (x * 69069) % $ITEMS;
SELECT 'SQL q3', count(*), sum(o.qty * i.price) FROM items i JOIN orders o ON o.item = i.id WHERE i.cat = 7;
SELECT 'SQL q4', sum(g * s) FROM (SELECT i.cat % 10 AS g, sum(o.qty) AS s
  FROM orders o JOIN items i ON i.id = o.item GROUP BY g);
UPDATE items SET price = price + 1 WHERE cat BETWEEN 300 AND 309;
UPDATE items SET price = price - 1 WHERE cat BETWEEN 300 AND 309;
EOF
		r=$((r + 1))
	done
	cat >>$T/wl.sql <<EOF
UPDATE items SET price = price + 1 WHERE cat BETWEEN 500 AND 509;
SELECT 'SQL q5', changes(), (SELECT sum(price) FROM items);
EOF
}
sqlite_run() {
	$B/sqlite3 -bail -separator ' ' :memory: <$T/wl.sql >$T/sql.out 2>&1
}
sqlite_check() {
	grep -v '^SQL q[1-4] ' $T/sql.out
	for q in q1 q2 q3 q4; do
		[ "$(grep -c "^SQL $q " $T/sql.out)" = "$ROUNDS" ] ||
			fail "not $ROUNDS results of $q"
		[ "$(grep "^SQL $q " $T/sql.out | sort -u | wc -l)" = 1 ] ||
			fail "$q differs between rounds"
	done
	[ "$(grep -c '^SQL q5 ' $T/sql.out)" = 1 ] || fail "no q5 result"
	bytes=$(sed -n 's/^SQL size //p' $T/sql.out)
	echo "WL-RESULT rounds=$ROUNDS dataset_mib=$((bytes >> 20)) $(grep '^SQL q[1-5] ' $T/sql.out |
		sort -u | sed 's/^SQL \(q[1-5]\) /\1=/' | tr ' ' ',' | tr '\n' ' ')"
}

# ---------------------------------------------------------------- zstd
zstd_prepare() { :; }
zstd_run() {
	vtier-wlgen text "$SEED" "$MIB" >$T/in.txt || return 1
	mark 3
	: >$T/sizes
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		$B/zstd -q -3 --long="$WLOG" -T1 -f $T/in.txt -o $T/in.zst || return 1
		wc -c <$T/in.zst >>$T/sizes
		r=$((r + 1))
	done
}
zstd_check() {
	a=$(md5sum <$T/in.txt | cut -d' ' -f1)
	b=$($B/zstd -q -d --long="$WLOG" -c $T/in.zst | md5sum | cut -d' ' -f1)
	in=$(wc -c <$T/in.txt)
	out=$(wc -c <$T/in.zst)
	echo "WL-RESULT rounds=$(wc -l <$T/sizes) input_bytes=$in compressed_bytes=$out roundtrip_md5_equal=$([ "$a" = "$b" ] && echo yes || echo no) dataset_mib=$((in >> 20))"
	[ "$a" = "$b" ] || fail "decompressed data differs from the input"
	[ "$out" -lt "$in" ] || fail "output not smaller than the input"
	[ "$(wc -l <$T/sizes)" = "$ROUNDS" ] && [ "$(sort -u $T/sizes | wc -l)" = 1 ] ||
		fail "not $ROUNDS rounds of the same compressed size"
}

# ---------------------------------------------------------------- sort
sort_prepare() { :; }
sort_run() {
	vtier-wlgen text "$((SEED + 1))" "$MIB" >$T/in.txt || return 1
	mark 3
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		rm -f $T/out.txt
		$B/sort -S 60% --parallel=2 -T $T -o $T/out.txt $T/in.txt || return 1
		r=$((r + 1))
	done
}
sort_check() {
	lin=$(wc -l <$T/in.txt)
	lout=$(wc -l <$T/out.txt)
	bin=$(wc -c <$T/in.txt)
	bout=$(wc -c <$T/out.txt)
	sorted=yes
	$B/sort -c $T/out.txt 2>/dev/null || sorted=no
	echo "WL-RESULT rounds=$ROUNDS lines_in=$lin lines_out=$lout bytes_in=$bin bytes_out=$bout sorted=$sorted dataset_mib=$((bin >> 20))"
	[ "$sorted" = yes ] || fail "output not sorted"
	[ "$lin" = "$lout" ] && [ "$bin" = "$bout" ] || fail "output is not the input's size"
}

# ------------------------------------- graph, memcached, xsbench: own C
# One program each; it executes marker 3 itself after building its data
# set and prints "NAME: OK key=value ... mib=M" after checking its results.
own_check() {
	cat $T/"$1".out
	grep -q "^$1: OK " $T/"$1".out || fail "$1 failed"
	echo "WL-RESULT $(sed -n "s/^$1: OK //p" $T/"$1".out) dataset_mib=$(sed -n "s/^$1: OK .*mib=\([0-9]*\).*/\1/p" $T/"$1".out)"
}

graph_prepare() { :; }
graph_run() {
	vtier-graph "$SEED" "$VERTICES" "$DEGREE" "$ITERS" >$T/vtier-graph.out 2>&1
}
graph_check() { own_check vtier-graph; }

# 2 worker threads (one per vCPU); a memory limit above the data set, so
# nothing is evicted (vtier-ycsb checks that).
memcached_prepare() {
	ip link set lo up || fail "cannot bring up lo"
	# As root it must be told a user, which it looks up (busybox image:
	# no /etc/passwd).
	grep -qs '^root:' /etc/passwd ||
		echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
	$B/memcached -u root -l 127.0.0.1 -p 11211 -U 0 -t 2 \
		-m $(((RECORDS * (VALUE + 160) >> 20) + 64)) -d ||
		fail "memcached did not start"
	i=0
	until printf 'version\r\n' | nc 127.0.0.1 11211 2>/dev/null | grep -q VERSION; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "memcached not answering after 60 s"
		sleep 0.2
	done
}
memcached_run() {
	vtier-ycsb "$SEED" 11211 "$RECORDS" "$VALUE" "$OPS" >$T/vtier-ycsb.out 2>&1
}
memcached_check() { own_check vtier-ycsb; }

xsbench_prepare() { :; }
xsbench_run() {
	vtier-xsbench "$SEED" "$ISOTOPES" "$GRIDPOINTS" "$LOOKUPS" >$T/vtier-xsbench.out 2>&1
}
xsbench_check() { own_check vtier-xsbench; }

${WL}_prepare
sync
echo "WL-PHASE-BEGIN"
t0=$(uptime_s)
mark 1
${WL}_run
rc=$?
mark 2
t1=$(uptime_s)
echo "WL-PHASE-END rc=$rc guest_s=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")"
if [ $rc != 0 ]; then
	tail -n 20 $T/*.out 2>/dev/null
	fail "workload exited with status $rc"
fi
${WL}_check
echo "WL-OK $WL"
