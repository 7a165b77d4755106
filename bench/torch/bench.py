#!/usr/bin/env python3
"""PyTorch side of `go run ./bench -torch`: each loss computed the way a
PyTorch user computes it (the chapter's reference classes and torch's own
functions), forward and forward+backward, timed fairly: float32 logits,
int64 targets, the requested thread count, a warm-up (unless the row says
none), the median of runs, backward() included; and the peak resident-set
growth of each call (its VmHWM reset through /proc/self/clear_refs after a
malloc_trim, minus its VmRSS before the call: what the call adds beyond
the inputs it holds; x.grad, set to None before each call, is included).

Input (stdin), JSON: {"threads": T, "rows": [{"loss": name, "N": n, "C": c,
"spatial": [...], "count": K, "warmup": bool, "backward": bool}, ...]}
(backward false: forward only).
Output (stdout), JSON: {"torch": version, "threads": T, "rows": [{"loss",
"shape", "forward_ms", "backward_ms", "forward_mb", "backward_mb", "value"}
| {"loss", "error"}]}: milliseconds, MB of 1e6 bytes, null when not
measured.
"""

import ctypes
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


# --- the chapter's reference classes, as its readers use them --------------
# (copied verbatim once, in testdata/golden.py, which checks them against the
# general formulations; importing it has no side effects)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
from golden import CombinedLoss, DiceLoss, FocalLoss, MultiClassDiceLoss  # noqa: E402
from peers_ref import gdl, lovasz_hinge, lovasz_softmax, mcc  # noqa: E402


# --- region losses the way MONAI/SMP write them ------------------------------

def region_stats(x, y, per_image=False):
    """Soft sums I, P, Y per class (batch) or per image and class."""
    p = F.softmax(x, dim=1)
    onehot = F.one_hot(y, x.shape[1]).movedim(-1, 1).to(p.dtype)
    dims = tuple(range(2, x.dim())) if per_image else (0,) + tuple(range(2, x.dim()))
    return (p * onehot).sum(dims), p.sum(dims), onehot.sum(dims)


def tversky(x, y, a, b, gamma=1.0, s=1e-6):
    i, p, t = region_stats(x, y)
    ti = (i + s) / (i + a * (p - i) + b * (t - i) + s)
    return ((1 - ti) ** gamma).mean()


def iou(x, y, s=1e-6):
    i, p, t = region_stats(x, y)
    return (1 - (i + s) / (p + t - i + s)).mean()


def dice_per_image_nobg(x, y, s=1e-6):
    i, p, t = region_stats(x, y, per_image=True)
    return (1 - (2 * i + s) / (p + t + s))[:, 1:].mean()


def sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t) ** gamma)
    loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss.mean()


def masked_dice(p, t, m, s=1e-6):
    """MONAI's MaskedDiceLoss after activation: mask input and target, then
    the batch Dice per class (segloss's Dice(): smoothing 1e-6), mean."""
    m = m.unsqueeze(1)
    p, t = p * m, t * m
    axes = [0] + list(range(2, p.dim()))
    i = (p * t).sum(axes)
    return (1 - (2 * i + s) / (p.sum(axes) + t.sum(axes) + s)).mean()


def soft_dice(x, t, s=1e-6):
    """MONAI's DiceLoss(sigmoid=True, soft_label=True) over the batch: tp =
    (sum p + sum t - sum |p - t|) / 2, 1 - (2 tp + s) / (sum p + sum t + s)."""
    p = torch.sigmoid(x)
    P, T, D = p.sum(), t.sum(), (p - t).abs().sum()
    return 1 - (P + T - D + s) / (P + T + s)


def soft_multiclass_dice(x, y, s=1e-6):
    """segloss's Dice() of softmax(x) against probability targets y: per
    class over the batch, smoothing 1e-6, mean over the classes."""
    p = F.softmax(x, 1)
    axes = [0] + list(range(2, p.dim()))
    i = (p * y).sum(axes)
    return (1 - (2 * i + s) / (p.sum(axes) + y.sum(axes) + s)).mean()


def probs_multiclass_dice(p, y, s=1e-6):
    """segloss's Dice() of probabilities p against class-index labels y
    (MONAI's DiceLoss(softmax=False, to_onehot_y=True) with batch=True):
    per class over the batch, smoothing 1e-6, mean over the classes."""
    t = F.one_hot(y, p.shape[1]).movedim(-1, 1).float()
    axes = [0] + list(range(2, p.dim()))
    i = (p * t).sum(axes)
    return (1 - (2 * i + s) / (p.sum(axes) + t.sum(axes) + s)).mean()


def make_loss(name, C, labels):
    """Returns (f(x, target), binary?) for a loss name of `go run ./bench`."""
    counts = torch.bincount(labels.view(-1), minlength=C).double()
    w = (labels.numel() / (C * counts.clamp(min=1))).float()
    dice = MultiClassDiceLoss(C)
    # bench/workload.go's maps: 1 + 9*[label = 1]; every other image row
    pixw = 1 + 9 * (labels == 1).float()
    rows = torch.arange(labels.shape[-2]).view(-1, 1).expand(labels.shape[-2:])
    mask = ((rows % 2) == 0).float().expand(labels.shape).contiguous()
    table = {
        "ce": (lambda x, y: F.cross_entropy(x, y), False),
        "weighted-ce": (lambda x, y: F.cross_entropy(x, y, weight=w, reduction="sum") / y.numel(), False),
        "ce-smooth-0.1": (lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1), False),
        "focal": (FocalLoss(gamma=2.0), False),
        "dice": (dice, False),
        "dice-per-image-nobg": (dice_per_image_nobg, False),
        "iou": (iou, False),
        "tversky": (lambda x, y: tversky(x, y, 0.3, 0.7), False),
        "focal-tversky": (lambda x, y: tversky(x, y, 0.3, 0.7, 0.75), False),
        "ce+dice": (CombinedLoss(0.5, 0.5, num_classes=C), False),
        "mix-linear-3of10": (lambda x, y: 0.7 * F.cross_entropy(x, y) + 0.3 * dice(x, y), False),
        "binary-bce": (lambda x, t: F.binary_cross_entropy_with_logits(x, t), True),
        "binary-focal": (sigmoid_focal, True),
        "binary-dice": (DiceLoss(), True),
        "binary-bce+dice": (lambda x, t: 0.5 * F.binary_cross_entropy_with_logits(x, t) + 0.5 * DiceLoss()(x, t), True),
        # MONAI / SMP, as their users call them (the literal ports of
        # testdata/peers_ref.py, checked against MONAI's own test values):
        "gdl": (lambda x, y: gdl(F.softmax(x, 1), F.one_hot(y, C).movedim(-1, 1).float()), False),
        "mcc": (lambda x, y: torch.stack([mcc(p[:, None], t[:, None]) for p, t in
                                          zip(F.softmax(x, 1).unbind(1), F.one_hot(y, C).movedim(-1, 1).float().unbind(1))]).mean(), False),
        "lovasz-softmax": (lambda x, y: lovasz_softmax(F.softmax(x, 1), y, "present", False), False),
        "binary-mcc": (lambda x, t: mcc(torch.sigmoid(x), t), True),
        "binary-lovasz-hinge": (lambda x, t: lovasz_hinge(x, t, False), True),
        # per-pixel weights, as bench/workload.go builds them
        "pixel-weighted-ce": (lambda x, y: (pixw * F.cross_entropy(x, y, reduction="none")).sum() / pixw.sum(), False),
        "masked-dice": (lambda x, y: masked_dice(F.softmax(x, 1), F.one_hot(y, C).movedim(-1, 1).float(), mask), False),
        "binary-weighted-bce": (lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=pixw.unsqueeze(1)), True),
        # probabilities as inputs (run_row gives these sigmoid(x) and, for
        # the soft rows, soft targets): MONAI DiceLoss(sigmoid=False),
        # binary_cross_entropy, and MONAI's soft_label=True Dice
        "binary-dice-probs": (DiceLoss(), True),
        "binary-bce-probs": (lambda p, t: F.binary_cross_entropy(p, t), True),
        "binary-soft-dice": (soft_dice, True),
        "dice-probs": (probs_multiclass_dice, False),
        # probability targets (run_row gives this one 0.9 * one_hot + 0.1 / C):
        # cross_entropy with probability targets plus the batch Dice against them
        "soft-ce+dice": (lambda x, y: 0.5 * F.cross_entropy(x, y) + 0.5 * soft_multiclass_dice(x, y), False),
    }
    return table[name]


try:
    _libc = ctypes.CDLL("libc.so.6")
except OSError:
    _libc = None


def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def _reset_peak():
    """Returns the resident set in kB after trimming malloc's free memory
    and resetting the peak to it, or None where the peak cannot be reset."""
    if _libc is not None:
        _libc.malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return _status_kb("VmRSS")


def median_ms(f, count, warmup=True):
    """The median milliseconds of count calls of f, and the largest peak
    resident-set growth of a call in MB (None when not measurable)."""
    if warmup:
        f()
    times, grow = [], None
    for _ in range(count):
        base = _reset_peak()
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
        peak = _status_kb("VmHWM") if base is not None else None
        if peak is not None:
            grow = max(grow or 0.0, (peak - base) * 1024 / 1e6)
    return statistics.median(times), grow


def run_row(row, data_cache):
    N, C, spatial = row["N"], row["C"], row["spatial"]
    key = (N, C, tuple(spatial))
    if key not in data_cache:
        data_cache.clear()  # one workload in memory at a time
        g = torch.Generator().manual_seed(1)
        labels = torch.randint(0, C, (N, *spatial), generator=g)
        # randn + 2 * one_hot(labels), without one_hot's int64 tensor of
        # every logit (the same values bit for bit; 4 s less at 105 classes)
        x = torch.randn((N, C, *spatial), generator=g)
        x.scatter_add_(1, labels.unsqueeze(1), torch.full((N, 1, *spatial), 2.0))
        xb = torch.randn((N, 1, *spatial), generator=g)
        tb = (labels == 1).float().unsqueeze(1)
        data_cache[key] = (x.contiguous(), labels, xb, tb)
    x, labels, xb, tb = data_cache[key]
    f, binary = make_loss(row["loss"], C, labels)
    logits, target = (xb, tb) if binary else (x, labels)
    if row["loss"].endswith("-probs"):
        logits = torch.sigmoid(xb) if binary else F.softmax(x, 1)
    if row["loss"] == "binary-soft-dice":
        target = torch.sigmoid(0.5 * xb)  # soft targets
    if row["loss"] == "soft-ce+dice":
        target = F.one_hot(labels, C).movedim(-1, 1).float() * 0.9 + 0.1 / C
    count, warmup = row.get("count", 3), row.get("warmup", True)
    with torch.no_grad():
        value = float(f(logits, target))
        fwd, fwd_mb = median_ms(lambda: f(logits, target), count, warmup)
    bwd = bwd_mb = None
    if row.get("backward", True):
        xg = logits.clone().requires_grad_(True)

        def fwd_bwd():
            xg.grad = None
            f(xg, target).backward()

        bwd, bwd_mb = median_ms(fwd_bwd, count, warmup)
        del xg
    return {"loss": row["loss"], "shape": [N, 1 if binary else C, *spatial],
            "forward_ms": fwd, "backward_ms": bwd, "forward_mb": fwd_mb, "backward_mb": bwd_mb,
            "value": value}


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(req["threads"])
    cache = {}
    rows = []
    for row in req["rows"]:
        try:
            rows.append(run_row(row, cache))
        except Exception as e:  # report, keep going
            rows.append({"loss": row["loss"], "error": repr(e)})
        print(f"torch: {row['loss']} done", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main()
