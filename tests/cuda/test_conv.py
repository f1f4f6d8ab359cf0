"""The GPU convolution and pooling kernels against their CPU twins.

Shapes are tiny (the simulator runs each CUDA thread as a Python thread) but span several GEMM
tiles, several grid-stride turns of the few blocks the test launch shape allows, several
reduction slices of the weight gradient and several chunks of max pooling's scatter.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import conv as cpu
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda import conv as gpu
from numbagrad.backends.cuda import shape as gpu_shape
from numbagrad.ops.conv import _pool_out


def _dev(a, strided: bool):
    """``a`` on the device: C-contiguous, or a strided view with the same values (channels
    last in memory, every other element of a wider buffer along the last axis)."""
    if not strided:
        return _array.to_device(a)
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a
    order = (0,) + tuple(range(2, a.ndim)) + (1,)  # (N, H, W, C) in memory
    back = tuple(int(v) for v in np.argsort(order))
    d = _array.to_device(np.ascontiguousarray(wide.transpose(order)))
    d = gpu_shape.permute(d, back)
    return gpu_shape.basic_index(d, (Ellipsis, slice(0, None, 2)))


def _close(got, expected):
    got = _array.to_host(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    tol = 2e-5 if expected.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def _conv_out(size, k, s, p, d):
    return tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                 for n, kk, ss, pp, dd in zip(size, k, s, p, d))


def _check_conv(rng, dtype, x_shape, w_shape, groups, stride, padding, dilation, bias,
                strided):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    out_size = _conv_out(x_shape[2:], w_shape[2:], stride, padding, dilation)
    args = (stride, padding, dilation, groups)
    expected = cpu.conv2d(x, w, b, *args, out_size)
    got = gpu.conv2d(_dev(x, strided), _dev(w, strided),
                     None if b is None else _array.to_device(b), *args, out_size)
    _close(got, expected)

    g = rng.standard_normal(expected.shape).astype(dtype)
    gd = _dev(g, strided)
    _close(gpu.conv2d_backward_input(gd, _dev(w, strided), x_shape, *args),
           cpu.conv2d_backward_input(g, w, x_shape, *args))
    gw, gb = gpu.conv2d_backward_weight(gd, _dev(x, strided), w_shape, *args)
    ew, eb = cpu.conv2d_backward_weight(g, x, w_shape, *args)
    _close(gw, ew)
    _close(gb, eb)
    # The CPU's bias gradient cannot reshape an empty batch (reshape(0, O, -1)): zeros here.
    _close(gpu.conv2d_backward_bias(gd),
           cpu.conv2d_backward_bias(g) if g.size else np.zeros(w_shape[0], dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_strided_dilated_grouped_matches_cpu(dtype, rng):
    _check_conv(rng, dtype, (2, 4, 5, 6), (6, 2, 3, 2), 2, (2, 1), (1, 2), (1, 2), True,
                strided=False)


def test_conv2d_on_strided_views_matches_cpu(rng):
    _check_conv(rng, np.float64, (2, 3, 4, 5), (4, 3, 2, 2), 1, (1, 1), (1, 0), (1, 1), False,
                strided=True)


def test_conv2d_weight_gradient_split_over_positions(rng):
    # 2 x 8 x 8 = 128 output positions: two slices of the reduction under the test launch shape.
    assert gpu._splits(128, 2, gpu._tile_shape(_jit.THREADS)[2]) > 1
    _check_conv(rng, np.float32, (2, 2, 8, 8), (3, 2, 3, 3), 1, (1, 1), (1, 1), (1, 1), True,
                strided=False)


def test_conv2d_with_two_tile_rows_per_block(rng, monkeypatch):
    # 64 threads per block (more than the tests' launch shape): GEMM tiles of two rows, a
    # wider bias reduction.
    monkeypatch.setattr(_jit, "THREADS", 64)
    assert gpu._tile_shape(_jit.THREADS)[0] > 1
    _check_conv(rng, np.float64, (1, 3, 5, 5), (5, 3, 2, 3), 1, (1, 2), (0, 1), (2, 1), True,
                strided=False)


@pytest.mark.parametrize("x_shape, w_shape", [((0, 2, 3, 3), (3, 2, 2, 2)),
                                              ((2, 0, 3, 3), (3, 0, 2, 2)),
                                              ((1, 1, 1, 1), (1, 1, 1, 1))])
def test_conv2d_edge_sizes(x_shape, w_shape, rng):
    _check_conv(rng, np.float64, x_shape, w_shape, 1, (1, 1), (0, 0), (1, 1), True,
                strided=False)


def _pool_size(x_shape, k, s, p, d, ceil_mode):
    return tuple(_pool_out(n, kk, pp, ss, dd, ceil_mode)
                 for n, kk, ss, pp, dd in zip(x_shape[2:], k, s, p, d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p, d, ceil_mode", [((3, 3), (1, 1), (1, 1), (1, 1), False),
                                                   ((2, 3), (2, 2), (1, 0), (2, 1), True)])
def test_max_pool2d_matches_cpu(dtype, k, s, p, d, ceil_mode, rng):
    # Small integers make ties; a nan wins its windows. Overlapping 3x3 windows send several
    # gradients to one pixel, across the scatter's chunks (9 x 7 outputs a plane).
    x = rng.integers(-3, 4, (2, 2, 9, 7)).astype(dtype)
    x[1, 0, 4, 3] = np.nan
    out_size = _pool_size(x.shape, k, s, p, d, ceil_mode)
    eo, ei = cpu.max_pool2d(x, k, s, p, d, out_size)
    go, gi = gpu.max_pool2d(_dev(x, True), k, s, p, d, out_size)
    _close(go, eo)
    np.testing.assert_array_equal(_array.to_host(gi), ei)
    assert gi.dtype == np.int64

    g = rng.standard_normal(eo.shape).astype(dtype)
    _close(gpu.max_pool2d_backward(_dev(g, True), gi, x.shape),
           cpu.max_pool2d_backward(g, ei, x.shape))


def test_max_pool2d_window_wholly_in_padding(rng):
    # Taps at rows -2 and 1 of a one-row input: the window holds no pixel.
    x = rng.standard_normal((1, 2, 1, 4))
    k, s, p, d = (2, 2), (1, 1), (2, 1), (3, 1)
    out_size = _pool_size(x.shape, k, s, p, d, False)
    eo, ei = cpu.max_pool2d(x, k, s, p, d, out_size)
    go, gi = gpu.max_pool2d(_array.to_device(x), k, s, p, d, out_size)
    assert (ei == -1).any()
    _close(go, eo)
    np.testing.assert_array_equal(_array.to_host(gi), ei)
    g = rng.standard_normal(eo.shape)
    _close(gpu.max_pool2d_backward(_array.to_device(g), gi, x.shape),
           cpu.max_pool2d_backward(g, ei, x.shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p, ceil_mode, include, divisor",
                         [((3, 2), (2, 1), (1, 1), True, True, None),
                          ((3, 2), (2, 1), (1, 1), True, False, None),
                          ((2, 2), (1, 2), (0, 1), False, False, 3)])
def test_avg_pool2d_matches_cpu(dtype, k, s, p, ceil_mode, include, divisor, rng):
    x = rng.standard_normal((2, 3, 6, 5)).astype(dtype)
    out_size = _pool_size(x.shape, k, s, p, (1, 1), ceil_mode)
    expected = cpu.avg_pool2d(x, k, s, p, include, divisor, out_size)
    _close(gpu.avg_pool2d(_dev(x, True), k, s, p, include, divisor, out_size), expected)
    g = rng.standard_normal(expected.shape).astype(dtype)
    _close(gpu.avg_pool2d_backward(_dev(g, True), x.shape, k, s, p, include, divisor),
           cpu.avg_pool2d_backward(g, x.shape, k, s, p, include, divisor))


def test_pooling_of_an_empty_batch():
    x = np.zeros((0, 2, 4, 4))
    out, idx = gpu.max_pool2d(_array.to_device(x), (2, 2), (2, 2), (0, 0), (1, 1), (2, 2))
    assert out.shape == idx.shape == (0, 2, 2, 2)
    assert gpu.max_pool2d_backward(out, idx, x.shape).shape == x.shape
    avg = gpu.avg_pool2d(_array.to_device(x), (2, 2), (2, 2), (0, 0), True, None, (2, 2))
    assert avg.shape == (0, 2, 2, 2)
    assert gpu.avg_pool2d_backward(avg, x.shape, (2, 2), (2, 2), (0, 0), True, None).shape \
        == x.shape
