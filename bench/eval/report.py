#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Figures and docs/EVALUATION.md from the CSV files bench/eval/eval.sh wrote.

    report.py --data DIR --report FILE --mode full|quick

Everything in the report is computed here from the CSV files in DIR (kept
next to the PNGs), so the text cannot drift from the numbers.  Plots are
drawn by gnuplot (PNG, pngcairo or png terminal).
"""
import argparse
import csv
import math
import os
import subprocess
import sys
from collections import defaultdict

# Simulator policies in the order tables show them.
POLICIES = ["vtier", "hemem", "memtis", "tpp", "first-touch", "oracle", "all-fast"]
MIGRATING = ["vtier", "hemem", "memtis", "tpp"]
ENGINES = ["vtier", "memtis", "hemem"]


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def geomean(xs):
    xs = [x for x in xs if x > 0 and not math.isnan(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def fmt(x, nd=2):
    if isinstance(x, str):
        return x
    if math.isnan(x):
        return "-"
    return f"{x:.{nd}f}"


class Plotter:
    """Writes a gnuplot script per figure and runs it; remembers each one."""

    def __init__(self, data):
        self.data = data
        self.made = []
        out = subprocess.run(["gnuplot", "-e", "set terminal"],
                             capture_output=True, text=True)
        terms = out.stdout + out.stderr
        self.term = ("pngcairo size 900,540 font ',10'" if "pngcairo" in terms
                     else "png size 900,540")

    def plot(self, name, body):
        gp = os.path.join(self.data, name + ".gp")
        png = name + ".png"
        with open(gp, "w") as f:
            f.write(f"set terminal {self.term}\nset output '{png}'\n")
            f.write("set datafile separator ','\nset key outside right\n")
            f.write("set grid ytics\n")
            f.write(body)
        r = subprocess.run(["gnuplot", os.path.basename(gp)], cwd=self.data,
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"report: gnuplot failed on {gp}: {r.stderr.strip()}")
        self.made.append(png)
        return png


def write_blocks(data, name, header, series):
    """series: [(title, rows)]; one gnuplot data block each (plot with `index i`)."""
    with open(os.path.join(data, name), "w", newline="") as f:
        f.write("# " + ",".join(header) + "\n")
        for i, (title, rows) in enumerate(series):
            if i:
                f.write("\n\n")
            f.write(f"# {title}\n")
            csv.writer(f).writerows(rows)
    return name


def lines_plot(dat, series, style="linespoints", x=1, y=2):
    return "plot " + ", ".join(
        f"'{dat}' index {i} using {x}:{y} with {style} title '{t}'"
        for i, (t, _) in enumerate(series)) + "\n"


def write_dat(data, name, header, rows):
    with open(os.path.join(data, name), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return name


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
    gen = read_csv(os.path.join(data, "accuracy_generated.csv"))
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
        out += ["Generated workloads, mean F1 / coverage after warm-up, quota 1/4 of the footprint:", "",
                "| workload | sampling | " + " | ".join(ENGINES) + " |", "|---|---|" + "---|" * len(ENGINES)]
        cell = {(r["workload"], r["sample_1_in"], r["engine"]): r for r in gen if r["quota_1_of"] == "4"}
        for w in sorted({r["workload"] for r in gen}, key=lambda x: [r["workload"] for r in gen].index(x)):
            for n in sorted({r["sample_1_in"] for r in gen}, key=int):
                vals = []
                for e in ENGINES:
                    c = cell.get((w, n, e))
                    vals.append(f"{fmt(num(c['f1']))} / {fmt(num(c['coverage']))}" if c else "-")
                out.append(f"| {w} | 1/{n} | " + " | ".join(vals) + " |")
        out.append("")
    return out


# Column names of vtier-sim's --csv and --epoch-csv (docs/simulator.md).
COL = {"workload": "label", "ratio": "ratio", "policy": "policy",
       "hit": "hit_ratio", "rel": "time_vs_all_fast", "prom": "pages_promoted",
       "dem": "pages_demoted", "mb": "mb_migrated", "mps": "migrations_per_s",
       "oracle": "hits_vs_oracle"}
ECOL = {"workload": "label", "policy": "policy", "t": "t_ns", "mb": "mb_migrated"}


def ratio_key(r):
    return int(str(r).split(":")[-1])


def sim_section(data, plot, cmds):
    rows = read_csv(os.path.join(data, "sim.csv"))
    if not rows:
        return ["No simulator results (sim.csv missing)."], {}
    pfx = "eval/" if cmds["docs"] else ""
    wls = []
    for r in rows:
        if r[COL["workload"]] not in wls:
            wls.append(r[COL["workload"]])
    ratios = sorted({r[COL["ratio"]] for r in rows}, key=ratio_key)
    pols = [p for p in POLICIES if any(r[COL["policy"]] == p for r in rows)]
    cell = {(r[COL["workload"]], r[COL["ratio"]], r[COL["policy"]]): r for r in rows}

    def get(w, ra, p, k):
        c = cell.get((w, ra, p))
        return num(c[COL[k]]) if c else float("nan")

    out = []
    # Hit ratio and estimated time, one panel per ratio.
    for metric, title, ylabel, name in (
            ("hit", "Fast-tier hit ratio", "hit ratio", "hit_ratio"),
            ("rel", "Estimated memory time relative to all-fast", "time / all-fast", "slowdown")):
        dat_rows = [[w] + [get(w, ra, p, metric) for p in pols] for ra in ratios for w in wls]
        dat = write_dat(data, f"{name}.dat.csv", ["workload"] + pols, dat_rows)
        body = (f"set multiplot layout {len(ratios)},1 title '{title} per policy'\n"
                "set style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.8 border -1\nset xtics rotate by -20 font ',8'\n"
                f"set ylabel '{ylabel}'\nset yrange [{'0:1' if metric == 'hit' else '1:*'}]\n")
        for i, ra in enumerate(ratios):
            first, last = 1 + i * len(wls), (i + 1) * len(wls)
            body += (f"set title 'fast:slow {ra}'\n"
                     f"plot '{dat}' every ::{first}::{last} using 2:xtic(1) title '{pols[0]}'" +
                     "".join(f", '' every ::{first}::{last} using {j + 2} title '{p}'"
                             for j, p in enumerate(pols[1:], 1)) + "\n")
        body += "unset multiplot\n"
        png = plot.plot(name, body.replace("set key outside right", ""))
        out += [f"### {title}", "", f"![{title}]({pfx}{png})", "",
                f"Produced by: `{cmds['sim']}`.", "",
                "| workload | ratio | " + " | ".join(pols) + " |", "|---|---|" + "---|" * len(pols)]
        for w in wls:
            for ra in ratios:
                vals = [get(w, ra, p, metric) for p in pols]
                out.append(f"| {w} | {ra} | " + " | ".join(fmt(v, 3) for v in vals) + " |")
        out.append("")
    # Migration traffic.
    mig_pols = [p for p in pols if p in MIGRATING]
    dat_rows = [[w] + [get(w, ra, p, "mps") for p in mig_pols] for ra in ratios for w in wls
                if ra == ratios[len(ratios) // 2]]
    dat = write_dat(data, "migrations.dat.csv", ["workload"] + mig_pols, dat_rows)
    mid = ratios[len(ratios) // 2]
    png = plot.plot("migrations", f"""set title 'Page migrations per second (pages promoted + demoted), fast:slow {mid}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -20 font ',8'
set logscale y
set ylabel 'migrations per second (log)'
plot '{dat}' using (column(2) > 0 ? column(2) : 1e-3):xtic(1) title '{mig_pols[0]}'""" +
                    "".join(f", '' using (column({j + 2}) > 0 ? column({j + 2}) : 1e-3) title '{p}'"
                            for j, p in enumerate(mig_pols[1:], 1)) + "\n")
    out += ["### Migrations", "", f"![migrations per second]({pfx}{png})", ""]
    epochs = read_csv(os.path.join(data, "sim_epochs.csv"))
    if epochs:
        ew = []
        for r in epochs:
            if r[ECOL["workload"]] not in ew:
                ew.append(r[ECOL["workload"]])
        series = [(f"{w} {p}", [[num(r[ECOL["t"]]) / 1e9, r[ECOL["mb"]]] for r in epochs
                                if r[ECOL["workload"]] == w and r[ECOL["policy"]] == p])
                  for w in ew for p in mig_pols]
        dat = write_blocks(data, "mb_epoch.dat.csv", ["t_s", "mb"], series)
        cols = 2 if len(ew) > 1 else 1
        body = (f"set multiplot layout {(len(ew) + cols - 1) // cols},{cols} title 'MB migrated per epoch, fast:slow {mid}'\n"
                "set xlabel 't, s' font ',8'\nset ylabel 'MB' font ',8'\nset key font ',7'\n")
        for wi, w in enumerate(ew):
            body += (f"set title '{w}' font ',9'\nplot " + ", ".join(
                f"'{dat}' index {wi * len(mig_pols) + j} using 1:2 with lines title '{p}'"
                for j, p in enumerate(mig_pols)) + "\n")
        body += "unset multiplot\n"
        png = plot.plot("mb_epoch", body.replace("set key outside right", ""))
        out += [f"![MB per epoch]({pfx}{png})", ""]
    out += [f"Produced by: `{cmds['sim']}` (`--epoch-csv` for the per-epoch figure).", "",
            f"| workload | ratio | " + " | ".join(f"{p} prom / dem / MB / per s" for p in mig_pols) + " |",
            "|---|---|" + "---|" * len(mig_pols)]
    for w in wls:
        for ra in ratios:
            vals = [f"{fmt(get(w, ra, p, 'prom'), 0)} / {fmt(get(w, ra, p, 'dem'), 0)} / "
                    f"{fmt(get(w, ra, p, 'mb'), 1)} / {fmt(get(w, ra, p, 'mps'), 1)}" for p in mig_pols]
            out.append(f"| {w} | {ra} | " + " | ".join(vals) + " |")
    out.append("")
    return out, {"wls": wls, "ratios": ratios, "pols": pols, "get": get}


def epoch_section(data, cmds):
    runs = {e: {r["label"]: r for r in read_csv(os.path.join(data, f"vtier_epoch_{e}.csv"))}
            for e in (100, 250, 1000)}
    if not runs[1000]:
        return []
    out = ["vtier's cooling epoch (`epoch_ms`, default 1000) sets how fast old heat fades and how often "
           "the sweep finds demotions. Hit ratio and time / all-fast at fast:slow 1:4, vtier only:", "",
           "| workload | 100 ms | 250 ms | 1000 ms (default) |", "|---|---|---|---|"]
    for lab in runs[1000]:
        cells = []
        for e in (100, 250, 1000):
            r = runs[e].get(lab)
            cells.append(f"{fmt(num(r['hit_ratio']), 3)} / {fmt(num(r['time_vs_all_fast']), 3)}" if r else "-")
        out.append(f"| {lab} | " + " | ".join(cells) + " |")
    return out + ["", f"Produced by: `{cmds['epoch']}`.", ""]


def keyvals(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition("=")
            out[k] = v
    return out


def limits_section(data):
    """What the real-workload traces hold: length, memory accesses, samples."""
    wls = sorted(f[:-5] for f in os.listdir(data) if f.endswith(".meta"))
    rows = []
    for w in wls:
        m, s = keyvals(os.path.join(data, w + ".meta")), keyvals(os.path.join(data, w + ".summary"))
        if not s:
            continue
        acc, hits = num(s.get("accesses")), num(s.get("llc_hits"))
        secs = num(s.get("last_ns")) / 1e9
        pages = num(m.get("truth_pages"))
        rows.append(f"| {w} | {m.get('params', '-')} | {fmt(secs, 2)} | {fmt(num(m.get('guest_phase_s')), 0)} | "
                    f"{fmt(acc / 1e6, 1)} | {fmt(100 * hits / (hits + acc), 2) if hits == hits else '-'} | "
                    f"{m.get('truth_mib', '-')} | {fmt(acc / 1000 / pages, 2)} |")
    if not rows:
        return []
    return ["The real workloads are short: under the plugin TCG runs guest code about 6–19 times slower than "
            "plain TCG (docs/tcg-plugin.md), so each run covers about one to seven seconds of the plugin's clock (guest "
            "instructions at 1 ns). Most of their accesses hit the cache filter, so few reach memory, "
            "and at one sample per 1000 memory accesses the policies see about one sample per page or "
            "less over a whole run (graph: about two). Policies that must learn from samples start far "
            "behind a fixed placement here, and first-touch keeps the pages each program set up first; "
            "a long-running VM would give the policies minutes to hours of samples instead of seconds.", "",
            "| workload | size | plugin time, s | guest wall time under the plugin, s | memory accesses (M) | "
            "cache hits, % | footprint, MiB | samples per page at 1/1000 |", "|---|---|---|---|---|---|---|---|"] + rows + [""]


def verdict_section(sim):
    """Where vtier leads and where it trails, computed from sim.csv."""
    if not sim:
        return []
    get, wls, ratios = sim["get"], sim["wls"], sim["ratios"]
    others = [p for p in MIGRATING if p != "vtier" and p in sim["pols"]]
    if "first-touch" in sim["pols"]:
        others.append("first-touch")
    out = ["| against | vtier faster (cells) | vtier slower (cells) | geomean time, other / vtier |",
           "|---|---|---|---|"]
    for p in others:
        faster = slower = 0
        ratios_t = []
        for w in wls:
            for ra in ratios:
                v, o = get(w, ra, "vtier", "rel"), get(w, ra, p, "rel")
                if math.isnan(v) or math.isnan(o):
                    continue
                ratios_t.append(o / v)
                faster += o > v * 1.005
                slower += o * 1.005 < v
        out.append(f"| {p} | {faster} | {slower} | {fmt(geomean(ratios_t), 3)} |")
    out += ["", "Cells within 0.5% count as ties.  Per cell (workload, ratio), vtier's rank by "
            "estimated time among the migrating policies and first-touch (1 = fastest):", "",
            "| workload | " + " | ".join(ratios) + " |", "|---|" + "---|" * len(ratios)]
    for w in wls:
        cells = []
        for ra in ratios:
            ts = {p: get(w, ra, p, "rel") for p in ["vtier"] + others}
            ts = {p: t for p, t in ts.items() if not math.isnan(t)}
            if "vtier" not in ts:
                cells.append("-")
                continue
            rank = 1 + sum(t * 1.005 < ts["vtier"] for p, t in ts.items() if p != "vtier")
            best = min(ts, key=ts.get)
            cells.append(f"{rank} (best: {best})")
        out.append(f"| {w} | " + " | ".join(cells) + " |")
    out.append("")
    return out


MODES = ["static", "proportional", "utility", "oracle-split", "oracle"]


def multivm_section(data, plot, cmds):
    rows = read_csv(os.path.join(data, "multivm.csv"))
    if not rows:
        return []
    pfx = "eval/" if cmds["docs"] else ""
    labels = list(dict.fromkeys(r["label"] for r in rows))
    cell = {(r["label"], r["mode"], r["vm"]): r for r in rows}

    def hits(lab, mode, vm="all"):
        c = cell.get((lab, mode, vm))
        return num(c["fast_hits"]) if c else float("nan")

    def slow(lab, mode, vm):
        c = cell.get((lab, mode, vm))
        return num(c["slowdown"]) if c else float("nan")

    out = ["Three VMs share one fast tier of 1/(1+R) of their summed footprints. Each VM runs its own "
           "vtier engine (the real core); `static`, `proportional` and `utility` are vtierd's balancer "
           "(host-backend/balancer.c, linked into the simulator) fed by the engines' REPORTs every second; "
           "`oracle-split` is vtier with the best fixed split; `oracle` the best fixed split with oracle "
           "placement (the global oracle). Mixes: **skewed** = a small very hot set (vtier-gen hotset at "
           "4× the rate), a large flat VM (zipf0.8, half the rate) and one that changes phase (shift); "
           "**even** = zipf1.2, zipf0.8 and shift at the same rate; **real** = three real workloads' traces.", "",
           f"Produced by: `{cmds['multivm']}`.", "",
           "| mix | " + " | ".join(f"{m} hit ratio" for m in MODES) +
           " | utility / oracle (goal ≥ 0.95) | utility / static (goal ≥ 1.20, skewed) | worst VM slowdown, utility / static (goal ≤ 1.10) |",
           "|---|" + "---|" * (len(MODES) + 3)]
    for lab in labels:
        acc = num(cell[(lab, "static", "all")]["accesses"]) if (lab, "static", "all") in cell else float("nan")
        vals = [fmt(hits(lab, m) / acc, 3) for m in MODES]
        u_o = hits(lab, "utility") / hits(lab, "oracle")
        u_s = hits(lab, "utility") / hits(lab, "static")
        vms = [r["vm"] for r in rows if r["label"] == lab and r["mode"] == "utility" and r["vm"] != "all"]
        worst = max(((slow(lab, "utility", v) / slow(lab, "static", v), v) for v in vms), default=(float("nan"), "-"))
        out.append(f"| {lab} | " + " | ".join(vals) +
                   f" | {fmt(u_o, 3)} | {fmt(u_s, 3)} | {fmt(worst[0], 3)} ({worst[1]}) |")
    out.append("")
    quota = read_csv(os.path.join(data, "multivm_quota.csv"))
    sk = [r for r in quota if r["mode"] == "utility" and r["label"].startswith("skewed")]
    if sk:
        vms = list(dict.fromkeys(r["vm"] for r in sk))
        series = []
        for v in vms:
            series.append((f"{v} quota", [[num(r["t_ns"]) / 1e9, r["quota_pages"]] for r in sk if r["vm"] == v]))
            series.append((f"{v} held", [[num(r["t_ns"]) / 1e9, r["fast_pages"]] for r in sk if r["vm"] == v]))
        dat = write_blocks(data, "multivm_quota.dat.csv", ["t_s", "pages"], series)
        png = plot.plot("multivm_quota", f"""set title 'Skewed mix, fast:slow 1:4, utility: each VM''s quota and fast pages held'
set xlabel 't, s'
set ylabel '4 KiB pages'
plot """ + ", ".join(f"'{dat}' index {i} using 1:2 with {'lines lw 2' if i % 2 == 0 else 'lines dt 2'} "
                       f"lc {i // 2 + 1} title '{t}'" for i, (t, _) in enumerate(series)) + "\n")
        out += [f"![quotas over time]({pfx}{png})", ""]
    per = ["| mix | mode | " + " | ".join(["vm", "quota at end", "mean quota", "hit ratio", "slowdown", "deferred"]) + " |",
           "|---|---|---|---|---|---|---|---|"]
    for lab in labels:
        if not lab.endswith("1:4"):
            continue
        for m in ("static", "utility", "oracle-split"):
            for r in rows:
                if r["label"] == lab and r["mode"] == m and r["vm"] != "all":
                    per.append(f"| {lab} | {m} | {r['vm']} | {r['quota_end']} | {r['quota_mean']} | "
                               f"{fmt(num(r['hit_ratio']), 3)} | {fmt(num(r['slowdown']), 3)} | {r['deferred']} |")
    return out + ["Per VM at 1:4:", ""] + per + [""]


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
            "sim": "build/bin/vtier-sim --ratio 1:R --weight W --sample 1000/W --seed 1 --epoch-ms 200 --label L --csv sim.csv [--epoch-csv sim_epochs.csv] TRACE (W = 10 real, 100 generated)",
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
             "migrations at their cost; every policy sees the same 1-in-1000 sample stream (of memory accesses for "
             "the real workloads, of all accesses for the generated ones); every migrating policy starts with all "
             "pages slow; `oracle` is the best fixed placement from the whole trace's counts, `all-fast` the lower "
             "bound of time. Each policy runs with its published defaults, vtier with its own (1 s cooling epoch).", ""]
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
