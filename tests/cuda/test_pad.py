"""The GPU padding and sliding-block kernels against their CPU twins: every mode, negative
pads, several dtypes, the adjoints, and im2col/col2im geometries.

Under the test launch shape (few threads, few blocks) the larger cases span several blocks and
several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import col2im as cpu_col2im
from numbagrad.backends.cpu import im2col as cpu_im2col
from numbagrad.backends.cpu import pad as cpu_pad
from numbagrad.backends.cpu import pad_backward as cpu_pad_backward
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import col2im as gpu_col2im
from numbagrad.backends.cuda import im2col as gpu_im2col
from numbagrad.backends.cuda import pad as gpu_pad
from numbagrad.backends.cuda import pad_backward as gpu_pad_backward

# (shape, pads per dimension, modes that accept them)
PADS = [((2, 5), ((0, 0), (2, 1)), ("constant", "reflect", "replicate", "circular")),
        ((3, 4, 5), ((0, 0), (-1, 2), (1, -2)), ("constant", "reflect", "replicate",
                                                 "circular")),
        ((2, 2, 3, 4), ((0, 0), (1, 1), (2, 0), (0, 3)), ("constant", "reflect", "replicate",
                                                          "circular")),
        ((2, 3, 4), ((1, -1), (2, 0), (0, 3)), ("constant",)),
        ((2, 0, 3), ((1, 1), (0, 2), (1, 0)), ("constant",))]
# The simulator adds float32 values to the float64 accumulators in float32 (NumPy 2's scalar
# rules); on a GPU they add in float64, as on the CPU.
_TOL = {np.float64: dict(rtol=1e-15, atol=1e-15), np.float32: dict(rtol=1e-6, atol=1e-6)}
CASES = [(shape, pads, mode) for shape, pads, modes in PADS for mode in modes]


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape) if x.size else \
        _array.empty(x.shape, x.dtype)


@pytest.mark.parametrize("shape,pads,mode", CASES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
def test_pad_matches_cpu(shape, pads, mode, dtype):
    x = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    got = _array.to_host(gpu_pad(_device(x), pads, mode, 1.5))
    want = cpu_pad(x, pads, mode, 1.5)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_pad_reads_a_strided_view():
    x = np.arange(24.0).reshape(4, 6)
    view = _device(x)[:, ::2]
    pads = ((1, 0), (2, 2))
    np.testing.assert_array_equal(_array.to_host(gpu_pad(view, pads, "reflect", 0)),
                                  cpu_pad(x[:, ::2], pads, "reflect", 0))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("lo,hi", [(2, 1), (-1, 2), (1, -2), (0, 3)])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_pad_backward_matches_cpu(mode, lo, hi, axis):
    n = 4
    shape = [2, 3, 2]
    shape[axis] = n + lo + hi
    g = np.random.default_rng(1).standard_normal(shape)
    for dtype in (np.float64, np.float32):
        gd = g.astype(dtype)
        got = _array.to_host(gpu_pad_backward(_device(gd), axis, lo, hi, n, mode))
        want = cpu_pad_backward(gd, axis, lo, hi, n, mode)
        assert got.dtype == want.dtype and got.shape[axis] == n
        np.testing.assert_allclose(got, want, **_TOL[dtype])


# (kh, kw, sh, sw, ph, pw, dh, dw) and the input's (H, W)
GEOMETRIES = [((2, 2, 1, 1, 0, 0, 1, 1), (3, 4)), ((2, 3, 2, 1, 1, 2, 2, 1), (5, 6)),
              ((3, 3, 2, 2, 1, 1, 1, 1), (4, 4)), ((1, 2, 3, 1, 0, 1, 1, 3), (7, 5))]


def _geom(g, size):
    kh, kw, sh, sw, ph, pw, dh, dw = g
    ho = (size[0] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (size[1] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    return g + (ho, wo)


@pytest.mark.parametrize("g,size", GEOMETRIES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_im2col_and_col2im_match_cpu(g, size, dtype):
    geom = _geom(g, size)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3) + size).astype(dtype)
    cols = _array.to_host(gpu_im2col(_device(x), geom))
    np.testing.assert_array_equal(cols, cpu_im2col(x, geom))
    c = rng.standard_normal(cols.shape).astype(dtype)
    got = _array.to_host(gpu_col2im(_device(c), size, geom))
    want = cpu_col2im(c, size, geom)
    assert got.dtype == want.dtype and got.shape == (2, 3) + size
    np.testing.assert_allclose(got, want, **_TOL[dtype])
