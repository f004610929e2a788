# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The guest workloads: names, one-line descriptions and sizes (full and
# QUICK).  The one place these live: sourced by scripts/eval-guest.sh on
# the host (--list, .meta) and by the guest script (tools/guestwl/guest-wl.sh,
# installed as /etc/vtier-workloads.sh).  POSIX sh: busybox runs it too.
# docs/workloads.md explains each workload.

WL_NAMES="redis sqlite zstd sort graph"
WL_SEED_DEFAULT=42

wl_describe() {
	case $1 in
	redis)  echo "in-memory KV: redis-server populated with KEYS values of VALUE bytes, then redis-benchmark SET+GET of OPS requests each on random keys (8 clients, pipeline 8)" ;;
	sqlite) echo "SQL in sqlite3 (in-memory DB): insert ITEMS items + ORDERS orders, build 2 indexes, indexed range query, LOOKUPS primary-key lookups, 2 joins, an update" ;;
	zstd)   echo "compressor: zstd -3 --long=WLOG on MIB MiB of generated text (window holds the whole input)" ;;
	sort)   echo "coreutils sort (LC_ALL=C, --parallel=2, in memory) of MIB MiB of generated text lines" ;;
	graph)  echo "graph analytics (own static C, tools/guestwl/vtier-graph.c): skewed random graph of VERTICES x DEGREE edges, BFS + ITERS PageRank iterations" ;;
	*)      return 1 ;;
	esac
}

# wl_sizes NAME full|quick: the size parameters, KEY=VALUE separated by
# spaces (shell-evaluable).  redis OPS is a multiple of 64: redis-benchmark
# sends whole pipelines (8 clients x 8 requests), so it completes OPS
# rounded up to that.
wl_sizes() {
	case $1:$2 in
	redis:full)   echo "KEYS=20000 VALUE=4096 OPS=16384" ;;
	redis:quick)  echo "KEYS=2000 VALUE=4096 OPS=1536" ;;
	sqlite:full)  echo "ITEMS=250000 ORDERS=200000 LOOKUPS=100000" ;;
	sqlite:quick) echo "ITEMS=15000 ORDERS=15000 LOOKUPS=5000" ;;
	zstd:full)    echo "MIB=72 WLOG=27" ;;
	zstd:quick)   echo "MIB=4 WLOG=23" ;;
	sort:full)    echo "MIB=64" ;;
	sort:quick)   echo "MIB=4" ;;
	graph:full)   echo "VERTICES=1000000 DEGREE=10 ITERS=3" ;;
	graph:quick)  echo "VERTICES=100000 DEGREE=10 ITERS=2" ;;
	*)            return 1 ;;
	esac
}
