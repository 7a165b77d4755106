#!/usr/bin/env python3
"""Golden cases of the distance package, computed with scipy.

Run from the repository root with Debian's python3-scipy:

    /usr/bin/python3 testdata/distance_golden.py

It writes testdata/distance.json.gz (gzip with mtime 0, so the bytes are
reproducible): {"scipy": version, "cases": [case, ...]}, each case with a
"kind" and its inputs and expected outputs as flat row-major lists:

* edt      : scipy.ndimage.distance_transform_edt(mask != 0, sampling)
* sdf      : Kervadec et al.'s one_hot2dist, ported literally (per class of
             integer labels), with the package's convention for a class
             that fills the image (zeros, where scipy measures to a phantom
             voxel)
* label    : scipy.ndimage.label(mask, generate_binary_structure(rank, conn))
* weight   : the U-Net weight map (Ronneberger et al. 2015, eq. 2) as the
             widely used port computes it: an EDT per instance over the
             whole image, sorted, d1 and d2 the two smallest, border term
             on background pixels only, balanced class weights
* surface  : MONAI's HausdorffDistanceMetric / SurfaceDistanceMetric /
             SurfaceDiceMetric formulas (non-subvoxel) written with scipy:
             edges = mask ^ binary_erosion(mask), distances from the
             distance transform of ~edges_other with sampling, numpy's
             linear percentile
"""
import gzip
import json

import numpy as np
import scipy
from scipy import ndimage as nd

from distance_ref import mask_edges, monai_distance_field, one_hot2dist, unet_weight_map

rng = np.random.default_rng(20261201)


def blobs(shape, k, rmin, rmax):
    """k random balls (ellipsoids) in a volume of the given shape."""
    m = np.zeros(shape, bool)
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    for _ in range(k):
        c = [rng.uniform(0, s) for s in shape]
        r = [rng.uniform(rmin, rmax) for _ in shape]
        d = sum(((g - ci) / ri) ** 2 for g, ci, ri in zip(grids, c, r))
        m |= d <= 1
    return m


def flat(a):
    return [float(x) for x in np.asarray(a, np.float64).ravel()]


def ints(a):
    return [int(x) for x in np.asarray(a).ravel()]


cases = []


def edt_case(name, mask, sampling=None):
    mask = np.asarray(mask, bool)
    assert (~mask).any(), "scipy's EDT of a full mask is not defined"
    d = nd.distance_transform_edt(mask, sampling=sampling)
    cases.append({"kind": "edt", "name": name, "shape": list(mask.shape),
                  "spacing": list(sampling) if sampling is not None else None,
                  "mask": ints(mask), "want": flat(d)})


# EDT: shapes not multiples of 16, empty, single voxel, thin, anisotropic.
edt_case("2d_blobs", blobs((37, 29), 6, 2, 9))
edt_case("2d_blobs_aniso", blobs((37, 29), 6, 2, 9), (0.5, 2.5))
edt_case("2d_empty", np.zeros((5, 7), bool))
one = np.ones((9, 11), bool)
one[4, 5] = False
edt_case("2d_single_background", one)
edt_case("2d_single_background_aniso", one, (2.5, 0.5))
thin = np.zeros((23, 31), bool)
thin[3:20, 10] = True
thin[11, 2:29] = True
edt_case("2d_thin", ~thin)
edt_case("2d_thin_line", thin, (1.0, 2.5))
edt_case("2d_noise", rng.random((19, 21)) < 0.8)
edt_case("1d", rng.random(40) < 0.85)
edt_case("1d_aniso", rng.random(40) < 0.85, (0.7,))
edt_case("3d_blobs", blobs((13, 17, 11), 4, 2, 6))
edt_case("3d_blobs_aniso", blobs((13, 17, 11), 4, 2, 6), (2.5, 1.0, 0.5))
one3 = np.ones((7, 9, 11), bool)
one3[3, 4, 5] = False
edt_case("3d_single_background", one3)
edt_case("3d_noise_aniso", rng.random((9, 10, 11)) < 0.9, (0.5, 1.0, 2.5))
edt_case("4d", rng.random((3, 4, 5, 6)) < 0.8)


def sdf_case(name, labels, classes, sampling=None):
    labels = np.asarray(labels)
    want = np.concatenate([one_hot2dist(l, classes, sampling).ravel() for l in labels])
    cases.append({"kind": "sdf", "name": name, "shape": list(labels.shape[1:]),
                  "n": int(labels.shape[0]), "classes": classes,
                  "spacing": list(sampling) if sampling is not None else None,
                  "labels": ints(labels), "want": flat(want)})


lab = np.zeros((2, 21, 18), np.int64)
lab[0][blobs((21, 18), 3, 2, 6)] = 1
lab[0][blobs((21, 18), 2, 2, 4)] = 2
lab[1][blobs((21, 18), 4, 2, 5)] = 2  # class 1 absent from image 1
sdf_case("2d_three_classes", lab, 3)
sdf_case("2d_three_classes_aniso", lab, 3, (0.5, 2.5))
full = np.ones((1, 6, 7), np.int64)
full[0, 2:4, 3] = 0
sdf_case("2d_almost_full", full, 2)
sdf_case("2d_one_class_everywhere", np.ones((1, 5, 5), np.int64), 2)
lab3 = np.zeros((1, 9, 12, 10), np.int64)
lab3[0][blobs((9, 12, 10), 3, 2, 4)] = 1
sdf_case("3d", lab3, 2, (2.5, 1.0, 0.5))


def label_case(name, mask, conn):
    mask = np.asarray(mask, bool)
    want, count = nd.label(mask, nd.generate_binary_structure(mask.ndim, conn))
    cases.append({"kind": "label", "name": name, "shape": list(mask.shape),
                  "connectivity": conn, "mask": ints(mask), "want": ints(want),
                  "count": int(count)})


m2 = rng.random((31, 27)) < 0.45
for c in (1, 2):
    label_case(f"2d_noise_conn{c}", m2, c)
diag = np.eye(9, dtype=bool) | np.eye(9, dtype=bool)[::-1]
for c in (1, 2):
    label_case(f"2d_diagonals_conn{c}", diag, c)
spiral = np.zeros((15, 15), bool)
spiral[1, 1:14] = spiral[1:14, 13] = spiral[13, 1:14] = spiral[3:14, 1] = True
spiral[3, 1:12] = spiral[3:12, 11] = spiral[11, 3:12] = spiral[5:12, 3] = True
label_case("2d_spiral_u", spiral, 1)
m3 = rng.random((7, 9, 8)) < 0.35
for c in (1, 2, 3):
    label_case(f"3d_noise_conn{c}", m3, c)
label_case("1d", rng.random(30) < 0.5, 1)


def cells(shape, k, r):
    """Touching discs: k random centres, each pixel within r of a centre
    belongs to the nearest one (Voronoi cells cut by discs), with
    one-pixel gaps where two cells meet."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    cs = np.stack([rng.uniform(0, shape[0], k), rng.uniform(0, shape[1], k)], 1)
    d = np.sqrt((yy[..., None] - cs[:, 0]) ** 2 + (xx[..., None] - cs[:, 1]) ** 2)
    near = d.argmin(-1)
    lab = np.where(d.min(-1) <= r, near + 1, 0)
    # a gap: a pixel whose right or lower neighbour is another cell
    gap = np.zeros(shape, bool)
    gap[:, :-1] |= (lab[:, :-1] != lab[:, 1:]) & (lab[:, 1:] != 0) & (lab[:, :-1] != 0)
    gap[:-1, :] |= (lab[:-1, :] != lab[1:, :]) & (lab[1:, :] != 0) & (lab[:-1, :] != 0)
    lab[gap] = 0
    return lab


def weight_case(name, instances, w0=10.0, sigma=5.0, wc=None, sampling=None):
    want = unet_weight_map(instances, w0, sigma, wc, sampling)
    cases.append({"kind": "weight", "name": name, "shape": list(instances.shape),
                  "w0": w0, "sigma": sigma, "class_weights": wc,
                  "spacing": list(sampling) if sampling is not None else None,
                  "instances": ints(instances), "want": flat(want)})


inst = cells((48, 40), 9, 9)
weight_case("cells", inst)
weight_case("cells_sigma3_w0_5", inst, 5.0, 3.0)
weight_case("cells_class_weights", inst, wc=[1.0, 2.0])
weight_case("cells_aniso", inst, sampling=(0.5, 1.5))
ids = np.zeros((20, 30), np.int64)
ids[5:9, 4:10] = 7
ids[5:9, 11:15] = 1000
ids[12:16, 20:26] = 3
weight_case("sparse_ids", ids)
solo = np.zeros((12, 12), np.int64)
solo[3:6, 3:6] = 4
weight_case("one_instance", solo)


def surface_distance(a, b, sampling):
    """MONAI's get_surface_distance(a, b): distances of a's edge voxels to
    b's edges."""
    if not b.any():
        return np.full(a.sum(), np.inf)
    if not a.any():
        return np.full(b.sum(), np.inf)
    return nd.distance_transform_edt(~b, sampling=sampling)[a]


def surface_case(name, pred, ref, sampling=None, percentiles=(100, 95, 50), taus=(0.0, 1.0, 2.5)):
    pred, ref = np.asarray(pred, bool), np.asarray(ref, bool)
    ep, er = mask_edges(pred), mask_edges(ref)
    d1 = surface_distance(ep, er, sampling)
    d2 = surface_distance(er, ep, sampling)
    hd, hd_directed = [], []
    for p in percentiles:
        if ep.any() != er.any():
            # One empty: MONAI's distances are all +Inf (numpy's linear
            # interpolation between two infinities would say NaN).
            hd.append(float("inf"))
            hd_directed.append(float("inf"))
            continue
        a = np.nan if d1.size == 0 else np.percentile(d1, p)
        b = np.nan if d2.size == 0 else np.percentile(d2, p)
        hd.append(float(max(a, b)) if not (np.isnan(a) or np.isnan(b)) else float("nan"))
        hd_directed.append(float(a))
    both = np.concatenate([d1, d2])
    asd = float("nan") if d1.size == 0 else float(d1.mean())
    assd = float("nan") if both.size == 0 else float(both.mean())
    nsd = []
    for t in taus:
        tot = d1.size + d2.size
        nsd.append(float("nan") if tot == 0 else float(((d1 <= t).sum() + (d2 <= t).sum()) / tot))
    enc = lambda v: v if np.isfinite(v) else str(v)
    cases.append({"kind": "surface", "name": name, "shape": list(pred.shape),
                  "spacing": list(sampling) if sampling is not None else None,
                  "pred": ints(pred), "ref": ints(ref),
                  "percentiles": list(percentiles), "hd": [enc(v) for v in hd],
                  "hd_directed": [enc(v) for v in hd_directed],
                  "asd": enc(asd), "assd": enc(assd), "taus": list(taus), "nsd": [enc(v) for v in nsd],
                  "pred_to_ref": flat(np.sort(d1)) if np.isfinite(d1).all() else None})


a2 = blobs((40, 33), 4, 3, 10)
b2 = a2.copy()
b2[5:15, 5:12] ^= True
surface_case("2d", a2, b2)
surface_case("2d_aniso", a2, b2, (0.5, 2.5))
surface_case("2d_shifted", np.roll(a2, 3, 1), a2, (1.0, 1.0), (100, 95, 99, 0, 5))
a3 = blobs((17, 19, 15), 3, 3, 7)
b3 = blobs((17, 19, 15), 3, 3, 7)
surface_case("3d", a3, b3, None)
surface_case("3d_aniso", a3, b3, (2.5, 1.0, 0.5))
edge = np.zeros((10, 12), bool)
edge[0:4, :] = True
surface_case("2d_touching_border", edge, np.roll(edge, 2, 0))
surface_case("2d_pred_empty", np.zeros((8, 9), bool), edge[:8, :9])
surface_case("2d_ref_empty", edge[:8, :9], np.zeros((8, 9), bool))
surface_case("2d_both_empty", np.zeros((8, 9), bool), np.zeros((8, 9), bool))

# --- the loss terms, with torch autograd ------------------------------------

import torch  # noqa: E402

torch.set_default_dtype(torch.float64)


def f32(a):
    """The float32 values of a, as float64."""
    return np.asarray(a, np.float32).astype(np.float64)


def boundary_case(name, logits, labels, classes, include_background=False, sigmoid=False, targets=None):
    """Kervadec's SurfaceLoss: mean over batch, idc, pixels of probs*dist."""
    x = torch.tensor(f32(logits), requires_grad=True)
    if sigmoid:
        probs = torch.sigmoid(x)
        phi = np.stack([np.stack([one_hot2dist(t.astype(np.int64), 2, None)[1] for t in img]) for img in targets])
        pc, dc = probs, torch.tensor(phi)
    else:
        probs = torch.softmax(x, 1)
        phi = np.stack([one_hot2dist(l, classes, None) for l in labels])
        idc = list(range(0 if include_background else 1, classes))
        pc, dc = probs[:, idc], torch.tensor(phi)[:, idc]
    loss = torch.einsum("bk...,bk...->bk...", pc, dc).mean()
    loss.backward()
    cases.append({"kind": "boundary", "name": name, "shape": list(logits.shape[2:]),
                  "n": int(logits.shape[0]), "classes": int(logits.shape[1]),
                  "include_background": include_background, "sigmoid": sigmoid,
                  "logits": flat(f32(logits)), "labels": ints(labels) if labels is not None else None,
                  "targets": flat(targets) if targets is not None else None,
                  "phi": flat(phi), "loss": float(loss), "grad": flat(x.grad)})


def hdt_case(name, logits, labels=None, targets=None, alpha=2.0, include_background=False, log=False, sigmoid=False):
    """MONAI's HausdorffDTLoss (softmax + to_onehot_y, or sigmoid), literal."""
    x = torch.tensor(f32(logits), requires_grad=True)
    C = logits.shape[1]
    if sigmoid:
        inp = torch.sigmoid(x)
        tgt = torch.tensor(f32(targets))
    else:
        inp = torch.softmax(x, 1)
        tgt = torch.nn.functional.one_hot(torch.tensor(labels), C).movedim(-1, 1).double()
        if not include_background and C > 1:
            inp, tgt = inp[:, 1:], tgt[:, 1:]
    all_f = []
    for i in range(inp.shape[1]):
        ch_in, ch_t = inp[:, [i]], tgt[:, [i]]
        pred_dt = torch.tensor(monai_distance_field(ch_in.detach().numpy()))
        target_dt = torch.tensor(monai_distance_field(ch_t.detach().numpy()))
        err = (ch_in - ch_t) ** 2
        dist = pred_dt ** alpha + target_dt ** alpha
        all_f.append((err * dist).mean(dim=list(range(2, inp.dim())), keepdim=True))
    loss = torch.cat(all_f, 1).mean()
    if log:
        loss = torch.log(loss + 1)
    loss.backward()
    cases.append({"kind": "hdt", "name": name, "shape": list(logits.shape[2:]),
                  "n": int(logits.shape[0]), "classes": C, "alpha": alpha,
                  "include_background": include_background, "log": log, "sigmoid": sigmoid,
                  "logits": flat(f32(logits)), "labels": ints(labels) if labels is not None else None,
                  "targets": flat(f32(targets)) if targets is not None else None,
                  "loss": float(loss), "grad": flat(x.grad)})


def noisy_logits(labels, C, scale=2.0):
    """Logits that mostly agree with labels, with noise."""
    oh = np.moveaxis(np.eye(C)[labels], -1, 1)
    return (oh * 3 + rng.normal(0, scale, oh.shape)).astype(np.float32)


lb = np.zeros((2, 19, 23), np.int64)
lb[0][blobs((19, 23), 3, 2, 6)] = 1
lb[0][blobs((19, 23), 2, 2, 4)] = 2
lb[1][blobs((19, 23), 3, 2, 5)] = 2
xb = noisy_logits(lb, 3)
boundary_case("softmax", xb, lb, 3)
boundary_case("softmax_background", xb, lb, 3, include_background=True)
tb = np.stack([np.stack([blobs((19, 23), 2, 2, 6), blobs((19, 23), 2, 2, 6)]) for _ in range(2)]).astype(np.float64)
xs = (tb * 4 - 2 + rng.normal(0, 2, tb.shape)).astype(np.float32)
boundary_case("sigmoid", xs, None, 2, sigmoid=True, targets=tb)
hdt_case("softmax", xb, lb)
hdt_case("softmax_background", xb, lb, include_background=True)
hdt_case("softmax_alpha1.5_log", xb, lb, alpha=1.5, log=True)
hdt_case("sigmoid", xs, targets=tb, sigmoid=True)
hdt_case("sigmoid_soft_targets_log", xs, targets=np.clip(tb * 0.8 + rng.uniform(0, 0.2, tb.shape), 0, 1), sigmoid=True, log=True)
l3 = np.zeros((1, 7, 9, 8), np.int64)
l3[0][blobs((7, 9, 8), 2, 2, 4)] = 1
hdt_case("softmax_3d", noisy_logits(l3, 2, 3.0), l3)
hdt_case("softmax_absent_class", noisy_logits(lb[1:], 3), lb[1:])

out = {"scipy": scipy.__version__, "torch": torch.__version__, "cases": cases}
data = json.dumps(out, separators=(",", ":"), allow_nan=False).encode()
with open("testdata/distance.json.gz", "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
        g.write(data)
print(f"{len(cases)} cases, {len(data)} bytes of JSON")
