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
    assert init.kaiming_uniform_(t) is t and init.kaiming_normal_(t) is t


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
