"""Losses against torch 2.13: values and input gradients for every loss, reduction and option,
extreme logits, ignore_index, weights, label smoothing, and torch's errors (class and words)."""
import itertools
import warnings

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")
F, TF = ng.nn.functional, torch.nn.functional

REDUCTIONS = ("mean", "sum", "none")
DTYPES = {"float32": (np.float32, 1e-5, 1e-6), "float64": (np.float64, 1e-10, 1e-12)}


def _pair(array, requires_grad=True):
    """The same values as a numbagrad and a torch tensor (leaves requiring grad if floating)."""
    grad = requires_grad and np.issubdtype(array.dtype, np.floating)
    return (ng.tensor(array).requires_grad_(grad),
            torch.tensor(array).requires_grad_(grad))


def _check(ours, theirs, dtype, leaves=()):
    """Same value; after backward with the same random gradient, the same leaf gradients."""
    _, rtol, atol = DTYPES[dtype]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    if not leaves:
        return
    g = np.random.default_rng(0).standard_normal(tuple(ours.shape)).astype(DTYPES[dtype][0])
    ours.backward(ng.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b in leaves:
        if b.grad is None:
            assert a.grad is None
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


def _logits(shape, dtype, scale=3.0, seed=1):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(DTYPES[dtype][0])


def _labels(shape, classes, seed=2):
    return np.random.default_rng(seed).integers(0, classes, shape).astype(np.int64)


# ---------------------------------------------------------------------------- cross-entropy

CE_CASES = [
    # (input shape, label smoothing, weighted, ignore some)
    ((6, 5), 0.0, False, False),
    ((6, 5), 0.0, True, False),
    ((6, 5), 0.0, True, True),
    ((6, 5), 0.0, False, True),
    ((6, 5), 0.2, False, False),
    ((6, 5), 0.2, True, True),
    ((6, 5), 0.3, False, True),
    ((3, 4, 5), 0.0, True, True),
    ((2, 3, 4, 2), 0.1, True, True),
    ((2, 3, 2, 2, 2), 0.1, False, False),
    ((5,), 0.0, True, False),
    ((5,), 0.25, False, False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=str)
def test_cross_entropy_class_targets_match_torch(case, reduction, dtype):
    shape, smoothing, weighted, ignore = case
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    labels = _labels(target_shape, classes)
    if ignore:
        labels.reshape(-1)[::3] = 7  # every third sample ignored
    x, tx = _pair(_logits(shape, dtype))
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if ignore:
        kwargs["ignore_index"] = 7
    if weighted:
        w = np.linspace(0.5, 2.0, classes).astype(DTYPES[dtype][0])
        ours = F.cross_entropy(x, ng.tensor(labels), weight=ng.tensor(w), **kwargs)
        theirs = TF.cross_entropy(tx, torch.tensor(labels), weight=torch.tensor(w), **kwargs)
    else:
        ours = F.cross_entropy(x, ng.tensor(labels), **kwargs)
        theirs = TF.cross_entropy(tx, torch.tensor(labels), **kwargs)
    _check(ours, theirs, dtype, [(x, tx)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,smoothing,weighted", [((4, 5), 0.0, False), ((4, 5), 0.2, True),
                                                      ((2, 3, 4), 0.1, False), ((5,), 0.0, True)])
def test_cross_entropy_probability_targets_match_torch(shape, smoothing, weighted, reduction,
                                                       dtype):
    classes = shape[0] if len(shape) == 1 else shape[1]
    x, tx = _pair(_logits(shape, dtype))
    probs = np.random.default_rng(3).uniform(0, 1, shape).astype(DTYPES[dtype][0])
    y, ty = _pair(probs)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        w = np.linspace(0.5, 2.0, classes).astype(DTYPES[dtype][0])
        kwargs_ng = dict(kwargs, weight=ng.tensor(w))
        kwargs_t = dict(kwargs, weight=torch.tensor(w))
    else:
        kwargs_ng = kwargs_t = kwargs
    _check(F.cross_entropy(x, y, **kwargs_ng), TF.cross_entropy(tx, ty, **kwargs_t), dtype,
           [(x, tx), (y, ty)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_extreme_logits_are_finite(dtype):
    values = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0],
                       [1e4, 1e4, 1e4], [-1e4, 0.0, 0.0]], DTYPES[dtype][0])
    labels = np.array([2, 0, 1, 0])
    for smoothing in (0.0, 0.1):
        x, tx = _pair(values)
        ours = F.cross_entropy(x, ng.tensor(labels), label_smoothing=smoothing, reduction="none")
        theirs = TF.cross_entropy(tx, torch.tensor(labels), label_smoothing=smoothing,
                                  reduction="none")
        assert np.all(np.isfinite(ours.detach().numpy()))
        _check(ours, theirs, dtype, [(x, tx)])
        assert np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_all_ignored_mean_is_nan_with_zero_gradient():
    x, tx = _pair(_logits((3, 4), "float64"))
    labels = np.full(3, -100)
    ours = F.cross_entropy(x, ng.tensor(labels))
    theirs = TF.cross_entropy(tx, torch.tensor(labels))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    ours.backward()
    theirs.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert F.cross_entropy(x, ng.tensor(labels), reduction="sum").item() == 0.0


def test_cross_entropy_empty_batch():
    x = ng.zeros(0, 5)
    t = ng.zeros(0, dtype=ng.int64)
    assert np.isnan(F.cross_entropy(x, t).item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
    assert tuple(F.cross_entropy(x, t, reduction="none").shape) == (0,)


def test_cross_entropy_equals_nll_of_log_softmax():
    x = ng.tensor(_logits((5, 4), "float64"))
    t = ng.tensor(_labels(5, 4))
    a = F.cross_entropy(x, t)
    b = F.nll_loss(F.log_softmax(x, 1), t)
    assert abs(a.item() - b.item()) < 1e-12


def test_cross_entropy_non_contiguous_input():
    base = _logits((5, 8), "float64")
    x, tx = _pair(base)
    labels = _labels(8, 5)
    _check(F.cross_entropy(x.t(), ng.tensor(labels)),
           TF.cross_entropy(tx.t(), torch.tensor(labels)), "float64", [(x, tx)])


# ---------------------------------------------------------------------------- nll_loss


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,weighted,ignore", [((6, 5), False, False), ((6, 5), True, True),
                                                   ((2, 3, 4), True, False), ((5,), False, False),
                                                   ((2, 3, 2, 3), False, True)])
def test_nll_loss_matches_torch(shape, weighted, ignore, reduction, dtype):
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    labels = _labels(target_shape, classes)
    if ignore:
        labels.reshape(-1)[::2] = -100
    x, tx = _pair(_logits(shape, dtype))
    w = np.linspace(0.5, 2.0, classes).astype(DTYPES[dtype][0])
    ours = F.nll_loss(x, ng.tensor(labels), weight=ng.tensor(w) if weighted else None,
                      reduction=reduction)
    theirs = TF.nll_loss(tx, torch.tensor(labels), weight=torch.tensor(w) if weighted else None,
                         reduction=reduction)
    _check(ours, theirs, dtype, [(x, tx)])


# ---------------------------------------------------------------------------- regression losses


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_losses_match_torch(name, reduction, dtype, weighted):
    x, tx = _pair(_logits((4, 3), dtype))
    y, ty = _pair(_logits((4, 3), dtype, seed=5))
    kw, tkw = {"reduction": reduction}, {"reduction": reduction}
    if weighted:
        w = np.random.default_rng(6).uniform(0.1, 2, (4, 3)).astype(DTYPES[dtype][0])
        kw["weight"], tkw["weight"] = ng.tensor(w), torch.tensor(w)
    _check(getattr(F, name)(x, y, **kw), getattr(TF, name)(tx, ty, **tkw), dtype,
           [(x, tx), (y, ty)])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_warn_and_broadcast_like_torch(name):
    x, tx = _pair(_logits((3, 1), "float64"))
    y, ty = _pair(_logits((3,), "float64", seed=4))
    with pytest.warns(UserWarning, match=r"Using a target size .* different to the input size"):
        ours = getattr(F, name)(x, y, reduction="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, name)(tx, ty, reduction="none")
    _check(ours, theirs, "float64", [(x, tx), (y, ty)])


def test_l1_loss_gradient_is_zero_where_input_equals_target():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    F.l1_loss(x, ng.tensor([1.0, 0.0]), reduction="sum").backward()
    assert x.grad.tolist() == [0.0, 1.0]


# ---------------------------------------------------------------------------- binary cross-entropy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [None, "full", "broadcast"])
def test_binary_cross_entropy_matches_torch(reduction, dtype, weighted):
    rng = np.random.default_rng(7)
    x, tx = _pair(rng.uniform(0.02, 0.98, (4, 3)).astype(DTYPES[dtype][0]))
    y, ty = _pair(rng.uniform(0, 1, (4, 3)).astype(DTYPES[dtype][0]))
    kw, tkw = {"reduction": reduction}, {"reduction": reduction}
    if weighted:
        w = rng.uniform(0.1, 2, (4, 3) if weighted == "full" else (3,)).astype(DTYPES[dtype][0])
        kw["weight"], tkw["weight"] = ng.tensor(w), torch.tensor(w)
    _check(F.binary_cross_entropy(x, y, **kw), TF.binary_cross_entropy(tx, ty, **tkw), dtype,
           [(x, tx), (y, ty)])


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    values = np.array([0.0, 1.0, 0.5, 1e-30])
    x, tx = _pair(values)
    target = np.array([1.0, 0.0, 0.3, 0.5])
    ours = F.binary_cross_entropy(x, ng.tensor(target), reduction="none")
    theirs = TF.binary_cross_entropy(tx, torch.tensor(target), reduction="none")
    assert ours.tolist()[:2] == [100.0, 100.0]
    _check(ours, theirs, "float64", [(x, tx)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos_weighted", list(itertools.product([False, True], repeat=2)))
def test_binary_cross_entropy_with_logits_matches_torch(reduction, dtype, weighted, pos_weighted):
    rng = np.random.default_rng(8)
    x, tx = _pair(_logits((4, 3), dtype))
    y, ty = _pair(rng.uniform(0, 1, (4, 3)).astype(DTYPES[dtype][0]))
    kw, tkw = {"reduction": reduction}, {"reduction": reduction}
    if weighted:
        w = rng.uniform(0.1, 2, (4, 1)).astype(DTYPES[dtype][0])
        kw["weight"], tkw["weight"] = ng.tensor(w), torch.tensor(w)
    if pos_weighted:
        p = rng.uniform(0.5, 3, (3,)).astype(DTYPES[dtype][0])
        kw["pos_weight"], tkw["pos_weight"] = ng.tensor(p), torch.tensor(p)
    _check(F.binary_cross_entropy_with_logits(x, y, **kw),
           TF.binary_cross_entropy_with_logits(tx, ty, **tkw), dtype, [(x, tx), (y, ty)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_with_logits_extreme_logits(dtype):
    x, tx = _pair(np.array([1000.0, -1000.0, 0.0, 30.0, -1e4], DTYPES[dtype][0]))
    y, ty = _pair(np.array([0.0, 1.0, 0.5, 1.0, 0.0], DTYPES[dtype][0]))
    p = np.array([2.0], DTYPES[dtype][0])
    ours = F.binary_cross_entropy_with_logits(x, y, pos_weight=ng.tensor(p), reduction="none")
    theirs = TF.binary_cross_entropy_with_logits(tx, ty, pos_weight=torch.tensor(p),
                                                 reduction="none")
    assert np.all(np.isfinite(ours.detach().numpy()))
    _check(ours, theirs, dtype, [(x, tx), (y, ty)])


# ---------------------------------------------------------------------------- modules


def test_modules_match_functional_and_print_like_torch():
    x = ng.tensor(_logits((4, 3), "float64"))
    t = ng.tensor(_labels(4, 3))
    w = ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64)
    for name in ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss",
                 "BCEWithLogitsLoss"]:
        assert repr(getattr(ng.nn, name)()) == repr(getattr(torch.nn, name)()) == f"{name}()"
    ce = ng.nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1, reduction="sum")
    expected = F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.1,
                               reduction="sum")
    assert ce(x, t).item() == expected.item()
    assert list(ce.state_dict()) == ["weight"]
    assert list(ng.nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert ng.nn.NLLLoss(ignore_index=3).ignore_index == 3
    assert ng.nn.MSELoss(reduction="none")(x, x).shape == x.shape


def test_legacy_size_average_and_reduce_warn_like_torch():
    x = ng.tensor(_logits((4, 3), "float64"))
    t = ng.tensor(_labels(4, 3))
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        ours = F.cross_entropy(x, t, size_average=False)
    assert ours.item() == pytest.approx(F.cross_entropy(x, t, reduction="sum").item())
    with pytest.warns(UserWarning, match="reduction='none' instead"):
        assert ng.nn.MSELoss(reduce=False).reduction == "none"


# ---------------------------------------------------------------------------- errors


def _same_error(ours, theirs, exc, words):
    with pytest.raises(exc, match=words):
        ours()
    with pytest.raises(exc, match=words):
        theirs()


X = _logits((3, 5), "float32")


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("bad,label", [([0, 10, 1], 10), ([0, -1, 1], -1), ([5, 0, 0], 5)])
def test_out_of_range_label_raises_index_error_naming_it(fn, bad, label):
    _same_error(lambda: getattr(F, fn)(ng.tensor(X), ng.tensor(bad)),
                lambda: getattr(TF, fn)(torch.tensor(X), torch.tensor(bad)),
                IndexError, f"Target {label} is out of bounds")


def test_out_of_range_label_in_spatial_target():
    x = _logits((2, 5, 3, 3), "float32")
    t = np.zeros((2, 3, 3), np.int64)
    t[1, 2, 0] = 7
    _same_error(lambda: F.cross_entropy(ng.tensor(x), ng.tensor(t)),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor(t)),
                IndexError, "Target 7 is out of bounds")


def test_ignored_label_out_of_range_is_fine():
    t = [0, 1, 5]
    ours = F.cross_entropy(ng.tensor(X), ng.tensor(t), ignore_index=5)
    theirs = TF.cross_entropy(torch.tensor(X), torch.tensor(t), ignore_index=5)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("x_shape,t,exc,words", [
    ((3, 5), np.array([0, 1]), ValueError, r"Expected input batch_size \(3\) to match target "
                                           r"batch_size \(2\)"),
    ((2, 5, 3), np.zeros((2, 4), np.int64), RuntimeError, r"Expected target size \[2, 3\], got "
                                                          r"\[2, 4\]"),
    ((2, 5, 3), np.zeros((3, 3), np.int64), ValueError, "batch_size"),
    ((3, 5), np.array([0.0, 1.0, 2.0]), RuntimeError, "expected target dtype to be Long"),
    ((3, 5), np.array([0, 1, 2], np.int32), RuntimeError, "expected target dtype to be Long"),
    ((3, 5), np.array([0, 1, 2], np.int8), RuntimeError, "Long or Byte, but got Char"),
    ((3, 5), np.array([0, 1, 2], np.int16), RuntimeError, "Long or Byte, but got Short"),
    ((3, 5), np.zeros((3, 1), np.int64), RuntimeError, "multi-target not supported"),
    ((5,), np.zeros(2, np.int64), ValueError, "1D target must have size 1"),
])
def test_target_errors_match_torch(fn, x_shape, t, exc, words):
    x = _logits(x_shape, "float32")
    _same_error(lambda: getattr(F, fn)(ng.tensor(x), ng.tensor(t)),
                lambda: getattr(TF, fn)(torch.tensor(x), torch.tensor(t)), exc, words)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_byte_targets_are_class_indices_as_in_torch(fn):
    x = _logits((4, 3), "float32")
    t = np.array([0, 2, 1, 2], np.uint8)
    ours = getattr(F, fn)(ng.tensor(x, requires_grad=True), ng.tensor(t))
    theirs = getattr(TF, fn)(torch.tensor(x, requires_grad=True), torch.tensor(t))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-6)


def test_cross_entropy_option_errors_match_torch():
    t = np.array([0, 1, 2])
    cases = [
        ({"weight": np.ones(4, np.float32)}, RuntimeError,
         r"weight tensor should be defined either for all 5 classes or no classes"),
        ({"weight": np.ones(5, np.float64)}, RuntimeError, "expected scalar type Float but found "
                                                           "Double"),
        ({"label_smoothing": 1.5}, RuntimeError, "label_smoothing must be between 0.0 and 1.0"),
        ({"reduction": "avg"}, ValueError, "avg is not a valid value for reduction"),
    ]
    for kwargs, exc, words in cases:
        ng_kw = {k: ng.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        _same_error(lambda: F.cross_entropy(ng.tensor(X), ng.tensor(t), **ng_kw),
                    lambda: TF.cross_entropy(torch.tensor(X), torch.tensor(t), **t_kw), exc, words)
    probs = np.full((3, 5), 0.2, np.float32)
    _same_error(lambda: F.cross_entropy(ng.tensor(X), ng.tensor(probs), ignore_index=1),
                lambda: TF.cross_entropy(torch.tensor(X), torch.tensor(probs), ignore_index=1),
                RuntimeError, "ignore_index is not supported for floating point target")
    _same_error(lambda: F.cross_entropy(ng.tensor(X), [0, 1, 2]),
                lambda: TF.cross_entropy(torch.tensor(X), [0, 1, 2]),
                TypeError, r"argument 'target' \(position 2\) must be Tensor, not list")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "nll_loss"])
def test_bad_reduction_raises_value_error(name):
    x = np.full((3,), 0.5, np.float32) if name != "nll_loss" else X
    t = np.full((3,), 0.5, np.float32) if name != "nll_loss" else np.array([0, 1, 2])
    _same_error(lambda: getattr(F, name)(ng.tensor(x), ng.tensor(t), reduction="avg"),
                lambda: getattr(TF, name)(torch.tensor(x), torch.tensor(t), reduction="avg"),
                ValueError, "avg is not a valid value for reduction")


@pytest.mark.parametrize("x,t,exc,words", [
    ([0.5, 1.5], [0.0, 1.0], RuntimeError, "all elements of input should be between 0 and 1"),
    ([0.5, float("nan")], [0.0, 1.0], RuntimeError, "all elements of input should be between"),
    ([0.5, 0.5], [2.0, 0.0], RuntimeError, "all elements of target should be between 0 and 1"),
])
def test_binary_cross_entropy_range_errors(x, t, exc, words):
    _same_error(lambda: F.binary_cross_entropy(ng.tensor(x), ng.tensor(t)),
                lambda: TF.binary_cross_entropy(torch.tensor(x), torch.tensor(t)), exc, words)


def test_binary_cross_entropy_shape_and_dtype_errors():
    _same_error(lambda: F.binary_cross_entropy(ng.rand(3, 1), ng.rand(3)),
                lambda: TF.binary_cross_entropy(torch.rand(3, 1), torch.rand(3)),
                ValueError, r"Using a target size .* is deprecated")
    _same_error(lambda: F.binary_cross_entropy(ng.rand(3), ng.rand(3, dtype=ng.float64)),
                lambda: TF.binary_cross_entropy(torch.rand(3), torch.rand(3, dtype=torch.float64)),
                RuntimeError, "Found dtype Double but expected Float")
    _same_error(lambda: F.binary_cross_entropy_with_logits(ng.rand(3, 1), ng.rand(3)),
                lambda: TF.binary_cross_entropy_with_logits(torch.rand(3, 1), torch.rand(3)),
                ValueError, r"Target size .* must be the same as input size")
    with pytest.raises(RuntimeError):
        F.binary_cross_entropy(ng.rand(3, 2), ng.rand(3, 2), weight=ng.rand(4))
    with pytest.raises(RuntimeError):
        F.binary_cross_entropy(ng.rand(3, 2), ng.rand(3, 2), weight=ng.rand(5, 3, 2))


def test_weighted_regression_loss_needs_input_shape():
    _same_error(lambda: F.mse_loss(ng.ones(2, 3), ng.zeros(2, 3), weight=ng.ones(3)),
                lambda: TF.mse_loss(torch.ones(2, 3), torch.zeros(2, 3), weight=torch.ones(3)),
                ValueError, "Weights and input must have the same size")


@pytest.mark.parametrize("probabilities", [False, True])
def test_negative_label_smoothing_is_no_smoothing_as_in_torch(probabilities):
    x = _logits((4, 3), "float64")
    t = (np.full((4, 3), 1 / 3) if probabilities else _labels((4,), 3))
    (a, ta), (b, tb) = _pair(x), _pair(t, requires_grad=False)
    ours = F.cross_entropy(a, b, label_smoothing=-0.5)
    theirs = TF.cross_entropy(ta, tb, label_smoothing=-0.5)
    _check(ours, theirs, "float64", [(a, ta)])
    assert ours.item() == pytest.approx(F.cross_entropy(ng.tensor(x), ng.tensor(t)).item())


def test_class_weight_shape_errors_match_torch():
    x, t = _logits((4, 3), "float64"), _labels((4,), 3)
    for target in (t, np.full((4, 3), 1 / 3)):
        with pytest.raises(RuntimeError) as theirs:
            TF.cross_entropy(torch.tensor(x), torch.tensor(target), weight=torch.ones(2))
        with pytest.raises(RuntimeError) as ours:
            F.cross_entropy(ng.tensor(x), ng.tensor(target), weight=ng.ones(2))
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("pos_shape", [(3,), (4, 3), (1,), (4, 1)])
@pytest.mark.parametrize("weight_shape", [None, (3,), (4, 1)])
def test_bce_with_logits_weight_and_pos_weight_broadcasting(pos_shape, weight_shape):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 3)) * 3, rng.random((4, 3))
    pw, w = rng.random(pos_shape) * 3, None if weight_shape is None else rng.random(weight_shape)
    (a, ta), (b, tb) = _pair(x), _pair(y)
    ours = F.binary_cross_entropy_with_logits(
        a, b, pos_weight=ng.tensor(pw), weight=None if w is None else ng.tensor(w))
    theirs = TF.binary_cross_entropy_with_logits(
        ta, tb, pos_weight=torch.tensor(pw), weight=None if w is None else torch.tensor(w))
    _check(ours, theirs, "float64", [(a, ta), (b, tb)])


def test_pos_weight_that_grows_the_target_is_refused_as_in_torch():
    x, y = np.zeros((3, 4)), np.ones((3, 4))
    with pytest.raises(RuntimeError) as theirs:
        TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y),
                                            pos_weight=torch.ones(2, 3, 4, dtype=torch.float64))
    with pytest.raises(RuntimeError) as ours:
        F.binary_cross_entropy_with_logits(ng.tensor(x), ng.tensor(y),
                                           pos_weight=ng.ones(2, 3, 4, dtype=ng.float64))
    assert str(ours.value) == str(theirs.value)
