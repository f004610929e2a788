# SPDX-License-Identifier: GPL-2.0
"""Helpers of report.py: CSV reading, number formatting, gnuplot figures."""
import csv
import math
import os
import subprocess
import sys

POLICIES = ["vtier", "hemem", "memtis", "tpp", "first-touch", "oracle", "all-fast"]
MIGRATING = ["vtier", "hemem", "memtis", "tpp"]
ENGINES = ["vtier", "ewma", "memtis", "hemem"]


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


def keyvals(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition("=")
            out[k] = v
    return out
