#!/usr/bin/env python3
"""Golden cases for per-element weights of the sigmoid losses
(Binary.ForwardWeighted / BackwardWeighted).

Run from the repository root with Debian's torch:

    /usr/bin/python3 testdata/weights_golden.py

It writes testdata/weights.json.gz (gzip, mtime 0): {"torch": version,
"cases": [...]}. Each case: its name, shape (N, C, spatial...), logits,
targets, weights (float32 values), the terms (segloss options: "bce" with
pos_weight and reduction mean / weightmean / sum; "focal" with alpha, gamma
and reduction; "region" with kind dice / iou / tversky, smoothing,
squared, per_image), the loss and its gradient by the logits (torch
autograd in float64 on the float32 inputs).

The references are torch's own: binary_cross_entropy_with_logits(x, y,
weight=w, pos_weight=pw) for reduction mean and sum, (w * l).sum() /
w.sum() for weightmean; torchvision's sigmoid_focal_loss times w; a
region term's sums over w*p*y, w*p, w*y (MONAI's MaskedDiceLoss for a
0/1 w: it multiplies p and y by the mask before its sums). Cases named
"masked_dice_*" also carry MONAI's formulation computed literally
(sigmoid, then input*mask and target*mask, then DiceLoss) as
"peer_expected".
"""
import numpy as np
import torch
import torch.nn.functional as F

from region_ref import f32, flat, region_loss, write_cases

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(29)




def bce_term(x, y, w, o):
    pw = o.get("pos_weight")
    pwt = None
    if pw is not None:
        pwt = torch.tensor(f32(pw)).view([1, -1] + [1] * (x.dim() - 2))
    red = o.get("reduction", "mean")
    if red == "weightmean":
        l = F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pwt, reduction="sum")
        return l / w.sum() if float(w.sum()) != 0 else l * 0
    return F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pwt, reduction=red)


def focal_term(x, y, w, o):
    # torchvision.ops.sigmoid_focal_loss, times w before the reduction
    alpha, gamma = o.get("alpha", 0.25), o.get("gamma", 2.0)
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    pt = p * y + (1 - p) * (1 - y)
    l = ce * (1 - pt) ** gamma
    if alpha >= 0:
        l = (alpha * y + (1 - alpha) * (1 - y)) * l
    l = w * l
    red = o.get("reduction", "mean")
    if red == "weightmean":
        return l.sum() / w.sum() if float(w.sum()) != 0 else l.sum() * 0
    return {"mean": l.mean(), "sum": l.sum()}[red]


def region_term(x, y, w, o):
    return region_loss(torch.sigmoid(x), y, w, o)


cases = []


def case(name, shape, terms, x, y, w, peer=None):
    xt = torch.tensor(f32(x).reshape(shape), requires_grad=True)
    yt = torch.tensor(f32(y).reshape(shape))
    wt = torch.tensor(f32(w).reshape(shape))
    loss = 0
    for t in terms:
        fn = {"bce": bce_term, "focal": focal_term, "region": region_term}[t["term"]]
        loss = loss + t.get("weight", 1.0) * fn(xt, yt, wt, t)
    loss.backward()
    c = {"name": name, "kind": "sigmoid", "shape": list(shape), "terms": terms,
         "logits": flat(f32(x)), "targets": flat(f32(y)), "weights": flat(f32(w)),
         "loss": float(loss), "grad": flat(xt.grad.numpy())}
    if peer is not None:
        c["peer_expected"] = peer
    cases.append(c)


def rand_case(shape, binary=True, wkind="mixed"):
    n = int(np.prod(shape))
    x = rng.normal(0, 2.5, n)
    y = rng.integers(0, 2, n).astype(np.float64) if binary else rng.random(n)
    if wkind == "mask":
        w = rng.integers(0, 2, n).astype(np.float64)
    elif wkind == "unet":  # U-Net-like: 1 + a bump of up to 10
        w = 1 + 10 * np.exp(-rng.random(n) * 4)
    elif wkind == "zero":
        w = np.zeros(n)
    elif wkind == "one":
        w = np.ones(n)
    else:
        w = rng.choice([0.0, 0.5, 1.0, 2.0, 7.25], n) * rng.random(n) * 2
    return x, y, w


# BCE: torch's weight= (mean, sum), weight sum divisor, pos_weight, soft targets
for shape, wk in [((2, 1, 7, 9), "mixed"), ((3, 2, 5, 5), "unet"), ((1, 1, 33), "mask"), ((4, 3, 11), "one"),
                  ((2, 1, 1), "mixed"), ((64, 1, 2), "mixed")]:
    x, y, w = rand_case(shape, wkind=wk)
    tag = "x".join(map(str, shape)) + "_" + wk
    case(f"bce_mean_{tag}", shape, [{"term": "bce"}], x, y, w)
    case(f"bce_weightmean_{tag}", shape, [{"term": "bce", "reduction": "weightmean"}], x, y, w)
    case(f"bce_sum_{tag}", shape, [{"term": "bce", "reduction": "sum"}], x, y, w)
x, y, w = rand_case((2, 3, 6, 6), binary=False)
case("bce_posweight_soft", (2, 3, 6, 6), [{"term": "bce", "pos_weight": [0.5, 2.0, 3.0]}], x, y, w)
case("bce_posweight_weightmean_soft", (2, 3, 6, 6), [{"term": "bce", "pos_weight": [0.5, 2.0, 3.0], "reduction": "weightmean"}], x, y, w)
x, y, w = rand_case((2, 1, 4, 4), wkind="zero")
case("bce_all_zero_weights", (2, 1, 4, 4), [{"term": "bce", "reduction": "weightmean"}], x, y, w)
case("bce_all_zero_weights_mean", (2, 1, 4, 4), [{"term": "bce"}], x, y, w)

# sigmoid focal
for alpha, gamma, red in [(0.25, 2.0, "mean"), (-1, 0.0, "weightmean"), (0.5, 1.5, "sum"), (0.75, 3.0, "weightmean")]:
    x, y, w = rand_case((2, 2, 9, 7), wkind="unet")
    case(f"focal_a{alpha}_g{gamma}_{red}", (2, 2, 9, 7), [{"term": "focal", "alpha": alpha, "gamma": gamma, "reduction": red}], x, y, w)

# region terms
for kind, extra in [("dice", {}), ("dice", {"squared": True}), ("dice", {"per_image": True}), ("iou", {}),
                    ("tversky", {"alpha": 0.3, "beta": 0.7}), ("dice", {"smooth_nr": 1.0, "smooth_dr": 1.0})]:
    for wk in ["mixed", "mask"]:
        x, y, w = rand_case((3, 2, 8, 8), binary=(wk == "mask"), wkind=wk)
        t = {"term": "region", "kind": kind}
        t.update(extra)
        name = "region_" + kind + "".join(f"_{k}{v}" for k, v in extra.items()) + "_" + wk
        case(name, (3, 2, 8, 8), [t], x, y, w)

# BCE + Dice in one call (two passes), and a mask excluding a whole image
x, y, w = rand_case((4, 1, 16, 16), wkind="mask")
w.reshape(4, 256)[2] = 0
case("bce_dice_masked", (4, 1, 16, 16), [{"term": "bce", "weight": 0.5}, {"term": "region", "kind": "dice", "weight": 1.5, "smooth_nr": 1e-5, "smooth_dr": 1e-5}], x, y, w)
case("focal_dice_unet", (4, 1, 16, 16), [{"term": "focal", "alpha": 0.25, "gamma": 2.0}, {"term": "region", "kind": "dice"}],
     *rand_case((4, 1, 16, 16), wkind="unet"))

# MONAI MaskedDiceLoss(sigmoid=True) literally: mask the activated input and
# the target, then DiceLoss (smooth 1e-5 each, batch=False, mean over
# images and channels); a 0/1 mask, the same spatial mask for every channel.
for shape in [(2, 1, 6, 6), (3, 2, 5, 7)]:
    n = int(np.prod(shape))
    x = rng.normal(0, 2, n)
    y = rng.integers(0, 2, n).astype(np.float64)
    m = rng.integers(0, 2, (shape[0], 1) + shape[2:]).astype(np.float64)
    w = np.broadcast_to(m, shape).ravel().copy()
    p = torch.sigmoid(torch.tensor(f32(x).reshape(shape)))
    mt = torch.tensor(m)
    pi, ti = p * mt, torch.tensor(f32(y).reshape(shape)) * mt
    axes = list(range(2, len(shape)))
    I = (pi * ti).sum(axes)
    monai = (1 - (2 * I + 1e-5) / (pi.sum(axes) + ti.sum(axes) + 1e-5)).mean()
    case("masked_dice_" + "x".join(map(str, shape)), shape,
         [{"term": "region", "kind": "dice", "per_image": True, "smooth_nr": 1e-5, "smooth_dr": 1e-5}], x, y, w, peer=float(monai))

# ---- Multiclass (softmax, class-index labels, weights per pixel: N x S) ----


def mc_ce(x, lab, w, valid, o):
    cw = o.get("class_weight")
    cwt = torch.tensor(f32(cw)) if cw is not None else None
    ign = o.get("ignore", -100)
    l = F.cross_entropy(x, lab, weight=cwt, ignore_index=ign, label_smoothing=o.get("smoothing", 0.0), reduction="none")
    num = (w * l).sum()
    wy = cwt[lab.clamp(min=0, max=x.shape[1] - 1)] if cwt is not None else torch.ones_like(w)
    wy = wy * valid
    red = o.get("reduction", "mean")
    den = {"mean": wy.sum(), "weightmean": (w * wy).sum(), "pixelmean": valid.sum(), "sum": torch.tensor(1.0)}[red]
    return num / den if float(den) != 0 else num * 0


def mc_focal(x, lab, w, valid, o):
    C = x.shape[1]
    lc = lab.clamp(min=0, max=C - 1)
    logp = torch.log_softmax(x, 1).gather(1, lc.unsqueeze(1)).squeeze(1)
    pt = logp.exp()
    l = (1 - pt) ** o["gamma"] * (-logp)
    if o.get("alpha") is not None:
        l = torch.tensor(f32(o["alpha"]))[lc] * l
    l = l * valid
    red = o.get("reduction", "mean")
    num = (w * l).sum()
    den = {"mean": valid.sum(), "weightmean": (w * valid).sum(), "sum": torch.tensor(1.0)}[red]
    return num / den if float(den) != 0 else num * 0


def mc_region(x, lab, w, valid, o):
    C = x.shape[1]
    p = torch.softmax(x, 1)
    y = F.one_hot(lab.clamp(min=0, max=C - 1), C).movedim(-1, 1).double()
    return region_loss(p, y, (w * valid).unsqueeze(1).expand_as(p), o)


def mc_case(name, shape, terms, x, lab, w, ignore=None):
    N, C = shape[0], shape[1]
    sp = shape[2:]
    xt = torch.tensor(f32(x).reshape(shape), requires_grad=True)
    labt = torch.tensor(np.asarray(lab, np.int64).reshape((N,) + sp))
    wt = torch.tensor(f32(w).reshape((N,) + sp))
    valid = torch.ones_like(wt)
    if ignore is not None:
        valid = (labt != ignore).double()
    loss = 0
    for t in terms:
        t = dict(t)
        if ignore is not None:
            t["ignore"] = ignore
        fn = {"ce": mc_ce, "mfocal": mc_focal, "region": mc_region}[t["term"]]
        loss = loss + t.get("weight", 1.0) * fn(xt, labt, wt, valid, t)
    loss.backward()
    cases.append({"name": name, "kind": "softmax", "shape": list(shape), "terms": terms, "ignore": ignore,
                  "logits": flat(f32(x)), "labels": [int(v) for v in np.asarray(lab).ravel()], "weights": flat(f32(w)),
                  "loss": float(loss), "grad": flat(xt.grad.numpy())})


def mc_rand(shape, wkind="mixed", ignore=None):
    N, C = shape[0], shape[1]
    npx = int(np.prod(shape[2:]))
    x = rng.normal(0, 2.0, N * C * npx)
    lab = rng.integers(0, C, N * npx)
    if ignore is not None:
        lab[rng.random(N * npx) < 0.2] = ignore
    if wkind == "mask":
        w = rng.integers(0, 2, N * npx).astype(np.float64)
    elif wkind == "unet":
        w = 1 + 10 * np.exp(-rng.random(N * npx) * 4)
    else:
        w = rng.choice([0.0, 0.5, 1.0, 2.0, 7.25], N * npx) * rng.random(N * npx) * 2
    return x, lab, w


for shape, wk, ign in [((2, 3, 7, 9), "unet", None), ((3, 4, 5, 5), "mixed", 255), ((1, 2, 33), "mask", None),
                       ((64, 3, 2), "mixed", None), ((2, 5, 6, 6), "unet", 0)]:
    x, lab, w = mc_rand(shape, wk, ign)
    tag = "x".join(map(str, shape)) + "_" + wk + ("" if ign is None else f"_ign{ign}")
    for red in ["mean", "weightmean", "pixelmean", "sum"]:
        mc_case(f"mc_ce_{red}_{tag}", shape, [{"term": "ce", "reduction": red}], x, lab, w, ign)
    C = shape[1]
    cw = list(0.3 + 2 * rng.random(C))
    mc_case(f"mc_ce_classw_{tag}", shape, [{"term": "ce", "class_weight": cw}], x, lab, w, ign)
    mc_case(f"mc_ce_classw_weightmean_ls_{tag}", shape, [{"term": "ce", "class_weight": cw, "reduction": "weightmean", "smoothing": 0.1}], x, lab, w, ign)
    mc_case(f"mc_ce_ls_{tag}", shape, [{"term": "ce", "smoothing": 0.2}], x, lab, w, ign)
    mc_case(f"mc_focal_{tag}", shape, [{"term": "mfocal", "gamma": 2.0, "alpha": list(rng.random(C))}], x, lab, w, ign)
    mc_case(f"mc_focal_weightmean_{tag}", shape, [{"term": "mfocal", "gamma": 1.5, "reduction": "weightmean"}], x, lab, w, ign)
    mc_case(f"mc_dice_{tag}", shape, [{"term": "region", "kind": "dice", "smooth_nr": 1e-5, "smooth_dr": 1e-5}], x, lab, w, ign)
    mc_case(f"mc_dice_sq_perimage_{tag}", shape, [{"term": "region", "kind": "dice", "squared": True, "per_image": True}], x, lab, w, ign)
    mc_case(f"mc_iou_{tag}", shape, [{"term": "region", "kind": "iou"}], x, lab, w, ign)
    mc_case(f"mc_tversky_nobg_{tag}", shape, [{"term": "region", "kind": "tversky", "alpha": 0.3, "beta": 0.7, "exclude_background": True}], x, lab, w, ign)
    mc_case(f"mc_ce_dice_{tag}", shape, [{"term": "ce", "weight": 0.5}, {"term": "region", "kind": "dice", "weight": 1.5}], x, lab, w, ign)

write_cases("testdata/weights.json.gz", cases)
