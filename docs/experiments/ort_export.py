#!/usr/bin/env python3
"""Independent PyTorch rebuild of a SparseScope model file, checked against the CLI, exported to ONNX.

Documentation of how the ONNX Runtime comparison in README.md / docs/kernels.md was measured (issue
19). NOT a project dependency: nothing in the build or the tests runs it. It needs PyTorch and onnx
(Debian: `apt-get install python3-torch python3-onnx`, torch 1.13), run with the system python.

The model file is read with numpy alone, following docs/model-format.md (safetensors: an 8-byte
header length, a JSON header, the tensors; the architecture is the `sparsescope` metadata key). The
network is rebuilt from plain torch ops (no SparseScope code): Conv2d, inference batch norm,
MaxPool2d, ReLU, k-WTA (boosted values select, raw values pass), Flatten, Linear, LogSoftmax.

  python3 ort_export.py MODEL OUT.onnx --cli build/app/cli/sparsescope-cli [--check 8] [--engine reference]

--check N writes N random normal feature tensors (what `bench` feeds), runs `sparsescope-cli infer
MODEL x.npy --engine E` on each and reports the largest |difference| of the logits; the export is
refused when it exceeds --tol (1e-4). The ONNX file has a dynamic batch axis. 64 random inputs and
torch's logits for them go to OUT.x.bin / OUT.logits.bin (raw little-endian float32), which
ort_time.js compares with ONNX Runtime's before it times anything.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "U8": np.uint8, "BOOL": np.bool_}


def read_model(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    arch = json.loads(header["__metadata__"]["sparsescope"])
    data = blob[8 + n:]
    tensors = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        a = np.frombuffer(data[b:e], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors[name] = a.astype(np.float32)
    return arch, tensors


def k_of(L, n):
    # docs/model-format.md: k_inference, else nupic.torch's rule from percent_on and the factor
    if "k_inference" in L:
        return int(L["k_inference"])
    k = int(L["k"]) if "k" in L else int(round(n * L["percent_on"]))
    return int(round(k * L.get("k_inference_factor", 1.0)))


class Rebuilt(torch.nn.Module):
    """The layer list of a model file as torch ops, in list order."""

    def __init__(self, arch, t):
        super().__init__()
        self.arch = arch
        self.p = {}
        shape = list(arch["input_shape"])  # C, H, W
        self.plan = []
        for L in arch["layers"]:
            name, kind = L["name"], L["type"]
            g = lambda s: torch.from_numpy(t[name + "." + s].copy())
            if kind == "Conv2d":
                w = g("weight")
                if name + ".weight_mask" in t:
                    w = w * g("weight_mask")
                b = g("bias") if name + ".bias" in t else None
                s, pd = L.get("stride", 1), L.get("padding", 0)
                s = s[0] if isinstance(s, list) else s
                pd = pd[0] if isinstance(pd, list) else pd
                kh, kw = L["kernel_size"] if isinstance(L["kernel_size"], list) else [L["kernel_size"]] * 2
                self.plan.append(("conv", w, b, s, pd))
                shape = [L["out_channels"], (shape[1] + 2 * pd - kh) // s + 1, (shape[2] + 2 * pd - kw) // s + 1]
            elif kind == "Linear":
                w = g("weight")
                if name + ".weight_mask" in t:
                    w = w * g("weight_mask")
                b = g("bias") if name + ".bias" in t else None
                self.plan.append(("linear", w, b))
                shape = [L["out_features"]]
            elif kind in ("BatchNorm1d", "BatchNorm2d"):
                aff = L.get("affine", False)
                self.plan.append(("bn", g("running_mean"), g("running_var"), g("weight") if aff else None,
                                  g("bias") if aff else None, float(L.get("eps", 1e-5))))
            elif kind == "MaxPool2d":
                k = L["kernel_size"]
                s = L.get("stride", k)
                self.plan.append(("pool", k, s))
                shape = [shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1]
            elif kind == "ReLU":
                self.plan.append(("relu",))
            elif kind in ("KWinners", "KWinners2d"):
                local = kind == "KWinners2d" and L.get("local", False)
                if local:
                    raise SystemExit("local KWinners2d is not rebuilt here (the shipped models do not use it)")
                n = int(np.prod(shape))
                k = k_of(L, n)
                bs = float(L.get("boost_strength", 0.0))
                if bs > 0:
                    duty = torch.from_numpy(t[name + ".duty_cycles"].reshape(-1).copy())
                    boost = torch.exp((k / n - duty) * bs)
                    if kind == "KWinners2d":
                        boost = boost.reshape(-1, 1, 1).expand(shape[0], shape[1], shape[2]).reshape(-1)
                else:
                    boost = torch.ones(n)
                self.plan.append(("kwta", k, boost.contiguous()))
            elif kind == "Flatten":
                self.plan.append(("flatten",))
                shape = [int(np.prod(shape))]
            elif kind == "LogSoftmax":
                self.plan.append(("logsoftmax",))
            else:
                raise SystemExit(f"layer type {kind} not rebuilt")

    def forward(self, x):
        for st in self.plan:
            op = st[0]
            if op == "conv":
                x = F.conv2d(x, st[1], st[2], stride=st[3], padding=st[4])
            elif op == "linear":
                x = F.linear(x, st[1], st[2])
            elif op == "bn":
                mean, var, gamma, beta, eps = st[1:]
                sh = [1, -1] + [1] * (x.dim() - 2)
                x = (x - mean.reshape(sh)) / torch.sqrt(var.reshape(sh) + eps)
                if gamma is not None:
                    x = x * gamma.reshape(sh) + beta.reshape(sh)
            elif op == "pool":
                x = F.max_pool2d(x, st[1], st[2])
            elif op == "relu":
                x = F.relu(x)
            elif op == "kwta":
                k, boost = st[1], st[2]
                flat = x.reshape(x.shape[0], -1)
                boosted = flat * boost
                # the k-th largest boosted value; ties at it are vanishingly rare on float inputs
                thr = torch.topk(boosted, k, dim=1).values[:, k - 1:k]
                flat = torch.where(boosted >= thr, flat, torch.zeros_like(flat))
                x = flat.reshape(x.shape)
            elif op == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif op == "logsoftmax":
                x = F.log_softmax(x, dim=1)
        return x


def write_npy(path, a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (tuple(a.shape),)
    hdr = hdr + " " * (-(len(hdr) + 11) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + a.tobytes())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--cli", required=True)
    ap.add_argument("--check", type=int, default=8)
    ap.add_argument("--engine", default="reference")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    arch, t = read_model(a.model)
    net = Rebuilt(arch, t).eval()
    rng = np.random.default_rng(a.seed)
    C, H, W = arch["input_shape"]
    worst = 0.0
    agree = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(a.check):
            x = rng.standard_normal((1, C, H, W)).astype(np.float32)
            p = os.path.join(d, f"x{i}.npy")
            write_npy(p, x[0])
            out = subprocess.run([a.cli, "infer", a.model, p, "--engine", a.engine], check=True, capture_output=True, text=True)
            ours = np.array(json.loads(out.stdout)["logits"], dtype=np.float64)
            with torch.no_grad():
                theirs = net(torch.from_numpy(x)).numpy()[0].astype(np.float64)
            worst = max(worst, float(np.max(np.abs(ours - theirs))))
            agree += int(np.argmax(ours) == np.argmax(theirs))
    print(f"{arch['name']}: torch rebuild vs `infer --engine {a.engine}` on {a.check} random inputs: "
          f"max |logit difference| {worst:.2e}, same class on {agree}/{a.check}")
    if worst > a.tol:
        sys.exit(f"difference {worst:.2e} above --tol {a.tol}; not exported")
    x = torch.from_numpy(rng.standard_normal((64, C, H, W)).astype(np.float32))
    with torch.no_grad():
        ref = net(x).numpy()
    torch.onnx.export(net, x[:1], a.out, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    x.numpy().astype("<f4").tofile(a.out + ".x.bin")
    ref.astype("<f4").tofile(a.out + ".logits.bin")
    print(f"wrote {a.out} (opset 13, dynamic batch), {a.out}.x.bin and .logits.bin (64 inputs, torch's logits)")


if __name__ == "__main__":
    main()
