"""The GPU softmax and log-softmax, forward and vjp, against their CPU twins.

Under the test launch shape (32 threads, 4 blocks) the shapes below take both kernels: one block
per row (``inner < 32``; rows longer than a block, more rows than blocks) and one thread per row
(``inner >= 32``, more rows than threads).
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import nn as cpu
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda import nn as gpu
from numbagrad.backends.cuda import shape as gpu_shape

# float32 rows are summed in another order than on the CPU (a tree, not a loop), and the
# simulator takes exp in double precision: a few float32 ulps apart, float64 to rounding.
TOL = {np.float32: 2e-6, np.float64: 1e-13}
OPS = ("softmax", "log_softmax")


def _close(got, expected, dtype):
    host = _array.to_host(got)
    assert host.shape == expected.shape and host.dtype == expected.dtype
    np.testing.assert_allclose(host, expected, rtol=TOL[dtype], atol=TOL[dtype], equal_nan=True)


def _check(x, dim, g, dtype):
    """Each op's forward and vjp on the device (``x``, ``g`` device arrays) against the CPU's."""
    hx, hg = _array.to_host(x), _array.to_host(g)
    for op in OPS:
        expected = getattr(cpu, op)(hx, dim)
        _close(getattr(gpu, op)(x, dim), expected, dtype)
        _close(getattr(gpu, op + "_vjp")(g, _array.to_device(expected), dim),
               getattr(cpu, op + "_vjp")(hg, expected, dim), dtype)


@pytest.mark.parametrize("shape, dim, dtype", [
    ((5, 70), 1, np.float32),      # block per row: 3 strides of 32 along a row, 5 rows, 4 blocks
    ((5, 70), 1, np.float64),
    ((2, 3, 4), 1, np.float64),    # block per row, elements at stride inner = 4
    ((4, 5, 40), 1, np.float32),   # thread per row: 160 rows over 128 threads
    ((3, 40), 0, np.float64),      # thread per row, outer = 1
    ((3, 1), 1, np.float32),       # rows of one element
    ((), 0, np.float64),           # 0-d: one row of one element
])
def test_forward_and_vjp_match_cpu(shape, dim, dtype, rng):
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    _check(_array.to_device(x), dim, _array.to_device(g), dtype)


def test_size_zero_gives_empty_results():
    for op in OPS:
        x = _array.to_device(np.zeros((0, 3), np.float32))
        assert getattr(gpu, op)(x, 1).shape == (0, 3)
        assert getattr(gpu, op + "_vjp")(x, x, 1).shape == (0, 3)


def test_strided_views_are_read_at_their_strides(rng):
    x = _array.to_device(rng.standard_normal((6, 4, 3)))
    view = gpu_shape.basic_index(gpu_shape.permute(x, (2, 0, 1)), (slice(None), slice(1, 6, 2)))
    g = gpu_shape.permute(_array.to_device(rng.standard_normal((4, 3, 3))), (1, 2, 0))
    assert view.shape == g.shape == (3, 3, 4) and not _array.is_contiguous(view)
    _check(view, 2, g, np.float64)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the simulator's inf - inf
@pytest.mark.parametrize("axis", [1, 0])
def test_special_values_match_cpu(axis):
    # Large logits, -inf beside finite values (probability 0), and the rows that come out nan:
    # nan first or later, +inf, all -inf. axis=1: block per row; axis=0 with 32 copies of
    # each row as columns: thread per row.
    inf, nan = np.inf, np.nan
    rows = np.array([[1000.0, -1000.0, 0.0], [-inf, 0.0, 1.0], [nan, 0.0, 1.0], [0.0, nan, 1.0],
                     [inf, 0.0, 1.0], [-inf, -inf, -inf]], np.float32)
    x = rows if axis == 1 else np.repeat(rows.T, 32, axis=1)
    for op in OPS:
        _close(getattr(gpu, op)(_array.to_device(x), axis), getattr(cpu, op)(x, axis),
               np.float32)


def test_a_block_that_is_not_a_power_of_two(rng, monkeypatch):
    # The trees fold the block's tail onto its front first: 24 threads give 16 + 8.
    monkeypatch.setattr(_jit, "THREADS", 24)
    x = rng.standard_normal((3, 50))
    _check(_array.to_device(x), 1, _array.to_device(rng.standard_normal((3, 50))), np.float64)


def test_gradient_of_another_dtype_is_converted(rng):
    y = cpu.softmax(rng.standard_normal((2, 5)).astype(np.float32), 1)
    g = rng.standard_normal((2, 5))
    got = gpu.softmax_vjp(_array.to_device(g), _array.to_device(y), 1)
    _close(got, cpu.softmax_vjp(g, y, 1), np.float32)


def test_results_are_the_same_every_run(rng):
    x = _array.to_device(rng.standard_normal((2, 70)).astype(np.float32))
    first, second = (_array.to_host(gpu.log_softmax(x, 1)) for _ in range(2))
    np.testing.assert_array_equal(first, second)


def test_block_size_grows_with_the_row_up_to_threads(monkeypatch):
    monkeypatch.setattr(_jit, "THREADS", 256)
    assert [gpu.block_size(n) for n in (1, 10, 33, 100, 256, 10_000)] == [32, 32, 64, 128, 256,
                                                                         256]
    monkeypatch.setattr(_jit, "THREADS", 8)
    assert gpu.block_size(100) == 8
