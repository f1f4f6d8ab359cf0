"""nn.Linear, nn.Identity and nn.Flatten: forward and backward against torch from identical
weights, torch's initialisation bounds, shapes, repr and errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import numbagrad
from numbagrad import nn

RTOL, ATOL = 1e-5, 1e-6


def _pair(in_features, out_features, bias=True, dtype=np.float32):
    """A torch Linear and a numbagrad Linear holding the same (torch-drawn) weights."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ref = torch.nn.Linear(in_features, out_features, bias=bias)
    if dtype == np.float64:
        ref = ref.double()
    layer = nn.Linear(in_features, out_features, bias=bias,
                      dtype=numbagrad.float64 if dtype == np.float64 else None)
    layer.load_state_dict({k: numbagrad.tensor(v.detach().numpy())
                           for k, v in ref.state_dict().items()})
    return torch, ref, layer


@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 5), (2, 1, 4, 5)],
                         ids=["batch", "single", "3d", "4d"])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_and_backward_match_torch(shape, bias):
    torch, ref, layer = _pair(5, 3, bias)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    g = np.random.default_rng(1).standard_normal(shape[:-1] + (3,)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    nx = numbagrad.tensor(x, requires_grad=True)
    t_out, n_out = ref(tx), layer(nx)
    assert tuple(n_out.shape) == tuple(t_out.shape) and n_out.dtype == numbagrad.float32
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), rtol=RTOL, atol=ATOL)
    t_out.backward(torch.tensor(g))
    n_out.backward(numbagrad.tensor(g))
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=RTOL,
                               atol=ATOL)
    if bias:
        np.testing.assert_allclose(layer.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=RTOL,
                                   atol=ATOL)
    else:
        assert layer.bias is None


def test_float64_layer_matches_torch():
    torch, ref, layer = _pair(4, 6, dtype=np.float64)
    assert layer.weight.dtype == numbagrad.float64
    x = np.random.default_rng(2).standard_normal((3, 4))
    out = layer(numbagrad.tensor(x))
    assert out.dtype == numbagrad.float64
    np.testing.assert_allclose(out.detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_forward_is_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(3, 2)
    x = numbagrad.randn(4, 3)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), x.numpy() @ w.T + b, rtol=RTOL,
                               atol=ATOL)
    assert layer(x).grad_fn is not None


def test_attributes_shapes_and_repr():
    layer = nn.Linear(20, 60)
    assert (layer.in_features, layer.out_features) == (20, 60)
    assert layer.weight.shape == (60, 20) and layer.bias.shape == (60,)
    assert layer.weight.requires_grad and layer.weight.dtype == numbagrad.float32
    assert repr(layer) == "Linear(in_features=20, out_features=60, bias=True)"
    assert repr(nn.Linear(2, 1, bias=False)) == "Linear(in_features=2, out_features=1, bias=False)"
    assert [n for n, _ in nn.Linear(2, 1, bias=False).named_parameters()] == ["weight"]
    assert layer(numbagrad.randn(128, 20)).shape == (128, 60)


@pytest.mark.parametrize("in_features", [1, 20, 784])
def test_initialisation_bounds_are_torchs(in_features):
    """Weight and bias are U(-1/sqrt(in), 1/sqrt(in)): Kaiming-uniform with a = sqrt(5)."""
    numbagrad.manual_seed(in_features)
    layer = nn.Linear(in_features, 512)
    bound = 1 / math.sqrt(in_features)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    for values in (w, b):
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() > 0.95 * bound and values.min() < -0.95 * bound
    # Uniform: mean 0 and standard deviation bound / sqrt(3), within sampling error.
    assert abs(w.mean()) < 0.05 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_reset_parameters_draws_new_values_from_the_seeded_generator():
    numbagrad.manual_seed(3)
    first = nn.Linear(4, 4).weight.detach().numpy().copy()
    numbagrad.manual_seed(3)
    layer = nn.Linear(4, 4)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), first)
    layer.reset_parameters()
    assert not np.array_equal(layer.weight.detach().numpy(), first)


def test_zero_in_features():
    layer = nn.Linear(0, 3)
    out = layer(numbagrad.zeros(2, 0))
    assert out.shape == (2, 3)
    bias = layer.bias.detach().numpy()
    np.testing.assert_array_equal(out.detach().numpy(), np.tile(bias, (2, 1)))


def test_wrong_in_features_names_the_sizes():
    layer = nn.Linear(20, 60)
    with pytest.raises(RuntimeError) as info:
        layer(numbagrad.randn(128, 30))
    message = str(info.value)
    assert "mat1 and mat2 shapes cannot be multiplied (128x30 and 20x60)" in message
    assert "30" in message and "20" in message
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        layer(numbagrad.randn(2, 3, 30))
    with pytest.raises(RuntimeError, match="need to be at least 1D, but they are 0D and 2D"):
        layer(numbagrad.tensor(1.0))


def test_wrong_in_features_message_contains_torchs():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as info:
        torch.nn.Linear(20, 60)(torch.randn(128, 30))
    with pytest.raises(RuntimeError) as ng_info:
        nn.Linear(20, 60)(numbagrad.randn(128, 30))
    assert str(info.value) in str(ng_info.value)


def test_identity_and_flatten():
    x = numbagrad.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused="ignored")(x) is x
    assert repr(nn.Identity()) == "Identity()"
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 60))


def test_flatten_then_linear_backward_matches_torch():
    torch, ref, layer = _pair(12, 2)
    x = np.random.default_rng(3).standard_normal((4, 3, 2, 2)).astype(np.float32)
    tx, nx = torch.tensor(x, requires_grad=True), numbagrad.tensor(x, requires_grad=True)
    torch.nn.Sequential(torch.nn.Flatten(), ref)(tx).pow(2).sum().backward()
    nn.Sequential(nn.Flatten(), layer)(nx).pow(2).sum().backward()
    assert nx.grad.shape == (4, 3, 2, 2)
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_bad_arguments_raise_torch_classes_and_words():
    """Not tensors: torch's TypeError naming the argument; a vector weight: matmul's rules."""
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.nn.functional.linear(lib.ones(3, 4), lib.ones(5)),
        lambda lib: lib.nn.Linear(2, 2)([1.0, 2.0]),
        lambda lib: lib.nn.functional.linear([1.0, 2.0], lib.ones(2, 2)),
        lambda lib: lib.nn.functional.linear(lib.ones(2), "w"),
        lambda lib: lib.nn.functional.linear(lib.ones(4), lib.ones(5, 4), [1.0]),
        lambda lib: lib.nn.functional.linear(lib.ones(3, 4), lib.ones(5, 3)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(type(theirs.value)) as ours:
            case(numbagrad)
        if isinstance(theirs.value, TypeError):
            assert str(ours.value) == str(theirs.value)
    assert numbagrad.nn.functional.linear(numbagrad.ones(3, 4), numbagrad.ones(4)).shape == (3,)
