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
        F.avg_pool2d(x.long(), 2)


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


# ----------------------------------------------------------------------------- 1-D and 3-D


def _both(torch, shape, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    tx = torch.randn(shape, generator=gen, dtype=dtype, requires_grad=True)
    return tx, _ng(tx, requires_grad=True)


def _parity(torch, shape, ng_fn, torch_fn, dtype_name="float64", indices=False):
    """Forward (and indices), input gradient of ``ng_fn`` against ``torch_fn``."""
    dtype = getattr(torch, dtype_name)
    tx, x = _both(torch, shape, dtype)
    tout, out = torch_fn(tx), ng_fn(x)
    if indices:
        (tout, tidx), (out, idx) = tout, out
        assert idx.dtype == ng.int64
        np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
    assert out.dtype == getattr(ng, dtype_name)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype_name == "float32" else dict(rtol=1e-10, atol=1e-12)
    _close(out, tout, **tol)
    tg = torch.randn(tout.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
    tout.backward(tg)
    out.backward(_ng(tg))
    _close(x.grad, tx.grad, **tol)


# (module name, constructor args, input shape)
MODULE_CASES = [
    ("MaxPool1d", (3, 2, 1, 2, False, True), (2, 3, 11)),
    ("MaxPool1d", (2,), (3, 8)),
    ("MaxPool3d", ((2, 3, 2), (1, 2, 1), 1, (1, 1, 2), False, True), (2, 2, 5, 6, 7)),
    ("MaxPool3d", (2,), (2, 4, 4, 5)),
    ("AvgPool1d", (3, 2, 1, True, False), (2, 3, 10)),
    ("AvgPool1d", (2,), (3, 7)),
    ("AvgPool3d", (3, 2, 1, True, True), (2, 2, 5, 6, 7)),
    ("AvgPool3d", (3, 2, 1, True, False), (2, 5, 6, 7)),
    ("AvgPool3d", ((2, 3, 2), 1, 0, False, True, 7), (1, 2, 4, 5, 3)),
    ("AvgPool2d", (3, 2, 1, True, False, 4), (2, 2, 6, 5)),  # divisor_override with padding
    ("AdaptiveAvgPool1d", (3,), (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((4, None),), (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), (3, 7, 5)),
    ("AdaptiveAvgPool3d", ((2, 3, 4),), (1, 2, 5, 4, 7)),
    ("AdaptiveMaxPool1d", (4,), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 2),), (2, 2, 7, 5)),
    ("AdaptiveMaxPool3d", (2,), (2, 3, 4, 5)),
    ("LPPool1d", (2, 3, 2), (2, 3, 9)),
    ("LPPool2d", (3, 2), (2, 3, 6, 7)),
    ("LPPool2d", (1.5, (2, 3), 1, True), (1, 2, 5, 6)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,shape", MODULE_CASES, ids=lambda v: str(v))
def test_pooling_modules_match_torch(name, args, shape, dtype):
    torch = pytest.importorskip("torch")
    if name.startswith("LPPool"):
        pytest.importorskip("torch")
    mod, tmod = getattr(ng.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mod) == repr(tmod)
    if name.startswith("LPPool"):
        # Powers of negative numbers are nan: pool magnitudes, as LP pooling is used.
        tx = torch.rand(shape, dtype=getattr(torch, dtype), generator=torch.Generator()
                        .manual_seed(0)) + 0.5
        tx.requires_grad_(True)
        x = _ng(tx, requires_grad=True)
        tout, out = tmod(tx), mod(x)
        _close(out, tout, rtol=1e-5)
        tout.sum().backward()
        out.sum().backward()
        _close(x.grad, tx.grad, rtol=1e-4)
        return
    _parity(torch, shape, mod, tmod, dtype)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_and_regular_max_pool_indices_match_torch(nd):
    torch = pytest.importorskip("torch")
    F_t = torch.nn.functional
    shape = (2, 3, 7, 6, 5)[:2 + nd]
    size = (3, 4, 2)[:nd]
    _parity(torch, shape, lambda x: getattr(F, f"adaptive_max_pool{nd}d")(x, size, True),
            lambda x: getattr(F_t, f"adaptive_max_pool{nd}d")(x, size, True), indices=True)
    if nd != 2:
        _parity(torch, shape, lambda x: getattr(F, f"max_pool{nd}d")(x, 3, 2, 1, 1, True, True),
                lambda x: getattr(F_t, f"max_pool{nd}d")(x, 3, 2, 1, 1, True, True),
                indices=True)


def test_max_pool3d_of_integers_as_torch():
    torch = pytest.importorskip("torch")
    for dtype in (torch.int64, torch.int32):
        tx = torch.randint(-5, 5, (2, 2, 4, 5, 3), generator=torch.Generator().manual_seed(0),
                           dtype=dtype)
        out, idx = F.max_pool3d(ng.from_numpy(tx.numpy().copy()), 2, 1, 1, return_indices=True)
        tout, tidx = torch.nn.functional.max_pool3d(tx, 2, 1, 1, return_indices=True)
        assert out.dtype == getattr(ng, str(dtype).split(".")[1])
        np.testing.assert_array_equal(np.asarray(out), tout.numpy())
        np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())


def test_max_pool_ties_and_nan_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[[1.0, 1.0, np.nan, 2.0, np.nan, 2.0, 3.0, 3.0]]])
    out, idx = F.max_pool1d(ng.from_numpy(values.copy()), 3, 1, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool1d(torch.from_numpy(values), 3, 1,
                                                return_indices=True)
    np.testing.assert_array_equal(np.asarray(idx), tidx.numpy())
    np.testing.assert_array_equal(np.asarray(out), tout.numpy())


@pytest.mark.parametrize("nd", [1, 2])
def test_max_unpool_inverts_max_pool_as_torch(nd):
    torch = pytest.importorskip("torch")
    F_t = torch.nn.functional
    shape = (2, 3, 8, 6)[:2 + nd]
    tx = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    tout, tidx = getattr(F_t, f"max_pool{nd}d")(tx, 2, return_indices=True)
    out = _ng(tout, requires_grad=True)
    idx = ng.from_numpy(tidx.numpy().copy())
    tout.requires_grad_(True)
    size = (9, 7)[:nd]
    mod, tmod = getattr(ng.nn, f"MaxUnpool{nd}d")(2), getattr(torch.nn, f"MaxUnpool{nd}d")(2)
    assert repr(mod) == repr(tmod)
    for kwargs in ({}, {"output_size": size}):
        got, want = mod(out, idx, **kwargs), tmod(tout, tidx, **kwargs)
        _close(got, want)
    g = torch.randn(want.shape)
    want.backward(g)
    got.backward(_ng(g))
    _close(out.grad, tout.grad)


def test_unpool_errors():
    x = ng.zeros(1, 1, 2)
    with pytest.raises(ValueError, match="dim 0 must be between 2 and 6"):
        F.max_unpool1d(x, ng.zeros(1, 1, 2).long(), 2, output_size=(7,))
    with pytest.raises(RuntimeError, match="Found an invalid max index: 9"):
        F.max_unpool1d(x, ng.tensor([[[0, 9]]]), 2)


# (function, input shape, positional and keyword arguments, torch's message)
ERROR_CASES = [
    ("max_pool1d", (1, 2, 5), (0,), {},
     "max_pool1d() kernel_size must be greater than zero, but got 0"),
    ("max_pool1d", (1, 2, 5), (2, 0), {},
     "max_pool1d() stride must be greater than zero, but got 0"),
    ("max_pool1d", (1, 2, 5), (2, 1, 2), {},
     "max_pool1d() padding should be at most half of kernel size, but got padding=2 and "
     "kernel_size=2"),
    ("max_pool1d", (1, 2, 5), (2,), {"dilation": 0},
     "max_pool1d() dilation must be greater than zero, but got 0"),
    ("max_pool1d", (1, 2, 5), (7,), {}, "max_pool1d() Invalid computed output size: 0"),
    ("max_pool1d", (5,), (2,), {},
     "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
     "input, but got:[5]"),
    ("max_pool3d", (1, 2, 4, 4, 4), (2, 1, 2), {},
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
     "dilation=1"),
    ("max_pool3d", (1, 2, 4, 4, 4), (0,), {}, "stride should not be zero"),
    ("max_pool3d", (1, 2, 4, 4, 4), (2,), {"padding": -1},
     "pad must be non-negative, but got pad: -1"),
    ("max_pool3d", (1, 2, 4, 4, 4), (-1, 1), {},
     "kernel size should be greater than zero, but got kT: -1 kH: -1 kW: -1"),
    ("max_pool3d", (1, 2, 4, 4, 4), (2, -1), {},
     "stride should be greater than zero, but got dT: -1 dH: -1 dW: -1"),
    ("max_pool3d", (1, 2, 4, 4, 4), (2,), {"dilation": 0},
     "dilation should be greater than zero, but got dilationT: 0 dilationH: 0 dilationW: 0"),
    ("max_pool3d", (1, 2, 4, 4, 4), (7,), {},
     "Given input size: (2x4x4x4). Calculated output size: (2x0x0x0). Output size is too "
     "small"),
    ("max_pool3d", (4, 4), (2,), {}, "non-empty 4D or 5D (batch mode) tensor expected for input"),
    ("max_pool3d", (1, 2, 4, 4, 4), ((2, 2),), {},
     "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"),
    ("avg_pool3d", (1, 2, 4, 4, 4), (5,), {"padding": 2},
     "input image (T: 4 H: 4 W: 4) smaller than kernel size (kT: 5 kH: 5 kW: 5)"),
    ("avg_pool3d", (1, 2, 4, 4, 4), (2,), {"divisor_override": 0}, "divisor must be not zero"),
    ("avg_pool3d", (1, 0, 4, 4, 4), (2,), {},
     "avg_pool3d(): Expected input's non-batch dimensions to have positive length, but input "
     "has a shape of [1, 0, 4, 4, 4] and non-batch dimension 0 has length zero!"),
    ("avg_pool1d", (1, 2, 5), (7,), {},
     "Given input size: (2x1x5). Calculated output size: (2x1x0). Output size is too small"),
    ("avg_pool1d", (5,), (2,), {},
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
     "checking arguments for avg_pool1d)"),
    ("avg_pool1d", (1, 2, 5), (2, 1, 2), {},
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
     "dilation=1"),
    ("avg_pool1d", (1, 2, 5), (-1, 1), {},
     "kernel size should be greater than zero, but got kH: 1 kW: -1"),
    ("avg_pool1d", (1, 2, 5), ((2, 2),), {},
     "avg_pool1d() argument 'kernel_size' should contain one int (got 2)"),
    ("adaptive_avg_pool1d", (5,), (2,), {},
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
     "checking arguments for adaptive_avg_pool1d)"),
    ("adaptive_avg_pool2d", (5,), (2,), {},
     "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5]"),
    ("adaptive_avg_pool3d", (5, 5), (2,), {},
     "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [5, 5]"),
    ("adaptive_max_pool2d", (5,), (2,), {},
     "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [5]"),
    ("adaptive_avg_pool2d", (1, 2, 3, 3), ((1, 2, 3),), {},
     "adaptive_avg_pool2d: output_size must be 2"),
    ("adaptive_avg_pool2d", (1, 2, 3, 3), (-1,), {},
     "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
     "received {-1, -1}"),
]


@pytest.mark.parametrize("name,shape,args,kwargs,message", ERROR_CASES,
                         ids=lambda v: v if isinstance(v, str) and len(v) < 24 else None)
def test_pooling_1d_3d_errors_as_torch(name, shape, args, kwargs, message):
    with pytest.raises(RuntimeError) as err:
        getattr(F, name)(ng.zeros(*shape), *args, **kwargs)
    assert str(err.value) == message
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as terr:
        getattr(torch.nn.functional, name)(torch.zeros(*shape), *args, **kwargs)
    assert str(terr.value).split("\n")[0] == message


def test_integer_inputs_where_torch_refuses():
    with pytest.raises(NotImplementedError, match="max_pool1d_impl"):
        F.max_pool1d(ng.zeros(1, 1, 4).long(), 2)
    with pytest.raises(NotImplementedError, match="adaptive_avg_pool2d"):
        F.adaptive_avg_pool1d(ng.zeros(1, 1, 4).long(), 2)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_max_pool2d_takes_integer_tensors_as_torch(dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).integers(0, 100, (2, 3, 7, 6))
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                   dict(kernel_size=2, dilation=2, return_indices=True)):
        ours = ng.nn.functional.max_pool2d(ng.tensor(x, dtype=getattr(ng, dtype)), **kwargs)
        theirs = torch.nn.functional.max_pool2d(torch.tensor(x, dtype=getattr(torch, dtype)),
                                                **kwargs)
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):
            assert o.dtype.name == str(t.dtype).split(".")[-1]
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    with pytest.raises(NotImplementedError, match="\"max_pool2d\" not implemented for 'Bool'"):
        ng.nn.functional.max_pool2d(ng.ones(1, 4, 4, dtype=ng.bool), 2)
