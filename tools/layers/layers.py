#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which files of a C directory depend on which, from what the compiler saw.

A "unit" is a file stem: foo.c and foo.h are one unit.  Unit A depends on
unit B when one of A's files includes "B.h", or when A's object file uses a
symbol that B's object file defines (nm).  Calls made through ops structs
(function pointers) leave no undefined symbol, so they are not edges: that
is how an upward event is meant to travel.

Reports, for one directory:
  cycles   strongly connected groups of two or more units
  globals  mutable data symbols (nm types B, C, D, G, S) defined in one
           object and used by another

Usage: layers.py SRC_DIR OBJ_DIR [--exclude STEM ...] [--tap NAME]
With --tap it prints two TAP lines and exits non-zero on a finding;
without, it prints the dependency graph as well.
"""
import argparse
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
MUTABLE = set("BCDGS")


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def nm_symbols(obj):
    """(defined code, defined mutable data, undefined) symbol sets."""
    out = subprocess.run(["nm", "--defined-only", obj], check=True,
                         capture_output=True, text=True).stdout
    code, data = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        kind, name = parts[1], parts[2]
        if kind in MUTABLE:
            data.add(name)
        elif kind.isupper():
            code.add(name)
    out = subprocess.run(["nm", "--undefined-only", obj], check=True,
                         capture_output=True, text=True).stdout
    undef = {line.split()[-1] for line in out.splitlines() if line.strip()}
    return code, data, undef


def scan(src_dir, obj_dir, exclude):
    units = {}
    for name in sorted(os.listdir(src_dir)):
        if not name.endswith((".c", ".h")) or name.endswith(".mod.c"):
            continue
        if stem(name) in exclude:
            continue
        units.setdefault(stem(name), []).append(os.path.join(src_dir, name))

    edges = {u: set() for u in units}
    why = {}
    for u, files in units.items():
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                for inc in INCLUDE.findall(fh.read()):
                    v = stem(inc)
                    if v in units and v != u:
                        edges[u].add(v)
                        why.setdefault((u, v), f"includes {inc}")

    defs, datadefs, undefs = {}, {}, {}
    for u in units:
        obj = os.path.join(obj_dir, u + ".o")
        if os.path.exists(obj):
            code, data, undef = nm_symbols(obj)
            defs[u], datadefs[u], undefs[u] = code | data, data, undef
    owner = {}
    for u, syms in defs.items():
        for s in syms:
            owner[s] = u
    globals_shared = []
    for u, undef in undefs.items():
        for s in sorted(undef):
            v = owner.get(s)
            if v is None or v == u:
                continue
            edges[u].add(v)
            why.setdefault((u, v), f"uses {s}")
            if s in datadefs[v]:
                globals_shared.append((s, v, u))
    return units, edges, why, globals_shared


def sccs(edges):
    """Tarjan's algorithm, iteratively; returns groups of size >= 2."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    group.append(w)
                    if w == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src_dir")
    ap.add_argument("obj_dir")
    ap.add_argument("--exclude", nargs="*", default=[])
    ap.add_argument("--tap", metavar="NAME")
    args = ap.parse_args()
    if not os.path.isdir(args.src_dir) or not os.path.isdir(args.obj_dir):
        sys.exit(f"layers.py: no such directory: {args.src_dir} or {args.obj_dir}")

    units, edges, why, shared = scan(args.src_dir, args.obj_dir,
                                     set(args.exclude))
    missing = [u for u in units
               if any(f.endswith(".c") for f in units[u])
               and not os.path.exists(os.path.join(args.obj_dir, u + ".o"))]
    cycles = sccs(edges)

    def detail(group):
        lines = []
        for u in group:
            for v in sorted(edges[u] & set(group)):
                lines.append(f"#   {u} -> {v} ({why[(u, v)]})")
        return lines

    if args.tap:
        ok = not cycles and not missing
        print(f"{'ok' if ok else 'not ok'} - {args.tap}: no files that "
              f"depend on each other in a circle")
        for u in missing:
            print(f"#   {u}.c has no object in {args.obj_dir}: build first")
        for g in cycles:
            print(f"#   circle: {' '.join(g)}")
            print("\n".join(detail(g)))
        print(f"{'ok' if not shared else 'not ok'} - {args.tap}: no mutable "
              f"global shared between files")
        for s, v, u in shared:
            print(f"#   {s}: defined in {v}, used by {u}")
        return 1 if (cycles or missing or shared) else 0

    for u in sorted(edges):
        print(f"{u}: {' '.join(sorted(edges[u]))}")
    for g in cycles:
        print(f"circle of {len(g)}: {' '.join(g)}")
        print("\n".join(detail(g)))
    for s, v, u in shared:
        print(f"shared global {s}: defined in {v}, used by {u}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
