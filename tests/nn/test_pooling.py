"""``nn.MaxPool2d``, ``nn.AvgPool2d`` and their functions: torch parity (values, indices,
gradients), ties, nan, repr, errors."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F


def _ng(t, requires_grad=False):
    return ng.from_numpy(t.detach().numpy().copy()).requires_grad_(requires_grad)


def _close(got, expected, rtol=1e-4, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got), expected.detach().numpy(), rtol=rtol, atol=atol)


def _check_against_torch(torch, shape, ng_fn, torch_fn, seed=0):
    """Forward and input gradient of ``ng_fn`` against ``torch_fn`` on the same input."""
    gen = torch.Generator().manual_seed(seed)
    tx = torch.randn(shape, generator=gen, requires_grad=True)
    x = _ng(tx, requires_grad=True)
    tout, out = torch_fn(tx), ng_fn(x)
    _close(out, tout)
    tg = torch.randn(tout.shape, generator=gen)
    tout.backward(tg)
    out.backward(_ng(tg))
    _close(x.grad, tx.grad)


# (input shape, kernel_size, stride, padding, dilation, ceil_mode)
MAX_CASES = [
    ((64, 8, 28, 28), 2, None, 0, 1, False),  # the tutorial's pooling
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), (1, 2), True),
    ((2, 2, 6, 5), 3, 1, 1, 1, False),
    ((1, 2, 7, 7), 3, 2, 0, 2, True),
    ((3, 5, 4), 2, 1, 1, 1, True),  # unbatched
]


@pytest.mark.parametrize("case", MAX_CASES, ids=lambda c: "x".join(map(str, c[0])))
def test_max_pool2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    shape, k, s, p, d, ceil = case
    _check_against_torch(
        torch, shape, ng.nn.MaxPool2d(k, s, p, d, ceil_mode=ceil),
        torch.nn.MaxPool2d(k, s, p, d, ceil_mode=ceil))
    tx = torch.randn(shape)
    tout, tidx = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil, return_indices=True)
    out, idx = F.max_pool2d(_ng(tx), k, s, p, d, ceil, return_indices=True)
    assert idx.dtype == ng.int64
    np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
    _close(out, tout)


def test_return_indices_with_grad_and_module():
    torch = pytest.importorskip("torch")
    tx = torch.randn(2, 3, 6, 6, requires_grad=True)
    x = _ng(tx, requires_grad=True)
    out, idx = ng.nn.MaxPool2d(2, return_indices=True)(x)
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(tx)
    np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
    out.sum().backward()
    tout.sum().backward()
    _close(x.grad, tx.grad)


def test_ties_pick_the_first_and_nan_wins_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[[[1.0, 1.0, 2.0, 2.0],
                         [1.0, 1.0, 2.0, np.nan],
                         [0.0, 0.0, 5.0, 4.0],
                         [0.0, 0.0, 5.0, 5.0]]]], np.float32)
    tx = torch.tensor(values, requires_grad=True)
    x = ng.from_numpy(values.copy()).requires_grad_(True)
    tout, tidx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
    np.testing.assert_array_equal(np.asarray(out.detach()), tout.detach().numpy())
    out.backward(ng.ones(*out.shape))
    tout.backward(torch.ones(tout.shape))
    np.testing.assert_array_equal(np.asarray(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", [dict(), dict(stride=1), dict(padding=1),
                                      dict(stride=2, ceil_mode=True)],
                         ids=["whole-windows", "overlapping", "padded", "ceil"])
def test_2x2_windows_of_special_values_match_torch_exactly(geometry, dtype):
    """The 2x2 windows find their maximum by arithmetic: ties, nans (several per window),
    infinities of both signs in one window and signed zeros give torch's values, indices and
    signs of zero."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    shape = (3, 2, 8, 9)
    choices = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1.0, -1.0, 2.0], dtype)
    inputs = [choices[rng.integers(0, len(choices), shape)],
              rng.integers(-2, 3, shape).astype(dtype),  # many ties
              rng.standard_normal(shape).astype(dtype)]
    for values in inputs:
        out, idx = F.max_pool2d(ng.from_numpy(values.copy()), 2, return_indices=True,
                                **geometry)
        tout, tidx = torch.nn.functional.max_pool2d(torch.from_numpy(values.copy()), 2,
                                                    return_indices=True, **geometry)
        np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
        got, expected = np.asarray(out), tout.numpy()
        np.testing.assert_array_equal(got, expected)  # nan where torch has nan
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def test_window_wholly_in_padding_is_minus_inf_without_gradient():
    # Width 2, taps 3 apart starting at -1: the window sees only padding. torch also gives
    # -inf; numbagrad marks the index -1 and sends that window no gradient.
    x = ng.arange(6.0).reshape(1, 1, 3, 2).requires_grad_(True)
    out, idx = F.max_pool2d(x, (1, 2), 1, (0, 1), (1, 3), return_indices=True)
    assert np.all(np.isneginf(np.asarray(out.detach())))
    assert np.all(np.asarray(idx) == -1)
    out.sum().backward()
    assert not np.asarray(x.grad).any()


# (input shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_CASES = [
    ((8, 4, 12, 12), 2, None, 0, False, True, None),
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), True, True, None),
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), True, False, None),
    ((2, 2, 6, 5), 3, 2, 1, True, False, None),
    ((2, 2, 6, 5), 3, 1, 1, False, True, 5),
    ((3, 5, 4), 2, 1, 1, True, False, None),  # unbatched
]


@pytest.mark.parametrize("case", AVG_CASES, ids=lambda c: "-".join(map(str, c[1:])))
def test_avg_pool2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    shape, k, s, p, ceil, include, divisor = case
    _check_against_torch(
        torch, shape, ng.nn.AvgPool2d(k, s, p, ceil, include, divisor),
        torch.nn.AvgPool2d(k, s, p, ceil, include, divisor))


def test_float64_pooling_keeps_dtype():
    x = ng.randn(1, 2, 4, 4, dtype=ng.float64)
    assert F.max_pool2d(x, 2).dtype == ng.float64
    assert F.avg_pool2d(x, 2).dtype == ng.float64


def test_reprs_as_torch():
    assert repr(ng.nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)")
    assert repr(ng.nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)) == (
        "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)")
    assert repr(ng.nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(ng.nn.AvgPool2d((2, 3), 1, 1, True, False, 3)) == (
        "AvgPool2d(kernel_size=(2, 3), stride=1, padding=1)")


@pytest.mark.parametrize("fn", [F.max_pool2d, F.avg_pool2d], ids=["max", "avg"])
@pytest.mark.parametrize("shape, kwargs, message", [
    ((1, 1, 4, 4), {"kernel_size": 3, "padding": 2},
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and "
     "dilation=1"),
    ((1, 1, 1, 1), {"kernel_size": 2},
     "Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small"),
    ((1, 1, 4, 4), {"kernel_size": 2, "stride": 0}, "stride should not be zero"),
    ((1, 1, 4, 4), {"kernel_size": 2, "padding": -1}, "pad must be non-negative, but got pad: -1"),
    ((1, 0, 4, 4), {"kernel_size": 2},
     "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
     "got:[1, 0, 4, 4]"),
])
def test_pooling_errors_as_torch(fn, shape, kwargs, message):
    with pytest.raises(RuntimeError) as err:
        fn(ng.zeros(*shape), **kwargs)
    assert str(err.value) == message


def test_pooling_argument_errors():
    x = ng.zeros(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="max_pool2d: kernel_size must either be a single "
                                           "int, or a tuple of two ints"):
        F.max_pool2d(x, (2, 2, 2))
    with pytest.raises(RuntimeError, match="dilation should be greater than zero"):
        F.max_pool2d(x, 2, dilation=0)
    with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):
        F.max_pool2d(ng.zeros(4, 4), 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.avg_pool2d(ng.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(NotImplementedError, match="Long"):
        F.max_pool2d(x.long(), 2)


def test_parallel_kernels_match_serial(monkeypatch):
    from numbagrad.backends.cpu import conv as kernels

    x = ng.randn(2, 3, 9, 8, requires_grad=True)
    serial = [F.max_pool2d(x, 3, 2, 1, ceil_mode=True), F.avg_pool2d(x, 3, 2, 1, True, False)]
    grads = []
    for out in serial:
        x.grad = None
        out.sum().backward()
        grads.append(np.asarray(x.grad).copy())
    monkeypatch.setattr(kernels, "POOL_PARALLEL_MIN_SIZE", 1)
    parallel = [F.max_pool2d(x, 3, 2, 1, ceil_mode=True), F.avg_pool2d(x, 3, 2, 1, True, False)]
    for out, s, g in zip(parallel, serial, grads):
        x.grad = None
        out.sum().backward()
        np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(s.detach()), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(x.grad), g, rtol=1e-6)
