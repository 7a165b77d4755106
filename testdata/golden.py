#!/usr/bin/env python3
"""Golden-case generator for the segloss Go library.

Run from the repository root with Debian's torch:

    /usr/bin/python3 testdata/golden.py

It writes testdata/golden.json.gz, a gzip (mtime 0, so the bytes are
reproducible) of the compact JSON object

    {"torch": torch.__version__, "cases": [case, ...]}

Every case holds float32 logits (written as the exact Python float of each
float32 value), the labels (softmax kind) or float targets (sigmoid kind), a
list of weighted loss terms, the scalar loss and the gradient of the loss
w.r.t. the logits.  All reference values are computed in float64 on exactly
the float32 inputs (`x32.double()`).

The loss of a case is sum(term.weight * term_value) over its terms.  A case
whose single term has reduction "none" instead stores the per-element values
in "loss_none", "loss" = their sum, and "grad" = d(sum)/d(logits); such terms
always have weight 1.0.

Term semantics (see the term_* functions below for the exact code):

* ce      : F.cross_entropy(x, labels, weight, ignore_index, label_smoothing,
            reduction); "pixelmean" = the "sum" value / #non-ignored pixels.
* focal   : the chapter's FocalLoss generalised to ignore_index; ignored
            pixels contribute 0, "mean" divides by #non-ignored pixels.
* region  : dice / iou / tversky family on softmax or sigmoid probabilities
            (see term_region for the definition of every option).
* bce     : F.binary_cross_entropy_with_logits with per-class pos_weight
            (evaluated as (1-t)*softplus(x) + pw*t*softplus(-x), which does
            not cancel on confident predictions; checked against torch).
* sigmoid_focal : torchvision.ops.sigmoid_focal_loss (the same BCE form and
            1 - p_t without cancellation; checked against the literal code).

The chapter (the textbook chapter on U-Net loss functions that the README
names as the project's reference) gives PyTorch reference classes (DiceLoss,
MultiClassDiceLoss, CombinedLoss, FocalLoss); they are copied verbatim below
and every case they can express is checked against them (loss and gradient,
1e-12).
"""

import gzip
import hashlib
import json
import math
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json.gz")
MAX_TOTAL_LOGITS = 150000
TOL = 1e-12  # agreement required between the chapter's classes and the general code


# ---------------------------------------------------------------------------
# The chapter's reference classes (verbatim copy, only used for cross-checks)
# ---------------------------------------------------------------------------

class DiceLoss(nn.Module):
    """Dice损失实现"""
    def __init__(self, smooth=1e-6):
        super(DiceLoss, self).__init__()
        self.smooth = smooth

    def forward(self, pred, target):
        # 二分类任务，使用sigmoid
        pred = torch.sigmoid(pred)

        # 展平预测和真实值
        pred_flat = pred.contiguous().view(-1)
        target_flat = target.contiguous().view(-1)

        intersection = (pred_flat * target_flat).sum()
        dice = (2. * intersection + self.smooth) / (
            pred_flat.sum() + target_flat.sum() + self.smooth
        )

        return 1 - dice


class MultiClassDiceLoss(nn.Module):
    """多类别Dice损失"""
    def __init__(self, num_classes, smooth=1e-6):
        super(MultiClassDiceLoss, self).__init__()
        self.num_classes = num_classes
        self.smooth = smooth

    def forward(self, pred, target):
        # pred: (B, C, H, W), target: (B, H, W) 包含类别索引
        dice_loss = 0.0
        pred_softmax = F.softmax(pred, dim=1)

        for c in range(self.num_classes):
            pred_c = pred_softmax[:, c, :, :]
            target_c = (target == c).float()

            intersection = (pred_c * target_c).sum()
            dice = (2. * intersection + self.smooth) / (
                pred_c.sum() + target_c.sum() + self.smooth
            )
            dice_loss += 1 - dice

        return dice_loss / self.num_classes


class CombinedLoss(nn.Module):
    """组合损失：交叉熵 + Dice损失"""
    def __init__(self, weight_ce=0.5, weight_dice=0.5, num_classes=2):
        super(CombinedLoss, self).__init__()
        self.weight_ce = weight_ce
        self.weight_dice = weight_dice
        self.ce_loss = nn.CrossEntropyLoss()
        self.dice_loss = MultiClassDiceLoss(num_classes=num_classes)

    def forward(self, pred, target):
        ce = self.ce_loss(pred, target)
        dice = self.dice_loss(pred, target)
        return self.weight_ce * ce + self.weight_dice * dice


class FocalLoss(nn.Module):
    """焦点损失"""
    def __init__(self, gamma=2.0, alpha=None):
        super(FocalLoss, self).__init__()
        self.gamma = gamma
        self.alpha = alpha

    def forward(self, pred, target):
        ce_loss = F.cross_entropy(pred, target, reduction='none')
        pt = torch.exp(-ce_loss)

        if self.alpha is not None:
            alpha_t = self.alpha[target]
            focal_loss = alpha_t * (1 - pt) ** self.gamma * ce_loss
        else:
            focal_loss = (1 - pt) ** self.gamma * ce_loss

        return focal_loss.mean()


# ---------------------------------------------------------------------------
# Term constructors (every field always present; None is written as null)
# ---------------------------------------------------------------------------

def ce(weight=1.0, class_weight=None, smoothing=0.0, reduction="mean"):
    return {"type": "ce", "weight": weight, "class_weight": class_weight,
            "smoothing": smoothing, "reduction": reduction}


def focal(weight=1.0, gamma=2.0, alpha=None, reduction="mean"):
    return {"type": "focal", "weight": weight, "gamma": gamma, "alpha": alpha,
            "reduction": reduction}


def region(weight=1.0, region="dice", alpha=0.5, beta=0.5, gamma=1.0,
           smooth_num=1e-6, smooth_den=1e-6, per_image=False, squared=False,
           include_background=True, class_weight=None, log=False, empty="computed"):
    return {"type": "region", "weight": weight, "region": region, "alpha": alpha,
            "beta": beta, "gamma": gamma, "smooth_num": smooth_num,
            "smooth_den": smooth_den, "per_image": per_image, "squared": squared,
            "include_background": include_background, "class_weight": class_weight,
            "log": log, "empty": empty}


def bce(weight=1.0, pos_weight=None, reduction="mean"):
    return {"type": "bce", "weight": weight, "pos_weight": pos_weight,
            "reduction": reduction}


def sfocal(weight=1.0, alpha=0.25, gamma=2.0, reduction="mean"):
    return {"type": "sigmoid_focal", "weight": weight, "alpha": alpha,
            "gamma": gamma, "reduction": reduction}


# Focal Tversky / Tversky parameters used throughout (a: false positives, b: false negatives).
TV_A, TV_B = 0.3, 0.7


# ---------------------------------------------------------------------------
# Schedules: lambda(t) * CE + (1 - lambda(t)) * Dice
# ---------------------------------------------------------------------------

def schedule_lambda(kind, t, T, K):
    if kind == "linear":
        return max(0.0, 1.0 - t / T)
    if kind == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * min(t, T) / T))
    if kind == "step":
        return min(1.0, max(0.0, 1.0 - math.floor(K * t / T) / K))
    raise ValueError(kind)


def schedule_terms(kind, t, T, K=None):
    lam = schedule_lambda(kind, t, T, K)
    sched = {"kind": kind, "epoch": t, "total": T, "steps": K if kind == "step" else None}
    return [ce(weight=lam), region(weight=1.0 - lam)], sched


# ---------------------------------------------------------------------------
# Term implementations.  x: float64 logits (N, C, *spatial) requiring grad.
# Softmax cases pass labels (int64, (N, *spatial)) and ignore (None or int);
# sigmoid cases pass targets (float64, same shape as x).
# ---------------------------------------------------------------------------

def valid_mask(labels, ignore):
    if ignore is None:
        return torch.ones_like(labels, dtype=torch.bool)
    return labels != ignore


def term_ce(x, d, term):
    labels, ignore = d["labels"], d["ignore"]
    cw = None if term["class_weight"] is None else torch.tensor(term["class_weight"], dtype=torch.float64)
    red = term["reduction"]
    torch_red = "sum" if red == "pixelmean" else red
    v = F.cross_entropy(x, labels, weight=cw,
                        ignore_index=ignore if ignore is not None else -100,
                        label_smoothing=term["smoothing"], reduction=torch_red)
    if red == "pixelmean":
        v = v / valid_mask(labels, ignore).sum()
    # Document torch 1.13's semantics with an explicit formula and check it.
    ref = ce_explicit(x.detach(), labels, ignore, cw, term["smoothing"], red)
    assert torch.allclose(v.detach(), ref, rtol=1e-12, atol=1e-13), (v, ref)
    return v


def ce_explicit(x, labels, ignore, cw, eps, red):
    """Explicit form of F.cross_entropy (torch 1.13) incl. label smoothing with
    class weights:  per pixel i (non-ignored)
        l_i = (1-eps) * w[y_i] * (-logp[i,y_i]) + eps/C * sum_c w[c] * (-logp[i,c])
    mean divides sum_i l_i by sum_i w[y_i] (by the count when no weights)."""
    C = x.shape[1]
    logp = F.log_softmax(x, dim=1)
    valid = valid_mask(labels, ignore)
    safe = torch.where(valid, labels, torch.zeros_like(labels))
    w = torch.ones(C, dtype=torch.float64) if cw is None else cw
    wshape = [1, C] + [1] * (x.dim() - 2)
    nll = -logp.gather(1, safe.unsqueeze(1)).squeeze(1) * w[safe]
    smooth = -(logp * w.view(wshape)).sum(1)
    l = torch.where(valid, (1 - eps) * nll + eps / C * smooth, torch.zeros_like(nll))
    if red == "none":
        return l
    if red == "sum":
        return l.sum()
    if red == "pixelmean":
        return l.sum() / valid.sum()
    return l.sum() / torch.where(valid, w[safe], torch.zeros_like(nll)).sum()


def term_focal(x, d, term):
    """The chapter's FocalLoss with ignore support.  For ignored pixels the label is
    replaced by 0 before the CE (so no pixel has ce == 0 artificially, which
    would make (1-pt)**gamma non-differentiable for gamma < 1), and the
    per-pixel value is then masked to 0 with torch.where."""
    labels, ignore = d["labels"], d["ignore"]
    valid = valid_mask(labels, ignore)
    safe = torch.where(valid, labels, torch.zeros_like(labels))
    ce_ = F.cross_entropy(x, safe, reduction="none")
    pt = torch.exp(-ce_)
    f = (1 - pt) ** term["gamma"] * ce_
    if term["alpha"] is not None:
        alpha = torch.tensor(term["alpha"], dtype=torch.float64)
        f = alpha[safe] * f
    f = torch.where(valid, f, torch.zeros_like(f))
    red = term["reduction"]
    if red == "none":
        return f
    if red == "sum":
        return f.sum()
    return f.sum() / valid.sum()


def term_region(x, d, term):
    """Dice / IoU / Tversky family.

    p = softmax(x, 1) (softmax kind) or sigmoid(x) (sigmoid kind);
    y = one-hot(labels) (softmax; ignored pixels: y = 0 and p = 0 for all
    classes) or the float targets (sigmoid).
    Sums run over pixels (per_image: entries (n, c)) or over batch and pixels
    (entries c):  I = sum p*y,  P = sum p (p*p if squared),  Y = sum y (y*y if
    squared).
      dice    R = (2I + sn) / (P + Y + sd)
      iou     R = (I + sn) / (P + Y - I + sd)
      tversky R = (I + sn) / (I + a(P - I) + b(Y - I) + sd)
    f = 1 - R (or -log R if log); f = f**gamma if gamma != 1; f *= cw[c].
    Class 0 dropped if not include_background.  Empty entries (plain sum y
    == 0): computed = kept as is, skip = dropped, zero = f := 0 but counted.
    value = sum(kept f) / #kept, 0 when nothing is kept."""
    C = x.shape[1]
    if d["kind"] == "softmax":
        labels, ignore = d["labels"], d["ignore"]
        valid = valid_mask(labels, ignore)
        safe = torch.where(valid, labels, torch.zeros_like(labels))
        vm = valid.unsqueeze(1).to(torch.float64)
        y = F.one_hot(safe, C).movedim(-1, 1).to(torch.float64) * vm
        p = F.softmax(x, dim=1) * vm
    else:
        y = d["targets"]
        p = torch.sigmoid(x)
    dims = tuple(range(2, x.dim())) if term["per_image"] else (0,) + tuple(range(2, x.dim()))
    I = (p * y).sum(dims)
    P = (p * p).sum(dims) if term["squared"] else p.sum(dims)
    Y = (y * y).sum(dims) if term["squared"] else y.sum(dims)
    Yplain = y.sum(dims)
    sn, sd = term["smooth_num"], term["smooth_den"]
    kind = term["region"]
    if kind == "dice":
        R = (2 * I + sn) / (P + Y + sd)
    elif kind == "iou":
        R = (I + sn) / (P + Y - I + sd)
    elif kind == "tversky":
        R = (I + sn) / (I + term["alpha"] * (P - I) + term["beta"] * (Y - I) + sd)
    else:
        raise ValueError(kind)
    f = -torch.log(R) if term["log"] else 1 - R
    if term["gamma"] != 1:
        f = f ** term["gamma"]
    # class index of every entry: last dim of f is the class axis in both layouts
    cls = torch.arange(C).expand_as(f)
    if term["class_weight"] is not None:
        f = f * torch.tensor(term["class_weight"], dtype=torch.float64).expand_as(f)
    keep = torch.ones_like(f, dtype=torch.bool)
    if not term["include_background"]:
        keep &= cls != 0
    empty = Yplain == 0
    if term["empty"] == "skip":
        keep &= ~empty
    elif term["empty"] == "zero":
        f = torch.where(empty, torch.zeros_like(f), f)
    elif term["empty"] != "computed":
        raise ValueError(term["empty"])
    n = int(keep.sum())
    if n == 0:
        return f.sum() * 0.0
    return f[keep].sum() / n


def reduce(loss, red):
    if red == "mean":
        return loss.mean()
    if red == "sum":
        return loss.sum()
    return loss


def softplus(x):
    """log(1+exp(x)), accurate to its last digits for every x: torch's softplus
    is log1p(exp(x)) up to its threshold (50 here) and x above it (an error
    under exp(-50) relative)."""
    return F.softplus(x, beta=1, threshold=50)


def bce_explicit(x, t, pw):
    """F.binary_cross_entropy_with_logits per element, (1-t)*x + (1+(pw-1)*t)
    * softplus(-x), written as (1-t)*softplus(x) + pw*t*softplus(-x): two
    non-negative terms.  torch's own formula cancels for confident
    predictions (target 0 and x << 0, target 1 and x >> 0), in float64 too:
    torch 1.13 gives 9.348e-14 for log1p(exp(-30)) = 9.3576e-14."""
    return (1 - t) * softplus(x) + pw * t * softplus(-x)


def term_bce(x, d, term):
    t = d["targets"]
    pw = None
    if term["pos_weight"] is not None:
        pw = torch.tensor(term["pos_weight"], dtype=torch.float64).view([-1] + [1] * (x.dim() - 2))
    v = reduce(bce_explicit(x, t, 1.0 if pw is None else pw), term["reduction"])
    # torch's value agrees but for its rounding on confident predictions
    ref = F.binary_cross_entropy_with_logits(x.detach(), t, pos_weight=pw, reduction=term["reduction"])
    assert torch.allclose(v.detach(), ref, rtol=1e-12, atol=1e-13), (v, ref)
    return v


def term_sigmoid_focal(x, d, term):
    """torchvision.ops.sigmoid_focal_loss, with its ce_loss in the form of
    bce_explicit and 1 - p_t as p*(1-t) + sigmoid(-x)*t (1 - sigmoid(x)
    loses the relative accuracy of 1-p where p is near 1); checked against
    the literal torchvision code."""
    t = d["targets"]
    alpha, gamma = term["alpha"], term["gamma"]
    ce_loss = bce_explicit(x, t, 1.0)
    loss = ce_loss * ((torch.sigmoid(x) * (1 - t) + torch.sigmoid(-x) * t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * t + (1 - alpha) * (1 - t)
        loss = alpha_t * loss
    v = reduce(loss, term["reduction"])
    # the literal torchvision code
    xd = x.detach()
    p = torch.sigmoid(xd)
    ce_lit = F.binary_cross_entropy_with_logits(xd, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    lit = ce_lit * ((1 - p_t) ** gamma)
    if alpha >= 0:
        lit = (alpha * t + (1 - alpha) * (1 - t)) * lit
    lit = reduce(lit, term["reduction"])
    assert torch.allclose(v.detach(), lit, rtol=1e-12, atol=1e-13), (v, lit)
    return v


TERM_FUNCS = {"ce": term_ce, "focal": term_focal, "region": term_region,
              "bce": term_bce, "sigmoid_focal": term_sigmoid_focal}
SOFTMAX_TERMS = {"ce", "focal", "region"}
SIGMOID_TERMS = {"bce", "sigmoid_focal", "region"}


# ---------------------------------------------------------------------------
# Deterministic input generation
# ---------------------------------------------------------------------------

def gen_for(name):
    """One generator per case, seeded from the case name (stable crc32)."""
    return torch.Generator().manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)


def base_logits(g, N, C, S, std, equal):
    if equal is not None:
        return torch.full((N, C, S), equal, dtype=torch.float32)
    return torch.randn((N, C, S), generator=g, dtype=torch.float32) * std


def gen_softmax(spec):
    """labels: uniform over the allowed classes of each image (absent classes
    removed), then a fraction of pixels / whole images set to ignore; some
    pixels get very confident right (+M on the label) or wrong (-M on the
    label, +M on another class) logits."""
    g = gen_for(spec["name"])
    N, C, S = spec["N"], spec["C"], spec["S"]
    x = base_logits(g, N, C, S, spec["std"], spec["equal"])
    labels = torch.empty((N, S), dtype=torch.int64)
    for n in range(N):
        allowed = [c for c in range(C) if (None, c) not in spec["absent"] and (n, c) not in spec["absent"]]
        idx = torch.randint(len(allowed), (S,), generator=g)
        labels[n] = torch.tensor(allowed, dtype=torch.int64)[idx]
    ignore = spec["ignore"]
    if ignore is not None:
        m = torch.rand((N, S), generator=g) < spec["ignore_frac"]
        for n in spec["ignored_images"]:
            m[n] = True
        labels[m] = ignore
    for M, frac in spec["extreme"]:
        sel = torch.rand((N, S), generator=g) < frac
        right = torch.rand((N, S), generator=g) < 0.5
        shift = torch.randint(max(C - 1, 1), (N, S), generator=g)
        for n in range(N):
            for s in range(S):
                if not sel[n, s]:
                    continue
                lab = int(labels[n, s])
                if ignore is not None and lab == ignore:
                    lab = 0
                if right[n, s] or C == 1:
                    x[n, lab, s] = M
                else:
                    x[n, lab, s] = -M
                    x[n, (lab + 1 + int(shift[n, s])) % C, s] = M
    return x, labels


def gen_sigmoid(spec):
    """targets: Bernoulli(pos_frac) (hard) or uniform [0,1) float32 values with
    ~30% snapped to exactly 0 or 1 (soft); empty channels are all zero; some
    elements get very confident right or wrong logits (+-M)."""
    g = gen_for(spec["name"])
    N, C, S = spec["N"], spec["C"], spec["S"]
    x = base_logits(g, N, C, S, spec["std"], spec["equal"])
    if spec["soft"]:
        t = torch.rand((N, C, S), generator=g, dtype=torch.float32)
        snap = torch.rand((N, C, S), generator=g) < 0.3
        t = torch.where(snap, (t > 0.5).to(torch.float32), t)
    else:
        t = (torch.rand((N, C, S), generator=g) < spec["pos_frac"]).to(torch.float32)
    for n, c in spec["empty_channels"]:
        if n is None:
            t[:, c] = 0
        else:
            t[n, c] = 0
    for M, frac in spec["extreme"]:
        sel = torch.rand((N, C, S), generator=g) < frac
        right = torch.rand((N, C, S), generator=g) < 0.5
        sign = torch.where(t >= 0.5, 1.0, -1.0) * torch.where(right, 1.0, -1.0)
        x = torch.where(sel, (sign * M).to(torch.float32), x)
    if spec["pattern"]:
        # (logit, target) pairs repeated over the elements in memory order
        pat = spec["pattern"]
        k = torch.arange(N * C * S) % len(pat)
        x = torch.tensor([v for v, _ in pat], dtype=torch.float32)[k].view(N, C, S)
        t = torch.tensor([y for _, y in pat], dtype=torch.float32)[k].view(N, C, S)
    return x, t


# ---------------------------------------------------------------------------
# Case definitions
# ---------------------------------------------------------------------------

CASES = []


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


def softmax_case(name, N, C, spatial, terms, labels_dtype="u8", ignore=None,
                 ignore_frac=0.0, ignored_images=(), absent=(), extreme=(),
                 equal=None, std=2.0, schedule=None):
    """absent: (n, c) pairs, n=None meaning every image of the batch.
    extreme: (magnitude, fraction of pixels) pairs."""
    if ignore is not None:
        assert labels_dtype == "i32" or ignore == 255
        assert ignore < 0 or ignore >= C
    CASES.append(dict(name=name, kind="softmax", N=N, C=C, spatial=list(spatial),
                      S=_prod(spatial), terms=terms, labels_dtype=labels_dtype,
                      ignore=ignore, ignore_frac=ignore_frac,
                      ignored_images=tuple(ignored_images), absent=set(absent),
                      extreme=tuple(extreme), equal=equal, std=std, schedule=schedule))


def sigmoid_case(name, N, C, spatial, terms, soft=False, pos_frac=0.4,
                 empty_channels=(), extreme=(), equal=None, std=2.0, schedule=None,
                 pattern=None):
    """empty_channels: (n, c) pairs with all-zero targets, n=None = every image.
    pattern: (logit, target) pairs that replace the random inputs, repeated
    over the elements in memory order."""
    CASES.append(dict(name=name, kind="sigmoid", N=N, C=C, spatial=list(spatial),
                      S=_prod(spatial), terms=terms, soft=soft, pos_frac=pos_frac,
                      empty_channels=tuple(empty_channels), extreme=tuple(extreme),
                      equal=equal, std=std, schedule=schedule, pattern=pattern))


def define_cases():
    X30, X1E4 = (30.0, 0.1), (1e4, 0.1)      # confident right/wrong pixels
    CW3, CW4 = [0.25, 1.5, 2.0], [0.5, 1.0, 2.0, 0.75]

    # ---- cross entropy ---------------------------------------------------
    softmax_case("ce_mean_c3_n2_7x9_u8", 2, 3, (7, 9), [ce()])
    softmax_case("ce_sum_c5_n2_7x9_i32", 2, 5, (7, 9), [ce(reduction="sum")], "i32")
    softmax_case("ce_none_c4_n2_7x9_u8", 2, 4, (7, 9), [ce(reduction="none")])
    softmax_case("ce_pixelmean_cw_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [ce(class_weight=CW3, reduction="pixelmean")])
    softmax_case("ce_mean_cw_c3_n3_7x9_i32", 3, 3, (7, 9), [ce(class_weight=CW3)], "i32")
    softmax_case("ce_sum_cw_c4_n1_17x1_u8", 1, 4, (17, 1), [ce(class_weight=CW4, reduction="sum")])
    softmax_case("ce_none_cw_ign255_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [ce(class_weight=CW3, reduction="none")], "i32", ignore=255, ignore_frac=0.2)
    softmax_case("ce_smooth_c5_n2_7x9_i32", 2, 5, (7, 9), [ce(smoothing=0.1)], "i32")
    softmax_case("ce_smooth_cw_c4_n2_7x9_u8", 2, 4, (7, 9), [ce(class_weight=CW4, smoothing=0.1)])
    softmax_case("ce_smooth_ign255_c3_n2_7x9_u8", 2, 3, (7, 9), [ce(smoothing=0.1)],
                 ignore=255, ignore_frac=0.25)
    softmax_case("ce_smooth_cw_ignm100_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [ce(class_weight=CW4, smoothing=0.1)], "i32", ignore=-100, ignore_frac=0.2)
    softmax_case("ce_smooth_none_ign255_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [ce(smoothing=0.1, reduction="none")], ignore=255, ignore_frac=0.2)
    softmax_case("ce_smooth_cw_sum_ignm100_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [ce(class_weight=CW3, smoothing=0.1, reduction="sum")], "i32",
                 ignore=-100, ignore_frac=0.3)
    softmax_case("ce_smooth_cw_pixelmean_ign255_c4_n2_7x9_u8", 2, 4, (7, 9),
                 [ce(class_weight=CW4, smoothing=0.1, reduction="pixelmean")],
                 ignore=255, ignore_frac=0.2)
    softmax_case("ce_c1_n2_7x9_u8", 2, 1, (7, 9), [ce()])
    softmax_case("ce_c1_sum_n1_5x1_i32", 1, 1, (5, 1), [ce(reduction="sum")], "i32")
    softmax_case("ce_c2_n3_1x1_i32", 3, 2, (1, 1), [ce()], "i32")
    softmax_case("ce_c2_sum_n2_5x1_u8", 2, 2, (5, 1), [ce(reduction="sum")])
    softmax_case("ce_c7_n2_17x1_i32", 2, 7, (17, 1), [ce()], "i32")
    softmax_case("ce_c21_ign255_n2_7x9_u8", 2, 21, (7, 9), [ce()], ignore=255, ignore_frac=0.15)
    softmax_case("ce_3d_c3_n2_3x5x7_i32", 2, 3, (3, 5, 7), [ce()], "i32")
    softmax_case("ce_extreme30_c4_n2_7x9_u8", 2, 4, (7, 9), [ce()], extreme=[X30])
    softmax_case("ce_extreme1e4_sum_c3_n2_7x9_i32", 2, 3, (7, 9), [ce(reduction="sum")], "i32",
                 extreme=[X1E4])
    softmax_case("ce_extreme_none_smooth_c5_n2_7x9_u8", 2, 5, (7, 9),
                 [ce(smoothing=0.1, reduction="none")], extreme=[X30, X1E4])
    softmax_case("ce_equal_logits_c4_n2_7x9_u8", 2, 4, (7, 9), [ce()], equal=0.0)
    softmax_case("ce_equal_logits_smooth_c3_n2_7x9_i32", 2, 3, (7, 9), [ce(smoothing=0.1)], "i32",
                 equal=2.5)
    softmax_case("ce_ignored_image_mean_c3_n2_7x9_u8", 2, 3, (7, 9), [ce()], ignore=255,
                 ignore_frac=0.2, ignored_images=[0])
    softmax_case("ce_all_ignored_sum_c3_n1_7x9_i32", 1, 3, (7, 9), [ce(reduction="sum")], "i32",
                 ignore=-100, ignored_images=[0])
    softmax_case("ce_pixelmean_ignm100_c5_n2_7x9_i32", 2, 5, (7, 9), [ce(reduction="pixelmean")],
                 "i32", ignore=-100, ignore_frac=0.2)
    softmax_case("ce_ign255_c3_n2_33x31_i32", 2, 3, (33, 31), [ce()], "i32", ignore=255,
                 ignore_frac=0.1)

    # ---- focal (the chapter's FocalLoss) ----------------------------------
    softmax_case("focal_g2_c3_n2_7x9_u8", 2, 3, (7, 9), [focal(gamma=2.0)])
    softmax_case("focal_g0_c4_n2_7x9_i32", 2, 4, (7, 9), [focal(gamma=0.0)], "i32")
    softmax_case("focal_g05_c3_n2_7x9_u8", 2, 3, (7, 9), [focal(gamma=0.5)])
    softmax_case("focal_g1_c5_n2_7x9_i32", 2, 5, (7, 9), [focal(gamma=1.0)], "i32")
    softmax_case("focal_g3_c2_n3_7x9_u8", 3, 2, (7, 9), [focal(gamma=3.0)])
    softmax_case("focal_g2_alpha_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [focal(gamma=2.0, alpha=[0.25, 0.5, 0.75])])
    softmax_case("focal_g05_alpha_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [focal(gamma=0.5, alpha=[0.25, 1.0, 0.5, 2.0])], "i32")
    softmax_case("focal_g2_sum_c3_n2_7x9_i32", 2, 3, (7, 9), [focal(reduction="sum")], "i32")
    softmax_case("focal_g2_none_c4_n2_7x9_u8", 2, 4, (7, 9), [focal(reduction="none")])
    softmax_case("focal_g2_ign255_c3_n2_7x9_u8", 2, 3, (7, 9), [focal()], ignore=255,
                 ignore_frac=0.25)
    softmax_case("focal_g2_alpha_ignm100_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [focal(alpha=[0.75, 0.25, 1.5])], "i32", ignore=-100, ignore_frac=0.2)
    softmax_case("focal_g1_sum_ign255_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [focal(gamma=1.0, reduction="sum")], "i32", ignore=255, ignore_frac=0.2)
    softmax_case("focal_g3_alpha_none_ignm100_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [focal(gamma=3.0, alpha=[0.5, 1.0, 0.25], reduction="none")], "i32",
                 ignore=-100, ignore_frac=0.2)
    softmax_case("focal_g05_ign255_c3_n2_7x9_u8", 2, 3, (7, 9), [focal(gamma=0.5)], ignore=255,
                 ignore_frac=0.2)
    softmax_case("focal_g2_extreme_c4_n2_7x9_u8", 2, 4, (7, 9), [focal()], extreme=[X30, X1E4])
    softmax_case("focal_g3_extreme1e4_sum_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [focal(gamma=3.0, reduction="sum")], "i32", extreme=[X1E4])
    softmax_case("focal_g2_equal_logits_c3_n2_7x9_u8", 2, 3, (7, 9), [focal()], equal=-1.25)
    softmax_case("focal_g2_3d_c2_n2_3x5x7_i32", 2, 2, (3, 5, 7), [focal()], "i32")
    softmax_case("focal_g0_alpha_c21_n2_7x9_u8", 2, 21, (7, 9),
                 [focal(gamma=0.0, alpha=[0.25 + 0.125 * (c % 7) for c in range(21)])])
    softmax_case("focal_g2_ignored_image_c3_n2_7x9_u8", 2, 3, (7, 9), [focal()], ignore=255,
                 ignore_frac=0.1, ignored_images=[0])
    softmax_case("focal_g2_c1_n2_5x1_u8", 2, 1, (5, 1), [focal()])
    softmax_case("focal_g2_alpha_c2_n1_1x1_i32", 1, 2, (1, 1), [focal(alpha=[0.25, 0.75])], "i32")

    # ---- region terms, softmax ---------------------------------------------
    # the chapter's defaults (checked against MultiClassDiceLoss)
    softmax_case("dice_c2_n2_7x9_u8", 2, 2, (7, 9), [region()])
    softmax_case("dice_c3_n2_7x9_i32", 2, 3, (7, 9), [region()], "i32")
    softmax_case("dice_c4_n1_33x31_u8", 1, 4, (33, 31), [region()])
    softmax_case("dice_c5_n3_7x9_i32", 3, 5, (7, 9), [region()], "i32")
    softmax_case("dice_c7_n2_17x1_u8", 2, 7, (17, 1), [region()])
    softmax_case("dice_c21_n2_7x9_i32", 2, 21, (7, 9), [region()], "i32")
    softmax_case("dice_c1_n2_7x9_u8", 2, 1, (7, 9), [region()])
    softmax_case("dice_3d_c3_n2_3x5x7_u8", 2, 3, (3, 5, 7), [region()])
    softmax_case("dice_c2_n3_1x1_i32", 3, 2, (1, 1), [region()], "i32")
    softmax_case("dice_c3_n2_5x1_u8", 2, 3, (5, 1), [region()])
    softmax_case("dice_extreme_c3_n2_7x9_u8", 2, 3, (7, 9), [region()], extreme=[X30, X1E4])
    softmax_case("dice_equal_logits_c4_n2_7x9_i32", 2, 4, (7, 9), [region()], "i32", equal=0.5)
    # options
    softmax_case("dice_per_image_c3_n2_7x9_u8", 2, 3, (7, 9), [region(per_image=True)])
    softmax_case("dice_squared_c4_n2_7x9_i32", 2, 4, (7, 9), [region(squared=True)], "i32")
    softmax_case("dice_nobg_c3_n2_7x9_u8", 2, 3, (7, 9), [region(include_background=False)])
    softmax_case("dice_cw_c4_n2_7x9_i32", 2, 4, (7, 9), [region(class_weight=CW4)], "i32")
    softmax_case("dice_log_c3_n2_7x9_u8", 2, 3, (7, 9), [region(log=True)])
    softmax_case("dice_smooth1_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [region(smooth_num=1.0, smooth_den=1.0)], "i32")
    softmax_case("dice_sn0_sd1e5_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [region(smooth_num=0.0, smooth_den=1e-5)])
    softmax_case("dice_squared_per_image_log_c2_n2_7x9_i32", 2, 2, (7, 9),
                 [region(squared=True, per_image=True, log=True)], "i32")
    softmax_case("iou_c3_n2_7x9_u8", 2, 3, (7, 9), [region(region="iou")])
    softmax_case("iou_per_image_nobg_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [region(region="iou", per_image=True, include_background=False)], "i32")
    softmax_case("iou_log_per_image_c3_n3_7x9_u8", 3, 3, (7, 9),
                 [region(region="iou", log=True, per_image=True)])
    softmax_case("iou_squared_smooth1_c5_n2_7x9_u8", 2, 5, (7, 9),
                 [region(region="iou", squared=True, smooth_num=1.0, smooth_den=1.0)])
    softmax_case("tversky_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B)])
    softmax_case("tversky_per_image_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, per_image=True)], "i32")
    softmax_case("tversky_squared_nobg_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, squared=True,
                         include_background=False)], "i32")
    softmax_case("tversky_a05_equals_dice_c3_n2_3x5x7_u8", 2, 3, (3, 5, 7),
                 [region(region="tversky", alpha=0.5, beta=0.5)])
    softmax_case("focal_tversky_g075_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, gamma=0.75)])
    softmax_case("focal_tversky_g2_per_image_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, gamma=2.0, per_image=True)], "i32")
    softmax_case("focal_tversky_g075_cw_nobg_c5_n1_33x31_u8", 1, 5, (33, 31),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, gamma=0.75,
                         class_weight=[1.0, 0.5, 2.0, 1.5, 0.25], include_background=False)])
    softmax_case("dice_gamma05_log_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [region(gamma=0.5, log=True)], "i32")
    # classes absent from the target, each empty policy, batch and per image
    for pol in ("computed", "skip", "zero"):
        softmax_case("dice_absent_batch_%s_c4_n2_7x9_u8" % pol, 2, 4, (7, 9),
                     [region(empty=pol)], absent=[(None, 3)])
        softmax_case("dice_absent_per_image_%s_c4_n2_7x9_i32" % pol, 2, 4, (7, 9),
                     [region(empty=pol, per_image=True)], "i32", absent=[(0, 1), (1, 2), (1, 3)])
    softmax_case("iou_absent_per_image_skip_nobg_cw_c4_n3_7x9_u8", 3, 4, (7, 9),
                 [region(region="iou", empty="skip", per_image=True, include_background=False,
                         class_weight=CW4)], absent=[(0, 2), (2, 0), (2, 3)])
    softmax_case("tversky_absent_batch_zero_g2_c5_n2_7x9_i32", 2, 5, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, gamma=2.0, empty="zero")], "i32",
                 absent=[(None, 1), (None, 4)])
    softmax_case("dice_absent_batch_skip_log_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [region(empty="skip", log=True, smooth_num=1.0, smooth_den=1.0)],
                 absent=[(None, 0)])
    # ignored pixels
    softmax_case("dice_ign255_c3_n2_7x9_u8", 2, 3, (7, 9), [region()], ignore=255, ignore_frac=0.25)
    softmax_case("dice_ignm100_per_image_c4_n2_7x9_i32", 2, 4, (7, 9), [region(per_image=True)],
                 "i32", ignore=-100, ignore_frac=0.2)
    softmax_case("dice_ign255_i32_ignored_image_skip_c3_n2_7x9", 2, 3, (7, 9),
                 [region(per_image=True, empty="skip")], "i32", ignore=255, ignore_frac=0.1,
                 ignored_images=[1])
    softmax_case("dice_ignored_image_computed_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [region(per_image=True)], ignore=255, ignored_images=[0])
    softmax_case("dice_all_ignored_c3_n1_7x9_u8", 1, 3, (7, 9), [region()], ignore=255,
                 ignored_images=[0])
    softmax_case("iou_all_ignored_zero_c2_n1_5x1_i32", 1, 2, (5, 1),
                 [region(region="iou", empty="zero")], "i32", ignore=-100, ignored_images=[0])
    softmax_case("tversky_ign255_extreme_c4_n2_7x9_i32", 2, 4, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B)], "i32", ignore=255,
                 ignore_frac=0.2, extreme=[X30, X1E4])

    # ---- sigmoid terms --------------------------------------------------------
    sigmoid_case("bce_mean_c1_n2_7x9", 2, 1, (7, 9), [bce()])
    sigmoid_case("bce_sum_c2_n2_7x9", 2, 2, (7, 9), [bce(reduction="sum")])
    sigmoid_case("bce_none_c3_n2_7x9", 2, 3, (7, 9), [bce(reduction="none")])
    sigmoid_case("bce_posw_c3_n2_7x9", 2, 3, (7, 9), [bce(pos_weight=[2.0, 0.5, 3.0])])
    sigmoid_case("bce_posw_sum_c1_n3_17x1", 3, 1, (17, 1), [bce(pos_weight=[4.0], reduction="sum")])
    sigmoid_case("bce_soft_c2_n2_7x9", 2, 2, (7, 9), [bce()], soft=True)
    sigmoid_case("bce_extreme_c2_n2_7x9", 2, 2, (7, 9), [bce()], extreme=[X30, X1E4])
    sigmoid_case("bce_equal_logits_c1_n2_7x9", 2, 1, (7, 9), [bce()], equal=0.0)
    sigmoid_case("bce_posw_none_soft_c2_n2_5x1", 2, 2, (5, 1),
                 [bce(pos_weight=[0.25, 1.5], reduction="none")], soft=True)
    sigmoid_case("bce_c1_n1_1x1", 1, 1, (1, 1), [bce()])
    sigmoid_case("sfocal_a025_g2_c1_n2_7x9", 2, 1, (7, 9), [sfocal()])
    sigmoid_case("sfocal_noalpha_g2_sum_c2_n2_7x9", 2, 2, (7, 9), [sfocal(alpha=-1.0, reduction="sum")])
    sigmoid_case("sfocal_a025_g0_c3_n2_7x9", 2, 3, (7, 9), [sfocal(gamma=0.0)])
    sigmoid_case("sfocal_a075_g05_c2_n2_7x9", 2, 2, (7, 9), [sfocal(alpha=0.75, gamma=0.5)])
    sigmoid_case("sfocal_a025_g1_none_c1_n2_7x9", 2, 1, (7, 9), [sfocal(gamma=1.0, reduction="none")])
    sigmoid_case("sfocal_a025_g3_soft_c2_n2_7x9", 2, 2, (7, 9), [sfocal(gamma=3.0)], soft=True)
    sigmoid_case("sfocal_extreme_g2_c1_n2_7x9", 2, 1, (7, 9), [sfocal()], extreme=[X30, X1E4])
    sigmoid_case("sfocal_noalpha_g2_3d_c2_n2_3x5x7", 2, 2, (3, 5, 7), [sfocal(alpha=-1.0)])
    # confident predictions, right (target 0 and x <= -10, target 1 and x >=
    # 10: tiny values, log1p(exp(-|x|)), that a cancelling form loses) and
    # wrong (values about |x|)
    NEG = [-30.0, -20.0, -15.0, -12.0, -10.0]
    POS = [-v for v in NEG]
    neg0, neg1 = [(v, 0.0) for v in NEG], [(v, 1.0) for v in NEG]
    pos1, pos0 = [(v, 1.0) for v in POS], [(v, 0.0) for v in POS]
    sigmoid_case("bce_confident_neg_y0_c1_n2_5x8", 2, 1, (5, 8), [bce()], pattern=neg0)
    sigmoid_case("bce_confident_neg_y1_sum_c1_n1_5x8", 1, 1, (5, 8), [bce(reduction="sum")], pattern=neg1)
    sigmoid_case("bce_confident_pos_y1_c1_n2_5x8", 2, 1, (5, 8), [bce()], pattern=pos1)
    sigmoid_case("bce_confident_pos_y0_sum_c1_n1_5x8", 1, 1, (5, 8), [bce(reduction="sum")], pattern=pos0)
    sigmoid_case("bce_confident_right_posw_none_c2_n1_5x8", 1, 2, (5, 8),
                 [bce(pos_weight=[2.5, 0.4], reduction="none")], pattern=neg0 + pos1)
    sigmoid_case("bce_confident_right_posw_c3_n2_5x8", 2, 3, (5, 8),
                 [bce(pos_weight=[3.0, 0.25, 1.0])], pattern=neg0 + pos1 + pos1)
    sigmoid_case("bce_confident_wrong_posw_sum_c2_n1_5x8", 1, 2, (5, 8),
                 [bce(pos_weight=[2.5, 0.4], reduction="sum")], pattern=neg1 + pos0)
    sigmoid_case("sfocal_confident_neg_y0_g0_c1_n2_5x8", 2, 1, (5, 8), [sfocal(gamma=0.0)], pattern=neg0)
    sigmoid_case("sfocal_confident_pos_y1_noalpha_g0_sum_c1_n1_5x8", 1, 1, (5, 8),
                 [sfocal(alpha=-1.0, gamma=0.0, reduction="sum")], pattern=pos1)
    sigmoid_case("sfocal_confident_right_g05_none_c2_n1_5x8", 1, 2, (5, 8),
                 [sfocal(gamma=0.5, reduction="none")], pattern=neg0 + pos1)
    sigmoid_case("sfocal_confident_right_g2_c1_n2_5x8", 2, 1, (5, 8), [sfocal()], pattern=pos1 + neg0)
    sigmoid_case("sfocal_confident_wrong_g2_sum_c2_n1_5x8", 1, 2, (5, 8),
                 [sfocal(reduction="sum")], pattern=neg1 + pos0)
    # region on sigmoid; C=1 defaults are checked against the chapter's DiceLoss
    sigmoid_case("sg_dice_c1_n2_7x9", 2, 1, (7, 9), [region()])
    sigmoid_case("sg_dice_c1_n1_33x31", 1, 1, (33, 31), [region()])
    sigmoid_case("sg_dice_soft_c1_n2_17x1", 2, 1, (17, 1), [region()], soft=True)
    sigmoid_case("sg_dice_extreme_c1_n2_7x9", 2, 1, (7, 9), [region()], extreme=[X30, X1E4])
    sigmoid_case("sg_dice_c2_n2_7x9", 2, 2, (7, 9), [region()])
    sigmoid_case("sg_dice_per_image_c2_n3_7x9", 3, 2, (7, 9), [region(per_image=True)])
    sigmoid_case("sg_dice_squared_soft_c2_n2_7x9", 2, 2, (7, 9), [region(squared=True)], soft=True)
    sigmoid_case("sg_dice_squared_soft_log_per_image_c1_n2_7x9", 2, 1, (7, 9),
                 [region(squared=True, log=True, per_image=True)], soft=True)
    sigmoid_case("sg_iou_c3_n2_7x9", 2, 3, (7, 9), [region(region="iou")])
    sigmoid_case("sg_focal_tversky_g075_c2_n2_7x9", 2, 2, (7, 9),
                 [region(region="tversky", alpha=TV_A, beta=TV_B, gamma=0.75)])
    sigmoid_case("sg_tversky_soft_c3_n2_5x1", 2, 3, (5, 1),
                 [region(region="tversky", alpha=TV_A, beta=TV_B)], soft=True)
    sigmoid_case("sg_dice_nobg_c3_n2_7x9", 2, 3, (7, 9), [region(include_background=False)])
    sigmoid_case("sg_dice_cw_c3_n2_7x9", 2, 3, (7, 9), [region(class_weight=[0.5, 1.5, 1.0])])
    for pol in ("computed", "skip", "zero"):
        sigmoid_case("sg_dice_empty_per_image_%s_c3_n2_7x9" % pol, 2, 3, (7, 9),
                     [region(per_image=True, empty=pol)], empty_channels=[(0, 1), (1, 2)])
        sigmoid_case("sg_dice_empty_batch_%s_c2_n2_7x9" % pol, 2, 2, (7, 9),
                     [region(empty=pol)], empty_channels=[(None, 1)])
    sigmoid_case("sg_dice_bce_3d_c2_n2_3x5x7", 2, 2, (3, 5, 7), [bce(weight=0.5), region(weight=0.5)])
    sigmoid_case("sg_binary_bce_dice_c1_n1_64x65", 1, 1, (64, 65),
                 [bce(weight=0.5), region(weight=0.5)], pos_frac=0.3)

    # ---- combined losses ---------------------------------------------------
    # the chapter's CombinedLoss (0.5 CE + 0.5 MultiClassDice), checked literally.
    # "seed" in these case names is an older name of the chapter: a case's
    # generator is seeded from its name (gen_for), so renaming them would
    # change their data and golden.json.gz.
    softmax_case("combined_seed_c2_n2_7x9_u8", 2, 2, (7, 9), [ce(weight=0.5), region(weight=0.5)])
    softmax_case("combined_seed_c4_n2_7x9_i32", 2, 4, (7, 9), [ce(weight=0.5), region(weight=0.5)], "i32")
    softmax_case("combined_seed_c3_n1_33x31_u8", 1, 3, (33, 31), [ce(weight=0.5), region(weight=0.5)])
    softmax_case("mix_ce_focal_tversky_c4_n2_7x9_u8", 2, 4, (7, 9),
                 [ce(), focal(weight=0.5), region(region="tversky", alpha=TV_A, beta=TV_B)])
    softmax_case("mix_dice_iou_c3_n2_7x9_i32", 2, 3, (7, 9),
                 [region(weight=0.7), region(weight=0.3, region="iou", per_image=True)], "i32")
    softmax_case("mix_cwce_dice_nobg_ign255_c3_n2_7x9_u8", 2, 3, (7, 9),
                 [ce(class_weight=CW3), region(include_background=False, weight=2.0)],
                 ignore=255, ignore_frac=0.2)
    softmax_case("mix_smoothce_focal_ftversky_ignm100_c5_n2_7x9_i32", 2, 5, (7, 9),
                 [ce(smoothing=0.1, weight=0.25), focal(gamma=1.0, alpha=[1.0, 0.5, 0.5, 2.0, 1.0], weight=0.75),
                  region(region="tversky", alpha=TV_A, beta=TV_B, gamma=0.75, per_image=True, empty="skip")],
                 "i32", ignore=-100, ignore_frac=0.15, absent=[(0, 4)])
    softmax_case("mix_ce_sum_dice_log_c7_n3_5x1_u8", 3, 7, (5, 1),
                 [ce(reduction="sum", weight=0.125), region(log=True, empty="zero")])
    sigmoid_case("mix_bce_dice_c1_n2_7x9", 2, 1, (7, 9), [bce(weight=0.5), region(weight=0.5)])
    sigmoid_case("mix_sfocal_dice_c2_n2_7x9", 2, 2, (7, 9),
                 [sfocal(weight=2.0), region(per_image=True, empty="skip")], empty_channels=[(1, 0)])
    sigmoid_case("mix_bce_posw_iou_soft_c3_n2_7x9", 2, 3, (7, 9),
                 [bce(pos_weight=[1.0, 2.0, 0.5], reduction="sum", weight=0.01), region(region="iou", squared=True)],
                 soft=True)

    # ---- schedules: lambda(t) CE + (1 - lambda(t)) Dice ------------------------
    for i, (kind, t, T, K) in enumerate([("linear", 0, 100, None), ("linear", 37, 100, None),
                                         ("linear", 150, 100, None), ("cosine", 25, 100, None),
                                         ("cosine", 100, 100, None), ("step", 45, 100, 4),
                                         ("step", 120, 100, 4)]):
        terms, sched = schedule_terms(kind, t, T, K)
        softmax_case("sched_%s_t%d_T%d_c3_n2_7x9_%s" % (kind, t, T, "u8" if i % 2 else "i32"),
                     2, 3, (7, 9), terms, "u8" if i % 2 else "i32", schedule=sched)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------

def chapter_checks(spec, x32, d, loss, grad, counts):
    """Re-evaluate with the chapter's verbatim classes where they apply."""
    terms = spec["terms"]
    default_dice = region()
    ref = None
    if spec["kind"] == "softmax" and spec["ignore"] is None:
        if len(terms) == 1 and terms[0] == default_dice:
            ref, key = (lambda x: MultiClassDiceLoss(spec["C"])(x, d["labels"])), "MultiClassDiceLoss"
        elif len(terms) == 2 and terms == [ce(weight=0.5), region(weight=0.5)]:
            ref, key = (lambda x: CombinedLoss(num_classes=spec["C"])(x, d["labels"])), "CombinedLoss"
        elif len(terms) == 1 and terms[0]["type"] == "focal" and terms[0]["reduction"] == "mean":
            t = terms[0]
            a = None if t["alpha"] is None else torch.tensor(t["alpha"], dtype=torch.float64)
            ref, key = (lambda x: FocalLoss(gamma=t["gamma"], alpha=a)(x, d["labels"])), "FocalLoss"
    elif spec["kind"] == "sigmoid" and spec["C"] == 1 and len(terms) == 1 and terms[0] == default_dice:
        ref, key = (lambda x: DiceLoss()(x, d["targets"])), "DiceLoss"
    if ref is None:
        return
    x = x32.double().requires_grad_(True)
    v = ref(x)
    (g,) = torch.autograd.grad(v, x)
    scale = max(1.0, abs(float(v)))
    assert abs(float(v) - loss) <= TOL * scale, (spec["name"], float(v), loss)
    assert float((g - grad).abs().max()) <= TOL * scale, (spec["name"], "grad")
    counts[key] = counts.get(key, 0) + 1


def evaluate(spec, counts):
    kind = spec["kind"]
    shape = [spec["N"], spec["C"]] + spec["spatial"]
    if kind == "softmax":
        x32, labels = gen_softmax(spec)
        labels = labels.view([spec["N"]] + spec["spatial"])
        d = {"kind": kind, "labels": labels, "ignore": spec["ignore"]}
    else:
        x32, t32 = gen_sigmoid(spec)
        t32 = t32.view(shape)
        d = {"kind": kind, "targets": t32.double()}
    x32 = x32.view(shape).contiguous()
    allowed = SOFTMAX_TERMS if kind == "softmax" else SIGMOID_TERMS
    terms = spec["terms"]
    for t in terms:
        assert t["type"] in allowed, (spec["name"], t["type"])

    x = x32.double().requires_grad_(True)
    out = {}
    if len(terms) == 1 and terms[0].get("reduction") == "none":
        assert terms[0]["weight"] == 1.0
        per = TERM_FUNCS[terms[0]["type"]](x, d, terms[0]).reshape(-1)
        total = per.sum()
        out["loss_none"] = per.detach().tolist()
    else:
        assert all(t.get("reduction") != "none" for t in terms)
        total = sum(t["weight"] * TERM_FUNCS[t["type"]](x, d, t) for t in terms)
    (grad,) = torch.autograd.grad(total, x, allow_unused=True)
    if grad is None:
        grad = torch.zeros_like(x)
    loss = float(total)
    assert math.isfinite(loss), spec["name"]
    assert bool(torch.isfinite(grad).all()), spec["name"]
    if "loss_none" in out:
        assert all(math.isfinite(v) for v in out["loss_none"])
    chapter_checks(spec, x32, d, loss, grad, counts)

    case = {"name": spec["name"], "kind": kind, "N": spec["N"], "C": spec["C"],
            "spatial": spec["spatial"], "S": spec["S"],
            "logits": x32.reshape(-1).tolist()}
    if kind == "softmax":
        case["labels_dtype"] = spec["labels_dtype"]
        case["labels"] = labels.reshape(-1).tolist()
        case["ignore"] = spec["ignore"]
        if spec["labels_dtype"] == "u8":
            assert all(0 <= v <= 255 for v in case["labels"])
    else:
        case["targets"] = t32.reshape(-1).tolist()
    case["terms"] = terms
    case["schedule"] = spec["schedule"]
    if "loss_none" in out:
        case["loss_none"] = out["loss_none"]
    case["loss"] = loss
    case["grad"] = grad.reshape(-1).tolist()
    return case


def internal_checks(cases):
    """A few identities that cross-check the general formulation."""
    by = {c["name"]: c for c in cases}
    # tversky with a = b = 0.5 and smoothing s is dice with smoothing 2s
    a = by["tversky_a05_equals_dice_c3_n2_3x5x7_u8"]
    x = torch.tensor(a["logits"], dtype=torch.float64).view([a["N"], a["C"]] + a["spatial"])
    lab = torch.tensor(a["labels"]).view([a["N"]] + a["spatial"])
    v = float(term_region(x, {"kind": "softmax", "labels": lab, "ignore": None},
                          region(smooth_num=2e-6, smooth_den=2e-6)))
    assert abs(v - a["loss"]) < 1e-14, (v, a["loss"])
    # focal with gamma 0 is CE
    f = by["focal_g0_c4_n2_7x9_i32"]
    x = torch.tensor(f["logits"], dtype=torch.float64).view([f["N"], f["C"]] + f["spatial"])
    lab = torch.tensor(f["labels"]).view([f["N"]] + f["spatial"])
    assert abs(float(F.cross_entropy(x, lab)) - f["loss"]) < 1e-14


def main():
    torch.manual_seed(0)  # not relied on: every case has its own generator
    define_cases()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    counts = {}
    cases = [evaluate(spec, counts) for spec in CASES]
    internal_checks(cases)
    assert counts.get("MultiClassDiceLoss", 0) >= 5 and counts.get("CombinedLoss", 0) >= 2
    assert counts.get("FocalLoss", 0) >= 5 and counts.get("DiceLoss", 0) >= 2
    total_logits = sum(len(c["logits"]) for c in cases)
    assert total_logits < MAX_TOTAL_LOGITS, total_logits

    obj = {"torch": torch.__version__, "cases": cases}
    data = json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
    with open(OUT_PATH, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
            gz.write(data)
    print("cases: %d" % len(cases))
    print("total logits: %d" % total_logits)
    print("chapter-class checks: %s" % ", ".join("%s=%d" % kv for kv in sorted(counts.items())))
    print("wrote %s (%d bytes, sha256 %s)" % (OUT_PATH, os.path.getsize(OUT_PATH),
                                             hashlib.sha256(open(OUT_PATH, "rb").read()).hexdigest()))


if __name__ == "__main__":
    main()
