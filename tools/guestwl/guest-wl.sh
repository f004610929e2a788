#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/eval-guest.sh, installed as /scripts/wl.sh in the
# workload initramfs; /init runs it for vtier.script=wl.  Parameters come
# from the kernel command line: vtier.wl=NAME vtier.size=full|quick
# vtier.seed=N.
#
# Each workload prepares its input (not measured), then runs between the
# ground-truth markers:  vtier-mark 1; <workload>; vtier-mark 2
# and checks its own results afterwards.  Console lines (the host parses
# them; docs/workloads.md):
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
	vtier-wlgen redis "$SEED" "$KEYS" "$VALUE" >$T/load.resp ||
		fail "vtier-wlgen redis"
	$B/redis-cli --pipe <$T/load.resp >$T/pipe.out 2>&1 ||
		{ cat $T/pipe.out; fail "redis-cli --pipe"; }
	rm -f $T/load.resp
	grep -q "errors: 0, replies: $KEYS" $T/pipe.out ||
		{ cat $T/pipe.out; fail "populate: not $KEYS replies without errors"; }
	$B/redis-cli config resetstat >/dev/null
}
redis_run() {
	$B/redis-benchmark -t set,get -n "$OPS" -r "$KEYS" -d "$VALUE" -c 8 -P 8 \
		>$T/bench.out 2>&1
}
redis_check() {
	grep -E '^(====== |  [0-9]+ requests completed)' $T/bench.out
	set -- $(grep -E '^  [0-9]+ requests completed' $T/bench.out |
		 awk '{print $1}')
	[ $# = 2 ] && [ "$1" = "$OPS" ] && [ "$2" = "$OPS" ] ||
		{ tail -n 20 $T/bench.out; fail "redis-benchmark did not complete $OPS SET and $OPS GET"; }
	dbsize=$($B/redis-cli dbsize)
	hits=$($B/redis-cli info stats | sed -n 's/^keyspace_hits:\([0-9]*\).*/\1/p')
	misses=$($B/redis-cli info stats | sed -n 's/^keyspace_misses:\([0-9]*\).*/\1/p')
	used=$($B/redis-cli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
	echo "WL-RESULT set_completed=$1 get_completed=$2 dbsize=$dbsize keyspace_hits=$hits keyspace_misses=$misses used_memory_mib=$((used >> 20))"
	$B/redis-cli shutdown nosave >/dev/null 2>&1
	[ "$dbsize" = "$KEYS" ] || fail "dbsize $dbsize != $KEYS"
	# Every key exists, so every GET must hit.
	[ "$hits" = "$OPS" ] && [ "$misses" = 0 ] ||
		fail "GET hits $hits misses $misses, expected $OPS and 0"
}

# ---------------------------------------------------------------- sqlite
# The generated values are closed-form in the row number, so the test
# (selftests/e2e/workloads_test.c) recomputes every answer independently.
sqlite_prepare() {
	cat >$T/wl.sql <<EOF
CREATE TABLE items(id INTEGER PRIMARY KEY, cat INTEGER, price INTEGER, name TEXT);
CREATE TABLE orders(oid INTEGER PRIMARY KEY, item INTEGER, qty INTEGER);
BEGIN;
WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $ITEMS)
INSERT INTO items SELECT x, (x * 7919) % 1000, (x * 104729) % 10007,
  printf('item-%09d-', x) || substr('the-quick-brown-fox-jumps-over-the-lazy-dog-0123456789-the-quick-brown-fox-jumps-over-the-lazy-dog-0123456789-the-quick-brown-fox-jumps-over-the-lazy-dog-0123456789-the-quick-brown-fox-jumps-over-the-lazy-dog-0123456789-', 1 + x % 17, 180) FROM s;
WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $ORDERS)
INSERT INTO orders SELECT x, 1 + (x * 48271) % $ITEMS, 1 + x % 7 FROM s;
COMMIT;
CREATE INDEX items_cat ON items(cat);
CREATE INDEX orders_item ON orders(item);
SELECT 'SQL q1', count(*), sum(price) FROM items WHERE cat BETWEEN 100 AND 149;
WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $LOOKUPS)
SELECT 'SQL q2', count(*), sum(i.price) FROM k JOIN items i ON i.id = 1 + (x * 69069) % $ITEMS;
SELECT 'SQL q3', count(*), sum(o.qty * i.price) FROM items i JOIN orders o ON o.item = i.id WHERE i.cat = 7;
SELECT 'SQL q4', sum(g * s) FROM (SELECT i.cat % 10 AS g, sum(o.qty) AS s
  FROM orders o JOIN items i ON i.id = o.item GROUP BY g);
UPDATE items SET price = price + 1 WHERE cat BETWEEN 500 AND 509;
SELECT 'SQL q5', changes(), (SELECT sum(price) FROM items);
EOF
}
sqlite_run() {
	$B/sqlite3 -bail -separator ' ' :memory: <$T/wl.sql >$T/sql.out 2>&1
}
sqlite_check() {
	cat $T/sql.out
	[ "$(grep -c '^SQL q[1-5] ' $T/sql.out)" = 5 ] || fail "not 5 query results"
	echo "WL-RESULT $(sed -n 's/^SQL \(q[1-5]\) /\1=/p' $T/sql.out |
		tr ' ' ',' | tr '\n' ' ')"
}

# ---------------------------------------------------------------- zstd
zstd_prepare() {
	vtier-wlgen text "$SEED" "$MIB" >$T/in.txt || fail "vtier-wlgen text"
}
zstd_run() {
	$B/zstd -q -3 --long="$WLOG" -T1 -f $T/in.txt -o $T/in.zst
}
zstd_check() {
	a=$(md5sum <$T/in.txt | cut -d' ' -f1)
	b=$($B/zstd -q -d --long="$WLOG" -c $T/in.zst | md5sum | cut -d' ' -f1)
	in=$(wc -c <$T/in.txt)
	out=$(wc -c <$T/in.zst)
	echo "WL-RESULT input_bytes=$in compressed_bytes=$out roundtrip_md5_equal=$([ "$a" = "$b" ] && echo yes || echo no)"
	[ "$a" = "$b" ] || fail "decompressed data differs from the input"
	[ "$out" -lt "$in" ] || fail "output not smaller than the input"
}

# ---------------------------------------------------------------- sort
sort_prepare() {
	vtier-wlgen text "$((SEED + 1))" "$MIB" >$T/in.txt || fail "vtier-wlgen text"
}
sort_run() {
	$B/sort -S 60% --parallel=2 -T $T -o $T/out.txt $T/in.txt
}
sort_check() {
	lin=$(wc -l <$T/in.txt)
	lout=$(wc -l <$T/out.txt)
	bin=$(wc -c <$T/in.txt)
	bout=$(wc -c <$T/out.txt)
	sorted=yes
	$B/sort -c $T/out.txt 2>/dev/null || sorted=no
	echo "WL-RESULT lines_in=$lin lines_out=$lout bytes_in=$bin bytes_out=$bout sorted=$sorted"
	[ "$sorted" = yes ] || fail "output not sorted"
	[ "$lin" = "$lout" ] && [ "$bin" = "$bout" ] || fail "output is not the input's size"
}

# ---------------------------------------------------------------- graph
graph_prepare() { :; }
graph_run() {
	vtier-graph "$SEED" "$VERTICES" "$DEGREE" "$ITERS" >$T/graph.out 2>&1
}
graph_check() {
	cat $T/graph.out
	grep -q '^vtier-graph: OK ' $T/graph.out || fail "vtier-graph failed"
	echo "WL-RESULT $(sed -n 's/^vtier-graph: OK //p' $T/graph.out)"
}

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
