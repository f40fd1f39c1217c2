#!/usr/bin/env python3
"""Export the trainer's loss functions as TorchScript modules.

Run from the repository root with Debian's PyTorch (python3-torch, 1.13):

    /usr/bin/python3 runtime/scripts/export_losses.py [OUTPUT_DIR]

OUTPUT_DIR defaults to
runtime/src/main/resources/org/modelserver/runtime/train/torch/losses/. Each
``<loss>.pt`` there holds a module without parameters whose ``forward(p, t)``
is PyTorch's own function for the loss, with mean reduction: one fused
operator and one autograd node per step instead of a chain of elementwise
ops, each a call from Java into libtorch. FineTuner loads the module of a
job's loss once and calls it with gradients. The values are PyTorch's by
construction: binary_cross_entropy clamps its log terms at -100, and its
gradient divides by max(p (1 - p), 1e-12), as torch.nn.BCELoss does.

The names are the settings' names (LossFunction.configName()). The script
checks every saved module, loaded back, against torch.nn's loss class.
"""

import os
import sys

import torch


class Mse(torch.nn.Module):
    def forward(self, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch._C._nn.mse_loss(p, t)


class L1(torch.nn.Module):
    def forward(self, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch._C._nn.l1_loss(p, t)


class Bce(torch.nn.Module):
    def forward(self, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch._C._nn.binary_cross_entropy(p, t)


class BceWithLogits(torch.nn.Module):
    def forward(self, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch.binary_cross_entropy_with_logits(p, t, None, None, 1)


class CrossEntropy(torch.nn.Module):
    """Targets are one-hot rows (the trainer builds them from class indices)."""

    def forward(self, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch._C._nn.cross_entropy_loss(p, t, None, 1, -100, 0.0)


LOSSES = {
    "mse": (Mse, torch.nn.MSELoss),
    "l1": (L1, torch.nn.L1Loss),
    "bce": (Bce, torch.nn.BCELoss),
    "bce_with_logits": (BceWithLogits, torch.nn.BCEWithLogitsLoss),
    "cross_entropy": (CrossEntropy, torch.nn.CrossEntropyLoss),
}


def check(name, module, reference):
    generator = torch.Generator().manual_seed(7)
    if name == "bce":
        p = torch.rand(16, 3, generator=generator)
        p[0, 0], p[1, 1] = 0.0, 1.0
        t = (torch.rand(16, 3, generator=generator) > 0.5).float()
    elif name == "cross_entropy":
        p = torch.randn(16, 3, generator=generator)
        t = torch.nn.functional.one_hot(torch.arange(16) % 3, 3).float()
    else:
        p = torch.randn(16, 3, generator=generator)
        t = torch.rand(16, 3, generator=generator)
    p1 = p.clone().requires_grad_(True)
    p2 = p.clone().requires_grad_(True)
    ours = module(p1, t)
    theirs = reference()(p2, t)
    ours.backward()
    theirs.backward()
    if not torch.equal(ours, theirs) or not torch.equal(p1.grad, p2.grad):
        raise SystemExit(f"{name}: the saved module differs from torch.nn")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(
        here, "..", "src", "main", "resources", "org", "modelserver", "runtime", "train", "torch",
        "losses")
    out = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else default)
    os.makedirs(out, exist_ok=True)
    for name, (module, reference) in LOSSES.items():
        path = os.path.join(out, name + ".pt")
        torch.jit.script(module()).save(path)
        check(name, torch.jit.load(path), reference)
        print("wrote", path)


if __name__ == "__main__":
    main()
