# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The guest workloads: names, one-line descriptions and sizes (full and
# QUICK).  The one place these live: sourced by scripts/eval-guest.sh on
# the host (--list, .meta) and by the guest script (tools/guestwl/guest-wl.sh,
# installed as /etc/vtier-workloads.sh).  POSIX sh: busybox runs it too.
# docs/workloads.md explains each workload.
#
# Every workload has a load phase (it builds its data set) and a steady
# phase (its operation mix repeated over the warm data set); the full sizes
# give a data set of at least 256 MiB and at least 10 s of plugin time
# (guest instructions at 1 ns) in the steady phase.

WL_NAMES="redis sqlite zstd sort graph memcached xsbench"
WL_SEED_DEFAULT=42
# Guest RAM: the largest full data set (sort: input, output and sort's
# buffer) needs about 1 GiB; q35 keeps up to 2.75 GiB below the PCI hole,
# so the plugin's physical addresses need no remap (docs/tcg-plugin.md).
WL_GUEST_MEM=2G

wl_describe() {
	case $1 in
	redis)  echo "in-memory KV: load KEYS values of VALUE bytes into redis-server, then ROUNDS x redis-benchmark SET+GET of OPS requests each on random keys (8 clients, pipeline 8)" ;;
	sqlite) echo "SQL in sqlite3 (in-memory DB): load ITEMS items (NAMELEN-byte names) + ORDERS orders and 2 indexes, then ROUNDS x (indexed range query, LOOKUPS primary-key lookups, 2 joins, 2 updates), a final update" ;;
	zstd)   echo "compressor: generate MIB MiB of text, then ROUNDS x zstd -3 --long=WLOG of it (window holds the whole input)" ;;
	sort)   echo "coreutils sort (LC_ALL=C, --parallel=2, in memory): generate MIB MiB of text lines, then sort them ROUNDS times" ;;
	graph)  echo "graph analytics (own static C, tools/guestwl/vtier-graph.c): build a skewed random graph of VERTICES x DEGREE edges, then BFS + ITERS PageRank iterations" ;;
	memcached) echo "memcached (2 worker threads) under a YCSB-like client (own static C, tools/guestwl/vtier-ycsb.c): load RECORDS records of VALUE bytes, then OPS operations, 95% reads / 5% updates, scrambled Zipfian (0.99) keys" ;;
	xsbench) echo "XSBench-like cross-section lookups (own static C, tools/guestwl/vtier-xsbench.c): build ISOTOPES nuclide grids of GRIDPOINTS points, then LOOKUPS macroscopic lookups (binary search per nuclide of a random material)" ;;
	*)      return 1 ;;
	esac
}

# wl_sizes NAME full|quick: the size parameters, KEY=VALUE separated by
# spaces (shell-evaluable).  redis OPS is a multiple of 64: redis-benchmark
# sends whole pipelines (8 clients x 8 requests), so it completes OPS
# rounded up to that.  ROUNDS, ITERS, OPS and LOOKUPS of the full sizes were
# chosen from a measured run to give at least 10 s of steady plugin time
# (docs/workloads.md has the times obtained).
wl_sizes() {
	case $1:$2 in
	redis:full)   echo "KEYS=65536 VALUE=4096 OPS=32768 ROUNDS=7" ;;
	redis:quick)  echo "KEYS=2000 VALUE=4096 OPS=1536 ROUNDS=2" ;;
	sqlite:full)  echo "ITEMS=250000 NAMELEN=1000 ORDERS=200000 LOOKUPS=100000 ROUNDS=6" ;;
	sqlite:quick) echo "ITEMS=15000 NAMELEN=1000 ORDERS=15000 LOOKUPS=5000 ROUNDS=2" ;;
	zstd:full)    echo "MIB=256 WLOG=28 ROUNDS=1" ;;
	zstd:quick)   echo "MIB=4 WLOG=23 ROUNDS=2" ;;
	sort:full)    echo "MIB=256 ROUNDS=2" ;;
	sort:quick)   echo "MIB=4 ROUNDS=2" ;;
	graph:full)   echo "VERTICES=3000000 DEGREE=16 ITERS=19" ;;
	graph:quick)  echo "VERTICES=100000 DEGREE=10 ITERS=3" ;;
	memcached:full)  echo "RECORDS=262144 VALUE=1024 OPS=430000" ;;
	memcached:quick) echo "RECORDS=8192 VALUE=1024 OPS=20000" ;;
	xsbench:full)  echo "ISOTOPES=355 GRIDPOINTS=16000 LOOKUPS=650000" ;;
	xsbench:quick) echo "ISOTOPES=68 GRIDPOINTS=2000 LOOKUPS=20000" ;;
	*)            return 1 ;;
	esac
}
