#!/usr/bin/python3
"""Plot the step-4 experiments: per experiment the coefficient, the pointwise
difference |u_h - u_hat_h| of the coarse PG-LOD and surrogate solutions, and
both along the line y = 1/2 (the paper's Figs. 4.2-4.4); plus the training
history if the run wrote one.

Usage: contrib/plot-step-4.py OUTPUT.png RUN_DIRECTORY

RUN_DIRECTORY is the output directory of one step-4 run (summary.json,
solutions.csv, coefficient-*.csv, and the Training/History file if it is
inside the directory). Uses Debian's python3-matplotlib and numpy (run with
/usr/bin/python3).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENTS = ["multiscale", "smooth", "cracks"]
PAPER = {"multiscale": (6.58e-2, 2.13e-4), "smooth": (3.91e-2, 7.56e-5),
         "cracks": (2.81e-1, 2.72e-4)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    directory = sys.argv[2]
    with open(os.path.join(directory, "summary.json")) as f:
        summary = json.load(f)
    metrics = summary["metrics"]
    with open(os.path.join(directory, "solutions.csv")) as f:
        rows = list(csv.DictReader(f))
    history = summary["parameters"]["Training"].get("History file", "")
    if history and not os.path.isabs(history):
        history = os.path.join(directory, os.path.basename(history))
    has_history = bool(history) and os.path.exists(history)

    n_columns = 4 if has_history else 3
    fig, axes = plt.subplots(3, n_columns, figsize=(4 * n_columns, 11))
    for row, name in enumerate(EXPERIMENTS):
        field = np.loadtxt(os.path.join(directory, "coefficient-%s.csv" % name),
                           delimiter=",")
        ax = axes[row][0]
        image = ax.imshow(field, origin="lower", extent=(0, 1, 0, 1),
                          cmap="viridis")
        fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title("%s: coefficient" % name)

        selected = [r for r in rows if r["experiment"] == name]
        x = np.array([float(r["x"]) for r in selected])
        y = np.array([float(r["y"]) for r in selected])
        u = np.array([float(r["u_lod"]) for r in selected])
        u_hat = np.array([float(r["u_nn"]) for r in selected])
        n = int(round(np.sqrt(len(selected))))
        ax = axes[row][1]
        image = ax.imshow(np.abs(u - u_hat).reshape(n, n), origin="lower",
                          extent=(0, 1, 0, 1), cmap="magma")
        fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title("|u_h - û_h|: L2 %.2e (paper %.2e)"
                     % (metrics["solution_l2_error_vs_lod_" + name],
                        PAPER[name][1]), fontsize=9)

        ax = axes[row][2]
        line = np.abs(y - 0.5) < 1e-12
        order = np.argsort(x[line])
        ax.plot(x[line][order], u[line][order], "-", label="PG-LOD u_h")
        ax.plot(x[line][order], u_hat[line][order], "--", label="network û_h")
        ax.set_xlabel("x (y = 1/2)")
        ax.set_title("||S - Ŝ||_2 = %.2e (paper %.2e)"
                     % (metrics["matrix_spectral_error_" + name], PAPER[name][0]),
                     fontsize=9)
        ax.legend(fontsize=8)

    if has_history:
        with open(history) as f:
            steps = list(csv.DictReader(f))
        it = np.array([int(s["iteration"]) for s in steps])
        loss = np.array([float(s["loss"]) for s in steps])
        gs = axes[0][3].get_gridspec()
        for ax in axes[:, 3]:
            ax.remove()
        ax = fig.add_subplot(gs[:, 3])
        window = max(1, len(loss) // 100)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.semilogy(it[window - 1:], smooth, label="minibatch J (moving mean)")
        val = [(int(s["iteration"]), float(s["validation_loss"])) for s in steps
               if s["validation_loss"]]
        if val:
            ax.semilogy(*zip(*val), "o-", label="validation J")
        ax.axhline(metrics["test_loss"], color="k", ls=":",
                   label="test J %.2e" % metrics["test_loss"])
        ax.axhline(7.78e-5, color="r", ls="--", label="paper test J 7.78e-5")
        ax.set_xlabel("iteration")
        ax.set_title("training")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=110)


if __name__ == "__main__":
    main()
