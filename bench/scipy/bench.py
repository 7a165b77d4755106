#!/usr/bin/env python3
"""scipy side of `go run ./bench -suite distance`: each operation the way a
scipy/MONAI user computes it, on the same data, timed (the median of
"count" runs after none: these take seconds), its output written for the Go
side to compare.

Input (stdin), JSON: {"count": K, "rows": [{"op", "shape", "spacing",
"inputs": [paths], "out": path}, ...]}; inputs are raw row-major uint8
masks (int32 for instances, labels as uint8).
Output (stdout), JSON: {"scipy": version, "rows": [{"op", "ms", "value"}]}:
array outputs are written to "out" as raw float32, scalars in "value".
"""

import json
import os
import statistics
import sys
import time

import numpy as np
import scipy
from scipy import ndimage as nd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
from distance_ref import mask_edges, monai_distance_field, one_hot2dist, unet_weight_map  # noqa: E402


def edt(mask, spacing):
    return nd.distance_transform_edt(mask != 0, sampling=spacing)


def surface_distances(pred, ref, spacing):
    """MONAI's get_mask_edges (cropped to the masks' box) and
    get_surface_distance both ways."""
    both = pred | ref
    idx = np.nonzero(both)
    box = tuple(slice(i.min(), i.max() + 1) for i in idx)
    p, r = pred[box], ref[box]
    ep, er = mask_edges(p), mask_edges(r)
    d1 = nd.distance_transform_edt(~er, sampling=spacing)[ep]
    d2 = nd.distance_transform_edt(~ep, sampling=spacing)[er]
    return d1, d2


def hd95(pred, ref, spacing):
    d1, d2 = surface_distances(pred, ref, spacing)
    return max(np.percentile(d1, 95), np.percentile(d2, 95))


def nsd(pred, ref, spacing, tau=1.0):
    d1, d2 = surface_distances(pred, ref, spacing)
    return ((d1 <= tau).sum() + (d2 <= tau).sum()) / (d1.size + d2.size)


def boundary(x, labels, phi):
    """Kervadec's SurfaceLoss forward+backward in torch (phi precomputed,
    as in their training loop); returns the loss."""
    import torch
    xt = torch.tensor(x, requires_grad=True)
    probs = torch.softmax(xt, 1)
    loss = torch.einsum("bkwh,bkwh->bkwh", probs[:, 1:], phi[:, 1:]).mean()
    loss.backward()
    return loss.item()


def hausdorff_dt(x, labels):
    """MONAI's HausdorffDTLoss(softmax=True, to_onehot_y=True,
    include_background=False) forward+backward, its CPU path (scipy)."""
    import torch
    xt = torch.tensor(x, requires_grad=True)
    C = x.shape[1]
    inp = torch.softmax(xt, 1)[:, 1:]
    tgt = torch.nn.functional.one_hot(torch.tensor(labels, dtype=torch.int64), C).movedim(-1, 1).float()[:, 1:]
    fs = []
    for i in range(inp.shape[1]):
        ci, ct = inp[:, [i]], tgt[:, [i]]
        pd = torch.from_numpy(monai_distance_field(ci.detach().numpy())).float()
        td = torch.from_numpy(monai_distance_field(ct.numpy())).float()
        fs.append(((ci - ct) ** 2 * (pd ** 2 + td ** 2)).mean(dim=list(range(2, inp.dim())), keepdim=True))
    loss = torch.cat(fs, 1).mean()
    loss.backward()
    return loss.item()


def main():
    req = json.load(sys.stdin)
    out = []
    for row in req["rows"]:
        shape, spacing, op = tuple(row["shape"]), row["spacing"], row["op"]
        print(f"scipy {op} {'x'.join(map(str, shape))}", file=sys.stderr, flush=True)
        if op in ("boundary", "hausdorff-dt"):
            import torch
            torch.set_num_threads(1)
            n, c = row["n"], row["classes"]
            x = np.fromfile(row["inputs"][0], np.float32).reshape((n, c) + shape)
            lab = np.fromfile(row["inputs"][1], np.uint8).reshape((n,) + shape)
            if op == "boundary":
                phi = torch.from_numpy(np.stack([one_hot2dist(l, c, None) for l in lab]).astype(np.float32))
                f = lambda: boundary(x, lab, phi)
            else:
                f = lambda: hausdorff_dt(x, lab)
        elif op == "weight-map":
            a = np.fromfile(row["inputs"][0], np.int32).reshape(shape)
            f = lambda: unet_weight_map(a, sampling=spacing)
        else:
            ins = [np.fromfile(p, np.uint8).reshape(shape) for p in row["inputs"]]
            if op == "edt":
                f = lambda: edt(ins[0], spacing)
            elif op == "sdf":
                f = lambda: one_hot2dist(ins[0], row["classes"], spacing)
            elif op == "hd95":
                f = lambda: hd95(ins[0] != 0, ins[1] != 0, spacing)
            elif op == "nsd":
                f = lambda: nsd(ins[0] != 0, ins[1] != 0, spacing)
            else:
                raise ValueError(op)
        times = []
        for _ in range(req["count"]):
            t0 = time.perf_counter()
            v = f()
            times.append((time.perf_counter() - t0) * 1e3)
        r = {"op": op, "ms": statistics.median(times)}
        if np.ndim(v) == 0:
            r["value"] = float(v)
        else:
            np.asarray(v, np.float32).tofile(row["out"])
        out.append(r)
    print(json.dumps({"scipy": scipy.__version__, "rows": out}))


if __name__ == "__main__":
    main()
