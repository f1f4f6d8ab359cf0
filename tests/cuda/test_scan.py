"""The GPU scans against their CPU twins: values, dtypes, tie and nan indices, gradients.

Under the test launch shape (few threads, few blocks) the columns of the larger cases span
several blocks and several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import scan as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import scan as gpu

# (shape, axis): first, middle and last axes, a 0-d array, a long column.
CASES = [((6, 7), 0), ((6, 7), 1), ((3, 4, 5), 1), ((2, 1, 3), 1), ((), 0), ((40, 3), 0)]


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


def _check(got, expected):
    got = _array.to_host(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_scans_match_cpu(shape, axis, dtype):
    rng = np.random.default_rng(0)
    # Small integers: many ties and zeros.
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    g = rng.standard_normal(shape)
    _check(gpu.cumsum(_device(x), axis), cpu.cumsum(x, axis))
    _check(gpu.cumsum(_device(x), axis, True), cpu.cumsum(x, axis, True))
    _check(gpu.cumprod(_device(x), axis), cpu.cumprod(x, axis))
    for largest in (True, False):
        values, indices = gpu.cummax(_device(x), axis, largest)
        want_values, want_indices = cpu.cummax(x, axis, largest)
        _check(values, want_values)
        _check(indices, want_indices)
        _check(gpu.cummax_vjp(_device(g), indices, axis), cpu.cummax_vjp(g, want_indices, axis))
    if dtype is np.float64:
        _check(gpu.cumprod_vjp(_device(x), _device(g), axis), cpu.cumprod_vjp(x, g, axis))
        y = cpu.logcumsumexp(x, axis)
        _check(gpu.logcumsumexp(_device(x), axis), y)
        _check(gpu.logcumsumexp_vjp(_device(x), _device(y), _device(g), axis),
               cpu.logcumsumexp_vjp(x, y, g, axis))


def test_nan_indices_match_cpu():
    x = np.array([1.0, np.nan, 3.0, np.nan, 0.0])
    values, indices = gpu.cummax(_device(x), 0, True)
    np.testing.assert_array_equal(_array.to_host(indices), cpu.cummax(x, 0, True)[1])
    np.testing.assert_array_equal(_array.to_host(indices), [0, 1, 1, 3, 3])
