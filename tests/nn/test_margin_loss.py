"""Margin and embedding losses, and the distances they use, against torch 2.13: values and
gradients (float32 and float64, every reduction and option), the modules' reprs, attributes
and buffers, and torch's errors; labels out of range fail before any kernel reads them."""
import numpy as np
import pytest

import numbagrad as ng
from tests.nn._loss_compare import compare, raises_like

torch = pytest.importorskip("torch")

REDUCTIONS = ("mean", "sum", "none")
DTYPES = (np.float32, np.float64)
rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4))
Y = rng.normal(size=(3, 4))
Z = rng.normal(size=(3, 4))
SIGNS = np.array([1.0, -1.0, 1.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(dtype, reduction, margin):
    compare(ng, torch, "cosine_embedding_loss", [X, Y, SIGNS], dtype, grads=[True, True, False],
            reduction=reduction, margin=margin)
    compare(ng, torch, "cosine_embedding_loss", [X[0], Y[0], np.array(-1.0)], dtype,
            grads=[True, True, False], reduction=reduction, margin=-0.5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(dtype, reduction, margin):
    compare(ng, torch, "margin_ranking_loss", [X[0], Y[0], np.array([1.0, -1, 1, -1])], dtype,
            reduction=reduction, margin=margin)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_and_soft_margin_loss(dtype, reduction):
    labels = np.sign(Y)
    labels[0, 0] = 0.0  # neither 1 nor -1: torch adds both terms
    compare(ng, torch, "hinge_embedding_loss", [X, labels], dtype, grads=[True, False],
            reduction=reduction, margin=0.7)
    compare(ng, torch, "soft_margin_loss", [X * 3, np.sign(Y)], dtype, grads=[True, False],
            reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (2, True), (1, False), (3, True)])
def test_triplet_margin_loss(dtype, reduction, p, swap):
    compare(ng, torch, "triplet_margin_loss", [X, Y, Z], dtype, reduction=reduction, p=p,
            swap=swap, margin=2.0)
    compare(ng, torch, "triplet_margin_loss", [X[0], Y[0], Z[0]], dtype, reduction=reduction,
            p=p, swap=swap, margin=2.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(reduction, swap):
    compare(ng, torch, "triplet_margin_with_distance_loss", [X, Y, Z], reduction=reduction,
            swap=swap, margin=1.5)
    ours = ng.nn.functional.triplet_margin_with_distance_loss(
        *(ng.tensor(a) for a in (X, Y, Z)), distance_function=lambda a, b: (a - b).abs().sum(1))
    theirs = torch.nn.functional.triplet_margin_with_distance_loss(
        *(torch.tensor(a) for a in (X, Y, Z)), distance_function=lambda a, b: (a - b).abs().sum(1))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(dtype, reduction, p):
    target = np.array([0, 3, 1])
    compare(ng, torch, "multi_margin_loss", [X, target], dtype, reduction=reduction, p=p,
            margin=1.5)
    compare(ng, torch, "multi_margin_loss", [X, target], dtype, reduction=reduction, p=p,
            weight=np.array([0.5, 1.0, 2.0, 3.0]))
    compare(ng, torch, "multi_margin_loss", [X[0], np.array(2)], dtype, reduction=reduction,
            p=p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(dtype, reduction):
    # Labels stop at the first -1; a repeated label counts twice, as in torch's kernel.
    target = np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0]])
    compare(ng, torch, "multilabel_margin_loss", [X, target], dtype, reduction=reduction)
    compare(ng, torch, "multilabel_margin_loss", [X[0], target[0]], dtype, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(dtype, reduction):
    labels = (Y > 0).astype(float)
    compare(ng, torch, "multilabel_soft_margin_loss", [X, labels], dtype, reduction=reduction)
    compare(ng, torch, "multilabel_soft_margin_loss", [X, labels], dtype, reduction=reduction,
            weight=rng.random(4))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dtype, dim):
    compare(ng, torch, "cosine_similarity", [X, Y], dtype, dim=dim)
    zero = X.copy()
    zero[1] = 0.0  # a zero vector: its norm is clamped at eps, its gradient finite
    compare(ng, torch, "cosine_similarity", [zero, Y[:1]], dtype, dim=1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [1, 2, 3, 0.5])
def test_pairwise_distance(dtype, p):
    compare(ng, torch, "pairwise_distance", [X, Y], dtype, p=p)
    compare(ng, torch, "pairwise_distance", [X[0], Y[0]], dtype, p=p, keepdim=True)
    compare(ng, torch, "pairwise_distance", [X, Y], dtype, p=p, eps=0.0, keepdim=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2, 1, 3, 0, float("inf")])
def test_pdist(dtype, p):
    rows = rng.normal(size=(4, 3))
    rows[2] = rows[0]  # a zero distance: gradient 0, as torch's
    compare(ng, torch, "pdist", [rows], dtype, p=p)


def test_pdist_of_one_row_is_empty():
    assert ng.nn.functional.pdist(ng.ones(1, 3)).shape == (0,)


@pytest.mark.parametrize("call", [
    lambda t: t.nn.functional.cosine_embedding_loss(t.ones(2, 3), t.ones(2, 3), t.ones(2, 1)),
    lambda t: t.nn.functional.cosine_embedding_loss(t.ones(3), t.ones(3), t.ones(2)),
    lambda t: t.nn.functional.cosine_embedding_loss(t.ones(2, 3), t.ones(2, 3), t.tensor(1.0)),
    lambda t: t.nn.functional.triplet_margin_loss(t.ones(2, 3), t.ones(2, 3), t.ones(3)),
    lambda t: t.nn.functional.triplet_margin_with_distance_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 3), margin=0),
    lambda t: t.nn.functional.triplet_margin_with_distance_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 3), reduction="x"),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3), t.zeros(2, dtype=t.long), p=3),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3), t.zeros(2, dtype=t.long),
                                                weight=t.ones(3, 1)),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3), t.zeros(2, dtype=t.long),
                                                weight=t.ones(2)),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3), t.zeros(3, dtype=t.long)),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3, 1), t.zeros(2, dtype=t.long)),
    lambda t: t.nn.functional.multi_margin_loss(t.ones(2, 3), t.zeros(2)),
    lambda t: t.nn.functional.multilabel_margin_loss(t.ones(2, 3), t.zeros(2, 2, dtype=t.long)),
    lambda t: t.nn.functional.multilabel_margin_loss(t.ones(2, 3),
                                                     t.tensor([[3, -1, 0], [0, -1, 0]])),
    lambda t: t.nn.functional.multilabel_margin_loss(t.ones(2, 3, 1),
                                                     t.zeros(2, 3, 1, dtype=t.long)),
    lambda t: t.nn.functional.multilabel_soft_margin_loss(t.ones(2, 3), t.ones(2, 3),
                                                          reduction="x"),
    lambda t: t.nn.functional.soft_margin_loss(t.ones(3), t.ones(3), reduction="x"),
    lambda t: t.nn.functional.pdist(t.ones(2, 3, 4)),
    lambda t: t.nn.functional.pdist(t.ones(2, 3), p=-1),
    lambda t: t.nn.functional.cosine_similarity(t.ones(2, 3, dtype=t.long),
                                                t.ones(2, 3, dtype=t.long)),
    lambda t: t.nn.functional.cosine_embedding_loss(t.ones(2, 3), t.ones(2, 3), t.ones(3)),
    lambda t: t.nn.functional.cosine_embedding_loss(t.ones(2, 3), t.ones(2, 4), t.ones(2)),
    lambda t: t.nn.functional.margin_ranking_loss(t.ones(3), t.ones(2), t.ones(3)),
    lambda t: t.nn.functional.margin_ranking_loss(t.ones(3), t.ones(3), t.ones(3, 1)),
    lambda t: t.nn.functional.hinge_embedding_loss(t.ones(3), t.ones(2)),
    lambda t: t.nn.functional.soft_margin_loss(t.ones(3), t.ones(2)),
    lambda t: t.nn.functional.multilabel_soft_margin_loss(t.ones(2, 3), t.ones(2, 4)),
    lambda t: t.nn.functional.cosine_similarity(t.ones(2, 3), t.ones(2, 4)),
    lambda t: t.nn.functional.pairwise_distance(t.ones(2, 3), t.ones(2, 4)),
    lambda t: t.nn.functional.triplet_margin_loss(t.ones(2, 3), t.ones(2, 4), t.ones(2, 3)),
    lambda t: t.nn.functional.triplet_margin_loss(t.ones(2, 3), t.ones(2, 3), t.ones(4, 3)),
    lambda t: t.nn.TripletMarginLoss(margin=0),
    lambda t: t.nn.TripletMarginWithDistanceLoss(margin=-1.0),
    lambda t: t.nn.MultiMarginLoss(p=3),
    lambda t: t.nn.MultiMarginLoss(weight=t.ones(2, 2)),
])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_errors_match_torch(call):
    raises_like(ng, torch, call)


def test_out_of_range_labels_fail_cleanly():
    F = ng.nn.functional
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(ng.ones(2, 3), ng.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(ng.ones(2, 3), ng.tensor([-1, 0]))
    with pytest.raises(RuntimeError, match="out of range"):
        F.multilabel_margin_loss(ng.ones(1, 3), ng.tensor([[0, 7, -1]]))


MODULES = [
    ("CosineEmbeddingLoss", dict(margin=0.2), [X, Y, SIGNS]),
    ("MarginRankingLoss", dict(margin=0.2), [X[0], Y[0], np.array([1.0, -1, 1, -1])]),
    ("HingeEmbeddingLoss", dict(margin=0.5), [X, np.sign(Y)]),
    ("SoftMarginLoss", dict(reduction="sum"), [X, np.sign(Y)]),
    ("TripletMarginLoss", dict(margin=2.0, p=1.0, eps=1e-3, swap=True), [X, Y, Z]),
    ("TripletMarginWithDistanceLoss", dict(margin=2.0, swap=True), [X, Y, Z]),
    ("MultiMarginLoss", dict(p=2, margin=0.5), [X, np.array([0, 3, 1])]),
    ("MultiLabelMarginLoss", dict(reduction="none"), [X, np.array([[3, 0, -1, 1]] * 3)]),
    ("MultiLabelSoftMarginLoss", dict(), [X, (Y > 0).astype(float)]),
    ("PairwiseDistance", dict(p=1.0, eps=0.0, keepdim=True), [X, Y]),
    ("CosineSimilarity", dict(dim=0, eps=1e-3), [X, Y]),
]


@pytest.mark.parametrize("name,kwargs,arrays", MODULES)
def test_modules_match_torch(name, kwargs, arrays):
    ours, theirs = getattr(ng.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert repr(getattr(ng.nn, name)()) == repr(getattr(torch.nn, name)())
    for key, value in kwargs.items():
        attribute = "norm" if (name, key) == ("PairwiseDistance", "p") else key
        assert getattr(ours, attribute) == getattr(theirs, attribute) == value
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    grads = [a.dtype.kind == "f" and name not in ("HingeEmbeddingLoss", "SoftMarginLoss",
                                                  "MultiLabelSoftMarginLoss") or k == 0
             for k, a in enumerate(arrays)]
    if name in ("CosineEmbeddingLoss", "MarginRankingLoss"):
        grads[2] = False
    compare(ng, torch, None, arrays, grads=grads, module=(ours, theirs))


def test_weighted_modules_keep_weight_as_a_buffer():
    w = np.array([0.5, 1.0, 2.0, 3.0])
    for name in ("MultiMarginLoss", "MultiLabelSoftMarginLoss"):
        ours = getattr(ng.nn, name)(weight=ng.tensor(w))
        theirs = getattr(torch.nn, name)(weight=torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        target = (np.array([0, 3, 1]) if name == "MultiMarginLoss"
                  else (Y > 0).astype(float))
        compare(ng, torch, None, [X, target], grads=[True, False], module=(ours, theirs))
