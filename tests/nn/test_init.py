"""nn.init: gains and fans against torch, the bounds and spread of each initialiser, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import numbagrad
from numbagrad.nn import init

GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
         ("conv_transpose3d", None)]
FAN_SHAPES = [(3, 4), (60, 20), (8, 3, 5, 5), (6, 2, 3), (4, 1, 1, 1, 2)]


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_values():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity softplus"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "big")


@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_fan_in_and_fan_out_match_torch(shape):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(numbagrad.empty(*shape)) == expected


def test_fan_of_a_conv_weight():
    # (out_channels, in_channels, kH, kW): fan_in = in * kH * kW, fan_out = out * kH * kW.
    assert init._calculate_fan_in_and_fan_out(numbagrad.empty(8, 3, 5, 5)) == (75, 200)


def test_fan_needs_two_dimensions():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as ref:
        torch.nn.init.xavier_uniform_(torch.empty(5))
    with pytest.raises(ValueError) as ours:
        init.xavier_uniform_(numbagrad.empty(5))
    assert str(ours.value) == str(ref.value)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(numbagrad.empty(3, 3), mode="fan_avg")


def _check_uniform(values: np.ndarray, bound: float) -> None:
    assert values.min() >= -bound and values.max() <= bound
    assert values.max() > 0.97 * bound and values.min() < -0.97 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def _check_normal(values: np.ndarray, std: float) -> None:
    assert abs(values.mean()) < 0.05 * std
    assert values.std() == pytest.approx(std, rel=0.05)


def test_uniform_and_normal():
    numbagrad.manual_seed(0)
    t = numbagrad.empty(100, 50)
    assert init.uniform_(t, -0.3, 0.7) is t
    values = t.numpy()
    assert values.min() >= -0.3 and values.max() <= 0.7
    assert values.mean() == pytest.approx(0.2, abs=0.01)
    init.normal_(t, 2.0, 0.5)
    assert t.numpy().mean() == pytest.approx(2.0, abs=0.02)
    assert t.numpy().std() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0), ("leaky_relu", math.sqrt(5)),
                                             ("tanh", 0)])
def test_kaiming_bounds_and_spread(mode, nonlinearity, a):
    numbagrad.manual_seed(1)
    t = numbagrad.empty(200, 30, 2, 2)
    fan = 120 if mode == "fan_in" else 800
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _check_uniform(t.numpy(), math.sqrt(3) * std)
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _check_normal(t.numpy(), std)


@pytest.mark.parametrize("gain", [1.0, init.calculate_gain("relu")])
def test_xavier_bounds_and_spread(gain):
    numbagrad.manual_seed(2)
    t = numbagrad.empty(300, 100)
    init.xavier_uniform_(t, gain=gain)
    _check_uniform(t.numpy(), gain * math.sqrt(6 / 400))
    init.xavier_normal_(t, gain=gain)
    _check_normal(t.numpy(), gain * math.sqrt(2 / 400))


def test_constant_ones_zeros_and_eye():
    t = numbagrad.empty(3, 4)
    assert init.constant_(t, 0.25) is t and t.numpy().tolist() == [[0.25] * 4] * 3
    assert init.ones_(t).numpy().sum() == 12
    assert init.zeros_(t).numpy().sum() == 0
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4, dtype=np.float32))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(numbagrad.empty(2, 2, 2))


def test_initialisers_fill_parameters_without_recording_a_graph():
    layer = numbagrad.nn.Linear(10, 10)
    weight = layer.weight
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.ones_,
               lambda t: init.normal_(t, 0, 0.01)):
        assert fn(layer.weight) is weight
        assert weight.is_leaf and weight.requires_grad and weight.grad_fn is None
    layer(numbagrad.randn(2, 10)).sum().backward()
    assert weight.grad is not None


def test_empty_tensor_is_left_alone():
    t = numbagrad.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(t) is t and init.kaiming_normal_(t) is t
    assert init.orthogonal_(t) is t


def test_initialisers_are_repeatable_with_manual_seed_and_generator():
    numbagrad.manual_seed(5)
    first = init.xavier_uniform_(numbagrad.empty(4, 4)).numpy().copy()
    numbagrad.manual_seed(5)
    np.testing.assert_array_equal(init.xavier_uniform_(numbagrad.empty(4, 4)).numpy(), first)
    g1, g2 = numbagrad.Generator(), numbagrad.Generator()
    g1.manual_seed(9)
    g2.manual_seed(9)
    a = init.uniform_(numbagrad.empty(5), generator=g1).numpy().copy()
    np.testing.assert_array_equal(init.uniform_(numbagrad.empty(5), generator=g2).numpy(), a)


def test_every_torch_initialiser_exists():
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch.nn.init) if n.endswith("_") and not n.startswith("_")]
    names += ["calculate_gain", "_calculate_fan_in_and_fan_out", "_calculate_correct_fan"]
    names += [n[:-1] for n in names if n.endswith("_") and hasattr(torch.nn.init, n[:-1])]
    assert [n for n in names if not hasattr(init, n)] == []


def test_trunc_normal_stays_in_bounds_with_the_right_spread():
    numbagrad.manual_seed(0)
    wide = init.trunc_normal_(numbagrad.empty(100, 100), std=1.0, a=-2.0, b=2.0).numpy()
    assert wide.min() >= -2.0 and wide.max() <= 2.0
    # The standard normal truncated to [-2, 2] has std 0.8796.
    assert wide.std() == pytest.approx(0.8796, rel=0.03) and abs(wide.mean()) < 0.03
    narrow = init.trunc_normal_(numbagrad.empty(2000, dtype=numbagrad.float64), mean=0.0,
                                std=1.0, a=2.0, b=3.0).numpy()
    assert narrow.min() >= 2.0 and narrow.max() <= 3.0
    # E[X | 2 <= X <= 3] for the standard normal: (phi(2) - phi(3)) / (Phi(3) - Phi(2)).
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    assert narrow.mean() == pytest.approx((phi(2) - phi(3)) / (cdf(3) - cdf(2)), rel=0.02)
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(numbagrad.empty(3), mean=10.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3), (6, 6)])
def test_orthogonal_rows_or_columns(shape):
    w = init.orthogonal_(numbagrad.empty(*shape, dtype=numbagrad.float64), gain=2.0).numpy()
    flat = w.reshape(shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-12)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(numbagrad.empty(3))


def test_sparse_zeros_per_column():
    w = init.sparse_(numbagrad.empty(10, 6), sparsity=0.25, std=0.5).numpy()
    assert ((w == 0).sum(axis=0) == 3).all()  # ceil(0.25 * 10) per column
    assert not np.signbit(w[w == 0]).any()
    assert w[w != 0].std() == pytest.approx(0.5, rel=0.4)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(numbagrad.empty(3), 0.1)


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((2, 3, 1, 3, 3), 1),
                                           ((6, 2, 5), 3)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.dirac_(torch.empty(shape), groups=groups).numpy()
    np.testing.assert_array_equal(init.dirac_(numbagrad.empty(*shape), groups=groups).numpy(),
                                  expected)


def test_dirac_keeps_the_input_through_a_convolution():
    conv = numbagrad.nn.Conv2d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = numbagrad.randn(1, 3, 4, 4)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), atol=1e-6)


def test_eye_of_a_rectangle():
    np.testing.assert_array_equal(init.eye_(numbagrad.empty(2, 3)).numpy(), np.eye(2, 3))


ERROR_CASES = [
    ("dirac_", (2, 3), {}), ("dirac_", (3, 2, 3), {"groups": 2}), ("eye_", (2, 2, 2), {}),
    ("orthogonal_", (4,), {}), ("sparse_", (2, 2, 2), {"sparsity": 0.1}),
    ("kaiming_normal_", (3, 3), {"mode": "fan_avg"}), ("kaiming_uniform_", (3,), {}),
    ("xavier_normal_", (3,), {}),
]


@pytest.mark.parametrize("name, shape, kwargs", ERROR_CASES,
                         ids=[f"{c[0]}{c[1]}" for c in ERROR_CASES])
def test_errors_match_torch(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn.init, name)(torch.empty(shape), **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(init, name)(numbagrad.empty(*shape), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_mode_is_case_insensitive():
    w = init.kaiming_uniform_(numbagrad.empty(4, 8), mode="FAN_OUT").numpy()
    assert np.abs(w).max() <= math.sqrt(3.0) * init.calculate_gain("leaky_relu") / 2


def test_deprecated_aliases_warn_and_fill():
    with pytest.warns(FutureWarning, match="`nn.init.uniform` is now deprecated in favor of "
                      "`nn.init.uniform_`"):
        t = init.uniform(numbagrad.empty(3), 2.0, 3.0)
    assert (t.numpy() >= 2.0).all()
    with pytest.warns(FutureWarning, match="nn.init.xavier_normal_"):
        init.xavier_normal(numbagrad.empty(2, 2))
