#!/usr/bin/python3
"""Plot the step-2 LOD sweep: relative energy error against the number of
layers l (exponential decay) and against H (linear), LOD vs coarse Q1 FEM.

Usage: contrib/plot-step-2.py OUTPUT.png RUN_DIRECTORY [RUN_DIRECTORY ...]

Each RUN_DIRECTORY is the output directory of one step-2 run (it holds
lod-sweep.csv and summary.json); runs are told apart by their coefficient
contrast. Uses Debian's python3-matplotlib (run with /usr/bin/python3).
"""
import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_run(directory):
    with open(directory + "/summary.json") as f:
        summary = json.load(f)
    with open(directory + "/lod-sweep.csv") as f:
        rows = list(csv.DictReader(f))
    # The nominal contrast beta/alpha of a random checkerboard, else the
    # measured one.
    coefficient = summary["parameters"]["Coefficient"]
    if coefficient["Type"] == "random checkerboard":
        values = coefficient["Random checkerboard"]
        contrast = float(values["Maximum value"]) / float(values["Minimum value"])
    else:
        contrast = summary["metrics"]["coefficient_contrast"]
    return contrast, rows


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = [read_run(d) for d in sys.argv[2:]]
    styles = ["-", "--", ":", "-."]
    fig, (by_l, by_h) = plt.subplots(1, 2, figsize=(11, 4.5))

    for (contrast, rows), style in zip(runs, styles):
        label = "contrast 1:%.0f" % contrast
        cells = sorted({int(r["coarse_cells"]) for r in rows})
        layers = sorted({int(r["layers"]) for r in rows})
        for i, n in enumerate(cells):
            sel = sorted((int(r["layers"]), float(r["lod_rel_energy_error_vs_fine"]))
                         for r in rows if int(r["coarse_cells"]) == n)
            by_l.semilogy([s[0] for s in sel], [s[1] for s in sel], style,
                          marker="o", color="C%d" % i,
                          label="H = 1/%d, %s" % (n, label))
        for j, l in enumerate(layers):
            sel = sorted((float(r["H"]), float(r["lod_rel_energy_error_vs_fine"]))
                         for r in rows if int(r["layers"]) == l)
            by_h.loglog([s[0] for s in sel], [s[1] for s in sel], style,
                        marker="o", color="C%d" % j,
                        label="LOD l = %d, %s" % (l, label))
        coarse = sorted({(float(r["H"]), float(r["coarse_fem_rel_energy_error_vs_fine"]))
                         for r in rows})
        by_h.loglog([c[0] for c in coarse], [c[1] for c in coarse], style,
                    marker="s", color="k", label="coarse Q1 FEM, " + label)

    hs = sorted({float(r["H"]) for r in runs[0][1]})
    top = max(float(r["lod_rel_energy_error_vs_fine"]) for r in runs[0][1])
    by_h.loglog(hs, [top * h / hs[-1] for h in hs], "k:", label="O(H)")
    by_l.set_xlabel("oversampling layers l")
    by_l.set_ylabel("relative energy error vs fine FEM")
    by_l.set_title("LOD: localization error decays with l")
    by_h.set_xlabel("H")
    by_h.set_ylabel("relative energy error vs fine FEM")
    by_h.set_title("LOD vs coarse Q1 FEM")
    for ax in (by_l, by_h):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6.5, ncol=2)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=130)


if __name__ == "__main__":
    main()
