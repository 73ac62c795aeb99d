#!/usr/bin/python3
"""Plot step-7 runs: for each run the section x2 = 1/2 and the diagonal
x1 = x2 (network, fine FEM, homogenized), and the training curves (relative
L2 error against the fine solution on the validation grid vs iteration).

Usage: contrib/plot-step-7.py OUTPUT.png RUN_DIRECTORY [RUN_DIRECTORY ...]

Each RUN_DIRECTORY is the output directory of one step-7 run (it holds
sections.csv, training-history.csv and summary.json). Uses Debian's
python3-matplotlib (run with /usr/bin/python3).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def label(summary):
    p = summary["parameters"]
    kind = p["Coefficient"]["Type"]
    name = "random field" if kind == "gaussian random field" else (
        "nonlinear" if p["Nonlinearity"]["Type"] == "quadratic" else "linear")
    return f"{name}, eps = {p['Coefficient']['Epsilon']}"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = sys.argv[2:]
    fig, axes = plt.subplots(len(runs), 3, figsize=(13, 3.2 * len(runs)), squeeze=False)
    for row, directory in zip(axes, runs):
        with open(os.path.join(directory, "summary.json")) as f:
            summary = json.load(f)
        with open(os.path.join(directory, "sections.csv")) as f:
            sections = list(csv.DictReader(f))
        name = label(summary)
        metrics = summary["metrics"]
        for ax, section, title in ((row[0], "x2=0.5", "x2 = 1/2"), (row[1], "diagonal", "x1 = x2")):
            rows = [r for r in sections if r["section"] == section]
            s = [float(r["s"]) for r in rows]
            ax.plot(s, [float(r["fine"]) for r in rows], color="0.6", lw=0.8, label="fine FEM")
            if "homogenized" in rows[0]:
                ax.plot(s, [float(r["homogenized"]) for r in rows], "k--", lw=1, label="homogenized")
            ax.plot(s, [float(r["network"]) for r in rows], "C3", lw=1.2, label="walker network")
            ax.set_title(f"{name}: {title}", fontsize=9)
            ax.set_xlabel("s")
        row[0].legend(fontsize=7)
        with open(os.path.join(directory, "training-history.csv")) as f:
            history = [r for r in csv.DictReader(f) if r["validation_loss"]]
        row[2].semilogy([int(r["iteration"]) + 1 for r in history],
                        [float(r["validation_loss"]) for r in history], "C0")
        row[2].set_xlabel("iteration")
        row[2].set_ylabel("rel. L2 error vs fine")
        row[2].set_title(f"final {metrics['rel_l2_error_vs_fine']:.3g} vs fine"
                         + (f", {metrics['rel_l2_error_vs_homogenized']:.3g} vs hom."
                            if "rel_l2_error_vs_homogenized" in metrics else ""), fontsize=9)
        row[2].grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=110)


if __name__ == "__main__":
    main()
