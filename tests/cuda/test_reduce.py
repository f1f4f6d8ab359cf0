"""The GPU reductions against their CPU twins: values, dtypes, indices, gradients.

Under the test launch shape (32 threads, 4 blocks) a row of 1000 elements is cut into chunks
(the two-pass path), short rows share a block, and outputs wider than one tile make the blocks
grid-stride.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import reduce as cpu
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda import reduce as gpu
from numbagrad.backends.cuda import shape as gpu_shape

# (shape, axes): adjacent axes, non-adjacent ones, all, none, size-1 dims, a 0-d array.
CASES = [((6, 7), None), ((6, 7), 0), ((6, 7), 1), ((3, 4, 5), (0, 2)), ((3, 4, 5), (1, 2)),
         ((2, 1, 3), 1), ((5, 3), ()), ((), None), ((40, 3), 1)]
# Long enough along the reduced axis to be cut into chunks.
LONG = [((1000,), None), ((700, 3), 0)]


def _host(x):
    return _array.to_host(x)


def _device(x: np.ndarray):
    """A device copy of ``x`` of the same shape (``to_device`` makes a 0-d array 1-d)."""
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


def _close(got, expected, dtype):
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if np.dtype(dtype).kind == "f":
        # Both sides accumulate in float64; only the order of the additions differs.
        rtol = 1e-5 if np.dtype(expected.dtype) == np.float32 else 1e-12
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(got, expected)


def _transposed(rng, shape, dtype):
    """A host array and a non-contiguous device view with the same values."""
    a = rng.standard_normal(shape[::-1]).astype(dtype)
    dims = tuple(range(len(shape) - 1, -1, -1))
    return a.transpose(dims), gpu_shape.permute(_device(a), dims)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes", CASES + LONG)
def test_sum_and_prod_match_cpu(shape, axes, dtype, rng):
    # Near 1, so that products of 1000 elements neither overflow nor vanish.
    x = (1 + 0.05 * rng.standard_normal(shape)).astype(dtype)
    d = _device(x)
    _close(_host(gpu.sum(d, axes)), cpu.sum(x, axes), dtype)
    _close(_host(gpu.prod(d, axes, True)), cpu.prod(x, axes, True), dtype)


@pytest.mark.parametrize("shape,axes", [((3, 4, 5), (0, 2)), ((4, 5, 6), 1), ((5, 6), None)])
def test_reductions_read_strided_views(shape, axes, rng):
    x, d = _transposed(rng, shape, np.float64)
    _close(_host(gpu.sum(d, axes)), cpu.sum(x, axes), np.float64)
    _close(_host(gpu.prod(d, axes)), cpu.prod(x, axes), np.float64)
    for name in ("max", "min"):
        (ev, ei), (gv, gi) = getattr(cpu, name)(x, axes), getattr(gpu, name)(d, axes)
        np.testing.assert_array_equal(_host(gv), ev)
        np.testing.assert_array_equal(_host(gi), ei)
    sliced = gpu_shape.basic_index(_device(x.copy()), (slice(None), slice(1, None, 2)))
    _close(_host(gpu.sum(sliced, axes)), cpu.sum(x[:, 1::2], axes), np.float64)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.int64])
def test_integer_and_bool_sums_and_products_have_the_cpus_dtype(dtype, rng):
    x = rng.integers(0, 3, (5, 40)).astype(dtype)
    d = _device(x)
    for axes in (None, 1):
        _close(_host(gpu.sum(d, axes)), cpu.sum(x, axes), dtype)
        _close(_host(gpu.prod(d, axes)), cpu.prod(x, axes), dtype)
    _close(_host(gpu.sum(d, 1, dtype=np.int64)), cpu.sum(x, 1, dtype=np.int64), dtype)


def test_float32_sum_accumulates_in_float64_and_honours_dtype(rng):
    # 1 + 1e-8 * k in float32 is 1: a float32 accumulator would lose the small terms.
    x = np.concatenate([[1.0], np.full(999, 1e-8)]).astype(np.float32)
    d = _device(x)
    assert _host(gpu.sum(d, None, dtype=np.float64)) == pytest.approx(1 + 999e-8, rel=1e-12)
    _close(_host(gpu.sum(d, None, dtype=np.float64)), cpu.sum(x, None, dtype=np.float64),
           np.float64)


def test_long_row_sums_take_two_passes_and_are_reproducible(rng):
    # Three chunks' worth for one block of THREADS threads, whatever the launch shape.
    x = rng.standard_normal(2 * _jit.THREADS * gpu.PER_THREAD + 1)
    d = _device(x)
    before = _jit.launches()
    first = _host(gpu.sum(d))
    assert _jit.launches() - before == 2  # chunks, then the chunks' partial sums
    _close(first, cpu.sum(x), np.float64)
    assert all(_host(gpu.sum(d)).tobytes() == first.tobytes() for _ in range(2))


@pytest.mark.parametrize("shape,axes", [((4, 0), 1), ((4, 0), 0), ((0, 3), None), ((0, 3), 1)])
def test_empty_inputs(shape, axes):
    x = np.zeros(shape, np.float32)
    d = _device(x)
    _close(_host(gpu.sum(d, axes)), cpu.sum(x, axes), np.float32)
    _close(_host(gpu.prod(d, axes)), cpu.prod(x, axes), np.float32)
    if cpu.sum(x, axes).size and 0 in [shape[a] for a in cpu.normalize_axes(len(shape), axes)]:
        with pytest.raises(ValueError, match="max: cannot reduce over an empty dimension"):
            gpu.max(d, axes)
    else:
        vals, idx = gpu.min(d, axes)
        assert vals.shape == idx.shape == cpu.min(x, axes)[0].shape and idx.dtype == np.int64


def _ties_and_nans(rng, shape, dtype):
    """Few distinct values (many ties), a few nans when floating."""
    x = rng.integers(-3, 4, shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[rng.random(shape) < 0.03] = np.nan
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("shape,axes", CASES + LONG)
def test_max_and_min_values_and_first_indices_match_cpu(shape, axes, dtype, rng):
    x = _ties_and_nans(rng, shape, dtype)
    d = _device(x)
    for name in ("max", "min"):
        (ev, ei), (gv, gi) = getattr(cpu, name)(x, axes, True), getattr(gpu, name)(d, axes, True)
        assert _host(gv).dtype == ev.dtype and _host(gi).dtype == ei.dtype == np.int64
        np.testing.assert_array_equal(_host(gv), ev)
        np.testing.assert_array_equal(_host(gi), ei)


@pytest.mark.parametrize("nan_at", [None, 3, 990])
def test_long_row_keeps_the_first_extreme_and_the_first_nan(nan_at):
    # The maximum occurs in the first and the last chunk, the minimum in between: the second
    # pass must pick the earlier chunk's index.
    x = np.zeros(1000)
    x[[5, 997]] = 2.0
    x[[400, 600]] = -2.0
    if nan_at is not None:
        x[[nan_at, 999]] = np.nan
    d = _device(x)
    for name in ("max", "min"):
        (ev, ei), (gv, gi) = getattr(cpu, name)(x), getattr(gpu, name)(d)
        np.testing.assert_array_equal(_host(gv), ev)
        assert int(_host(gi)) == int(ei)


def test_bool_max(rng):
    x = rng.random((3, 40)) < 0.1
    for axes in (None, 1):
        (ev, ei), (gv, gi) = cpu.max(x, axes), gpu.max(_device(x), axes)
        np.testing.assert_array_equal(_host(gv), ev)
        np.testing.assert_array_equal(_host(gi), ei)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes", [((6, 7), 1), ((3, 4, 5), (0, 2)), ((3, 4, 5), 1),
                                        ((5,), None), ((2, 1, 3), 1), ((300,), None),
                                        ((300, 2), 0)])
def test_prod_vjp_matches_cpu_with_zeros(shape, axes, dtype, rng):
    # Long rows (300) are cut into chunks; the zeros test the division-free gradient.
    x = (1 + 0.05 * rng.standard_normal(shape)).astype(dtype)
    x.reshape(-1)[::7] = 0
    g = rng.standard_normal(cpu.prod(x, axes, True).shape).astype(dtype)
    expected = cpu.prod_vjp(x, g, axes)
    got = _host(gpu.prod_vjp(_device(x), _device(g), axes))
    _close(got, expected, dtype)


def test_prod_vjp_reads_strided_inputs(rng):
    x, d = _transposed(rng, (4, 5), np.float64)
    g = rng.standard_normal((1, 5))
    got = gpu.prod_vjp(d, gpu_shape.permute(_device(g.T.copy()), (1, 0)), (0,))
    _close(_host(got), cpu.prod_vjp(x, g, (0,)), np.float64)


@pytest.mark.parametrize("shape,axes", [((6, 7), 1), ((3, 4, 5), (0, 2)), ((3, 4, 5), None),
                                        ((2, 1, 3), 1), ((), None)])
def test_max_vjp_matches_cpu(shape, axes, rng):
    x = rng.standard_normal(shape)
    _, idx = cpu.max(x, axes, True)
    g = rng.standard_normal(idx.shape).astype(np.float32)
    expected = cpu.max_vjp(g, idx, shape, axes)
    got = _host(gpu.max_vjp(_device(g), _device(idx), shape, axes))
    _close(got, expected, np.float32)


def test_layout_helpers_round_trip(rng):
    x = rng.standard_normal((3, 4, 5))
    x3 = gpu.as_3d(_device(x), (0, 2))
    np.testing.assert_array_equal(_host(x3), cpu.as_3d(x, (0, 2)))
    back = gpu.from_3d(gpu_shape.reshape(x3, x3.shape), x.shape, (0, 2))
    np.testing.assert_array_equal(_host(back), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("divisor", [1, 30, 0])
def test_map_sum_matches_cpu(dtype, divisor, rng):
    from numbagrad.ops.loss import squared_error

    x = rng.standard_normal((5, 6)).astype(dtype)
    y = rng.standard_normal((5, 6)).astype(dtype)
    got = _host(gpu.map_sum(squared_error, [_device(x), _device(y)], dtype, divisor))
    _close(got, cpu.map_sum(squared_error, [x, y], dtype, divisor), dtype)
