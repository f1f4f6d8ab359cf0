"""Smooth L1, Huber, KL divergence, Poisson and Gaussian NLL against torch 2.13: values and
gradients of input and target (float32 and float64, every reduction and option), the modules'
reprs and attributes, the deprecated flags, and torch's errors."""
import warnings

import numpy as np
import pytest

import numbagrad as ng
from tests.nn._loss_compare import compare, raises_like

torch = pytest.importorskip("torch")

REDUCTIONS = ("mean", "sum", "none")
DTYPES = (np.float32, np.float64)
rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4)) * 2
Y = rng.normal(size=(3, 4))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_loss(dtype, reduction, beta):
    compare(ng, torch, "smooth_l1_loss", [X, Y], dtype, reduction=reduction, beta=beta)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.5, 3.0])
def test_huber_loss(dtype, reduction, delta):
    compare(ng, torch, "huber_loss", [X, Y], dtype, reduction=reduction, delta=delta)
    compare(ng, torch, "huber_loss", [X, Y], dtype, reduction=reduction, delta=delta,
            weight=rng.random((3, 4)))


def test_smooth_l1_and_huber_broadcast_with_torch_warning():
    with pytest.warns(UserWarning, match="different to the input size"):
        compare(ng, torch, "smooth_l1_loss", [X, Y[:1]])
    with pytest.warns(UserWarning, match="different to the input size"):
        compare(ng, torch, "huber_loss", [X, Y[:1]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(dtype, reduction, log_target):
    p = rng.random((3, 4))
    p[0, 1] = 0.0  # y log y is 0 at 0 (its target gradient nan, as torch's)
    target = np.log(p + 0.1) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(ng, torch, "kl_div", [np.log(rng.random((3, 4))), target], dtype,
                reduction=reduction, log_target=log_target)


def test_kl_div_mean_warns_and_batchmean_divides_by_batch():
    x, y = ng.tensor(np.log([[0.5, 0.5], [0.25, 0.75]])), ng.tensor([[1.0, 0.0], [0.5, 0.5]])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        mean = ng.nn.functional.kl_div(x, y)
    total = ng.nn.functional.kl_div(x, y, reduction="sum")
    batchmean = ng.nn.functional.kl_div(x, y, reduction="batchmean")
    assert batchmean.item() == pytest.approx(total.item() / 2)
    assert mean.item() == pytest.approx(total.item() / 4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (True, True), (False, False),
                                            (False, True)])
def test_poisson_nll_loss(dtype, reduction, log_input, full):
    x = X if log_input else np.abs(X) + 0.1
    counts = np.array([[0.0, 1.0, 2.0, 5.0]] * 3)
    compare(ng, torch, "poisson_nll_loss", [x, counts], dtype, grads=[True, False],
            reduction=reduction, log_input=log_input, full=full, eps=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), (1, 4)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(dtype, reduction, var_shape, full):
    var = rng.random(var_shape) + 0.1
    var.flat[0] = 1e-9  # below eps: clamped in value, the gradient flows as torch's
    compare(ng, torch, "gaussian_nll_loss", [X, Y, var], dtype, reduction=reduction, full=full)


def test_gaussian_nll_loss_float_var():
    ours = ng.nn.functional.gaussian_nll_loss(ng.tensor(X), ng.tensor(Y), 0.5)
    theirs = torch.nn.functional.gaussian_nll_loss(torch.tensor(X), torch.tensor(Y), 0.5)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda t: t.nn.functional.smooth_l1_loss(t.ones(3), t.ones(3), beta=-1.0),
    lambda t: t.nn.functional.smooth_l1_loss(t.ones(3), t.ones(3), reduction="avg"),
    lambda t: t.nn.functional.huber_loss(t.ones(3), t.ones(3), delta=0.0),
    lambda t: t.nn.functional.huber_loss(t.ones(3), t.ones(3), reduction="avg"),
    lambda t: t.nn.functional.huber_loss(t.ones(3), t.ones(3), weight=t.ones(2)),
    lambda t: t.nn.functional.kl_div(t.ones(3), t.ones(3), reduction="avg"),
    lambda t: t.nn.functional.kl_div(t.ones(3), t.ones(2), reduction="sum"),
    lambda t: t.nn.functional.smooth_l1_loss(t.ones(3), t.ones(2)),
    lambda t: t.nn.functional.huber_loss(t.ones(2, 3), t.ones(2, 2)),
    lambda t: t.nn.functional.poisson_nll_loss(t.ones(3), t.ones(2)),
    lambda t: t.nn.functional.gaussian_nll_loss(t.ones(2, 3), t.ones(2, 4), t.ones(2, 3)),
    lambda t: t.nn.functional.poisson_nll_loss(t.ones(3), t.ones(3), reduction="avg"),
    lambda t: t.nn.functional.gaussian_nll_loss(t.ones(3), t.ones(3), t.tensor([1.0, -1, 1])),
    lambda t: t.nn.functional.gaussian_nll_loss(t.ones(3), t.ones(3), -1.0),
    lambda t: t.nn.functional.gaussian_nll_loss(t.ones(2, 3), t.ones(2, 3), t.ones(3, 3)),
    lambda t: t.nn.functional.gaussian_nll_loss(t.ones(3), t.ones(3), t.ones(3), reduction="x"),
])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_errors_match_torch(call):
    raises_like(ng, torch, call)


MODULES = [
    ("SmoothL1Loss", dict(beta=0.5), 2), ("HuberLoss", dict(delta=0.5), 2),
    ("KLDivLoss", dict(reduction="batchmean", log_target=True), 2),
    ("PoissonNLLLoss", dict(log_input=False, full=True, eps=1e-3), 2),
    ("GaussianNLLLoss", dict(full=True, eps=1e-3), 3),
]


@pytest.mark.parametrize("name,kwargs,n_inputs", MODULES)
def test_modules_match_torch(name, kwargs, n_inputs):
    ours, theirs = getattr(ng.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert repr(getattr(ng.nn, name)()) == repr(getattr(torch.nn, name)())
    for key in kwargs:
        assert getattr(ours, key) == getattr(theirs, key)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    arrays = [np.abs(X) + 0.1, np.abs(Y), np.abs(Y) + 0.5][:n_inputs]
    compare(ng, torch, None, arrays, module=(ours, theirs))


def test_deprecated_flags_choose_the_reduction():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        module = ng.nn.SmoothL1Loss(size_average=False)
    assert module.reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        out = ng.nn.functional.kl_div(ng.tensor(X), ng.tensor(np.abs(Y)), reduce=False)
    assert out.shape == (3, 4)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        out = ng.nn.functional.poisson_nll_loss(ng.tensor(X), ng.tensor(np.abs(Y)),
                                                size_average=False)
    expected = torch.nn.functional.poisson_nll_loss(torch.tensor(X), torch.tensor(np.abs(Y)),
                                                    reduction="sum")
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)
