#!/usr/bin/python3
"""What step-7's drifted walkers learn on the periodic cell, per integrator.

The walkers of Estimator = drift follow dX = V dt + dB, V = grad a / (2a),
and collect the source G = -f / (2a). Over times long against eps^2 they
sample an invariant measure and spread with an effective diffusivity D_h, so
the bootstrapped fixed point solves D_h Lap u = -f <1/(2a)>_h. For the exact
process <1/(2a)> = 1 / (2 <a>) and D = A* / (2 <a>), and the fixed point is
the homogenized solution; a discrete chain learns it times

    <1/(2a)>_h A* / D_h        (with <a> = 1 here).

This script simulates the chain on the periodic cell (eps = 1) of step-7's
a = 1 + 0.9 sin(2 pi x) cos(2 pi y) (A* = 0.883515) with Euler-Maruyama or
Heun (the drift and the source averaged over the step's ends), V exact or
read from step-7's table (24 cells per eps, central differences, bilinear),
dt a multiple of the rule's (eps/12)^2 / kappa(2)^2. <1/(2a)>_h is accurate
to about 0.1 %, D_h to about 0.7 % (20000 walkers).

Usage: contrib/step-7-invariant-measure.py [--walkers N] [--time T]
           [CONFIG ...]     CONFIG = exact|table:euler|heun:dt-factor
Needs Debian's python3-torch (run with /usr/bin/python3); 20-40 s per
configuration.
"""
import argparse
import math

import torch

A_STAR = 0.883515
TWO_PI = 2 * math.pi


def exact_coefficient():
    def a(x):
        return 1 + 0.9 * torch.sin(TWO_PI * x[:, 0]) * torch.cos(TWO_PI * x[:, 1])

    def drift(x):
        gx = 0.9 * TWO_PI * torch.cos(TWO_PI * x[:, 0]) * torch.cos(TWO_PI * x[:, 1])
        gy = -0.9 * TWO_PI * torch.sin(TWO_PI * x[:, 0]) * torch.sin(TWO_PI * x[:, 1])
        return torch.stack([gx, gy], 1) / (2 * a(x).unsqueeze(1))

    return a, drift


def table_coefficient(n):
    """a and its central-difference gradient on n cells, read bilinearly."""
    s = torch.arange(n + 1, dtype=torch.float64) / n
    X, Y = torch.meshgrid(s, s, indexing="ij")
    h = 1.0 / n

    def a_at(dx, dy):
        return 1 + 0.9 * torch.sin(TWO_PI * (X + dx)) * torch.cos(TWO_PI * (Y + dy))

    table = torch.stack([a_at(0, 0),
                         (a_at(h, 0) - a_at(-h, 0)) / (2 * h),
                         (a_at(0, h) - a_at(0, -h)) / (2 * h)], 0)

    def read(x):
        y = torch.remainder(x, 1.0) * n
        i = y.floor().long().clamp(max=n - 1)
        t = y - i
        i0, i1, tx, ty = i[:, 0], i[:, 1], t[:, 0], t[:, 1]
        return (table[:, i0, i1] * (1 - tx) * (1 - ty)
                + table[:, i0 + 1, i1] * tx * (1 - ty)
                + table[:, i0, i1 + 1] * (1 - tx) * ty
                + table[:, i0 + 1, i1 + 1] * tx * ty)

    def a(x):
        return read(x)[0]

    def drift(x):
        v = read(x)
        return torch.stack([v[1], v[2]], 1) / (2 * v[0].unsqueeze(1))

    return a, drift


def simulate(a, drift, heun, dt, T, N):
    def step(x):
        dB = math.sqrt(dt) * torch.randn(N, 2, dtype=torch.float64)
        v = drift(x)
        if not heun:
            return x + v * dt + dB, None
        predicted = x + v * dt + dB
        return x + 0.5 * (v + drift(predicted)) * dt + dB, predicted

    x = torch.rand(N, 2, dtype=torch.float64)
    for _ in range(int(round(2.0 / dt))):  # towards the invariant measure
        x, _ = step(x)
    x0 = x.clone()
    source = torch.zeros(N, dtype=torch.float64)
    for _ in range(int(round(T / dt))):
        g = 1 / (2 * a(x))
        x, predicted = step(x)
        # Heun averages the source over the step's ends, as step-7 does.
        source += (0.5 * (g + 1 / (2 * a(predicted))) if heun else g) * dt
    squared = ((x - x0) ** 2).sum(1)
    D = squared.mean().item() / (4 * T)
    D_error = squared.std().item() / (4 * T) / math.sqrt(N)
    mean_source = source.mean().item() / T
    return D, D_error, mean_source, mean_source * A_STAR / D


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--walkers", type=int, default=20000)
    parser.add_argument("--time", type=float, default=5.0)
    parser.add_argument("configs", nargs="*",
                        default=["exact:euler:1", "exact:heun:1",
                                 "table:euler:1", "table:heun:1",
                                 "exact:euler:0.25"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    dt_rule = (1 / 12) ** 2 / (math.pi / 2)
    print("| V | integrator | dt / rule | D_h (exact 0.4418) | <1/(2a)>_h (exact 0.5) "
          "| fixed point / homogenized |")
    print("|---|---|---|---|---|---|")
    for config in args.configs:
        kind, integrator, factor = config.split(":")
        a, drift = exact_coefficient() if kind == "exact" else table_coefficient(24)
        D, D_error, source, ratio = simulate(a, drift, integrator == "heun",
                                             dt_rule * float(factor), args.time,
                                             args.walkers)
        print(f"| {kind} | {integrator} | {factor} | {D:.4f} +- {D_error:.4f} | "
              f"{source:.4f} | {ratio:.4f} |", flush=True)


if __name__ == "__main__":
    main()
