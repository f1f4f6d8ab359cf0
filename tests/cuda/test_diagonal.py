"""The GPU diagonal views, windows and triangle kernels against their CPU twins.

Under the test launch shape (few threads, few blocks) the larger cases span several blocks and
several grid-stride turns; the views are also taken of non-contiguous inputs and written
through.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import diagonal as cpu_diagonal  # the backends export the function
from numbagrad.backends.cpu import triangle as cpu_triangle
from numbagrad.backends.cpu import unfold as cpu_unfold
from numbagrad.backends.cpu import unfold_backward as cpu_unfold_backward
from numbagrad.backends.cuda import _array, assign, full
from numbagrad.backends.cuda import diagonal as gpu_diagonal
from numbagrad.backends.cuda import permute as gpu_permute
from numbagrad.backends.cuda import triangle as gpu_triangle
from numbagrad.backends.cuda import unfold as gpu_unfold
from numbagrad.backends.cuda import unfold_backward as gpu_unfold_backward


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(np.ascontiguousarray(x)), x.shape)


@pytest.mark.parametrize("shape", [(3, 4), (2, 5, 3), (1, 1), (2, 0, 3), (4, 9, 7)])
@pytest.mark.parametrize("diagonal", [-2, 0, 1, 9])
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_triangle_matches_cpu(shape, diagonal, upper, dtype):
    x = (np.arange(int(np.prod(shape))).reshape(shape) % 5 + 1).astype(dtype)
    got = _array.to_host(gpu_triangle(_device(x), diagonal, upper))
    want = cpu_triangle(x, diagonal, upper)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(want, np.triu(x, diagonal) if upper else np.tril(x, diagonal))


@pytest.mark.parametrize("case", [((3, 4), 0, 0, 1), ((3, 4), 2, 1, 0), ((2, 3, 4), -1, 2, 0),
                                  ((3, 4), 7, 0, 1), ((4, 3, 2), 1, 0, 2)])
@pytest.mark.parametrize("transposed", [False, True])
def test_diagonal_view_matches_cpu_and_writes_through(case, transposed):
    shape, offset, dim1, dim2 = case
    x = np.arange(float(np.prod(shape))).reshape(shape)
    gx = _device(x)
    if transposed:  # a non-contiguous base
        x, gx = x.T, gpu_permute(gx, tuple(range(len(shape)))[::-1])
    view = gpu_diagonal(gx, offset, dim1, dim2)
    want = cpu_diagonal(x.copy(), offset, dim1, dim2)
    np.testing.assert_array_equal(_array.to_host(view), want)
    np.testing.assert_array_equal(want, np.diagonal(x, offset, dim1, dim2))
    if view.size:
        assign(view, full(view.shape, -1.0, np.float64))
        np.testing.assert_array_equal(np.diagonal(_array.to_host(gx), offset, dim1, dim2), -1.0)


@pytest.mark.parametrize("case", [((7,), 0, 3, 2), ((2, 5, 3), 1, 2, 1), ((8, 2), 0, 2, 3),
                                  ((2, 7), 1, 3, 2), ((3, 33), 1, 4, 1), ((5,), 0, 0, 1)])
def test_unfold_and_its_backward_match_cpu(case):
    shape, dim, size, step = case
    x = np.arange(float(np.prod(shape))).reshape(shape)
    got = _array.to_host(gpu_unfold(_device(x), dim, size, step))
    want = cpu_unfold(x, dim, size, step)
    np.testing.assert_array_equal(got, want)
    g = np.random.default_rng(0).standard_normal(want.shape)
    got_grad = _array.to_host(gpu_unfold_backward(_device(g), shape, dim, size, step))
    want_grad = cpu_unfold_backward(g, shape, dim, size, step)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-12, atol=1e-12)
    # the CPU twin against a plain sum of the windows back into place
    ref = np.zeros(shape)
    for w in range(want.shape[dim]):
        key = (slice(None),) * dim + (slice(w * step, w * step + size),)
        ref[key] += np.moveaxis(g[(slice(None),) * dim + (w,)], -1, dim)
    np.testing.assert_allclose(want_grad, ref, rtol=1e-12, atol=1e-12)
