"""The GPU GEMM against the CPU's BLAS: edges, transposes, strided views, broadcast batches.

Under the simulator the block tile is 8x8 (``linalg.TILES``), so the sizes below are chosen off
multiples of 8 and span several tiles, and with ``NUMBAGRAD_CUDA_MAX_BLOCKS=4`` blocks also take
several turns of the grid-stride loop over tiles.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import linalg as cpu
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda import linalg as gpu
from numbagrad.backends.cuda import shape as gpu_shape

FLOATS = [np.float32, np.float64]


def _draw(rng, shape, dtype):
    if np.dtype(dtype).kind == "i":
        return rng.integers(-9, 10, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _check(got, expected):
    """float32 sums round differently in a different order (BLAS blocks k its own way): a few
    float32 ulps of the terms' size, as the sums here have at most ~30 unit-size terms."""
    got = _array.to_host(got)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if expected.dtype.kind == "i":
        np.testing.assert_array_equal(got, expected)
    elif expected.dtype == np.float32:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-5)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", FLOATS + [np.int32, np.int64])
@pytest.mark.parametrize("mkn", [(19, 13, 17), (8, 8, 8), (1, 1, 1), (1, 9, 20), (21, 1, 3)])
def test_2d_product_matches_cpu(mkn, dtype, rng):
    m, k, n = mkn
    a, b = _draw(rng, (m, k), dtype), _draw(rng, (k, n), dtype)
    _check(gpu.matmul(_array.to_device(a), _array.to_device(b)), cpu.matmul(a, b))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ta,tb", [(True, False), (False, True), (True, True)])
def test_transpose_flags_read_through_strides(ta, tb, dtype, rng):
    a = _draw(rng, (2, 11, 10) if ta else (2, 10, 11), dtype)
    b = _draw(rng, (2, 9, 11) if tb else (2, 11, 9), dtype)
    before = _jit.launches()
    got = gpu.matmul(_array.to_device(a), _array.to_device(b), transpose_a=ta, transpose_b=tb)
    assert _jit.launches() - before == 1  # the product only: no transposed copy was made
    _check(got, cpu.matmul(a, b, transpose_a=ta, transpose_b=tb))


@pytest.mark.parametrize("dtype", FLOATS)
def test_transposed_and_sliced_views_are_not_copied(dtype, rng):
    a, w = _draw(rng, (3, 10, 12), dtype), _draw(rng, (14, 12), dtype)
    # linear's layout: b is the transposed view w.t(); a is a strided slice of a stack.
    a_view = gpu_shape.basic_index(_array.to_device(a), (slice(None), slice(1, 10, 2)))
    w_t = gpu_shape.permute(_array.to_device(w), (1, 0))
    before = _jit.launches()
    got = gpu.matmul(a_view, w_t)
    assert _jit.launches() - before == 1
    _check(got, cpu.matmul(a[:, 1:10:2], w.T))
    # A batch of transposed matrices (each one F-ordered), times a batch.
    at = gpu_shape.permute(_array.to_device(a), (0, 2, 1))
    b = _draw(rng, (3, 10, 5), dtype)
    _check(gpu.matmul(at, _array.to_device(b)), cpu.matmul(a.transpose(0, 2, 1), b))


@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
@pytest.mark.parametrize("shapes", [
    [(2, 1, 9, 5), (3, 5, 10)],     # both broadcast
    [(4, 9, 5), (5, 10)],           # b one matrix: the batch folds into rows
    [(2, 2, 9, 5), (1, 1, 5, 10)],  # b one matrix with batch dims of 1
    [(9, 5), (2, 5, 10)],           # a one matrix, b batched
    [(3, 9, 5), (3, 5, 10)],        # bmm
])
def test_batched_broadcast_matches_cpu(shapes, dtype, rng):
    a, b = (_draw(rng, s, dtype) for s in shapes)
    _check(gpu.matmul(_array.to_device(a), _array.to_device(b)), cpu.matmul(a, b))


def test_batch_of_expanded_operand_does_not_fold(rng):
    """An expanded a (stride-0 batch) cannot fold into rows: the batch path reads it."""
    a, b = rng.standard_normal((9, 5)), rng.standard_normal((5, 10))
    a_exp = gpu_shape.expand(_array.to_device(a), (3, 9, 5))
    _check(gpu.matmul(a_exp, _array.to_device(b)),
           cpu.matmul(np.broadcast_to(a, (3, 9, 5)), b))


def test_batch_dimensions_that_do_not_collapse(monkeypatch, rng):
    """Past 8 batch dimensions that a and b walk differently, one product per leading index.

    Nine such dimensions make 512 matrices, slow under the simulator: here ``collapse`` is
    made to give up on three, which takes the same path with 24 matrices.
    """
    collapse = gpu.collapse

    def give_up_on_three(shape, strides, ndim):
        return (None, None) if len(shape) >= 3 and ndim > 1 else collapse(shape, strides, ndim)

    monkeypatch.setattr(gpu, "collapse", give_up_on_three)
    a, b = rng.standard_normal((2, 1, 3, 5, 4)), rng.standard_normal((1, 4, 3, 4, 6))
    before = _jit.launches()
    got = gpu.matmul(_array.to_device(a), _array.to_device(b))
    assert _jit.launches() - before == 2  # one per index of the leading dimension
    _check(got, cpu.matmul(a, b))
    a, b = rng.standard_normal((2, 4, 3, 5, 4)), rng.standard_normal((3, 4, 6))
    _check(gpu.matmul(gpu_shape.permute(_array.to_device(a), (1, 0, 2, 3, 4)),
                      _array.to_device(b)), cpu.matmul(a.transpose(1, 0, 2, 3, 4), b))


@pytest.mark.parametrize("dtype", FLOATS + [np.int32])
@pytest.mark.parametrize("shapes", [[(4, 0), (0, 3)], [(0, 5), (5, 3)], [(4, 5), (5, 0)],
                                    [(0, 4, 5), (5, 3)], [(2, 4, 0), (2, 0, 3)]])
def test_empty_dimensions(shapes, dtype, rng):
    a, b = (_draw(rng, s, dtype) for s in shapes)
    _check(gpu.matmul(_array.to_device(a), _array.to_device(b)), cpu.matmul(a, b))


def test_nan_in_the_operands_stays_in_its_rows(rng):
    """Zero padding past the edges must not mix a NaN into other outputs."""
    a, b = rng.standard_normal((10, 9)), rng.standard_normal((9, 11))
    a[3, 8] = np.nan
    _check(gpu.matmul(_array.to_device(a), _array.to_device(b)), cpu.matmul(a, b))


def test_other_tile_shapes(monkeypatch, rng):
    """The same kernel source with a non-square tile and micro-tile (16x8 tile, 4x2 per
    thread, k-panels of 2): the thread mapping follows the closure's sizes."""
    monkeypatch.setattr(gpu, "TILES", (16, 8, 2, 4, 2))
    a, b = rng.standard_normal((2, 20, 7)), rng.standard_normal((2, 7, 19))
    _check(gpu.matmul(_array.to_device(a), _array.to_device(b), transpose_b=False),
           cpu.matmul(a, b))
    bt = np.ascontiguousarray(b.transpose(0, 2, 1))
    _check(gpu.matmul(_array.to_device(a), _array.to_device(bt), transpose_b=True),
           cpu.matmul(a, bt, transpose_b=True))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((9, 5), (5, 11)), ((2, 3, 5), (5, 4)), ((3, 0), (0, 4))])
def test_bias_is_added_to_every_row_like_the_cpu(shapes, dtype, rng):
    a, b = _draw(rng, shapes[0], dtype), _draw(rng, shapes[1], dtype)
    bias = _draw(rng, (shapes[1][-1],), dtype)
    got = gpu.matmul(_array.to_device(a), _array.to_device(b), bias=_array.to_device(bias))
    _check(got, cpu.matmul(a, b, bias=bias))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("needs", [(True, True, True), (False, True, True), (True, False, False)])
def test_linear_backward_matches_cpu(needs, dtype, rng):
    g = _draw(rng, (19, 11), dtype)
    x = _draw(rng, (13, 19), dtype).T  # a transposed input, read through its strides
    w = _draw(rng, (11, 13), dtype)
    expected = cpu.linear_backward(g, x, w, *needs)
    got = gpu.linear_backward(_array.to_device(g), gpu_shape.permute(_array.to_device(x.T),
                                                                     (1, 0)),
                              _array.to_device(w), *needs)
    for e, r in zip(expected, got, strict=True):
        if e is None:
            assert r is None
        else:
            _check(r, e)
