#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Figures and docs/EVALUATION.md from the CSV files bench/eval/eval.sh wrote.

    report.py --data DIR --report FILE --mode full|quick

Everything in the report is computed here from the CSV files in DIR (kept
next to the PNGs), so the text cannot drift from the numbers.  Plots are
drawn by gnuplot (PNG, pngcairo or png terminal).
"""
import argparse
import os
from collections import defaultdict

from report_lib import ENGINES, Plotter, fmt, keyvals, lines_plot, num, read_csv, write_blocks, write_dat
from report_sim import epoch_section, multivm_section, sim_section, verdict_section


def cost_section(data, plot, cmds):
    rows = {r["metric"]: num(r["value"]) for r in read_csv(os.path.join(data, "cost.csv"))}
    if not rows:
        return ["No cost figures (cost.csv missing)."]
    names = [("ns_first_touch", "first touch of a page (promotion, hint)"),
             ("ns_steady", "steady state, uniform frames"),
             ("ns_skewed", "90% of samples on 1% of pages")]
    dat = write_dat(data, "cost.dat.csv", ["case", "ns"],
                    [[n, rows[n]] for n, _ in names if n in rows])
    png = plot.plot("cost", f"""set title 'Identification engine: time per sample (4 Mi pages tracked)'
set style data histograms
set style fill solid 0.7
set ylabel 'ns per sample'
set yrange [0:*]
unset key
plot '{dat}' using 2:xtic(1) skip 1
""")
    out = ["| measure | value |", "|---|---|"]
    for n, desc in names:
        if n in rows:
            out.append(f"| ns per sample, {desc} | {fmt(rows[n], 1)} |")
    if "instr_per_sample_steady" in rows:
        out.append(f"| instructions per sample, steady state (callgrind) | {fmt(rows['instr_per_sample_steady'], 1)} |")
    if "ns_sweep_per_page" in rows:
        out.append(f"| cooling sweep, ns per tracked page per epoch | {fmt(rows['ns_sweep_per_page'], 2)} |")
    if "bytes_per_page" in rows:
        out.append(f"| metadata, bytes per 4 KiB page | {fmt(rows['bytes_per_page'], 3)} |")
    out += ["", f"![cost per sample](eval/{png})" if cmds["docs"] else f"![cost per sample]({png})",
            "", f"Produced by: `{cmds['cost']}`."]
    return out


def accuracy_section(data, plot, cmds):
    gen_all = read_csv(os.path.join(data, "accuracy_generated.csv"))
    # 1-in-N rows; the accessed-bit scanner's (sampler "abit") apart.
    gen = [r for r in gen_all if r.get("sampler", "1-in-N") != "abit"]
    gen_abit = [r for r in gen_all if r.get("sampler") == "abit"]
    real = read_csv(os.path.join(data, "f1_rate_real.csv"))
    tim = read_csv(os.path.join(data, "f1_time.csv"))
    out = []
    pfx = "eval/" if cmds["docs"] else ""
    if tim:
        wls = sorted({r["workload"] for r in tim})
        series = [(w, [[r["t_s"], r["f1"]] for r in tim if r["workload"] == w]) for w in wls]
        dat = write_blocks(data, "f1_time.dat.csv", ["t_s", "f1"], series)
        body = ("set title 'vtier hot-set F1 per window against the plugin''s exact counts (K = fast tier at 1:4)'\n"
                "set xlabel 'guest time, s (plugin time base)'\nset ylabel 'F1'\nset yrange [0:1]\n"
                + lines_plot(dat, series))
        png = plot.plot("f1_time", body)
        out += ["### Hot-set F1 over time, real workloads", "",
                f"![F1 over time]({pfx}{png})", "",
                f"Produced by: `{cmds['replay']}` (one line per window).", ""]
        out += ["| workload | windows | mean F1 | mean coverage | min F1 |", "|---|---|---|---|---|"]
        for w in wls:
            rs = [r for r in tim if r["workload"] == w]
            f1 = [num(r["f1"]) for r in rs]
            cov = [num(r["coverage"]) for r in rs]
            out.append(f"| {w} | {len(rs)} | {fmt(sum(f1) / len(f1))} | {fmt(sum(cov) / len(cov))} | {fmt(min(f1))} |")
        out.append("")
    if gen or real:
        series = []
        for e in ENGINES:
            by = defaultdict(list)
            for r in gen:
                if r["engine"] == e and r["quota_1_of"] == "4":
                    by[int(r["sample_1_in"])].append(num(r["f1"]))
            if by:
                series.append((f"gen {e}", [[n, sum(by[n]) / len(by[n])] for n in sorted(by)]))
        for w in dict.fromkeys(r["workload"] for r in real):
            series.append((f"{w} vtier", [[int(r["sample_1_in"]), num(r["mean_f1"])]
                                          for r in real if r["workload"] == w]))
        dat = write_blocks(data, "f1_rate.dat.csv", ["sample_1_in", "f1"], series)
        body = ("set title 'Hot-set F1 against sampling rate (K = fast tier at 1:4)'\n"
                "set logscale x\nset xlabel 'one sample per N accesses'\nset ylabel 'mean F1'\n"
                "set yrange [0:1]\n" + lines_plot(dat, series))
        png = plot.plot("f1_rate", body)
        out += ["### F1 against sampling rate", "",
                f"![F1 against sampling rate]({pfx}{png})", "",
                "`gen X`: mean over the generated workloads of engine X (vtier, MEMTIS-style, "
                "HeMem-style) on the same sampled stream, one sample per N accesses; other lines: vtier on "
                "a real workload, one sample per N memory accesses (the plugin's 1-in-10 trace thinned further).", "",
                f"Produced by: `{cmds['accuracy']}` and `{cmds['replay_rate']}`.", ""]
    if gen:
        out += ["Generated workloads, mean F1 / coverage / next-window coverage (the hot set at the end of "
                "a window scored against the next window's truth) after warm-up, quota 1/4 of the footprint; "
                "`ewma` is the reference predictor (per-page EWMA of sample counts over 0.5 s windows, "
                "alpha 0.5, unlimited metadata, top K). `abit (1/N)`: the same engines on the accessed-bit "
                "scanner's stream (every access sets its page's bit; the module's scan rounds at its defaults, "
                "200 ms and 1% of a vCPU at 31 ns per entry, turn set bits into samples; N is the accesses per "
                "sample that gave):", "",
                "| workload | sampling | " + " | ".join(ENGINES) + " |", "|---|---|" + "---|" * len(ENGINES)]

        def cells(rows):
            return {(r["workload"], r["sample_1_in"], r["engine"]): r for r in rows if r["quota_1_of"] == "4"}

        def row(cell, w, n):
            vals = []
            for e in ENGINES:
                c = cell.get((w, n, e))
                nxt = c.get("next_coverage") if c else None
                vals.append(f"{fmt(num(c['f1']))} / {fmt(num(c['coverage']))}" +
                            (f" / {fmt(num(nxt))}" if nxt not in (None, "") else "") if c else "-")
            return " | ".join(vals)

        cell, cell_abit = cells(gen), cells(gen_abit)
        for w in sorted({r["workload"] for r in gen}, key=lambda x: [r["workload"] for r in gen].index(x)):
            for n in sorted({r["sample_1_in"] for r in gen}, key=int):
                out.append(f"| {w} | 1/{n} | " + row(cell, w, n) + " |")
            for n in sorted({r["sample_1_in"] for r in gen_abit if r["workload"] == w}, key=int):
                out.append(f"| {w} | abit (1/{n}) | " + row(cell_abit, w, n) + " |")
        out.append("")
    return out


# Column names of vtier-sim's --csv and --epoch-csv (docs/simulator.md).


def limits_section(data):
    """What the real-workload traces hold: length, phases, memory accesses,
    samples, and how often the simulator loops the steady phase."""
    wls = sorted(f[:-5] for f in os.listdir(data) if f.endswith(".meta"))
    loops = {}
    for r in read_csv(os.path.join(data, "sim.csv")):
        if r.get("sampler") == "pebs" and r.get("initial") == "first-touch" and r.get("loops"):
            loops[r["label"]] = r["loops"]
    rows = []
    for w in wls:
        m, s = keyvals(os.path.join(data, w + ".meta")), keyvals(os.path.join(data, w + ".summary"))
        if not s:
            continue
        acc, hits = num(s.get("accesses")), num(s.get("llc_hits"))
        secs = num(s.get("last_ns")) / 1e9
        pages = num(m.get("truth_pages"))
        rows.append(f"| {w} | {m.get('params', '-')} | {fmt(secs, 2)} | {fmt(num(m.get('steady_s')), 2)} | "
                    f"{loops.get(w, '-')} | {fmt(num(m.get('guest_phase_s')), 0)} | "
                    f"{fmt(acc / 1e6, 1)} | {fmt(100 * hits / (hits + acc), 2) if hits == hits else '-'} | "
                    f"{m.get('truth_mib', '-')} | {m.get('dataset_mib', '-')} | {fmt(acc / 1000 / pages, 2)} |")
    if not rows:
        return []
    return ["Each real workload loads its data set, then repeats its operation mix over it (the steady "
            "phase, from marker 3 on; docs/workloads.md). Under the plugin TCG runs guest code many times "
            "slower than plain TCG (docs/tcg-plugin.md), so a run covers seconds of the plugin's clock "
            "(guest instructions at 1 ns); the simulator loops the recorded steady phase until that "
            "phase, copies included, lasts at least 60 s (12 s QUICK), and the tables' steady state counts after the first 20% of the run. "
            "Samples per page are over the recorded run, before looping.", "",
            "| workload | size | plugin time, s | steady phase, s | loops | guest wall time under the plugin, s | "
            "memory accesses (M) | cache hits, % | footprint, MiB | data set, MiB | samples per page at 1/1000 |",
            "|---|---|---|---|---|---|---|---|---|---|---|"] + rows + [""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--mode", choices=["full", "quick"], required=True)
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    report = os.path.abspath(a.report)
    docs = os.path.dirname(report) == os.path.dirname(data) and os.path.basename(data) == "eval"
    quick = " QUICK=1" if a.mode == "quick" else ""
    cmds = {"docs": docs,
            "cost": "build/bin/bench_ingest; valgrind --tool=callgrind --toggle-collect=steady build/bin/bench_ingest 100000",
            "accuracy": "build/bin/bench_accuracy --pages P --seconds S --csv accuracy_generated.csv",
            "replay": "build/bin/vtier-replay --quota K --truth W.truth --window 250000000 --sample 1 W.trace.gz",
            "replay_rate": "build/bin/vtier-replay ... --sample N --quiet W.trace.gz",
            "multivm": "build/bin/vtier-sim --vm TRACE,label=L,scale=100 (x3) --ratio 1:R --sample 10 --seed 1 --csv multivm.csv [--epoch-csv multivm_quota.csv]",
            "sim": "build/bin/vtier-sim --ratio 1:R --weight W [--sample 1000/W | --sampler abit] [--initial slow] --loop-from-ns STEADY_NS --loop-to-s LOOP_S --seed 1 --epoch-ms 200 --label L --csv sim.csv [--epoch-csv sim_epochs.csv] TRACE (W = 10 real, 100 generated; labels L, L/abit, L/slow)",
            "epoch": "build/bin/vtier-sim --ratio 1:4 --policy vtier --vtier-epoch-ms E ... --csv vtier_epoch_E.csv TRACE"}
    plot = Plotter(data)
    versions = open(os.path.join(data, "versions.txt")).read().strip()
    lines = ["# vtier evaluation", "",
             f"Written by `make eval{quick}` (bench/eval/eval.sh, bench/eval/report.py) from the CSV files "
             f"in `{os.path.relpath(data, os.path.dirname(report))}/`, which hold the raw numbers of every figure. "
             "Do not edit by hand: run the command again.", "",
             "```", versions, "```", "",
             "## Method", "",
             "- **Ground truth**: real workloads run in a QEMU TCG guest under the vtier-gt plugin "
             "(docs/tcg-plugin.md, `llc=2M`), which counts, per page and window, every guest-physical access "
             "that misses a 2 MiB per-vCPU cache (what reaches memory) and keeps a 1-in-10 sampled trace v1 of "
             "them (docs/workloads.md lists the workloads). Time is the plugin's: guest instructions at 1 ns "
             "each. Generated workloads (vtier-gen, docs/trace-format.md) have exact expected counts.",
             "- **Accuracy**: the identified hot set against the true top-K pages of each window, K = the fast tier "
             "(1/5 of the footprint, fast:slow 1:4, for real workloads; 1/4 of the footprint for the generated table).",
             "- **Simulator** (docs/simulator.md): each trace record is charged to the tier its page is in, "
             "migrations at their cost, and each migrating policy its sampler's guest CPU (250 ns per PEBS "
             "sample; 31 ns per page-table entry the accessed-bit scanner checks, measured under TCG on a quiet host). Every "
             "policy sees the same samples: a label W is the 1-in-1000 stream (of memory accesses for the real "
             "workloads, of all accesses for the generated ones), W/abit the accessed-bit scanner's rounds at the "
             "module's defaults (200 ms, 1% of a vCPU). Every migrating policy starts from first-touch placement "
             "(pages fast on first access while the tier has room), as on a real host. Two variants at 1:4 are "
             "shown but not scored: W/slow, the old all-slow start, and W/abit-430ns, the scanner at the 430 ns "
             "per entry it measured while other TCG guests loaded the host. A real workload's steady phase is looped until it lasts at least 60 s (12 s "
             "QUICK); the steady-state tables count after the first 20% of the run. `oracle` is the best fixed "
             "placement from the whole run's counts, `all-fast` the lower bound of time. Each policy runs with "
             "its published defaults, vtier with its own (cooling epoch from 1 s, adapted up to 16 s; vtierd's "
             "lazy demotion and first-touch eviction rule).", ""]
    lines += ["## Cost of one sample", ""] + cost_section(data, plot, cmds) + [""]
    lines += ["## Identification accuracy", ""] + accuracy_section(data, plot, cmds)
    simlines, sim = sim_section(data, plot, cmds)
    lines += ["## Tiering, simulated", ""] + simlines
    lines += ["### vtier's epoch", ""] + epoch_section(data, cmds)
    lim = limits_section(data)
    if lim:
        lines += ["### What the real-workload traces hold", ""] + lim
    lines += ["## Where vtier leads and where it trails", ""] + verdict_section(sim)
    mv = multivm_section(data, plot, cmds)
    if mv:
        lines += ["## Fast memory shared among VMs", ""] + mv
    with open(report, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    print(f"report: {report} ({len(plot.made)} figures)")


if __name__ == "__main__":
    main()
