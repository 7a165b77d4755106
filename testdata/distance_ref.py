"""Reference formulas of the distance family, shared by
testdata/distance_golden.py (golden cases) and bench/scipy/bench.py (the
scipy column of `go run ./bench -suite distance`): literal ports of the
peers' code, with scipy's transforms."""
import numpy as np
from scipy import ndimage as nd


def one_hot2dist(seg, classes, resolution):
    """Kervadec's one_hot2dist (boundary loss repository, utils.py),
    for labels; a class that fills the image gives zeros."""
    res = np.zeros((classes,) + seg.shape, np.float64)
    for k in range(classes):
        posmask = seg == k
        if posmask.any() and not posmask.all():
            negmask = ~posmask
            res[k] = nd.distance_transform_edt(negmask, sampling=resolution) * negmask \
                - (nd.distance_transform_edt(posmask, sampling=resolution) - 1) * posmask
    return res


def unet_weight_map(instances, w0=10.0, sigma=5.0, wc=None, sampling=None):
    """The U-Net weight map as the common port computes it."""
    ids = [i for i in np.unique(instances) if i != 0]
    w = np.zeros(instances.shape)
    if len(ids) >= 2:
        d = np.stack([nd.distance_transform_edt(instances != i, sampling=sampling) for i in ids], -1)
        d = np.sort(d, -1)
        d1, d2 = d[..., 0], d[..., 1]
        w = w0 * np.exp(-((d1 + d2) ** 2) / (2 * sigma ** 2)) * (instances == 0)
    fg = instances != 0
    n = instances.size
    if wc is None:
        wc = [n / (2 * (n - fg.sum())) if (n - fg.sum()) else 0.0, n / (2 * fg.sum()) if fg.sum() else 0.0]
    return w + np.where(fg, wc[1], wc[0])


def mask_edges(m):
    return m ^ nd.binary_erosion(m)


def monai_distance_field(img):
    """MONAI HausdorffDTLoss.distance_field on (B, 1, ...) with scipy."""
    field = np.zeros_like(img)
    for b in range(len(img)):
        fg = img[b] > 0.5
        if fg.any() and not fg.all():
            field[b] = nd.distance_transform_edt(fg) + nd.distance_transform_edt(~fg)
    return field
