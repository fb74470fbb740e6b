#!/usr/bin/python3
"""PyTorch references for Integrated Gradients on the ResNet-18 fixture.

Rebuilds torchvision's resnet18 exactly as onnx-fixtures.py does (same seeds,
so the same weights as .cache/onnx/resnet18.onnx; checked against the saved
logits) and writes, for its input x, the zero baseline x' = 0 and the top
class c of resnet18.json:

  resnet18.ig<m>.f64.npy   Integrated Gradients with m midpoint steps,
                           (x − x') ⊙ (1/m) Σ_k ∂f_c/∂x(x' + (k+½)/m (x − x')),
                           computed in float64 from the float32 weights
  resnet18.ig32.f32.npy    the same with 32 steps in float32
  resnet18.ig.json         f_c(x) and f_c(x') in float64, for completeness

Run with Debian's Python (python3-torch, python3-torchvision), after
`make onnx-fixtures`. engine/onnx's TestIGErrorReport (SE_IG_REPORT=1)
compares the engine's maps with these. Usage:
  onnx-ig-reference.py [DIR [m ...]]   (default .cache/onnx, m = 32 64 128)
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch
import torchvision

DIR = sys.argv[1] if len(sys.argv) > 1 else ".cache/onnx"
STEPS = [int(s) for s in sys.argv[2:]] or [32, 64, 128]
BATCH = 8

spec = importlib.util.spec_from_file_location(
    "fixtures", os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx-fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)


def resnet18():
    """The fixture's model and input (onnx-fixtures.py, classifiers(), i = 0)."""
    i = fixtures.ARCHS.index("resnet18")
    torch.manual_seed(1000 + i)
    model = torchvision.models.resnet18(weights=None)
    fixtures.randomize_batchnorm(model, 2000 + i)
    x = fixtures.normalized(torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(3000 + i))).float()
    return model, x


def integrated(model, x, c, m, dtype):
    model = model.to(dtype)
    x = x.to(dtype)
    total = torch.zeros_like(x)
    alphas = [(k + 0.5) / m for k in range(m)]
    for s in range(0, m, BATCH):
        a = torch.tensor(alphas[s:s + BATCH], dtype=dtype).view(-1, 1, 1, 1)
        xs = (a * x).requires_grad_(True)
        (g,) = torch.autograd.grad(model(xs)[:, c].sum(), xs)
        total += g.sum(dim=0, keepdim=True)
    return (x * total / m).detach()


def main():
    torch.set_num_threads(1)
    model, x = resnet18()
    with open(os.path.join(DIR, "resnet18.json")) as f:
        c = json.load(f)["class"]
    saved = np.load(os.path.join(DIR, "resnet18.input.npy"))
    assert np.array_equal(saved, x.numpy()), "input differs from the fixture's"
    m64 = model.double()
    with torch.no_grad():
        fx = m64(x.double())
        f0 = m64(torch.zeros_like(x, dtype=torch.float64))
    want = np.load(os.path.join(DIR, "resnet18.logits.npy"))
    assert np.abs(fx.numpy() - want).max() < 1e-9, "weights differ from the fixture's"
    info = {"class": c, "f_x": float(fx[0, c]), "f_baseline": float(f0[0, c])}
    for m in STEPS:
        ig = integrated(model, x, c, m, torch.float64)
        np.save(os.path.join(DIR, f"resnet18.ig{m}.f64.npy"), ig.numpy())
        print(f"IG({m}) float64: sum {float(ig.sum()):.6g}, f(x) − f(x') {info['f_x'] - info['f_baseline']:.6g}", flush=True)
    ig = integrated(model, x, c, 32, torch.float32)
    np.save(os.path.join(DIR, "resnet18.ig32.f32.npy"), ig.numpy())
    print(f"IG(32) float32: sum {float(ig.double().sum()):.6g}", flush=True)
    with open(os.path.join(DIR, "resnet18.ig.json"), "w") as f:
        json.dump(info, f, indent=1)


if __name__ == "__main__":
    main()
