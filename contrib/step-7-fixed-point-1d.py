#!/usr/bin/env python3
"""Where does the walker fixed point of step-7 lie, without noise and network?

step-7 trains u_theta towards the bootstrapped target T u = E[u(X_Dt) +
int_0^Dt G(X_s) ds] of walkers X (drift V = a'/(2a), micro step dt,
Brownian-bridge exit test, u = 0 on the boundary). A smooth network cannot
represent the eps-scale oscillation of the solution u_eps, so training
converges, at best, to the fixed point of the projected map u = P T u. This
script computes that fixed point exactly in 1D for -(a u')' = 1 on (0, 1),
a = 1 + A sin(2 pi x / eps):

  * the walker step is a Markov chain on a grid of spacing eps / 60 (the
    Euler-Maruyama Gaussian step from each node, binned; absorbed with the
    Brownian-bridge probability of crossing either end within the step);
  * P is the least-squares projection onto sin(k pi x), k = 1..M, with
    uniform weights (resampled uniform points, as in step-7) or weights a
    (the walkers' invariant measure);

and prints its relative L2 error against the fine and the homogenized
solution. The error of the smooth part is the projection error of u_eps
amplified by 1 / (1 - contraction of T) ~ 1 / (lambda_1 Dt): it falls when
the macro step Dt grows from the paper's lower bound eps^2 / (4 kappa^2)
(doc/step-7.md, "the macro step").

  /usr/bin/python3 contrib/step-7-fixed-point-1d.py [--factor F] [--modes M]
      [--amplitude A] [--m0 12] [--weights uniform|a] [--end-point]
"""
import argparse
import math

import numpy as np
from scipy.special import erf

parser = argparse.ArgumentParser()
parser.add_argument("--eps", type=float, default=0.05)
parser.add_argument("--amplitude", type=float, default=0.5)
parser.add_argument("--m0", type=float, default=12)
parser.add_argument("--factor", type=float, nargs="+", default=[1, 2, 4, 8],
                    help="Dt = factor^2 times the paper's lower bound "
                         "(step-7's Macro step eps factor)")
parser.add_argument("--modes", type=int, default=12)
parser.add_argument("--weights", choices=["uniform", "a"], default="uniform")
parser.add_argument("--end-point", action="store_true",
                    help="exit test at the end of each step only")
parser.add_argument("--grid", type=float, default=60,
                    help="grid points per eps")
args = parser.parse_args()

eps, amp = args.eps, args.amplitude
a = lambda x: 1 + amp * np.sin(2 * np.pi * x / eps)
da = lambda x: amp * 2 * np.pi / eps * np.cos(2 * np.pi * x / eps)
kappa = math.sqrt(2 / math.pi)  # kappa(1) = E|N(0, 1)|
dt = (eps / args.m0) ** 2 / kappa ** 2
n = int(round(args.grid / eps))
x = np.linspace(0, 1, n + 1)
h = x[1] - x[0]

# One Euler-Maruyama step as a transition matrix between interior nodes.
s = math.sqrt(dt)
mean = x + da(x) / (2 * a(x)) * dt
cdf = lambda z: 0.5 * (1 + erf(z / math.sqrt(2)))
P = np.clip(cdf((x[None, :] + h / 2 - mean[:, None]) / s) -
            cdf((x[None, :] - h / 2 - mean[:, None]) / s), 0, None)
if not args.end_point:
    P *= (1 - np.exp(-2 * np.outer(x, x) / dt)) * \
         (1 - np.exp(-2 * np.outer(1 - x, 1 - x) / dt))
P[[0, -1], :] = 0
P[:, [0, -1]] = 0
reward = dt / (2 * a(x))  # -G dt with G = -f / (2a), f = 1
reward[[0, -1]] = 0

basis = np.array([np.sin(k * np.pi * x) for k in range(1, args.modes + 1)]).T
w = np.ones(n + 1) if args.weights == "uniform" else a(x)
w[[0, -1]] = 0
gram = basis.T @ (w[:, None] * basis)

# Fine solution (a u')' = -1, u(0) = u(1) = 0, by quadrature, and the
# homogenized one with the harmonic mean.
xf = np.linspace(0, 1, 400001)
inv_a = 1 / a(xf)
cumulative = lambda g: np.concatenate(
    [[0], np.cumsum((g[1:] + g[:-1]) / 2 * np.diff(xf))])
g1, g2 = cumulative(inv_a), cumulative(xf * inv_a)
u_fine = np.interp(x, xf, g2[-1] / g1[-1] * g1 - g2)
a_star = 1 / np.mean(1 / a(np.linspace(0, eps, 100001)[:-1]))
u_hom = x * (1 - x) / (2 * a_star)
rel = lambda v, ref: np.linalg.norm(v - ref) / np.linalg.norm(ref)
print(f"eps = {eps}, a = 1 + {amp} sin(2 pi x/eps), dt = {dt:.3e} (m0 = "
      f"{args.m0:g}), {args.modes} sine modes, {args.weights} weights, "
      f"{'end-point' if args.end_point else 'Brownian-bridge'} exit test; "
      f"homogenized vs fine {rel(u_hom, u_fine):.4f}")
print("| factor | K | Dt / eps^2 | fixed point vs fine | vs homogenized |")
print("|---|---|---|---|---|")
for factor in args.factor:
    K = int(math.ceil(factor ** 2 * eps ** 2 / (4 * kappa ** 2) / dt))
    # T u = P^K u + sum_{k<K} P^k r; the projected fixed point solves
    # B c = Proj(P^K B c + R).
    PK_basis, R, Pk_r = basis.copy(), np.zeros(n + 1), reward.copy()
    for _ in range(K):
        PK_basis = P @ PK_basis
        R += Pk_r
        Pk_r = P @ Pk_r
    c = np.linalg.solve(gram - basis.T @ (w[:, None] * PK_basis),
                        basis.T @ (w * R))
    u = basis @ c
    print(f"| {factor:g} | {K} | {K * dt / eps ** 2:.3f} | "
          f"{rel(u, u_fine):.4f} | {rel(u, u_hom):.4f} |")
