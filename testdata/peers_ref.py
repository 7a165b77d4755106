"""Literal torch ports of the peers' region losses, shared by
testdata/peers_golden.py (golden cases) and bench/torch/bench.py (the
PyTorch column of the extra bench rows): MONAI's GeneralizedDiceLoss,
segmentation_models_pytorch's MCCLoss, TverskyLoss and Lovasz losses."""
import torch


def gdl(p, t, w_type="square", include_background=True, batch=False, smooth_nr=1e-5, smooth_dr=1e-5, reduction="mean"):
    """MONAI's GeneralizedDiceLoss after its activation (soft_label=False),
    literally: p and t of shape (N, C, ...)."""
    if not include_background and p.shape[1] > 1:
        p, t = p[:, 1:], t[:, 1:]
    axes = list(range(2, p.dim()))
    if batch:
        axes = [0] + axes
    tp = (p * t).sum(axes)
    fp = 0.5 * (p * (1 - t)).sum(axes)
    fn = 0.5 * ((1 - p) * t).sum(axes)
    den_c = 2 * (tp + fp + fn)
    ground = t.sum(axes)
    w = {"square": lambda x: torch.reciprocal(x * x), "simple": torch.reciprocal, "uniform": torch.ones_like}[w_type](ground)
    infs = torch.isinf(w)
    if batch:
        w[infs] = 0.0
        w = w + infs * torch.max(w)
    else:
        w[infs] = 0.0
        w = w + infs * torch.max(w, dim=1)[0].unsqueeze(1)
    dim = 0 if batch else 1
    numer = 2.0 * (tp * w).sum(dim, keepdim=True) + smooth_nr
    denom = (den_c * w).sum(dim, keepdim=True) + smooth_dr
    f = 1.0 - numer / denom
    return {"mean": f.mean(), "sum": f.sum(), "none": f}[reduction]


def mcc(p, t, eps=1e-5):
    """SMP's MCCLoss (segmentation_models_pytorch/losses/mcc.py): sums over
    the whole batch of one channel."""
    bs = t.shape[0]
    t = t.reshape(bs, 1, -1)
    p = p.reshape(bs, 1, -1)
    tp = torch.sum(p * t) + eps
    tn = torch.sum((1 - p) * (1 - t)) + eps
    fp = torch.sum(p * (1 - t)) + eps
    fn = torch.sum((1 - p) * t) + eps
    num = tp * tn - fp * fn
    den = torch.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return 1.0 - num.sum() / den.sum()



def smp_tversky(p, t, alpha, beta, gamma, smooth=0.0, eps=1e-7):
    """segmentation_models_pytorch TverskyLoss (multiclass / binary mode
    after activation): batch sums per class, absent classes masked to 0,
    then loss.mean() ** gamma."""
    dims = (0, 2)
    bs, C = p.shape[0], p.shape[1]
    p = p.reshape(bs, C, -1)
    t = t.reshape(bs, C, -1)
    inter = (p * t).sum(dims)
    fp = (p * (1 - t)).sum(dims)
    fn = ((1 - p) * t).sum(dims)
    score = (inter + smooth) / (inter + alpha * fp + beta * fn + smooth).clamp_min(eps)
    loss = 1.0 - score
    loss = loss * (t.sum(dims) > 0).double()
    return loss.mean() ** gamma


def _lovasz_grad(gt_sorted):
    p = len(gt_sorted)
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    if p > 1:
        jaccard[1:p] = jaccard[1:p] - jaccard[0:-1]
    return jaccard


def _smp_mean(values):
    values = list(values)
    if not values:
        return torch.tensor(0.0)
    return sum(values) / len(values)


def _lovasz_hinge_flat(logits, labels):
    if len(labels) == 0:
        return logits.sum() * 0.0
    labels = labels.type_as(logits)
    signs = 2.0 * labels - 1.0
    errors = 1.0 - logits * signs
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True, stable=True)
    grad = _lovasz_grad(labels[perm])
    return torch.dot(torch.relu(errors_sorted), grad)


def lovasz_hinge(logits, labels, per_image, ignore=None):
    def flat(x, y):
        x, y = x.reshape(-1), y.reshape(-1)
        if ignore is None:
            return x, y
        v = y != ignore
        return x[v], y[v]
    if per_image:
        return _smp_mean(_lovasz_hinge_flat(*flat(x, y)) for x, y in zip(logits, labels))
    return _lovasz_hinge_flat(*flat(logits, labels))


def _lovasz_softmax_flat(probas, labels, classes):
    if probas.numel() == 0:
        return probas.sum() * 0.0
    C = probas.size(1)
    losses = []
    for c in range(C):
        fg = (labels == c).type_as(probas)
        if classes == "present" and fg.sum() == 0:
            continue
        errors = (fg - probas[:, c]).abs()
        errors_sorted, perm = torch.sort(errors, dim=0, descending=True, stable=True)
        losses.append(torch.dot(errors_sorted, _lovasz_grad(fg[perm])))
    return _smp_mean(losses)


def lovasz_softmax(probas, labels, classes, per_image, ignore=None):
    def flat(p, y):
        C = p.shape[1]
        p = p.movedim(1, -1).reshape(-1, C)
        y = y.reshape(-1)
        if ignore is None:
            return p, y
        v = y != ignore
        return p[v], y[v]
    if per_image:
        return _smp_mean(_lovasz_softmax_flat(*flat(p.unsqueeze(0), y.unsqueeze(0)), classes) for p, y in zip(probas, labels))
    return _lovasz_softmax_flat(*flat(probas, labels), classes)
