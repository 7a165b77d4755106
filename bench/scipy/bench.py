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
import statistics
import sys
import time

import numpy as np
import scipy
from scipy import ndimage as nd


def edt(mask, spacing):
    return nd.distance_transform_edt(mask != 0, sampling=spacing)


def sdf(labels, spacing, classes):
    """Kervadec's one_hot2dist on the one-hot of integer labels."""
    res = np.zeros((classes,) + labels.shape)
    for k in range(classes):
        pos = labels == k
        if pos.any() and not pos.all():
            neg = ~pos
            res[k] = nd.distance_transform_edt(neg, sampling=spacing) * neg \
                - (nd.distance_transform_edt(pos, sampling=spacing) - 1) * pos
    return res


def weight_map(inst, spacing, w0=10.0, sigma=5.0):
    """The widely used port of U-Net's eq. 2: an EDT per instance over the
    whole image, sorted; border term on background; balanced w_c."""
    ids = [i for i in np.unique(inst) if i != 0]
    w = np.zeros(inst.shape)
    if len(ids) >= 2:
        d = np.stack([nd.distance_transform_edt(inst != i, sampling=spacing) for i in ids], -1)
        d.sort(-1)
        w = w0 * np.exp(-((d[..., 0] + d[..., 1]) ** 2) / (2 * sigma ** 2)) * (inst == 0)
    fg = inst != 0
    n = inst.size
    return w + np.where(fg, n / (2 * fg.sum()), n / (2 * (n - fg.sum())))


def surface_distances(pred, ref, spacing):
    """MONAI's get_mask_edges (cropped to the masks' box) and
    get_surface_distance both ways."""
    both = pred | ref
    idx = np.nonzero(both)
    box = tuple(slice(i.min(), i.max() + 1) for i in idx)
    p, r = pred[box], ref[box]
    ep, er = p ^ nd.binary_erosion(p), r ^ nd.binary_erosion(r)
    d1 = nd.distance_transform_edt(~er, sampling=spacing)[ep]
    d2 = nd.distance_transform_edt(~ep, sampling=spacing)[er]
    return d1, d2


def hd95(pred, ref, spacing):
    d1, d2 = surface_distances(pred, ref, spacing)
    return max(np.percentile(d1, 95), np.percentile(d2, 95))


def nsd(pred, ref, spacing, tau=1.0):
    d1, d2 = surface_distances(pred, ref, spacing)
    return ((d1 <= tau).sum() + (d2 <= tau).sum()) / (d1.size + d2.size)


def main():
    req = json.load(sys.stdin)
    out = []
    for row in req["rows"]:
        shape, spacing, op = tuple(row["shape"]), row["spacing"], row["op"]
        print(f"scipy {op} {'x'.join(map(str, shape))}", file=sys.stderr, flush=True)
        if op == "weight-map":
            a = np.fromfile(row["inputs"][0], np.int32).reshape(shape)
            f = lambda: weight_map(a, spacing)
        else:
            ins = [np.fromfile(p, np.uint8).reshape(shape) for p in row["inputs"]]
            if op == "edt":
                f = lambda: edt(ins[0], spacing)
            elif op == "sdf":
                f = lambda: sdf(ins[0], spacing, row["classes"])
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
