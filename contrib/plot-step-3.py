#!/usr/bin/python3
"""Figures of doc/step-3.md from a step-3 output directory.

  /usr/bin/python3 contrib/plot-step-3.py OUTPUT_DIR PREFIX

writes PREFIX-training.png (energy and constraint loss, patch error vs
classical LOD), PREFIX-basis.png (a learned and the classical corrected basis
function) and, if the run was parabolic, PREFIX-solutions.png (LOD-ANN, LOD and
fine FEM at the output times)."""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in rows[0]}


def grid(x, y, values):
    xs, ys = np.unique(x), np.unique(y)
    z = np.full((len(ys), len(xs)), np.nan)
    z[np.searchsorted(ys, y), np.searchsorted(xs, x)] = values
    return xs, ys, z


def main():
    directory, prefix = sys.argv[1], sys.argv[2]
    history = read(os.path.join(directory, "training_history.csv"))
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    it = history["iteration"]
    energy = history["loss_energy"]
    # A positive loss is plotted as it is; otherwise its distance to the
    # lowest value seen, which is meaningful until close to that iterate.
    if (energy > 0).all():
        ax[0].semilogy(it, energy)
        ax[0].set_title("Ritz energy loss")
    else:
        ax[0].semilogy(it, energy - energy.min() + 1e-12)
        ax[0].set_title("Ritz energy loss - its minimum")
    # With the projection the constraint is at round-off, hence its own panel.
    ax[1].semilogy(it, history["loss_constraint"])
    ax[1].set_title("constraint loss |mu . I_H a|^2")
    for a in ax:
        a.set_xlabel("iteration")
    valid = np.isfinite(history["validation_loss"]) & (history["validation_loss"] >= 0)
    ax[2].semilogy(it[valid], history["validation_loss"][valid], "o-")
    ax[2].set_title("patch energy error vs classical correctors")
    fig.tight_layout()
    fig.savefig(prefix + "-training.png", dpi=110)

    basis = read(os.path.join(directory, "basis.csv"))
    fig, ax = plt.subplots(1, 3, figsize=(12, 3.6))
    for a, key, title in zip(ax, ["learned", "classical", None],
                             ["LOD-ANN basis function", "LOD basis function",
                              "difference"]):
        values = basis[key] if key else basis["learned"] - basis["classical"]
        xs, ys, z = grid(basis["x"], basis["y"], values)
        m = a.pcolormesh(xs, ys, z, shading="auto")
        fig.colorbar(m, ax=a)
        a.set_title(title)
        a.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(prefix + "-basis.png", dpi=110)

    solutions = read(os.path.join(directory, "solutions.csv"))
    times = np.unique(solutions["t"])
    if len(times) > 1:
        fig, ax = plt.subplots(3, len(times), figsize=(3.6 * len(times), 9.5))
        vmax = max(solutions["u_fine"].max(), 1e-12)
        for j, t in enumerate(times):
            s = solutions["t"] == t
            for i, key in enumerate(["u_learned", "u_lod", "u_fine"]):
                xs, ys, z = grid(solutions["x"][s], solutions["y"][s],
                                 solutions[key][s])
                m = ax[i, j].pcolormesh(xs, ys, z, shading="auto", vmin=0,
                                        vmax=vmax)
                ax[i, j].set_title(f"{key[2:]}  t = {t:g}")
                ax[i, j].set_aspect("equal")
        fig.colorbar(m, ax=ax.ravel().tolist())
        fig.savefig(prefix + "-solutions.png", dpi=100)


if __name__ == "__main__":
    main()
