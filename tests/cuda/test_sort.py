"""The GPU sort and topk selection against their CPU twins: ties (stable order, also descending), nan, ints, bools.

Under the test launch shape (few threads, few blocks) the rows of the larger cases span
several blocks and several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import sort as cpu_sort  # the backends export the function
from numbagrad.backends.cpu import topk as cpu_topk
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import sort as gpu_sort
from numbagrad.backends.cuda import topk as gpu_topk

# (outer, n, inner) layouts: rows along the middle axis; a long row; many short rows.
LAYOUTS = [(2, 7, 3), (1, 33, 1), (40, 2, 2), (3, 1, 2), (2, 0, 2)]


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_cpu(layout, dtype, descending):
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, size=layout).astype(dtype)  # small integers: many ties
    if dtype in (np.float64, np.float32) and x.size:
        x.reshape(-1)[::5] = np.nan
    values, indices = gpu_sort(_device(x), descending)
    want_values, want_indices = cpu_sort(x, descending)
    np.testing.assert_array_equal(_array.to_host(indices), want_indices)
    got = _array.to_host(values)
    assert got.dtype == want_values.dtype
    np.testing.assert_array_equal(got, want_values)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("descending", [False, True])
def test_topk_matches_cpu(layout, descending):
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, size=layout).astype(np.float32)
    if x.size:
        x.reshape(-1)[::4] = np.nan
    for k in sorted({0, min(1, layout[1]), layout[1] // 2, layout[1]}):
        values, indices = gpu_topk(_device(x), k, descending)
        want_values, want_indices = cpu_topk(x, k, descending)
        np.testing.assert_array_equal(_array.to_host(indices), want_indices)
        np.testing.assert_array_equal(_array.to_host(values), want_values)
