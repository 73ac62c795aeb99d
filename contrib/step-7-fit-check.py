#!/usr/bin/env python3
"""Can a network follow the walker targets of the random-field case?

The first walker targets of prm/step-7-random-field.prm are about
Dt f / (2a), i.e. shaped like f = 100 sin(4 pi x + 6 pi y^2). This script
fits g = 0.1 sin(4 pi x + 6 pi y^2) on (0,1)^2 by plain regression (no
walkers, exact targets, fresh uniform points every step, Adam with
beta2 = 0.99 as in step-7) with the two networks of the doc:

  * the ReLU MLP of the other step-7 runs (4 x 64, lr 1e-2 and 1e-3),
  * a Fourier-feature network (64 features of scale 2, two tanh layers of
    64, lr 1e-3): step-7's "Network/Type = fourier features".

and prints the relative L2 error on 4000 fixed points after 25 ... 2000
steps. A network that cannot fit this in a few hundred steps cannot follow
targets that change every 4 steps (doc/step-7.md, random field).

  /usr/bin/python3 contrib/step-7-fit-check.py
"""
import math

import torch

torch.set_num_threads(1)
checkpoints = [25, 100, 400, 1000, 2000]


def target(x):
    return 0.1 * torch.sin(4 * math.pi * x[:, 0] + 6 * math.pi * x[:, 1] ** 2)


def relu_mlp():
    layers = [torch.nn.Linear(2, 64), torch.nn.ReLU()]
    for _ in range(3):
        layers += [torch.nn.Linear(64, 64), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(64, 1))


class FourierFeatures(torch.nn.Module):
    def __init__(self, scale=2.0, features=64, width=64):
        super().__init__()
        self.register_buffer("b", scale * torch.randn(2, features))
        self.trunk = torch.nn.Sequential(
            torch.nn.Linear(2 * features, width), torch.nn.Tanh(),
            torch.nn.Linear(width, width), torch.nn.Tanh(),
            torch.nn.Linear(width, 1))

    def forward(self, x):
        phase = 2 * math.pi * x @ self.b
        return self.trunk(torch.cat([torch.cos(phase), torch.sin(phase)], 1))


def errors(make_network, lr, points=200):
    torch.manual_seed(1)
    network = make_network()
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, betas=(0.9, 0.99))
    validation = torch.rand(4000, 2)
    result = []
    for step in range(1, checkpoints[-1] + 1):
        x = torch.rand(points, 2)
        loss = ((network(x)[:, 0] - target(x)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in checkpoints:
            with torch.no_grad():
                g = target(validation)
                result.append(((network(validation)[:, 0] - g).norm() / g.norm()).item())
    return result


print("| network | lr | " + " | ".join(f"after {n}" for n in checkpoints) + " |")
print("|---|---|" + "---|" * len(checkpoints))
for name, make, lr in [("ReLU MLP 4 x 64", relu_mlp, 1e-2),
                       ("ReLU MLP 4 x 64", relu_mlp, 1e-3),
                       ("Fourier features (scale 2) + 2 x 64 tanh", FourierFeatures, 1e-3)]:
    print(f"| {name} | {lr:g} | " + " | ".join(f"{e:.3f}" for e in errors(make, lr)) + " |")
