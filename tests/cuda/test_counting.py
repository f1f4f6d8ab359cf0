"""The GPU counting kernels against their CPU twins: unique rows (sorted, consecutive, nan
orders), bincount (plain and weighted), histc, searchsorted (rows, sorter, right), and the
public functions on CUDA tensors against the same calls on CPU tensors.

Under the test launch shape (few threads, few blocks) the larger cases span several blocks and
several grid-stride turns, and the atomic adds of bincount and histc meet on shared bins.
"""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends import cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import counting as gpu

NAN = float("nan")


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


def _equal(got, want):
    got = _array.to_host(got)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(40, 1), (9, 3), (1, 2), (0, 1), (5, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
@pytest.mark.parametrize("consecutive", [False, True])
@pytest.mark.parametrize("nan_last", [False, True])
def test_unique_rows_matches_cpu(shape, dtype, consecutive, nan_last):
    rng = np.random.default_rng(0)
    x = rng.integers(-1, 2, size=shape).astype(dtype)  # few values: many equal rows
    if dtype in (np.float64, np.float32) and x.size:
        x.reshape(-1)[::7] = NAN
    if shape[1] == 0 and not consecutive:
        x = x[:1]  # torch never groups several empty slices; one row keeps the kernels honest
    for got, want in zip(gpu.unique_rows(_device(x), consecutive, nan_last),
                         cpu.unique_rows(x, consecutive, nan_last)):
        _equal(got, want)


@pytest.mark.parametrize("n, top", [(100, 6), (7, 0), (0, 3)])
def test_bincount_matches_cpu(n, top):
    rng = np.random.default_rng(1)
    x = rng.integers(0, top + 1, n).astype(np.int64)
    nbins = top + 3
    _equal(gpu.bincount(_device(x), None, nbins), cpu.bincount(x, None, nbins))
    w = np.linspace(-1, 1, n)  # exact sums in any order: multiples of a power of two
    w = np.round(w * 64) / 64
    _equal(gpu.bincount(_device(x), _device(w), nbins), cpu.bincount(x, w, nbins))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bins, left, right", [(7, -1.0, 1.0), (3, 0.0, 0.5), (1, -2.0, 2.0)])
def test_histc_matches_cpu(dtype, bins, left, right):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(90).astype(dtype)
    x[::9] = NAN
    x[5] = right
    x[6] = left
    _equal(gpu.histc(_device(x), bins, left, right), cpu.histc(x, bins, left, right))


@pytest.mark.parametrize("rows, m, k", [(1, 9, 50), (4, 5, 3), (3, 0, 2), (2, 4, 0)])
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("use_sorter", [False, True])
def test_searchsorted_matches_cpu(rows, m, k, right, use_sorter):
    rng = np.random.default_rng(3)
    b = rng.integers(-3, 4, (rows, m)).astype(np.float64)
    if b.size:
        b[0, -1] = NAN
    v = rng.integers(-4, 5, (rows, k)).astype(np.float64)
    sorter = np.argsort(b, axis=-1, kind="stable") if use_sorter else None
    if not use_sorter:
        b = np.sort(b, axis=-1)
    for out_dtype in (np.int64, np.int32):
        got = gpu.searchsorted(_device(b), _device(v),
                               None if sorter is None else _device(sorter), right, out_dtype)
        _equal(got, cpu.searchsorted(b, v, sorter, right, out_dtype))


def test_public_functions_on_cuda_tensors_match_cpu():
    data = np.array([[3.0, 1.0, 3.0, NAN], [2.0, 0.0, 2.0, 1.0], [3.0, 1.0, 3.0, NAN]])
    for call in (
        lambda m, x: m.unique(x, return_inverse=True, return_counts=True),
        lambda m, x: m.unique(x, dim=0, return_inverse=True, return_counts=True),
        lambda m, x: m.unique(x, dim=1, return_counts=True),
        lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
        lambda m, x: m.unique_consecutive(x, dim=1, return_counts=True),
        lambda m, x: (m.histc(x, 4, 0, 3), m.histc(x, 5, -1, 2.5), m.histc(x[1], 3),
                      m.histc(x.half(), 7, -1, 3)),
        lambda m, x: (m.bincount(m.tensor([0, 3, 3, 1], device=x.device)),
                      m.bincount(m.tensor([0, 3, 3], device=x.device), x[1, :3], 6)),
        lambda m, x: (m.searchsorted(x[1:2].sort().values, x[0:2].reshape(1, -1)),
                      m.searchsorted(m.tensor([0.0, 1.0, 2.0], device=x.device), 1.5),
                      m.bucketize(x, m.tensor([0.5, 2.5], device=x.device), right=True)),
    ):
        host = call(ng, ng.tensor(data))
        device = call(ng, ng.tensor(data, device="cuda"))
        for a, b in zip(host, device):
            assert b.device.type == "cuda"
            assert a.dtype is b.dtype
            np.testing.assert_array_equal(np.asarray(a), b.cpu().numpy())
