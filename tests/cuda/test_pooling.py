"""The GPU pooling and interpolation kernels against their CPU twins (windowed max with its
indices, integer dtypes, windowed means, the per-axis gather and their adjoints), and the
pooling, padding and resampling layers end to end on the GPU.

Under the test launch shape (few threads, few blocks) the larger cases span several blocks and
several grid-stride turns.
"""
import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn.functional as F
from numbagrad import nn
from numbagrad.backends import cpu, cuda
from numbagrad.backends.cuda import _array
from numbagrad.ops.pooling import _adaptive_windows, _padded3, _pool_windows

RNG = np.random.default_rng(0)


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


# (plane shape (planes, D, H, W), windows)
GEOMETRIES = [
    ((3, 4, 5, 6), _pool_windows((4, 5, 6), (2, 3, 2), (1, 2, 2), (1, 1, 0), (1, 1, 2),
                                 (4, 3, 2), True)),
    ((2, 1, 1, 9), _padded3(2, (9,), _pool_windows((9,), (3,), (2,), (1,), (2,), (4,),
                                                    False))[1]),
    ((5, 3, 7, 4), _adaptive_windows((3, 7, 4), (2, 3, 3))),
]


@pytest.mark.parametrize("shape,windows", GEOMETRIES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
def test_pool_max_matches_cpu(shape, windows, dtype):
    x = (RNG.standard_normal(shape) * 3).astype(dtype)
    out, idx = cuda.pool_max(_device(x), shape, windows)
    want, want_idx = cpu.pool_max(x, shape, windows)
    np.testing.assert_array_equal(_array.to_host(out), want)
    np.testing.assert_array_equal(_array.to_host(idx), want_idx)
    if dtype in (np.float64, np.float32):
        g = RNG.standard_normal(want.shape).astype(dtype)
        got = cuda.pool_max_backward(_device(g), idx, shape)
        np.testing.assert_allclose(_array.to_host(got), cpu.pool_max_backward(g, want_idx, shape),
                                   rtol=1e-6)


@pytest.mark.parametrize("shape,windows", GEOMETRIES, ids=str)
@pytest.mark.parametrize("override", [0, 5])
def test_pool_avg_matches_cpu(shape, windows, override):
    x = RNG.standard_normal(shape)
    got = _array.to_host(cuda.pool_avg(_device(x), shape, windows, override))
    np.testing.assert_allclose(got, cpu.pool_avg(x, shape, windows, override), rtol=1e-12)
    g = RNG.standard_normal(got.shape)
    np.testing.assert_allclose(
        _array.to_host(cuda.pool_avg_backward(_device(g), shape, windows, override)),
        cpu.pool_avg_backward(g, shape, windows, override), rtol=1e-12)


@pytest.mark.parametrize("mode,align,scale", [("nearest", False, None),
                                              ("nearest-exact", False, 1.7),
                                              ("linear", False, None), ("linear", True, None),
                                              ("cubic", False, 1.6), ("cubic", True, None)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interp_matches_cpu(mode, align, scale, dtype):
    x = RNG.standard_normal((3, 5, 4)).astype(dtype)
    got = _array.to_host(cuda.interp(_device(x), x.shape, 8, mode, align, scale))
    np.testing.assert_allclose(got, cpu.interp(x, x.shape, 8, mode, align, scale), rtol=1e-6)
    g = RNG.standard_normal(got.shape).astype(dtype)
    np.testing.assert_allclose(
        _array.to_host(cuda.interp_backward(_device(g), x.shape, mode, align, scale)),
        cpu.interp_backward(g, x.shape, mode, align, scale), rtol=1e-6, atol=1e-6)


LAYERS = [
    (lambda: nn.MaxPool1d(3, 2, 1), (2, 3, 9)),
    (lambda: nn.MaxPool3d(2, 1, 1), (1, 2, 3, 4, 3)),
    (lambda: nn.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 9)),
    (lambda: nn.AvgPool3d(2, divisor_override=3), (1, 2, 4, 4, 3)),
    (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 5, 5)),
    (lambda: nn.AdaptiveMaxPool1d(4), (2, 3, 7)),
    (lambda: nn.LPPool2d(2, 2), (1, 2, 4, 4)),
    (lambda: nn.Upsample(scale_factor=1.5, mode="bicubic"), (1, 2, 4, 3)),
    (lambda: nn.Upsample(size=(2, 5, 3), mode="trilinear", align_corners=True),
     (1, 2, 3, 2, 4)),
    (lambda: nn.PixelShuffle(2), (1, 8, 2, 3)),
    (lambda: nn.ReflectionPad2d((1, 2, 0, 1)), (1, 2, 3, 4)),
    (lambda: nn.CircularPad1d(2), (2, 3, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS, ids=lambda v: str(v))
def test_layers_match_cpu(make, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    mod = make()
    xc = torch.from_numpy(x.copy()).requires_grad_(True)
    xg = torch.from_numpy(x.copy()).cuda().detach().requires_grad_(True)
    out_c, out_g = mod(xc), mod(xg)
    assert out_g.device.type == "cuda"
    np.testing.assert_allclose(np.asarray(out_g.detach().cpu()), np.asarray(out_c.detach()),
                               rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal(tuple(out_c.shape)).astype(np.float32)
    out_c.backward(torch.from_numpy(g.copy()))
    out_g.backward(torch.from_numpy(g.copy()).cuda())
    np.testing.assert_allclose(np.asarray(xg.grad.cpu()), np.asarray(xc.grad), rtol=1e-5,
                               atol=1e-5)


def test_max_pool3d_indices_on_gpu():
    x = RNG.standard_normal((2, 2, 4, 4, 4)).astype(np.float32)
    out, idx = F.max_pool3d(torch.from_numpy(x.copy()).cuda(), 2, return_indices=True)
    want, want_idx = F.max_pool3d(torch.from_numpy(x.copy()), 2, return_indices=True)
    assert idx.device.type == "cuda"
    np.testing.assert_array_equal(np.asarray(idx.cpu()), np.asarray(want_idx))
    np.testing.assert_array_equal(np.asarray(out.cpu()), np.asarray(want))
