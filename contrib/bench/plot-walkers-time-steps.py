#!/usr/bin/python3
"""Plot contrib/bench/walkers-time-steps.csv (see walkers-time-steps.sh).

Usage: plot-walkers-time-steps.py CSV OUTPUT.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1])))
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for eps in sorted({r["eps"] for r in rows if r["study"] == "micro"}, reverse=True):
    r = [x for x in rows if x["study"] == "micro" and x["eps"] == eps]
    axes[0].loglog([float(x["micro_step"]) / float(x["macro_step"]) for x in r],
                   [float(x["rel_l2_error_vs_homogenized"]) for x in r], "o-", base=2,
                   label=f"eps = {eps}")
axes[0].set_xlabel("dt / Dt (Dt = 1e-3)")
axes[0].set_ylabel("rel. L2 error vs homogenized")
axes[0].set_title("micro step (paper fig. 2)")
for eps in sorted({r["eps"] for r in rows if r["study"] == "macro"}, reverse=True):
    r = [x for x in rows if x["study"] == "macro" and x["eps"] == eps]
    axes[1].loglog([int(x["micro_steps"]) for x in r],
                   [float(x["rel_l2_error_vs_homogenized"]) for x in r], "o-", base=2,
                   label=f"eps = {eps}")
axes[1].axvline(72, color="0.6", ls=":", label="K0 = 72")
axes[1].set_xlabel("Dt / dt = K (dt = dt_max(12; eps))")
axes[1].set_title("macro step (paper fig. 3)")
for study, label in (("cost", "alpha from one period"), ("cost-square", "alpha from the square")):
    r = [x for x in rows if x["study"] == study]
    if r:
        axes[2].semilogx([float(x["eps"]) for x in r],
                         [float(x["cpu_seconds_per_iteration"]) for x in r], "o-",
                         label=f"CPU, {label}")
axes[2].legend(fontsize=8)
axes[2].set_ylim(bottom=0)
axes[2].set_xlabel("eps (automatic dt, K = 72)")
axes[2].set_ylabel("seconds per iteration")
axes[2].set_title("cost per iteration vs eps")
for ax in axes[:2]:
    ax.legend(fontsize=8)
    ax.grid(True, which="both", lw=0.3)
axes[2].grid(True, lw=0.3)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
