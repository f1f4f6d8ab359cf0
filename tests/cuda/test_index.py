"""The GPU gather and scatter kernels against the CPU's: strided views, repeats, every path.

With ``NUMBAGRAD_CUDA_THREADS=32`` and ``NUMBAGRAD_CUDA_MAX_BLOCKS=4`` a launch has 128 threads,
so the sizes of 150 and more below take several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import index as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import index as gpu
from numbagrad.backends.cuda import shape as gpu_shape

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


def _draw(rng, shape, dtype):
    if np.dtype(dtype) == np.bool_:
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind == "i":
        return rng.integers(-50, 50, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _views(rng, dtype):
    """A host array, its strided view ``x.T[1::2]`` and the same view of a device copy."""
    base = _draw(rng, (9, 12), dtype)
    device = _array.to_device(base)
    view = gpu_shape.basic_index(gpu_shape.permute(device, (1, 0)), (slice(1, None, 2),))
    return base, device, base.T[1::2], view


def _offsets(rng, view: np.ndarray, shape: tuple) -> np.ndarray:
    """Random element offsets into ``view`` computed with its own strides, as the ops do."""
    coords = [rng.integers(0, n, shape) for n in view.shape]
    return sum(c * s for c, s in zip(coords, cpu.element_strides(view))).astype(np.int64)


def test_element_strides_of_a_view_match_cpu(rng):
    _, _, host_view, view = _views(rng, np.float32)
    assert gpu.element_strides(view) == cpu.element_strides(host_view) == (2, 12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(150,), (3, 7), (), (0,), (4, 0)])
def test_take_reads_a_strided_view(shape, dtype, rng):
    _, _, host_view, view = _views(rng, dtype)
    offsets = _offsets(rng, host_view, shape)
    got = _array.to_host(gpu.take(view, _array.to_device(offsets)))
    expected = cpu.take(host_view, offsets)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_put_writes_through_a_view_and_the_last_repeat_wins(dtype, rng):
    base, device, host_view, view = _views(rng, dtype)
    offsets = _offsets(rng, host_view, (150,))   # 150 draws among 54 elements: many repeats
    values = _draw(rng, (150,), dtype)
    gpu.put(view, _array.to_device(offsets), _array.to_device(values))
    cpu.put(host_view, offsets, values)
    np.testing.assert_array_equal(_array.to_host(device), base)   # the parent saw the writes


def test_put_values_may_be_an_expanded_view(rng):
    x, offsets = np.zeros(10), np.array([[1, 3], [5, 7]], np.int64)
    d = _array.to_device(x)
    row = _array.to_device(np.array([2.0, 4.0]))
    gpu.put(d, _array.to_device(offsets), gpu_shape.expand(row, (2, 2)))
    cpu.put(x, offsets, np.broadcast_to([2.0, 4.0], (2, 2)))
    np.testing.assert_array_equal(_array.to_host(d), x)


def test_put_with_no_offsets_changes_nothing(rng):
    x = rng.standard_normal(5)
    d = _array.to_device(x)
    gpu.put(d, _array.to_device(np.zeros(0, np.int64)), _array.to_device(np.zeros(0)))
    np.testing.assert_array_equal(_array.to_host(d), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_put_add_sums_repeats(dtype, rng):
    x = _draw(rng, (30,), dtype)
    offsets = rng.integers(0, 30, (10, 17)).astype(np.int64)   # 170 adds into 30 elements
    values = _draw(rng, (10, 17), dtype)
    d = _array.to_device(x)
    gpu.put_add(d, _array.to_device(offsets), _array.to_device(values))
    cpu.put_add(x, offsets, values)
    if np.dtype(dtype).kind == "i":
        np.testing.assert_array_equal(_array.to_host(d), x)
    else:
        # Atomic adds land in another order than the CPU's loop: float32 rounding differs.
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(_array.to_host(d), x, rtol=tol, atol=tol)


def test_put_add_through_a_strided_view(rng):
    base, device, host_view, view = _views(rng, np.float64)
    offsets = _offsets(rng, host_view, (40,))
    values = rng.standard_normal(40)
    gpu.put_add(view, _array.to_device(offsets), _array.to_device(values))
    cpu.put_add(host_view, offsets, values)
    np.testing.assert_allclose(_array.to_host(device), base, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", [(2, 5, 7, 3), (1, 6, 160, 1), (4, 1, 2, 5), (3, 4, 0, 2)])
def test_gather_matches_cpu(layout, dtype, rng):
    outer, n, m, inner = layout
    x = _draw(rng, (outer, n, inner), dtype)
    index = rng.integers(0, n, (outer, m, inner)).astype(np.int64)
    got = _array.to_host(gpu.gather(_array.to_device(x), _array.to_device(index)))
    np.testing.assert_array_equal(got, cpu.gather(x, index))


def _scatter(layout, dtype, rng):
    outer, n, m, inner = layout
    acc = _draw(rng, (outer, n, inner), dtype)
    index = rng.integers(0, n, (outer, m, inner)).astype(np.int64)
    src = _draw(rng, (outer, m, inner), dtype)
    d = _array.to_device(acc)
    gpu.scatter_add(d, _array.to_device(index), _array.to_device(src))
    cpu.scatter_add(acc, index, src)
    return _array.to_host(d), acc


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("layout", [(30, 4, 6, 5), (2, 3, 9, 80), (3, 4, 0, 2)])
def test_scatter_add_by_columns_equals_cpu_exactly(layout, dtype, rng):
    """Many columns: one thread per column, adding in the CPU's order, so the sums are equal."""
    got, expected = _scatter(layout, dtype, rng)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_scatter_add_with_few_long_columns_uses_atomics(dtype, rng):
    got, expected = _scatter((1, 4, 200, 2), dtype, rng)   # 2 columns of 200
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_scatter_add_by_columns_when_there_are_enough(monkeypatch, rng):
    """Past ``SERIAL_COLUMNS`` columns the column kernel runs even for long columns."""
    monkeypatch.setattr(gpu, "SERIAL_COLUMNS", 4)
    got, expected = _scatter((2, 3, 40, 3), np.float32, rng)
    np.testing.assert_array_equal(got, expected)
