#!/usr/bin/python3
"""Plot step-6 (NH-PINN) results.

Usage: contrib/plot-step-6.py OUTPUT.png RUN_DIRECTORY [RUN_DIRECTORY ...]

Each RUN_DIRECTORY is the output directory of one step-6 run (summary.json,
solutions.csv, cell-correctors.csv for A and C, *-errors.csv). A 2D run
(experiment A) gives one row: the PINN corrector chi_1 with and without
oversampling against FE, the fine solution u_eps and the NH-PINN error
u_eps - p. A 1D run (B, C) gives one row: u_eps, NH-PINN p, the corrected
p + eps chi u', vanilla and transfer PINN, and the error histories. Uses
Debian's python3-matplotlib (run with /usr/bin/python3).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_csv(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def title(summary):
    p = summary["parameters"]["Problem"]
    name = p["Experiment"]
    if name == "C":
        name += "1" if abs(float(p["Epsilon"]) - 0.1) < 1e-12 else "2"
    return "experiment %s, eps = %g" % (name, float(p["Epsilon"]))


def field(ax, x, y, z, label):
    n = int(round(np.sqrt(len(z))))
    im = ax.imshow(z.reshape(n, n), origin="lower", cmap="viridis",
                   extent=(x.min(), x.max(), y.min(), y.max()))
    plt.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(label, fontsize=9)


def row_2d(axes, directory, summary):
    m = summary["metrics"]
    cell = read_csv(directory + "/cell-correctors.csv")
    sol = read_csv(directory + "/solutions.csv")
    field(axes[0], cell["y1"], cell["y2"], cell["chi1_fe"], "chi_1, FE (Q2)")
    field(axes[1], cell["y1"], cell["y2"], cell["chi1_pinn"],
          "chi_1, PINN with oversampling\nrel. error %.3f" %
          m["cell_corrector_rel_error_vs_fe_chi1"])
    if "chi1_pinn_no_os" in cell:
        field(axes[2], cell["y1"], cell["y2"], cell["chi1_pinn_no_os"],
              "chi_1, PINN without oversampling\nrel. error %.3f" %
              m["cell_corrector_rel_error_vs_fe_chi1_without_oversampling"])
    field(axes[3], sol["x1"], sol["x2"], sol["u_eps"],
          "u_eps (fine FE), " + title(summary))
    field(axes[4], sol["x1"], sol["x2"], sol["u_eps"] - sol["p"],
          "u_eps - p (NH-PINN), e1 = %.4f" % m["e1_rel_error_nhpinn_vs_fine"])


def row_1d(axes, directory, summary):
    m = summary["metrics"]
    sol = read_csv(directory + "/solutions.csv")
    x = sol["x1"]
    ax = axes[0]
    ax.plot(x, sol["u_eps"], "k-", lw=2, label="u_eps (fine FE)")
    ax.plot(x, sol["p"], "C0--", label="NH-PINN p (e1 = %.4f)" %
            m["e1_rel_error_nhpinn_vs_fine"])
    if "vanilla" in sol:
        ax.plot(x, sol["vanilla"], "C3:", label="vanilla PINN (%.3f)" %
                m["vanilla_rel_error_vs_fine"])
    if "transfer" in sol:
        ax.plot(x, sol["transfer"], "C2-.", label="transfer (%.3f)" %
                m["transfer_rel_error_vs_fine"])
    ax.set_title(title(summary), fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(x, sol["u_eps"] - sol["p"], "C0-", label="u_eps - p")
    ax.plot(x, sol["u_eps"] - sol["p_corrected"], "C1-",
            label="u_eps - (p + first-order corrector)")
    ax.set_title("errors at the test points", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    cell = read_csv(directory + "/cell-correctors.csv")
    if cell is not None:
        ax.plot(cell["y1"], cell["chi1_fe"], "k-", lw=2, label="N, quadrature")
        ax.plot(cell["y1"], cell["chi1_pinn"], "C0--", label="N, PINN + OS")
        if "chi1_pinn_no_os" in cell:
            ax.plot(cell["y1"], cell["chi1_pinn_no_os"], "C3:",
                    label="N, PINN no OS")
        ax.set_title("cell problem", fontsize=9)
        ax.legend(fontsize=7)
    else:
        ax.set_title("a*(x): PINN rel. error %.2e" %
                     m["a_star_rel_error_vs_fe"], fontsize=9)
        ax.axis("off")
    ax = axes[3]
    for name, label in (("homogenized-errors.csv", "NH-PINN e1"),
                        ("vanilla-errors.csv", "vanilla"),
                        ("transfer-errors.csv", "transfer")):
        h = read_csv(directory + "/" + name)
        if h is not None:
            key = [k for k in h if k != "iteration"][0]
            ax.semilogy(h["iteration"], h[key], label=label)
    ax.set_xlabel("iteration")
    ax.set_title("relative L2 error vs u_eps", fontsize=9)
    ax.legend(fontsize=7)
    axes[4].axis("off")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = sys.argv[2:]
    fig, axes = plt.subplots(len(runs), 5, figsize=(22, 4.2 * len(runs)),
                             squeeze=False)
    for row, directory in zip(axes, runs):
        with open(directory + "/summary.json") as f:
            summary = json.load(f)
        if summary["parameters"]["Problem"]["Experiment"] == "A":
            row_2d(row, directory, summary)
        else:
            row_1d(row, directory, summary)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=90)


if __name__ == "__main__":
    main()
