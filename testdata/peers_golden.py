#!/usr/bin/env python3
"""Golden cases for the region losses that come from MONAI and SMP:
generalized Dice (MONAI's GeneralizedDiceLoss), the MCC loss (SMP's
MCCLoss), and region reductions sum / none (MONAI's reduction).

Run from the repository root with Debian's torch:

    /usr/bin/python3 testdata/peers_golden.py

It writes testdata/peers.json.gz (gzip, mtime 0): {"torch": version,
"cases": [...]}. Each case: "kind" (softmax or sigmoid), "term" (the
segloss Region options), logits, labels (softmax) or targets (sigmoid),
the loss, its gradient by the logits (torch autograd, float64 on the
float32 inputs), and for reduction "none" the per-entry values. Cases
named "monai_*" are the literal inputs of MONAI's own tests
(tests/losses/test_generalized_dice_loss.py at MONAI d388d1c6f) with
MONAI's expected value in "peer_expected" as well.
"""
import gzip
import json

import numpy as np
import torch

from peers_ref import gdl, lovasz_hinge, lovasz_softmax, mcc, smp_tversky

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(13)


def dice_per_entry(p, t, smooth_nr=1e-5, smooth_dr=1e-5, batch=False, include_background=True, reduction="mean"):
    """MONAI's DiceLoss after activation, per (image, class) or (class)."""
    if not include_background:
        p, t = p[:, 1:], t[:, 1:]
    axes = list(range(2, p.dim()))
    if batch:
        axes = [0] + axes
    i = (p * t).sum(axes)
    f = 1.0 - (2.0 * i + smooth_nr) / (p.sum(axes) + t.sum(axes) + smooth_dr)
    return {"mean": f.mean(), "sum": f.sum(), "none": f}[reduction]


def f32(a):
    return np.asarray(a, np.float32).astype(np.float64)


def flat(a):
    return [float(v) for v in np.asarray(a, np.float64).ravel()]


cases = []


def case(name, kind, term, logits, labels=None, targets=None, fn=None, peer=None):
    x = torch.tensor(f32(logits), requires_grad=True)
    C = x.shape[1]
    if kind == "softmax":
        p = torch.softmax(x, 1)
        t = torch.nn.functional.one_hot(torch.tensor(labels), C).movedim(-1, 1).double()
    else:
        p = torch.sigmoid(x)
        t = torch.tensor(f32(targets))
    v = fn(p, t)
    entries = None
    if v.dim() > 0:
        entries = flat(v.detach())
        v = v.sum()
    v.backward()
    c = {"name": name, "kind": kind, "term": term, "shape": list(logits.shape),
         "logits": flat(f32(logits)), "loss": float(v), "grad": flat(x.grad)}
    if labels is not None:
        c["labels"] = [int(v) for v in np.asarray(labels).ravel()]
    if targets is not None:
        c["targets"] = flat(f32(targets))
    if entries is not None:
        c["entries"] = entries
    if peer is not None:
        c["peer_expected"] = peer
    cases.append(c)


# --- MONAI's own GeneralizedDiceLoss test cases that segloss can express ---
X1 = np.array([[[[1.0, -1.0], [-1.0, 1.0]]]])
T1 = np.array([[[[1.0, 0.0], [1.0, 1.0]]]])
case("monai_gdl_0", "sigmoid", {"kind": "gdl", "smooth_nr": 1e-6, "smooth_dr": 1e-6, "per_image": True}, X1, targets=T1,
     fn=lambda p, t: gdl(p, t, smooth_nr=1e-6, smooth_dr=1e-6), peer=0.307576)
X2 = np.array([[[[1.0, -1.0], [-1.0, 1.0]]], [[[1.0, -1.0], [-1.0, 1.0]]]])
T2 = np.array([[[[1.0, 1.0], [1.0, 1.0]]], [[[1.0, 0.0], [1.0, 0.0]]]])
case("monai_gdl_1", "sigmoid", {"kind": "gdl", "smooth_nr": 1e-4, "smooth_dr": 1e-4, "per_image": True}, X2, targets=T2,
     fn=lambda p, t: gdl(p, t, smooth_nr=1e-4, smooth_dr=1e-4), peer=0.416597)
X3 = np.array([[[-1.0, 0.0, 1.0], [1.0, 0.0, -1.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
L3 = np.array([[1, 0, 0], [1, 1, 0]])
case("monai_gdl_5", "sigmoid", {"kind": "gdl", "smooth_nr": 1e-4, "smooth_dr": 1e-4, "per_image": True}, X3,
     targets=np.moveaxis(np.eye(2)[L3], -1, 1), fn=lambda p, t: gdl(p, t, smooth_nr=1e-4, smooth_dr=1e-4), peer=0.469964)
case("monai_gdl_6", "softmax", {"kind": "gdl", "smooth_nr": 1e-4, "smooth_dr": 1e-4, "per_image": True}, X3, labels=L3,
     fn=lambda p, t: gdl(p, t, smooth_nr=1e-4, smooth_dr=1e-4), peer=0.414507)
case("monai_gdl_7_sum", "softmax", {"kind": "gdl", "smooth_nr": 1e-4, "smooth_dr": 1e-4, "per_image": True, "reduction": "sum"}, X3, labels=L3,
     fn=lambda p, t: gdl(p, t, smooth_nr=1e-4, smooth_dr=1e-4, reduction="sum"), peer=0.829015)
case("monai_gdl_8_none", "softmax", {"kind": "gdl", "smooth_nr": 1e-4, "smooth_dr": 1e-4, "per_image": True, "reduction": "none"}, X3, labels=L3,
     fn=lambda p, t: gdl(p, t, smooth_nr=1e-4, smooth_dr=1e-4, reduction="none"), peer=[0.273476, 0.555539])
X4 = np.array([[[0.0, 10.0, 10.0, 10.0], [10.0, 0.0, 0.0, 0.0]]])
L4 = np.array([[1, 1, 0, 0]])
case("monai_gdl_11_simple", "softmax", {"kind": "gdl", "gdl_weight": "simple", "smooth_nr": 0.0, "smooth_dr": 0.0, "per_image": True}, X4, labels=L4,
     fn=lambda p, t: gdl(p, t, w_type="simple", smooth_nr=0.0, smooth_dr=0.0), peer=0.250023)


# --- generated: GDL over the options --------------------------------------
def labels_for(N, C, S, absent=None):
    lab = rng.integers(0, C, (N, S))
    if absent is not None:
        lab[lab == absent] = 0
    return lab


for C in (2, 3, 5):
    N, S = 3, 37
    lab = labels_for(N, C, S, absent=C - 1 if C > 2 else None)  # the last class absent everywhere
    x = rng.normal(0, 2, (N, C, S)).astype(np.float32)
    for w_type in ("square", "simple", "uniform"):
        for batch in (False, True):
            for bg in (True, False):
                term = {"kind": "gdl", "gdl_weight": w_type, "per_image": not batch, "exclude_background": not bg,
                        "smooth_nr": 1e-5, "smooth_dr": 1e-5}
                case(f"gdl_softmax_C{C}_{w_type}_{'batch' if batch else 'image'}_{'bg' if bg else 'nobg'}", "softmax", term, x, labels=lab,
                     fn=lambda p, t, w=w_type, b=batch, g=bg: gdl(p, t, w_type=w, include_background=g, batch=b))
lab = labels_for(2, 3, 20)
lab[1][lab[1] == 1] = 2  # class 1 absent from image 1 only
x = rng.normal(0, 2, (2, 3, 20)).astype(np.float32)
case("gdl_absent_in_one_image", "softmax", {"kind": "gdl", "per_image": True, "smooth_nr": 1e-5, "smooth_dr": 1e-5}, x, labels=lab,
     fn=lambda p, t: gdl(p, t))
t = (rng.random((2, 3, 5, 6)) < 0.3).astype(np.float64)
t[0, 2] = 0
xs = rng.normal(0, 2, t.shape).astype(np.float32)
for batch in (False, True):
    case(f"gdl_sigmoid_{'batch' if batch else 'image'}", "sigmoid", {"kind": "gdl", "per_image": not batch, "smooth_nr": 1e-5, "smooth_dr": 1e-5}, xs, targets=t,
         fn=lambda p, t, b=batch: gdl(p, t, batch=b))

# --- MCC ---------------------------------------------------------------------
for k, (N, S) in enumerate([(1, 16), (4, 50), (2, 7)]):
    t = (rng.random((N, 1, S)) < 0.4).astype(np.float64)
    xs = rng.normal(0, 2, t.shape).astype(np.float32)
    case(f"mcc_binary_{k}", "sigmoid", {"kind": "mcc", "smooth_nr": 1e-5}, xs, targets=t, fn=lambda p, t: mcc(p, t))
t = (rng.random((3, 1, 40)) < 0.5).astype(np.float64) * rng.random((3, 1, 40))
xs = rng.normal(0, 2, t.shape).astype(np.float32)
case("mcc_binary_soft_targets", "sigmoid", {"kind": "mcc", "smooth_nr": 1e-5}, xs, targets=t, fn=lambda p, t: mcc(p, t))
# multi-class: SMP's binary MCC per class (one-vs-rest), mean over classes
for C in (2, 4):
    lab = labels_for(3, C, 25)
    x = rng.normal(0, 2, (3, C, 25)).astype(np.float32)
    case(f"mcc_softmax_C{C}", "softmax", {"kind": "mcc", "smooth_nr": 1e-5}, x, labels=lab,
         fn=lambda p, t: torch.stack([mcc(p[:, c:c + 1], t[:, c:c + 1]) for c in range(p.shape[1])]).mean())
# multi-channel sigmoid: per channel, mean
t = (rng.random((2, 3, 30)) < 0.4).astype(np.float64)
xs = rng.normal(0, 2, t.shape).astype(np.float32)
case("mcc_sigmoid_3ch", "sigmoid", {"kind": "mcc", "smooth_nr": 1e-5}, xs, targets=t,
     fn=lambda p, t: torch.stack([mcc(p[:, c:c + 1], t[:, c:c + 1]) for c in range(p.shape[1])]).mean())

# --- region reductions: Dice sum and none (MONAI's reduction) ----------------
lab = labels_for(2, 3, 30)
x = rng.normal(0, 2, (2, 3, 30)).astype(np.float32)
for red in ("sum", "none"):
    for batch in (False, True):
        case(f"dice_{red}_{'batch' if batch else 'image'}", "softmax",
             {"kind": "dice", "per_image": not batch, "smooth_nr": 1e-5, "smooth_dr": 1e-5, "reduction": red}, x, labels=lab,
             fn=lambda p, t, r=red, b=batch: dice_per_entry(p, t, batch=b, reduction=r))
case("dice_none_nobg", "softmax", {"kind": "dice", "per_image": True, "exclude_background": True, "smooth_nr": 1e-5, "smooth_dr": 1e-5, "reduction": "none"},
     x, labels=lab, fn=lambda p, t: dice_per_entry(p, t, include_background=False, reduction="none"))

# --- SMP's TverskyLoss: gamma on the mean over classes ----------------------


lab = labels_for(2, 4, 30, absent=3)
x = rng.normal(0, 2, (2, 4, 30)).astype(np.float32)
for gamma in (0.75, 2.0):
    for smooth in (0.0, 1.0):
        case(f"smp_tversky_g{gamma}_s{smooth}", "softmax",
             {"kind": "tversky", "alpha": 0.3, "beta": 0.7, "gamma": gamma, "gamma_on_mean": True, "empty": "zero",
              "smooth_nr": smooth, "smooth_dr": smooth}, x, labels=lab,
             fn=lambda p, t, g=gamma, s=smooth: smp_tversky(p, t, 0.3, 0.7, g, smooth=s))
t = (rng.random((3, 1, 40)) < 0.3).astype(np.float64)
xs = rng.normal(0, 2, t.shape).astype(np.float32)
case("smp_tversky_binary", "sigmoid", {"kind": "tversky", "alpha": 0.5, "beta": 0.5, "gamma": 1.5, "gamma_on_mean": True, "empty": "zero",
                                       "smooth_nr": 0.0, "smooth_dr": 0.0}, xs, targets=t,
     fn=lambda p, t: smp_tversky(p, t, 0.5, 0.5, 1.5))

# --- SMP's Lovasz losses (segmentation_models_pytorch/losses/lovasz.py) ----
def lovasz_case(name, logits, labels, term, kind):
    x = torch.tensor(f32(logits), requires_grad=True)
    ign = term.get("ignore")
    if kind == "softmax":
        v = lovasz_softmax(torch.softmax(x, 1), torch.tensor(labels), "all" if term.get("all_classes") else "present",
                           term.get("per_image", False), ign)
    else:
        v = lovasz_hinge(x, torch.tensor(f32(labels)), term.get("per_image", False), ign)
    v.backward()
    c = {"name": name, "kind": kind, "term": dict(term, kind="lovasz"), "shape": list(logits.shape),
         "logits": flat(f32(logits)), "loss": float(v), "grad": flat(x.grad)}
    if kind == "softmax":
        c["labels"] = [int(v) for v in np.asarray(labels).ravel()]
    else:
        c["targets"] = flat(f32(labels))
    cases.append(c)


lab = labels_for(3, 4, 40, absent=3)
lab[2][lab[2] == 1] = 0  # class 1 absent from image 2
x = rng.normal(0, 2, (3, 4, 40)).astype(np.float32)
for per_image in (False, True):
    for all_classes in (False, True):
        lovasz_case(f"lovasz_softmax_{'image' if per_image else 'batch'}_{'all' if all_classes else 'present'}", x, lab,
                    {"per_image": per_image, "all_classes": all_classes}, "softmax")
lab_ign = lab.copy()
lab_ign[:, ::5] = 255
lovasz_case("lovasz_softmax_ignore", x, lab_ign, {"per_image": False, "ignore": 255}, "softmax")
lab_all_ign = lab.copy()
lab_all_ign[1] = 255
lovasz_case("lovasz_softmax_image_wholly_ignored", x, lab_all_ign, {"per_image": True, "ignore": 255}, "softmax")
tb = (rng.random((3, 1, 50)) < 0.4).astype(np.float64)
xb = rng.normal(0, 2, tb.shape).astype(np.float32)
for per_image in (False, True):
    lovasz_case(f"lovasz_hinge_{'image' if per_image else 'batch'}", xb, tb, {"per_image": per_image}, "sigmoid")
tb_ign = tb.copy()
tb_ign[:, :, ::4] = 255
lovasz_case("lovasz_hinge_ignore", xb, tb_ign, {"per_image": True, "ignore": 255}, "sigmoid")

# --- deep supervision: torch's nearest-neighbour downsampling ---------------
downsample = []
for full, sizes in [((16, 16), [(8, 8), (4, 4), (2, 2)]), ((7, 9), [(3, 4), (2, 3), (5, 5), (7, 9), (1, 1)]),
                    ((5, 6, 7), [(2, 3, 3), (3, 3, 4)]), ((100, 3), [(33, 3), (49, 2), (13, 1)])]:
    lab = rng.integers(0, 5, (2,) + full)
    for out in sizes:
        d = torch.nn.functional.interpolate(torch.tensor(lab, dtype=torch.float32).unsqueeze(1), size=out, mode="nearest")
        downsample.append({"full": list(full), "out": list(out), "labels": [int(v) for v in lab.ravel()],
                           "want": [int(v) for v in d.squeeze(1).numpy().ravel()]})

out = {"torch": torch.__version__, "cases": cases, "downsample": downsample}
data = json.dumps(out, separators=(",", ":"), allow_nan=False).encode()
with open("testdata/peers.json.gz", "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
        g.write(data)
print(f"{len(cases)} cases, {len(data)} bytes of JSON")
