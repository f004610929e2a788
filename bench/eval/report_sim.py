# SPDX-License-Identifier: GPL-2.0
"""Sections of report.py drawn from vtier-sim: tiering, vtier's epoch, the
verdict, and VMs sharing fast memory."""
import math
import os

from report_lib import (MIGRATING, POLICIES, fmt, geomean, num, read_csv,
                        write_blocks, write_dat)

COL = {"workload": "label", "ratio": "ratio", "policy": "policy",
       "hit": "hit_ratio", "rel": "time_vs_all_fast", "prom": "pages_promoted",
       "dem": "pages_demoted", "mb": "mb_migrated", "mps": "migrations_per_s",
       "oracle": "hits_vs_oracle", "st_hit": "steady_hit_ratio",
       "st_rel": "steady_time_vs_all_fast", "evicted": "evicted"}
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
        return num(c.get(COL[k])) if c and c.get(COL[k]) not in (None, "") else float("nan")

    out = []
    # Hit ratio and estimated time, one panel per ratio.
    for metric, title, ylabel, name in (
            ("hit", "Fast-tier hit ratio", "hit ratio", "hit_ratio"),
            ("rel", "Estimated memory time relative to all-fast", "time / all-fast", "slowdown"),
            ("st_hit", "Fast-tier hit ratio, steady state", "hit ratio", "hit_ratio_steady"),
            ("st_rel", "Estimated memory time relative to all-fast, steady state",
             "time / all-fast", "slowdown_steady")):
        # The figures leave out the variants (the tables have them).
        pw = [w for w in wls if not is_variant(w)]
        dat_rows = [[w] + [get(w, ra, p, metric) for p in pols] for ra in ratios for w in pw]
        dat = write_dat(data, f"{name}.dat.csv", ["workload"] + pols, dat_rows)
        body = (f"set multiplot layout {len(ratios)},1 title '{title} per policy'\n"
                "set style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.8 border -1\nset xtics rotate by -20 font ',8'\n"
                f"set ylabel '{ylabel}'\nset yrange [{'0:1' if 'hit' in metric else '1:*'}]\n")
        for i, ra in enumerate(ratios):
            first, last = 1 + i * len(pw), (i + 1) * len(pw)
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


def is_variant(label):
    """The all-slow start and the cheaper abit: reported, not scored."""
    return label.endswith("/slow") or label.endswith("/abit-430ns")


def verdict_section(sim):
    """Where vtier leads and where it trails, computed from sim.csv: the
    steady-state time (after the warm-up) where the CSV has it."""
    if not sim:
        return []
    ratios = sim["ratios"]
    wls = [w for w in sim["wls"] if not is_variant(w)]

    def get(w, ra, p, k):
        v = sim["get"](w, ra, p, "st_rel")
        return v if not math.isnan(v) else sim["get"](w, ra, p, k)
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
    return out + goals(get, wls, ratios, others)


def goal_rows(get, cells, peers):
    """The four goals over some cells: (goal, result, met) each."""
    v = {c: get(*c, "vtier", "rel") for c in cells}
    n = len(cells)
    ft = sum(get(*c, "first-touch", "rel") >= v[c] / 1.005 for c in cells)
    beat_all = sum(all(get(*c, p, "rel") >= v[c] / 1.005 for p in peers) for c in cells)
    best = geomean([min(get(*c, p, "rel") for p in peers) / v[c] for c in cells])
    orc = max(v[c] / get(*c, "oracle", "rel") for c in cells)
    return [(f"{ft} of {n}", ft == n), (f"{beat_all} of {n}", beat_all >= 0.9 * n),
            (fmt(best, 3), best >= 1.15), (fmt(orc, 3), orc <= 1.10)]


def goals(get, wls, ratios, others):
    """Issue 11's goals on the steady-state time: every cell, and per sampler."""
    peers = [p for p in others if p != "first-touch"]
    cells = [(w, ra) for w in wls for ra in ratios
             if not math.isnan(get(w, ra, "vtier", "rel"))]
    if not cells:
        return []
    groups = [("all cells", cells),
              ("pebs", [c for c in cells if not c[0].endswith("/abit")]),
              ("abit", [c for c in cells if c[0].endswith("/abit")])]
    groups = [(g, cs) for g, cs in groups if cs]
    res = [goal_rows(get, cs, peers) for _, cs in groups]
    names = ["vtier's time <= first-touch's, every cell",
             "vtier's time <= every peer's in >= 90% of cells",
             "best peer's time / vtier's >= 1.15 (geomean)",
             "vtier's time / the static oracle's <= 1.10 (worst cell)"]
    out = ["Goals (issue 11), on the steady-state time of every cell above (first-touch start; "
           "ties within 0.5%), over all cells and per sampler:", "",
           "| goal | " + " | ".join(g for g, _ in groups) + " |",
           "|---|" + "---|" * len(groups)]
    for i, name in enumerate(names):
        out.append(f"| {name} | " + " | ".join(
            f"{r[i][0]} ({'met' if r[i][1] else 'MISSED'})" for r in res) + " |")
    return out + [""]


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
