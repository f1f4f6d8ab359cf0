"""The GPU scatter_reduce kernel against its CPU twin: repeated targets (in order, so prod
rounds alike), nan, ints, untouched positions.

Under the test launch shape (few threads, few blocks) the targets span several blocks and
several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import scatter_reduce as cpu_scatter_reduce
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import scatter_reduce as gpu_scatter_reduce


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
@pytest.mark.parametrize("sizes", [(7, 30), (100, 60), (5, 0), (1, 9)])
def test_scatter_reduce_matches_cpu(reduce, dtype, sizes):
    n, m = sizes
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, n).astype(dtype)
    offsets = rng.integers(0, n, m).astype(np.int64)
    values = (rng.standard_normal(m) * 2 if dtype in (np.float64, np.float32)
              else rng.integers(-3, 4, m)).astype(dtype)
    if dtype in (np.float64, np.float32) and m:
        values[::7] = np.nan
    want = x.copy()
    cpu_scatter_reduce(want, offsets, values, reduce)
    got = _device(x)
    gpu_scatter_reduce(got, _device(offsets), _device(values), reduce)
    np.testing.assert_array_equal(_array.to_host(got), want)
    if m:  # the reference itself: each target combined in order
        check = x.copy()
        fn = {"prod": lambda a, b: a * b, "amax": lambda a, b: b if b > a or b != b else a,
              "amin": lambda a, b: b if b < a or b != b else a}[reduce]
        for o, v in zip(offsets, values):
            check[o] = fn(check[o], v)
        np.testing.assert_array_equal(want, check)
