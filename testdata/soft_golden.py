#!/usr/bin/env python3
"""Golden cases for Multiclass with probability targets
(Multiclass.ForwardSoft / BackwardSoft): torch's cross_entropy with
probability targets (class weights, label smoothing, mean and sum) and
region terms of softmax(x) against soft targets (segloss's Region on given
probabilities, region_ref.region_loss, with MONAI's soft_label form), and
the same region terms on probability inputs (Activation NoActivation).

Run from the repository root with Debian's torch:

    /usr/bin/python3 testdata/soft_golden.py

It writes testdata/soft.json.gz (gzip, mtime 0) in the format of
testdata/weights.json.gz (loss/weights_test.go weightCase): kind
"softmax_soft", shape, terms, logits (probabilities when activation is
"none"), targets (N x C x S, like the logits), loss, and the gradient by
torch autograd in float64 on the float32 inputs; "pool": PoolAnyPresent
cases (F.adaptive_max_pool of the one-hot labels); "deepsup":
DeepSupervision with DSAnyPresent (levels of another size than the labels'
against those multi-hot targets), value and every level's gradient.
"""
import numpy as np
import torch
import torch.nn.functional as F

from region_ref import f32, flat, region_loss

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(57)
cases = []


def ce_term(x, y, o):
    cw = o.get("class_weight")
    cwt = torch.tensor(f32(cw)) if cw is not None else None
    red = o.get("reduction", "mean")
    return F.cross_entropy(x, y, weight=cwt, label_smoothing=o.get("smoothing", 0.0), reduction=red)


def case(name, shape, terms, x, y, probs=False):
    xt = torch.tensor(f32(x).reshape(shape), requires_grad=True)
    yt = torch.tensor(f32(y).reshape(shape))
    p = xt if probs else torch.softmax(xt, 1)
    w = torch.ones_like(yt)
    loss = 0
    for t in terms:
        if t["term"] == "ce":
            l = ce_term(xt, yt, t)
        else:
            l = region_loss(p, yt, w, t)
        loss = loss + t.get("weight", 1.0) * l
    loss.backward()
    cases.append({"name": name, "kind": "softmax_soft", "activation": "none" if probs else "logits", "shape": list(shape),
                  "terms": terms, "logits": flat(f32(x)), "targets": flat(f32(y)), "loss": float(loss),
                  "grad": flat(xt.grad.numpy())})


def soft_targets(shape, kind="dirichlet"):
    N, C = shape[0], shape[1]
    S = int(np.prod(shape[2:]))
    if kind == "dirichlet":  # a distribution per pixel
        y = rng.dirichlet(np.ones(C) * 0.7, size=(N, S)).transpose(0, 2, 1)
    elif kind == "onehot":
        y = np.eye(C)[rng.integers(0, C, (N, S))].transpose(0, 2, 1)
    elif kind == "smoothed":  # one-hot blurred, as a mixup or label smoothing gives
        y = 0.8 * np.eye(C)[rng.integers(0, C, (N, S))].transpose(0, 2, 1) + 0.2 / C
    else:  # any values in [0, 1], exact 0 and 1 included
        y = rng.random((N, C, S))
        y[y < 0.1] = 0
        y[y > 0.9] = 1
    return y.reshape(-1)


def logits(shape, scale=2.5):
    return rng.normal(0, scale, int(np.prod(shape)))


shapes = [(2, 3, 5, 7), (1, 4, 33), (3, 2, 4, 4, 3), (2, 5, 9)]

# cross entropy with probability targets
for shape in shapes:
    tag = "x".join(map(str, shape))
    C = shape[1]
    for yk in ["dirichlet", "onehot", "smoothed", "any"]:
        x, y = logits(shape), soft_targets(shape, yk)
        case(f"ce_mean_{yk}_{tag}", shape, [{"term": "ce"}], x, y)
        case(f"ce_sum_{yk}_{tag}", shape, [{"term": "ce", "reduction": "sum"}], x, y)
    x, y = logits(shape), soft_targets(shape)
    cw = list(0.2 + 2 * rng.random(C))
    case(f"ce_weight_{tag}", shape, [{"term": "ce", "class_weight": cw}], x, y)
    case(f"ce_weight_sum_{tag}", shape, [{"term": "ce", "class_weight": cw, "reduction": "sum"}], x, y)
    case(f"ce_smooth_{tag}", shape, [{"term": "ce", "smoothing": 0.1}], x, y)
    case(f"ce_weight_smooth_{tag}", shape, [{"term": "ce", "class_weight": cw, "smoothing": 0.2}], x, y)
    case(f"ce_scaled_weight_{tag}", shape, [{"term": "ce", "class_weight": [v * 1e6 for v in cw], "weight": 0.5}], x, y)

# region terms of softmax(x) against soft targets
regions = [("dice", {}), ("dice", {"squared": True}), ("dice", {"per_image": True}), ("dice", {"exclude_background": True}),
           ("dice", {"soft_label": True}), ("dice", {"soft_label": True, "per_image": True}), ("iou", {}),
           ("iou", {"soft_label": True}), ("tversky", {"alpha": 0.3, "beta": 0.7}),
           ("tversky", {"alpha": 0.3, "beta": 0.7, "soft_label": True}), ("dice", {"smooth_nr": 1e-5, "smooth_dr": 1e-5})]
for kind, extra in regions:
    for shape, yk in [((2, 3, 5, 7), "dirichlet"), ((3, 2, 4, 4, 3), "any")]:
        t = {"term": "region", "kind": kind}
        t.update(extra)
        name = "region_" + kind + "".join(f"_{k}{v}" for k, v in extra.items()) + "_" + yk + "_" + "x".join(map(str, shape))
        case(name, shape, [t], logits(shape), soft_targets(shape, yk))

# the chapter's CombinedLoss on soft targets, and CE + soft-label Dice
for shape in [(2, 4, 6, 6), (1, 3, 40)]:
    tag = "x".join(map(str, shape))
    x, y = logits(shape), soft_targets(shape, "smoothed")
    case(f"ce_dice_{tag}", shape, [{"term": "ce", "weight": 0.5}, {"term": "region", "kind": "dice", "weight": 0.5, "smooth_nr": 1e-6, "smooth_dr": 1e-6}], x, y)
    case(f"ce_softdice_{tag}", shape, [{"term": "ce", "smoothing": 0.05}, {"term": "region", "kind": "dice", "soft_label": True}], x, y)
# p = y exactly: a soft-label Dice of 0 (MONAI's point: no penalty at p = y)
shape = (2, 3, 4, 5)
x = logits(shape)
p = torch.softmax(torch.tensor(f32(x).reshape(shape)), 1).numpy().astype(np.float32)
case("softdice_p_equals_y_probs", shape, [{"term": "region", "kind": "dice", "soft_label": True}], p.ravel(), p.ravel(), probs=True)

# probability inputs (NoActivation) against soft targets
for kind, extra in regions[:8]:
    shape = (2, 3, 5, 7)
    x = logits(shape)
    p = torch.softmax(torch.tensor(f32(x).reshape(shape)), 1).numpy().astype(np.float32).ravel()
    t = {"term": "region", "kind": kind}
    t.update(extra)
    name = "probs_region_" + kind + "".join(f"_{k}{v}" for k, v in extra.items())
    case(name, shape, [t], p, soft_targets(shape, "dirichlet"), probs=True)

# --- deep supervision with "any class present" pooling ---------------------
# PoolAnyPresent is F.adaptive_max_pool of the one-hot labels; a
# DeepSupervision level of another size than the labels' runs the loss on
# those multi-hot targets (torch: cross_entropy with them as probability
# targets, the region terms against them), level 0 on the labels.
pools = []
for full, sizes in [((16, 16), [(8, 8), (4, 4), (3, 5)]), ((7, 9), [(3, 4), (2, 3), (5, 5), (1, 1), (14, 10)]),
                    ((5, 6, 7), [(2, 3, 3), (3, 3, 4)]), ((100,), [(33,), (7,), (1,)])]:
    C = 4
    lab = rng.integers(0, C, (2,) + full)
    oh = F.one_hot(torch.tensor(lab), C).movedim(-1, 1).double()
    pool = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[len(full)]
    for out in sizes:
        pools.append({"full": list(full), "out": list(out), "c": C, "labels": [int(v) for v in lab.ravel()],
                      "want": flat(pool(oh, out).numpy())})

ds = []
for full, outs, terms in [((12, 12), [(12, 12), (6, 6), (3, 3)], [{"term": "ce", "weight": 0.5}, {"term": "region", "kind": "dice", "weight": 0.5, "smooth_nr": 1e-6, "smooth_dr": 1e-6}]),
                          ((9, 7), [(9, 7), (4, 3), (2, 2)], [{"term": "region", "kind": "dice", "smooth_nr": 1e-5, "smooth_dr": 1e-5}]),
                          ((4, 6, 5), [(4, 6, 5), (2, 3, 3)], [{"term": "ce"}, {"term": "region", "kind": "iou"}])]:
    N, C = 2, 3
    lab = rng.integers(0, C, (N,) + full)
    oh = F.one_hot(torch.tensor(lab), C).movedim(-1, 1).double()
    pool = {2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[len(full)]
    xs, total, grads = [], 0, []
    for k, out in enumerate(outs):
        xk = torch.tensor(f32(rng.normal(0, 2, (N, C) + out)), requires_grad=True)
        yk = oh if out == full else pool(oh, out)
        lk = 0
        for t in terms:
            if t["term"] == "ce":
                lk = lk + t.get("weight", 1.0) * (F.cross_entropy(xk, torch.tensor(lab)) if out == full else F.cross_entropy(xk, yk))
            else:
                lk = lk + t.get("weight", 1.0) * region_loss(torch.softmax(xk, 1), yk, torch.ones_like(yk), t)
        total = total + max(0.5 ** k, 0.0625) * lk
        xs.append(xk)
    total.backward()
    ds.append({"full": list(full), "outs": [list(o) for o in outs], "c": C, "terms": terms, "labels": [int(v) for v in lab.ravel()],
               "logits": [flat(x.detach().numpy()) for x in xs], "loss": float(total), "grads": [flat(x.grad.numpy()) for x in xs]})

import gzip, json
out = {"torch": torch.__version__, "cases": cases, "pool": pools, "deepsup": ds}
with open("testdata/soft.json.gz", "wb") as fh:
    with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(json.dumps(out).encode())
print(len(cases), "cases,", len(pools), "pooling cases,", len(ds), "deep supervision cases")
