"""Specs of ``numbagrad/ops/loss.py``: every loss under every reduction, with its options.

Class-index targets, weights and ``pos_weight`` are built deterministically inside ``fn`` from
the input's shape (labels ``(7 i + 3) mod C``, every third one from the second ignored where
the spec says so), so that the gradient check differentiates the scores alone. Probability and
binary targets are drawn like the inputs and differentiated too. Extreme logits and torch parity
are tested by hand in ``tests/nn/test_loss.py``.
"""
import numpy as np
from hypothesis import strategies as st

import numbagrad as ng
from tests.ops.spec import Spec

F = ng.nn.functional
REDUCTIONS = ("mean", "sum", "none")
IGNORE = 2  # the ignored label in the ``ignore`` specs (a real class, so it must be skipped)


def _labels(shape, classes, ignore=False):
    """int64 labels for an input of ``shape`` (N, C, *): ``(7 i + 3) mod C``."""
    target_shape = shape[:1] + shape[2:]
    t = (np.arange(int(np.prod(target_shape))) * 7 + 3) % classes
    if ignore:
        t[1::3] = IGNORE  # the first label is kept: a mean over no labels is nan
    return t.reshape(target_shape).astype(np.int64)


def _weight(classes):
    return np.linspace(0.5, 2.0, classes)


def _scores_shapes(min_dims=2, max_dims=2, n_inputs=1):
    def shapes(draw):
        rank = draw(st.integers(min_dims, max_dims))
        shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        return [shape] * n_inputs
    return shapes


def _log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def _reduce(loss, reduction, denominator=None):
    if reduction == "none":
        return loss
    total = loss.sum()
    return total if reduction == "sum" else total / (loss.size if denominator is None
                                                     else denominator)


def _class_ref(x, reduction, weighted=False, ignore=False, smoothing=0.0, log_probs=False):
    """torch's cross-entropy (or NLL, ``log_probs``) of class labels, in NumPy."""
    classes = x.shape[1]
    t = _labels(x.shape, classes, ignore)
    lp = x if log_probs else _log_softmax(x)
    w = _weight(classes) if weighted else np.ones(classes)
    keep = t != IGNORE if ignore else np.ones(t.shape, bool)
    t = np.where(keep, t, 0)  # the ignored label may be no class at all (C <= 2)
    picked = np.take_along_axis(lp, t[:, None], 1)[:, 0]
    wt = w[t] * keep
    loss = -wt * picked
    if smoothing:
        wb = w.reshape((1, classes) + (1,) * (x.ndim - 2))
        smooth = -(lp * wb).sum(axis=1) * keep
        loss = (1 - smoothing) * loss + smoothing / classes * smooth
    return _reduce(loss, reduction, wt.sum())


def _prob_ref(x, y, reduction, weighted=False, smoothing=0.0):
    classes = x.shape[1]
    w = _weight(classes) if weighted else np.ones(classes)
    wb = w.reshape((1, classes) + (1,) * (x.ndim - 2))
    y = y * (1 - smoothing) + smoothing / classes
    loss = -(_log_softmax(x) * y * wb).sum(axis=1)
    return _reduce(loss, reduction)


def _ce(reduction, weighted=False, ignore=False, smoothing=0.0):
    def fn(x):
        classes = x.shape[1]
        return F.cross_entropy(
            x, ng.tensor(_labels(tuple(x.shape), classes, ignore), device=x.device),
            weight=(ng.tensor(_weight(classes), dtype=x.dtype, device=x.device) if weighted
                    else None),
            ignore_index=IGNORE if ignore else -100, reduction=reduction,
            label_smoothing=smoothing)
    return fn


def _ce_probs(reduction, weighted=False, smoothing=0.0):
    def fn(x, y):
        weight = (ng.tensor(_weight(x.shape[1]), dtype=x.dtype, device=x.device) if weighted
                  else None)
        return F.cross_entropy(x, y, reduction=reduction, label_smoothing=smoothing,
                               weight=weight)
    return fn


def _nll(reduction):
    def fn(x):
        classes = x.shape[1]
        return F.nll_loss(x, ng.tensor(_labels(tuple(x.shape), classes, True), device=x.device),
                          weight=ng.tensor(_weight(classes), dtype=x.dtype, device=x.device),
                          ignore_index=IGNORE, reduction=reduction)
    return fn


def _bce_ref(x, y, reduction, weighted=False):
    loss = -(y * np.log(x) + (1 - y) * np.log1p(-x))
    if weighted:
        loss = loss * _weight(x.shape[-1])
    return _reduce(loss, reduction)


def _bce(reduction, weighted=False):
    def fn(x, y):
        w = ng.tensor(_weight(x.shape[-1]), dtype=x.dtype, device=x.device) if weighted else None
        return F.binary_cross_entropy(x, y, weight=w, reduction=reduction)
    return fn


def _bce_logits_ref(x, y, reduction, weighted=False):
    pos = _weight(x.shape[-1]) if weighted else 1.0
    softplus_neg = np.logaddexp(0.0, -x)
    loss = (1 - y) * x + (1 + (pos - 1) * y) * softplus_neg
    if weighted:
        loss = loss * _weight(x.shape[-1])[::-1]
    return _reduce(loss, reduction)


def _bce_logits(reduction, weighted=False):
    def fn(x, y):
        if not weighted:
            return F.binary_cross_entropy_with_logits(x, y, reduction=reduction)
        w = _weight(x.shape[-1])
        return F.binary_cross_entropy_with_logits(
            x, y, weight=ng.tensor(w[::-1].copy(), dtype=x.dtype, device=x.device),
            pos_weight=ng.tensor(w, dtype=x.dtype, device=x.device), reduction=reduction)
    return fn


def _apart(arrays):
    """Keep ``x - y`` at least 0.05 from 0, the kink of ``|x - y|``."""
    x, y = arrays
    d = x - y
    return [np.where(np.abs(d) < 0.05, y + np.where(d >= 0, 0.1, -0.1), x), y]


def _ctc_shapes(draw):
    # T >= 4: a target of two equal labels needs 3 steps (a blank between them).
    return [(draw(st.integers(4, 6)), draw(st.integers(1, 3)), draw(st.integers(2, 4)))]


def _ctc_targets(shape):
    """Padded labels in ``[1, C)`` (0 is the blank), with lengths ``(n % 2) + 1``, and the
    input lengths ``T - (n % 2)``."""
    steps, batch, classes = shape
    labels = (np.arange(batch * 2).reshape(batch, 2) % (classes - 1)) + 1
    target_lengths = np.arange(batch) % 2 + 1
    input_lengths = steps - np.arange(batch) % 2
    return labels.astype(np.int64), input_lengths, target_lengths


def _ctc(reduction, zero_infinity=False):
    def fn(x):
        labels, il, tl = _ctc_targets(tuple(x.shape))
        return F.ctc_loss(F.log_softmax(x, 2), ng.tensor(labels, device=x.device),
                          ng.tensor(il), ng.tensor(tl), reduction=reduction,
                          zero_infinity=zero_infinity)
    return fn


def _ctc_ref(x, reduction):
    """-log of the summed probabilities of all alignments, by the alpha recursion in NumPy."""
    lp = x - np.log(np.exp(x - x.max(2, keepdims=True)).sum(2, keepdims=True)) - x.max(
        2, keepdims=True)
    labels, il, tl = _ctc_targets(x.shape)
    losses = []
    for n in range(x.shape[1]):
        ext = [0]
        for c in labels[n, :tl[n]]:
            ext += [int(c), 0]
        alpha = np.zeros(len(ext))
        alpha[0] = np.exp(lp[0, n, 0])
        alpha[1] = np.exp(lp[0, n, ext[1]])
        for t in range(1, il[n]):
            new = np.zeros_like(alpha)
            for s, c in enumerate(ext):
                total = alpha[s] + (alpha[s - 1] if s > 0 else 0.0)
                if s > 1 and c != 0 and ext[s - 2] != c:
                    total += alpha[s - 2]
                new[s] = total * np.exp(lp[t, n, c])
            alpha = new
        losses.append(-np.log(alpha[-1] + alpha[-2]))
    losses = np.array(losses)
    if reduction == "mean":
        return (losses / np.maximum(tl, 1)).mean()
    return _reduce(losses, reduction)


def _sigmoid_log(x):
    return -np.logaddexp(0.0, -x)


def _rows(min_rows=1):
    def shapes(draw):
        shape = (draw(st.integers(min_rows, 4)), draw(st.integers(1, 4)))
        return [shape]
    return shapes


def _pairs_of_rows(n_inputs):
    def shapes(draw):
        shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        return [shape] * n_inputs
    return shapes


def _rows_apart(arrays):
    """Keep the rows of ``x`` apart: a norm has a kink where the distance is 0."""
    (x,) = arrays
    return [x + np.arange(x.shape[0])[:, None] * 7.0]


def _alternating(n, device):
    return ng.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(n)], device=device)


def _cosine_embedding_ref(x1, x2, r):
    cos = (x1 * x2).sum(1) / np.sqrt(((x1 * x1).sum(1) + 1e-12) * ((x2 * x2).sum(1) + 1e-12))
    t = np.array([1.0 if i % 2 == 0 else -1.0 for i in range(x1.shape[0])])
    return _reduce(np.where(t == 1, 1 - cos, cos + 1.0), r)


def _composite_specs():
    """The losses composed from existing ops: their gradients and CUDA parity come from those
    ops, checked here once through the composition."""
    pair = dict(n_inputs=2, broadcast=False)
    specs = [
        Spec("smooth_l1_loss_beta", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
             lambda x, y: np.where(np.abs(x - y) < 0.5, (x - y) ** 2, np.abs(x - y) - 0.25)
             .mean(), covers=("where", "abs"), **pair),
        Spec("huber_loss_none", lambda x, y: F.huber_loss(x, y, reduction="none", delta=0.7),
             lambda x, y: np.where(np.abs(x - y) < 0.7, 0.5 * (x - y) ** 2,
                                   0.7 * (np.abs(x - y) - 0.35)), covers=("where",), **pair),
        Spec("kl_div_batchmean", lambda x, y: F.kl_div(x, y, reduction="batchmean"),
             lambda x, y: (y * (np.log(y) - x)).sum() / (x.shape[0] if x.ndim else 1),
             low=0.05, high=1.0, covers=("xlogy",), **pair),
        Spec("kl_div_log_target", lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True),
             lambda x, y: (np.exp(y) * (y - x)).sum(), covers=("exp",), **pair),
        Spec("poisson_nll_loss", lambda x, y: F.poisson_nll_loss(x, y, reduction="sum"),
             lambda x, y: (np.exp(x) - y * x).sum(), low=-2.0, high=2.0, covers=("exp",),
             **pair),
        Spec("gaussian_nll_loss", lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True),
             lambda x, y, v: (0.5 * (np.log(v) + (x - y) ** 2 / v) + 0.5 * np.log(2 * np.pi))
             .mean(), n_inputs=3, broadcast=False, low=0.1, high=3.0, covers=("log",)),
        Spec("soft_margin_loss", lambda x, y: F.soft_margin_loss(x, y, reduction="none"),
             lambda x, y: np.log1p(np.exp(-x * y)), covers=("log1p",), **pair),
        Spec("multilabel_soft_margin_loss",
             lambda x, y: F.multilabel_soft_margin_loss(x, y, reduction="none"),
             lambda x, y: -(y * _sigmoid_log(x) + (1 - y) * _sigmoid_log(-x)).mean(-1),
             n_inputs=2, shapes=_pairs_of_rows(2), covers=("logsigmoid",)),
        Spec("cosine_embedding_loss",
             lambda x1, x2: F.cosine_embedding_loss(x1, x2, _alternating(x1.shape[0], x1.device),
                                                    margin=-1.0, reduction="sum"),
             lambda x1, x2: _cosine_embedding_ref(x1, x2, "sum"), n_inputs=2,
             shapes=_pairs_of_rows(2), covers=("where", "sqrt")),
        Spec("cosine_similarity", lambda x1, x2: F.cosine_similarity(x1, x2, dim=-1),
             lambda x1, x2: (x1 * x2).sum(-1) / np.maximum(
                 np.sqrt((x1 * x1).sum(-1)), 1e-8) / np.maximum(np.sqrt((x2 * x2).sum(-1)), 1e-8),
             n_inputs=2, shapes=_pairs_of_rows(2), covers=("vector_norm", "div")),
        Spec("pairwise_distance", lambda x1, x2: F.pairwise_distance(x1, x2, p=3.0),
             lambda x1, x2: (np.abs(x1 - x2 + 1e-6) ** 3).sum(-1) ** (1 / 3), n_inputs=2,
             shapes=_pairs_of_rows(2), fix=_apart, covers=("vector_norm",)),
        Spec("pdist", lambda x: F.pdist(x),
             lambda x: np.array([np.sqrt(((x[i] - x[j]) ** 2).sum())
                                 for i in range(x.shape[0]) for j in range(i + 1, x.shape[0])]),
             shapes=_rows(2), fix=_rows_apart, covers=("index", "vector_norm")),
    ]
    return specs


def _specs():
    specs = _composite_specs()
    for r in REDUCTIONS:
        specs.append(Spec(f"ctc_loss_{r}", _ctc(r), lambda x, r=r: _ctc_ref(x, r),
                          shapes=_ctc_shapes, covers=("ctc_loss", "log_softmax")))
    for r in REDUCTIONS:
        specs += [
            Spec(f"cross_entropy_{r}", _ce(r), lambda x, r=r: _class_ref(x, r),
                 shapes=_scores_shapes(), covers=("cross_entropy",)),
            Spec(f"cross_entropy_spatial_options_{r}", _ce(r, True, True, 0.2),
                 lambda x, r=r: _class_ref(x, r, True, True, 0.2),
                 shapes=_scores_shapes(3, 4), covers=("cross_entropy",)),
            Spec(f"cross_entropy_smoothing_{r}", _ce(r, False, True, 0.3),
                 lambda x, r=r: _class_ref(x, r, False, True, 0.3),
                 shapes=_scores_shapes(), covers=("cross_entropy",)),
            Spec(f"cross_entropy_probs_{r}", _ce_probs(r), lambda x, y, r=r: _prob_ref(x, y, r),
                 n_inputs=2, low=0.0, high=1.0, shapes=_scores_shapes(2, 3, 2),
                 covers=("cross_entropy",)),
            Spec(f"cross_entropy_probs_options_{r}", _ce_probs(r, True, 0.1),
                 lambda x, y, r=r: _prob_ref(x, y, r, True, 0.1), n_inputs=2, low=0.0, high=1.0,
                 shapes=_scores_shapes(2, 3, 2), covers=("cross_entropy",)),
            Spec(f"nll_loss_{r}", _nll(r), lambda x, r=r: _class_ref(x, r, True, True, 0.0, True),
                 shapes=_scores_shapes(2, 3), covers=("nll_loss",)),
            Spec(f"mse_loss_{r}", lambda x, y, r=r: F.mse_loss(x, y, reduction=r),
                 lambda x, y, r=r: _reduce((x - y) ** 2, r), n_inputs=2, broadcast=False,
                 covers=("mse_loss",)),
            Spec(f"l1_loss_{r}", lambda x, y, r=r: F.l1_loss(x, y, reduction=r),
                 lambda x, y, r=r: _reduce(np.abs(x - y), r), n_inputs=2, broadcast=False,
                 fix=_apart, covers=("sub", "abs")),
            Spec(f"binary_cross_entropy_{r}", _bce(r), lambda x, y, r=r: _bce_ref(x, y, r),
                 n_inputs=2, broadcast=False, low=0.05, high=0.95, fd_eps=1e-7,
                 covers=("binary_cross_entropy",)),
            Spec(f"binary_cross_entropy_weighted_{r}", _bce(r, True),
                 lambda x, y, r=r: _bce_ref(x, y, r, True), n_inputs=2, broadcast=False,
                 low=0.05, high=0.95, min_dims=1, fd_eps=1e-7, covers=("binary_cross_entropy",)),
            Spec(f"binary_cross_entropy_with_logits_{r}", _bce_logits(r),
                 lambda x, y, r=r: _bce_logits_ref(x, y, r), n_inputs=2, broadcast=False,
                 covers=("binary_cross_entropy_with_logits",)),
            Spec(f"binary_cross_entropy_with_logits_weights_{r}", _bce_logits(r, True),
                 lambda x, y, r=r: _bce_logits_ref(x, y, r, True), n_inputs=2, broadcast=False,
                 min_dims=1, covers=("binary_cross_entropy_with_logits",)),
        ]
    return specs


SPECS = _specs()
