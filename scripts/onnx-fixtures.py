#!/usr/bin/python3
"""Reference fixtures for engine/onnx's tests, written by PyTorch and ONNX.

Run by `make onnx-fixtures` with Debian's Python (/usr/bin/python3: python3-torch,
python3-torchvision, python3-onnx, libonnx-testdata). Writes into OUT
(default .cache/onnx/):

  <arch>.onnx         torchvision's resnet18, densenet121, mobilenet_v2 and
                      efficientnet_b0: random init (fixed seed), BatchNorm affine
                      parameters and running statistics drawn away from 0/1, eval
                      mode, exported with opset 13 and a dynamic batch axis.
  <arch>.input.npy    a 1×3×224×224 float32 input (uniform [0,1] pixels, ImageNet
                      normalization).
  <arch>.logits.npy   the logits (float64, computed in float64 from the float32
                      weights, so the reference carries no float32 rounding).
  <arch>.grad.npy     ∂f_c/∂x for the top logit c, 1×3×224×224 float64.
  <arch>.json         {"class": c, ...}.
  smallcnn.*          a small conv net with max-pool (1×16×16 input, 3 classes),
                      a batch with masks and labels, and the weight gradients of
                      the mean cross-entropy and of the RRR and GradMask penalties
                      of METHODS.md by double backward (create_graph=True):
                      smallcnn.<term>.<initializer>.npy for term ce, rrr, gradmask.
  preproc.json        torchvision's preprocessing of a few pictures, for
                      engine/preproc's test: a list of cases, each naming a
                      picture preproc-<name>.png (RGB or grey, 8-bit), the
                      transform (crop: Resize(S) + CenterCrop((h, w)) with
                      S = round(h·256/224); stretch: Resize((h, w))), and its
                      results as C×h×w float32 .npy: "pil" (transforms on the
                      PIL image, then ToTensor), "tensor" (ToTensor, then the
                      transforms on the float tensor with antialias=True) and,
                      when present, "normalized" ("pil" after Normalize with
                      ImageNet's mean and std).
  node-summary.json   what onnx.load reads from every model of ONNX's backend node
                      tests and from the exports above: an independent account to
                      check engine/onnx/onnxpb's decoder against.

Idempotent: the same seed gives the same files. Usage:
  onnx-fixtures.py [OUT [classifiers] [smallcnn] [preproc] [summary]]   (default: all four)
"""
import json
import os
import sys

import numpy as np
import onnx
import PIL
import PIL.Image
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms.functional as TF

OUT = sys.argv[1] if len(sys.argv) > 1 else ".cache/onnx"
NODE_TESTS = "/usr/lib/python3/dist-packages/onnx/backend/test/data/node"
ARCHS = ["resnet18", "densenet121", "mobilenet_v2", "efficientnet_b0"]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def export(model, x, path):
    torch.onnx.export(model, x, path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def randomize_batchnorm(model, seed):
    """Affine parameters away from 1/0, then running statistics measured on
    random images (so activations stay in range through a deep random net)
    and jittered, so no mean is 0 and no variance 1."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(0.6 + 0.8 * torch.rand(bn.weight.shape, generator=g))
            bn.bias.copy_(0.2 * torch.randn(bn.bias.shape, generator=g))
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(2):
            model(normalized(torch.rand(4, 3, 224, 224, generator=g)))
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(bn.running_mean.shape, generator=g))
            bn.running_var.mul_(0.8 + 0.4 * torch.rand(bn.running_var.shape, generator=g))
    model.eval()


def normalized(x):
    mean = torch.tensor(IMAGENET_MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


def classifiers():
    for i, arch in enumerate(ARCHS):
        torch.manual_seed(1000 + i)
        model = getattr(torchvision.models, arch)(weights=None)
        randomize_batchnorm(model, 2000 + i)
        x = normalized(torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(3000 + i))).float()
        export(model, x, os.path.join(OUT, arch + ".onnx"))
        # The reference in float64 from the same float32 weights.
        m64 = model.double()
        x64 = x.double().requires_grad_(True)
        logits = m64(x64)
        c = int(logits[0].argmax())
        (grad,) = torch.autograd.grad(logits[0, c], x64)
        # How well-posed a float32 comparison of this gradient is: PyTorch's own
        # float32 gradient against the float64 one, and the float64 gradient at
        # an input perturbed by 1e-6 relative (about float32's rounding). With
        # ReLU, ReLU6 and max-pool the gradient is piecewise constant, and
        # roundings of that size move some units across a kink.
        model.float()
        x32 = x.clone().requires_grad_(True)
        (g32,) = torch.autograd.grad(model(x32)[0, c], x32)
        m64 = model.double()
        xp = (x.double() * (1 + 1e-6 * torch.randn(x.shape, generator=torch.Generator().manual_seed(5000 + i)))).requires_grad_(True)
        (gp,) = torch.autograd.grad(m64(xp)[0, c], xp)
        scale = float(grad.abs().max())
        np.save(os.path.join(OUT, arch + ".input.npy"), x.numpy())
        np.save(os.path.join(OUT, arch + ".logits.npy"), logits.detach().numpy())
        np.save(os.path.join(OUT, arch + ".grad.npy"), grad.numpy())
        info = {"class": c, "torch": torch.__version__, "torchvision": torchvision.__version__,
                "logit_range": [float(logits.min()), float(logits.max())],
                "torch_float32_grad_rel": float((g32.double() - grad).abs().max()) / scale,
                "grad_rel_at_1e-6_perturbed_input": float((gp - grad).abs().max()) / scale}
        with open(os.path.join(OUT, arch + ".json"), "w") as f:
            json.dump(info, f, indent=1)
        print(f"{arch}: class {c}, logits in [{info['logit_range'][0]:.3g}, {info['logit_range'][1]:.3g}], "
              f"gradient: PyTorch float32 within {info['torch_float32_grad_rel']:.2g} of float64, "
              f"float64 moves {info['grad_rel_at_1e-6_perturbed_input']:.2g} at a 1e-6 perturbed input")


class SmallCNN(nn.Sequential):
    def __init__(self):
        super().__init__(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(8 * 4 * 4, 3))


def small_cnn():
    """RRR and GradMask (METHODS.md) weight gradients by double backward."""
    torch.manual_seed(4000)
    model = SmallCNN().eval()
    with torch.no_grad():  # spread the logits: at near-equal logits RRR's g vanishes
        for layer, scale in [(model[0], 3.0), (model[3], 3.0), (model[7], 8.0)]:
            layer.weight.mul_(scale)
    n, k, h, w = 4, 3, 16, 16
    g = torch.Generator().manual_seed(4001)
    x = torch.rand(n, 1, h, w, generator=g)
    masks = torch.zeros(n, h, w)
    for b in range(n):  # a rectangle per image
        r, c = 2 + b, 3 + 2 * b
        masks[b, r:r + 7, c:c + 6] = 1
    labels = torch.tensor([0, 1, 2, 1])
    export(model, x, os.path.join(OUT, "smallcnn.onnx"))
    names = [init.name for init in onnx.load(os.path.join(OUT, "smallcnn.onnx")).graph.initializer]
    params = dict(model.named_parameters())
    missing = set(params) - set(names)
    assert not missing, f"parameters without an ONNX initializer of the same name: {missing}"

    m64 = model.double()
    plist = [params[p] for p in names]
    x64 = x.double()
    outside = (1 - masks.double()).unsqueeze(1)  # O = 1 − M, broadcast over channels

    def logits_and_input():
        xi = x64.clone().requires_grad_(True)
        return m64(xi), xi

    terms = {}
    # Mean cross-entropy.
    f, _ = logits_and_input()
    ce = F.cross_entropy(f, labels)
    terms["ce"] = (float(ce), torch.autograd.grad(ce, plist))
    # RRR: g = ∂/∂x Σ_b Σ_k log p_bk; P = Σ (g ⊙ O)².
    f, xi = logits_and_input()
    s = F.log_softmax(f, dim=1).sum()
    (gx,) = torch.autograd.grad(s, xi, create_graph=True)
    p = ((gx * outside) ** 2).sum()
    terms["rrr"] = (float(p), torch.autograd.grad(p, plist))
    # GradMask: g = ∂/∂x Σ_b |f_t − f_o| (o: the strongest other class); P = Σ |g ⊙ O|.
    f, xi = logits_and_input()
    other = f.detach().clone()
    other[torch.arange(n), labels] = -float("inf")
    o = other.argmax(dim=1)
    contrast = (f[torch.arange(n), labels] - f[torch.arange(n), o]).abs().sum()
    (gx,) = torch.autograd.grad(contrast, xi, create_graph=True)
    p = (gx * outside).abs().sum()
    terms["gradmask"] = (float(p), torch.autograd.grad(p, plist))

    np.save(os.path.join(OUT, "smallcnn.x.npy"), x.numpy())
    np.save(os.path.join(OUT, "smallcnn.masks.npy"), masks.numpy())
    np.save(os.path.join(OUT, "smallcnn.labels.npy"), labels.numpy())
    np.save(os.path.join(OUT, "smallcnn.logits.npy"), m64(x64).detach().numpy())
    for term, (_, grads) in terms.items():
        for name, gr in zip(names, grads):
            np.save(os.path.join(OUT, f"smallcnn.{term}.{name}.npy"), gr.numpy())
    info = {"params": names, "values": {t: v for t, (v, _) in terms.items()}, "torch": torch.__version__}
    with open(os.path.join(OUT, "smallcnn.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    print("smallcnn:", {t: round(v, 6) for t, (v, _) in terms.items()})


def picture(w, h, grey, seed):
    """An 8-bit picture with what resampling filters treat differently:
    smooth gradients, a sinusoid, sharp-edged blocks and pixel noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(1 if grey else 3):
        v = 0.35 * x / w + 0.25 * (1 - y / h) + 0.15 * np.sin((x * (0.21 + 0.05 * c) + y * 0.13) + c)
        for _ in range(6):  # blocks with sharp edges
            x0, y0 = rng.integers(0, w - 4), rng.integers(0, h - 4)
            v[y0:y0 + rng.integers(3, h // 3), x0:x0 + rng.integers(3, w // 3)] += rng.uniform(-0.4, 0.4)
        v += rng.normal(0, 0.08, v.shape)
        planes.append(np.clip(np.round(255 * (v + 0.2)), 0, 255).astype(np.uint8))
    if grey:
        return PIL.Image.fromarray(planes[0], "L")
    return PIL.Image.fromarray(np.stack(planes, axis=-1), "RGB")


def preprocessing():
    """torchvision's Resize (+ CenterCrop) of a few pictures, on PIL images
    and on tensors: the reference of engine/preproc's Spec.Image."""
    from torchvision import transforms as T
    pictures = {"colour": picture(300, 217, False, 6000),   # downscale one side, upscale the other
                "grey": picture(181, 263, True, 6001),      # portrait, 1 channel
                "small": picture(97, 61, False, 6002)}      # upscaling
    for name, im in pictures.items():
        im.save(os.path.join(OUT, f"preproc-{name}.png"))
    cases = [("colour", "crop", 224, 224), ("colour", "stretch", 224, 224),
             ("grey", "crop", 224, 224), ("grey", "stretch", 224, 224),
             ("grey", "crop", 64, 48),  # S = 73, left offset round(12.5) = 12
             ("colour", "stretch", 40, 72),
             ("small", "crop", 224, 224), ("small", "stretch", 224, 224)]
    manifest = []
    for name, mode, h, w in cases:
        if mode == "crop":
            S = int(round(h * 256 / 224))
            tf = [T.Resize(S), T.CenterCrop((h, w))]
        else:
            tf = [T.Resize((h, w))]
        im = pictures[name]
        pil = T.ToTensor()(T.Compose(tf)(im))
        x = T.ToTensor()(im)
        for t in tf:
            x = TF.resize(x, t.size, antialias=True) if isinstance(t, T.Resize) else t(x)
        stem = f"preproc-{name}.{mode}{h}x{w}"
        case = {"picture": f"preproc-{name}.png", "resize": mode, "h": h, "w": w,
                "pil": stem + ".pil.npy", "tensor": stem + ".tensor.npy",
                "pil_tensor_max_diff": float((pil - x).abs().max())}
        np.save(os.path.join(OUT, case["pil"]), pil.numpy())
        np.save(os.path.join(OUT, case["tensor"]), x.numpy())
        if name == "colour" and mode == "crop":
            case["normalized"] = stem + ".normalized.npy"
            np.save(os.path.join(OUT, case["normalized"]), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)(pil).numpy())
        manifest.append(case)
        print(f"{stem}: {tuple(pil.shape)}, PIL and tensor paths differ by {case['pil_tensor_max_diff']:.3g}")
    with open(os.path.join(OUT, "preproc.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "PIL": PIL.__version__, "cases": manifest}, f, indent=1)


def fstr(v):
    return repr(float(v))


def tensor_summary(t):
    a = numpy_helper.to_array(t)
    s = {"name": t.name, "dims": list(t.dims), "data_type": t.data_type}
    if a.dtype.kind in "fiu":
        flat = a.reshape(-1)
        s["n"] = int(flat.size)
        s["head"] = [fstr(v) for v in flat[:8]]
        fin = flat[np.isfinite(flat)] if a.dtype.kind == "f" else flat
        s["sum"] = fstr(np.sum(fin.astype(np.float64)))
    return s


def attr_summary(a):
    s = {"name": a.name, "type": a.type}
    if a.type == onnx.AttributeProto.FLOAT:
        s["f"] = fstr(a.f)
    elif a.type == onnx.AttributeProto.INT:
        s["i"] = a.i
    elif a.type == onnx.AttributeProto.STRING:
        s["s"] = a.s.hex()
    elif a.type == onnx.AttributeProto.FLOATS:
        s["floats"] = [fstr(v) for v in a.floats]
    elif a.type == onnx.AttributeProto.INTS:
        s["ints"] = list(a.ints)
    elif a.type == onnx.AttributeProto.STRINGS:
        s["strings"] = [v.hex() for v in a.strings]
    elif a.type == onnx.AttributeProto.TENSOR:
        s["t"] = summary_or_error(tensor_summary, a.t)
    elif a.type == onnx.AttributeProto.TENSORS:
        s["tensors"] = [summary_or_error(tensor_summary, t) for t in a.tensors]
    return s


def summary_or_error(f, x):
    try:
        return f(x)
    except (TypeError, ValueError, KeyError) as e:  # a type numpy_helper cannot convert
        return {"error": str(e)}


def value_info_summary(v):
    s = {"name": v.name, "tensor": v.type.HasField("tensor_type")}
    if s["tensor"]:
        tt = v.type.tensor_type
        s["elem_type"] = tt.elem_type
        if tt.HasField("shape"):
            s["shape"] = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in tt.shape.dim]
    return s


def model_summary(path):
    m = onnx.load(path)
    g = m.graph
    return {
        "ir_version": m.ir_version,
        "opset_import": [[o.domain, o.version] for o in m.opset_import],
        "producer_name": m.producer_name,
        "metadata_props": [[p.key, p.value] for p in m.metadata_props],
        "nodes": [{"op_type": n.op_type, "name": n.name, "domain": n.domain,
                   "inputs": list(n.input), "outputs": list(n.output),
                   "attributes": [attr_summary(a) for a in n.attribute]} for n in g.node],
        "initializers": [summary_or_error(tensor_summary, t) for t in g.initializer],
        "inputs": [value_info_summary(v) for v in g.input],
        "outputs": [value_info_summary(v) for v in g.output],
    }


def node_summary():
    out = {}
    for name in sorted(os.listdir(NODE_TESTS)):
        p = os.path.join(NODE_TESTS, name, "model.onnx")
        if os.path.exists(p):
            out["node/" + name] = model_summary(p)
    for arch in ARCHS + ["smallcnn"]:
        out[arch] = model_summary(os.path.join(OUT, arch + ".onnx"))
    with open(os.path.join(OUT, "node-summary.json"), "w") as f:
        json.dump(out, f)
    print(f"node-summary.json: {len(out)} models")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    parts = sys.argv[2:] or ["classifiers", "smallcnn", "preproc", "summary"]
    if "classifiers" in parts:
        classifiers()
    if "smallcnn" in parts:
        small_cnn()
    if "preproc" in parts:
        preprocessing()
    if "summary" in parts:  # last: node-summary.json is make's target
        node_summary()


if __name__ == "__main__":
    main()
