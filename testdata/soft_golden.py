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
torch autograd in float64 on the float32 inputs.
"""
import numpy as np
import torch
import torch.nn.functional as F

from region_ref import f32, flat, region_loss, write_cases

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

write_cases("testdata/soft.json.gz", cases)
print(len(cases), "cases")
