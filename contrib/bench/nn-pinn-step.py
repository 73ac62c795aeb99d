#!/usr/bin/env python3
"""The PINN training step of contrib/bench/nn-pinn-step.cc written the usual
way in PyTorch: u = net(x), grad u by torch.autograd.grad(create_graph=True),
div(a grad u) by one more torch.autograd.grad per direction, Adam step.

Usage: nn-pinn-step.py <batch> <steps> <threads>
Prints "pytorch batch samples_per_second gflops" (GFLOP/s counted with the
same matrix-product flop count as the C++ forward-Laplacian variant, so the
numbers compare throughput, not the work each formulation does).
"""
import math
import sys
import time

import torch

EPS = 0.125


def coefficient(x):
    k = 2 * math.pi / EPS
    return 2 + torch.sin(k * x[:, 0]) * torch.sin(k * x[:, 1])


def residual(net, points):
    x = points.detach().requires_grad_(True)
    u = net(x)
    grad = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    flux = coefficient(x).unsqueeze(1) * grad
    div = torch.zeros_like(u[:, 0])
    for d in range(2):
        div = div + torch.autograd.grad(flux[:, d].sum(), x,
                                        create_graph=True)[0][:, d]
    return -div - 1.0


def main():
    batch, steps, threads = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    layers = [torch.nn.Linear(2, 128), torch.nn.Tanh()]
    for _ in range(3):
        layers += [torch.nn.Linear(128, 128), torch.nn.Tanh()]
    layers += [torch.nn.Linear(128, 1)]
    net = torch.nn.Sequential(*layers).double()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, 2, dtype=torch.float64)

    def step():
        optimizer.zero_grad()
        loss = residual(net, x).pow(2).mean()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    flops = 3 * 2 * 4.0 * batch * (2 * 128 + 3 * 128 * 128 + 128)
    print(f"pytorch {batch} {batch * steps / seconds:.0f} "
          f"{flops * steps / seconds / 1e9:.2f}")


if __name__ == "__main__":
    main()
