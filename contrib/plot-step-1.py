#!/usr/bin/python3
"""Figure for step-1: relative errors of plain Q1 FEM on coarse meshes against
the fine-scale reference, over H, with eps marked.

  contrib/plot-step-1.py output/step-1 [figure.png]

Reads summary.json (for eps) and coarse-fem.csv from the step's output
directory; writes step-1.png there unless a file name is given.
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "output/step-1"
    figure = sys.argv[2] if len(sys.argv) > 2 else os.path.join(directory, "step-1.png")
    with open(os.path.join(directory, "summary.json")) as f:
        summary = json.load(f)
    eps = float(summary["parameters"]["Coefficient"]["Epsilon"])
    fine = int(summary["parameters"]["Mesh"]["Fine cells per direction"])
    with open(os.path.join(directory, "coarse-fem.csv")) as f:
        rows = list(csv.DictReader(f))
    H = [float(r["H"]) for r in rows]
    l2 = [float(r["rel_l2_error_vs_fine"]) for r in rows]
    energy = [float(r["rel_energy_error_vs_fine"]) for r in rows]

    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(H, energy, "o-", label="relative energy error")
    ax.loglog(H, l2, "s-", label="relative $L^2$ error")
    ax.loglog(H, [energy[-1] * h / H[-1] for h in H], "k:", lw=1, label="$O(H)$")
    ax.axvline(eps, color="tab:red", ls="--", lw=1)
    ax.text(eps * 1.08, min(l2) * 1.5, r"$H=\varepsilon$", color="tab:red")
    ax.set_xlabel("coarse mesh size $H$")
    ax.set_ylabel("error of plain $Q_1$ FEM vs fine FEM")
    ax.set_title(f"step-1: coarse FEM on a multiscale problem ($h=1/{fine}$)")
    ax.invert_xaxis()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(figure, dpi=120)
    print(f"plot-step-1: wrote {figure}")


if __name__ == "__main__":
    main()
