"""Shared pieces of testdata/weights_golden.py and testdata/probs_golden.py:
float32 rounding of inputs, flattening, segloss's region loss on given
probabilities (with per-element weights, MONAI's soft_label form, a
zero denominator scoring 1), and the gzip writer of the golden files."""
import gzip
import json

import numpy as np
import torch


def f32(a):
    return np.asarray(a, np.float32).astype(np.float64)


def flat(a):
    return [float(v) for v in np.asarray(a, np.float64).ravel()]


def region_loss(p, y, w, o):
    """1 - the Region ratio of probabilities p against targets y (N x C x
    ...), weights w of p's shape, per class over the batch (or per image
    and class with per_image), mean over the entries. o holds the options:
    kind dice / iou / tversky (alpha, beta), smooth_nr, smooth_dr, squared,
    per_image, exclude_background, soft_label."""
    axes = list(range(2, p.dim()))
    if not o.get("per_image", False):
        axes = [0] + axes
    if o.get("exclude_background", False):
        p, y, w = p[:, 1:], y[:, 1:], w[:, 1:]
    sq = o.get("squared", False)
    I = (w * p * y).sum(axes)
    if o.get("soft_label", False):
        # MONAI's soft_label=True (compute_tp_fp_fn, ord 1, decoupled)
        I = ((w * p).sum(axes) + (w * y).sum(axes) - (w * (p - y).abs()).sum(axes)) / 2
    P = (w * p * p).sum(axes) if sq else (w * p).sum(axes)
    Y = (w * y * y).sum(axes) if sq else (w * y).sum(axes)
    sn, sd = o.get("smooth_nr", 0.0), o.get("smooth_dr", 0.0)
    kind = o["kind"]
    if kind == "dice":
        num, den = 2 * I + sn, P + Y + sd
    elif kind == "iou":
        num, den = I + sn, P + Y - I + sd
    elif kind == "tversky":
        a, b = o["alpha"], o["beta"]
        num, den = I + sn, I + a * (P - I) + b * (Y - I) + sd
    else:
        raise ValueError(kind)
    # a zero denominator scores 1 (segloss's Region); no NaN in the backward
    zero = den == 0
    r = torch.where(zero, torch.ones_like(den), num / torch.where(zero, torch.ones_like(den), den))
    return (1 - r).mean()


def write_cases(path, cases):
    """Writes {"torch": version, "cases": cases} to path, gzip with mtime 0."""
    out = {"torch": torch.__version__, "cases": cases}
    with open(path, "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(out).encode())
    print(f"{path}: {len(cases)} cases")
