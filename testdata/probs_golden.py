#!/usr/bin/env python3
"""Golden cases for probability inputs of the sigmoid losses
(Binary.Activation = NoActivation: MONAI's sigmoid=False, torch's
binary_cross_entropy).

Run from the repository root with Debian's torch:

    /usr/bin/python3 testdata/probs_golden.py

It writes testdata/probs.json.gz (gzip, mtime 0): {"torch": version,
"cases": [...]}, in the format of testdata/weights.json.gz (its reader
loss/weights_test.go reads both): name, kind "sigmoid", shape, terms,
logits (here the probabilities), targets, weights (1 where a case has
none; "weighted" says whether the call takes them), loss, and the gradient
d(loss)/dp by torch autograd in float64 on the float32 inputs (torch's own
backward of binary_cross_entropy: (p - y) / max(p(1-p), 1e-12)).
Probabilities include exact 0 and 1 (each log clamped at -100, torch's).
Cases named "monai_*" are literal inputs of MONAI's
tests/losses/test_dice_loss.py (at 01c9ad1a; its TEST_CASES counted from
1) with MONAI's expected value in "peer_expected".
"""
import numpy as np
import torch
import torch.nn.functional as F

from region_ref import f32, flat, region_loss, write_cases

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(41)




def bce_term(p, y, w, o):
    red = o.get("reduction", "mean")
    pw = o.get("pos_weight")
    if pw is None:
        if red == "weightmean":
            return F.binary_cross_entropy(p, y, weight=w, reduction="sum") / w.sum()
        return F.binary_cross_entropy(p, y, weight=w, reduction=red)
    # pos_weight (segloss's extension): -(pw*y*log p + (1-y)*log(1-p)),
    # logs clamped at -100 as torch's binary_cross_entropy clamps them
    pwt = torch.tensor(f32(pw)).view([1, -1] + [1] * (p.dim() - 2))
    l = -(pwt * y * torch.clamp(torch.log(p), min=-100) + (1 - y) * torch.clamp(torch.log(1 - p), min=-100))
    l = w * l
    return {"mean": l.mean(), "sum": l.sum(), "weightmean": l.sum() / w.sum()}[red]


def region_term(p, y, w, o):
    return region_loss(p, y, w, o)


cases = []


def case(name, shape, terms, p, y, w=None, peer=None, logits=False):
    pt = torch.tensor(f32(p).reshape(shape), requires_grad=True)
    yt = torch.tensor(f32(y).reshape(shape))
    act = torch.sigmoid(pt) if logits else pt
    weighted = w is not None
    if w is None:
        w = np.ones(int(np.prod(shape)))
    wt = torch.tensor(f32(w).reshape(shape))
    loss = 0
    for t in terms:
        fn = {"bce": bce_term, "region": region_term}[t["term"]]
        loss = loss + t.get("weight", 1.0) * fn(act, yt, wt, t)
    loss.backward()
    c = {"name": name, "kind": "sigmoid", "activation": "logits" if logits else "none", "weighted": weighted, "shape": list(shape), "terms": terms,
         "logits": flat(f32(p)), "targets": flat(f32(y)), "weights": flat(f32(w)),
         "loss": float(loss), "grad": flat(pt.grad.numpy())}
    if peer is not None:
        c["peer_expected"] = peer
    cases.append(c)


def rand_probs(n, exact=True):
    p = rng.random(n)
    if exact:
        k = rng.random(n)
        p[k < 0.1] = 0.0
        p[(k >= 0.1) & (k < 0.2)] = 1.0
    return p


for shape in [(2, 1, 7, 9), (3, 2, 5, 5), (1, 1, 33), (64, 1, 2), (2, 3, 40, 41)]:
    n = int(np.prod(shape))
    tag = "x".join(map(str, shape))
    y = rng.integers(0, 2, n).astype(np.float64)
    ys = rng.random(n)
    p = rand_probs(n, exact=False)
    pe = rand_probs(n)
    case(f"bce_{tag}", shape, [{"term": "bce"}], p, y)
    case(f"bce_soft_{tag}", shape, [{"term": "bce"}], p, ys)
    case(f"bce_sum_exact01_{tag}", shape, [{"term": "bce", "reduction": "sum"}], pe, y)
    case(f"dice_{tag}", shape, [{"term": "region", "kind": "dice", "smooth_nr": 1e-5, "smooth_dr": 1e-5}], pe, y)
    case(f"dice_sq_perimage_{tag}", shape, [{"term": "region", "kind": "dice", "squared": True, "per_image": True}], p, ys)
    case(f"iou_{tag}", shape, [{"term": "region", "kind": "iou"}], pe, y)
    case(f"tversky_{tag}", shape, [{"term": "region", "kind": "tversky", "alpha": 0.3, "beta": 0.7}], p, y)
    case(f"bce_dice_{tag}", shape, [{"term": "bce", "weight": 0.5}, {"term": "region", "kind": "dice", "weight": 0.5}], p, y)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    case(f"bce_weighted_{tag}", shape, [{"term": "bce"}], p, y, w)
    case(f"bce_weightmean_{tag}", shape, [{"term": "bce", "reduction": "weightmean"}], p, ys, w)
    case(f"dice_masked_{tag}", shape, [{"term": "region", "kind": "dice"}], p, y, (w > 0).astype(np.float64))
C = 3
shape = (2, C, 6, 6)
n = int(np.prod(shape))
case("bce_posweight", shape, [{"term": "bce", "pos_weight": [0.5, 2.0, 3.0]}], rand_probs(n, exact=False), rng.integers(0, 2, n).astype(np.float64))
case("bce_posweight_weightmean", shape, [{"term": "bce", "pos_weight": [0.5, 2.0, 3.0], "reduction": "weightmean"}],
     rand_probs(n, exact=False), rng.random(n), rng.random(n) * 3)

# MONAI DiceLoss, sigmoid=False (probabilities as they are)
# test_dice_loss.py case 4: soft targets, soft_label=False, smoothing 1e-4
p = [0.3, 0.4, 0.7, 0.9, 1.0, 0.1, 0.5, 0.3]
case("monai_dice_soft_targets", (2, 1, 2, 2), [{"term": "region", "kind": "dice", "per_image": True, "smooth_nr": 1e-4, "smooth_dr": 1e-4}],
     p, p, peer=0.307773)
# case 5: to_onehot_y (the one-hot targets given), include_background=False, no smoothing
inp = [1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
lab = [[0, 0, 1], [0, 1, 0]]
oh = [float(l == c) for img in lab for c in range(2) for l in img]
case("monai_dice_onehot_nobg", (2, 2, 3), [{"term": "region", "kind": "dice", "per_image": True, "exclude_background": True}],
     inp, oh, peer=0.0)

# MONAI's soft_label=True: probabilities and logits, soft and hard targets
for shape in [(2, 1, 7, 9), (3, 2, 5, 5), (64, 1, 2), (2, 3, 40, 41)]:
    n = int(np.prod(shape))
    tag = "x".join(map(str, shape))
    ys = rng.random(n)
    yh = rng.integers(0, 2, n).astype(np.float64)
    p = rand_probs(n, exact=False)
    x = rng.normal(0, 2, n)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    for kind, extra in [("dice", {}), ("iou", {}), ("tversky", {"alpha": 0.3, "beta": 0.7}), ("dice", {"per_image": True, "smooth_nr": 1e-4, "smooth_dr": 1e-4})]:
        t = {"term": "region", "kind": kind, "soft_label": True}
        t.update(extra)
        nm = kind + "".join(f"_{k}{v}" for k, v in extra.items())
        case(f"soft_{nm}_probs_{tag}", shape, [t], p, ys)
        case(f"soft_{nm}_logits_{tag}", shape, [t], x, ys, logits=True)
    case(f"soft_dice_hard_targets_{tag}", shape, [{"term": "region", "kind": "dice", "soft_label": True}], p, yh)
    case(f"soft_dice_weighted_{tag}", shape, [{"term": "region", "kind": "dice", "soft_label": True}], x, ys, w, logits=True)
    case(f"soft_dice_p_equals_y_{tag}", shape, [{"term": "region", "kind": "dice", "soft_label": True, "smooth_nr": 1e-4, "smooth_dr": 1e-4}], p, p)
# MONAI test_dice_loss.py case 3: soft_label=True, the prediction equals its soft target: loss 0
p = [0.3, 0.4, 0.7, 0.9, 1.0, 0.1, 0.5, 0.3]
case("monai_dice_soft_label", (2, 1, 2, 2), [{"term": "region", "kind": "dice", "per_image": True, "smooth_nr": 1e-4, "smooth_dr": 1e-4, "soft_label": True}],
     p, p, peer=0.0)

# ---- Multiclass with probability inputs (MONAI DiceLoss(softmax=False,
# to_onehot_y=True)): per-class probabilities used as they are, one-hot
# labels, ignored pixels in no sum.


def mc_case(name, shape, terms, p, lab, w=None, ignore=None, peer=None):
    N, C = shape[0], shape[1]
    sp = tuple(shape[2:])
    pt = torch.tensor(f32(p).reshape(shape), requires_grad=True)
    labt = torch.tensor(np.asarray(lab, np.int64).reshape((N,) + sp))
    weighted = w is not None
    if w is None:
        w = np.ones(N * int(np.prod(sp)))
    wt = torch.tensor(f32(w).reshape((N,) + sp))
    valid = torch.ones_like(wt) if ignore is None else (labt != ignore).double()
    y = F.one_hot(labt.clamp(min=0, max=C - 1), C).movedim(-1, 1).double()
    m = (wt * valid).unsqueeze(1).expand_as(pt)
    loss = 0
    for t in terms:
        loss = loss + t.get("weight", 1.0) * region_loss(pt, y, m, t)
    loss.backward()
    c = {"name": name, "kind": "softmax", "activation": "none", "weighted": weighted, "shape": list(shape), "terms": terms,
         "ignore": ignore, "logits": flat(f32(p)), "labels": [int(v) for v in np.asarray(lab).ravel()],
         "weights": flat(f32(w)), "loss": float(loss), "grad": flat(pt.grad.numpy())}
    if peer is not None:
        c["peer_expected"] = peer
    cases.append(c)


for shape, ign in [((2, 3, 7, 9), None), ((3, 4, 5, 5), 255), ((1, 2, 33), None), ((64, 3, 2), 0), ((2, 5, 40, 41), 255)]:
    N, C = shape[0], shape[1]
    npx = int(np.prod(shape[2:]))
    tag = "x".join(map(str, shape)) + ("" if ign is None else f"_ign{ign}")
    p = rand_probs(N * C * npx)
    lab = rng.integers(0, C, N * npx)
    if ign is not None:
        lab[rng.random(N * npx) < 0.2] = ign
    w = rng.choice([0.0, 0.5, 1.0, 3.0], N * npx)
    for kind, extra in [("dice", {"smooth_nr": 1e-5, "smooth_dr": 1e-5}), ("dice", {"squared": True, "per_image": True}),
                        ("iou", {}), ("tversky", {"alpha": 0.3, "beta": 0.7, "exclude_background": True})]:
        t = {"term": "region", "kind": kind}
        t.update(extra)
        nm = kind + "".join(f"_{k}{v}" for k, v in extra.items())
        mc_case(f"mc_{nm}_{tag}", shape, [t], p, lab, ignore=ign)
    mc_case(f"mc_dice_weighted_{tag}", shape, [{"term": "region", "kind": "dice"}], p, lab, w, ignore=ign)
# MONAI test_dice_loss.py case 5 as a Multiclass call: class-index labels
inp = [1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
mc_case("monai_dice_to_onehot_nobg", (2, 2, 3), [{"term": "region", "kind": "dice", "per_image": True, "exclude_background": True}],
        inp, [0, 0, 1, 0, 1, 0], peer=0.0)

write_cases("testdata/probs.json.gz", cases)
