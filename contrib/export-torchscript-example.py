#!/usr/bin/env python3
"""Export a small PyTorch module as TorchScript for neuhom's ScriptedNetwork.

Usage: contrib/export-torchscript-example.py [output.pt]

Writes a 2 -> 8 -> 8 -> 1 tanh network in float64 with a hard boundary factor
x0 (1 - x0) (torch.jit.script keeps the Python control flow) and prints its
outputs at a few points; tests/nn/networks.cc loads the committed
tests/nn/torchscript-example.pt and checks these values.
"""
import sys

import torch


class Example(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2, 8), torch.nn.Tanh(),
            torch.nn.Linear(8, 8), torch.nn.Tanh(),
            torch.nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0:1] * (1 - x[:, 0:1]) * self.net(x)


def main():
    output = sys.argv[1] if len(sys.argv) > 1 else "torchscript-example.pt"
    torch.manual_seed(4)
    module = torch.jit.script(Example().double())
    module.save(output)
    points = torch.tensor([[0.0, 0.5], [0.25, 0.75], [0.5, 0.5], [0.9, 0.1]],
                          dtype=torch.float64)
    with torch.no_grad():
        values = module(points)
    print(f"torch {torch.__version__}, saved {output}")
    for p, v in zip(points.tolist(), values[:, 0].tolist()):
        print(f"u({p[0]:.2f}, {p[1]:.2f}) = {v:.15e}")


if __name__ == "__main__":
    main()
