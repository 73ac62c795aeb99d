#!/usr/bin/python3
"""Plot step-5 runs: relative L2 error (at the validation points) against the
iteration for every variant and seed, and in 1D the fine-scale solution of
the first seed of each variant against the fine FEM, and the coarse state
y_h with the compressed network Q_delta v.

Usage: contrib/plot-step-5.py OUTPUT.png RUN_DIRECTORY [RUN_DIRECTORY ...]

Each RUN_DIRECTORY is the output directory of one step-5 run (runs.csv,
convergence-*.csv, fields-*.csv, coarse-*.csv, summary.json); one row of
panels per run. Uses Debian's python3-matplotlib (run with /usr/bin/python3).
"""
import csv
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def column(rows, name):
    return [float(r[name]) for r in rows]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = sys.argv[2:]
    one_d = [
        json.load(open(d + "/summary.json"))["parameters"]["Dimension"] == "1"
        for d in runs
    ]
    n_cols = 3 if any(one_d) else 1
    fig, axes = plt.subplots(
        len(runs), n_cols, figsize=(5 * n_cols, 3.6 * len(runs)), squeeze=False
    )
    for row, directory in enumerate(runs):
        summary = json.load(open(directory + "/summary.json"))
        eps = summary["parameters"]["Coefficient"]["Epsilon"]
        title = "%sD, eps = %.4g" % (summary["parameters"]["Dimension"], float(eps))
        ax = axes[row][0]
        for path in sorted(glob.glob(directory + "/convergence-*.csv")):
            rows = read_csv(path)
            if not rows:
                continue
            name = os.path.basename(path)[len("convergence-") : -4]
            ax.semilogy(
                column(rows, "iteration"), column(rows, "rel_l2_error"), label=name
            )
        ax.set_xlabel("iteration")
        ax.set_ylabel("relative L2 error vs fine FEM")
        ax.set_title(title)
        ax.legend(fontsize=7)
        if not one_d[row]:
            for ax in axes[row][1:]:
                ax.axis("off")
            continue
        fields = sorted(glob.glob(directory + "/fields-*-seed*.csv"))
        first = {}
        for path in fields:
            variant = os.path.basename(path)[len("fields-") :].split("-seed")[0]
            first.setdefault(variant, path)
        for variant, path in first.items():
            rows = sorted(read_csv(path), key=lambda r: float(r["x"]))
            x = column(rows, "x")
            if variant == list(first)[0]:
                axes[row][1].plot(x, column(rows, "u_fine"), "k-", lw=1, label="fine FEM")
            axes[row][1].plot(x, column(rows, "u_network"), "--", lw=1, label=variant)
            coarse = read_csv(path.replace("fields-", "coarse-"))
            xc = column(coarse, "x")
            axes[row][2].plot(
                xc, column(coarse, "q_delta_u_network"), "--", label="Q_delta v, " + variant
            )
            if variant.startswith("hybrid"):
                axes[row][2].plot(xc, column(coarse, "y_h"), "-", label="y_h, " + variant)
        axes[row][1].set_title("fine-scale solution (first seed)")
        axes[row][1].set_xlabel("x")
        axes[row][1].legend(fontsize=7)
        axes[row][2].set_title("coarse state and compression")
        axes[row][2].set_xlabel("x")
        axes[row][2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=110)


if __name__ == "__main__":
    main()
