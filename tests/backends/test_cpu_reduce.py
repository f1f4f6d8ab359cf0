"""The CPU's sum of a formula (``map_sum``) against the map then the sum it replaces."""
import numpy as np
import pytest

from numbagrad.backends.cpu import elementwise as ew
from numbagrad.backends.cpu import reduce as red
from numbagrad.ops import scalar as F
from numbagrad.ops.loss import squared_error


def _rng():
    return np.random.default_rng(0)


def _composite(fn, arrays, dtype, divisor):
    total = red.sum(ew.map(fn, arrays, dtype), None, False, np.float64)
    return np.array(total / divisor, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (128, 60), (3, 4, 5)])
def test_equals_the_map_then_the_sum(dtype, shape):
    x = _rng().standard_normal(shape).astype(dtype)
    y = _rng().standard_normal(shape).astype(dtype)[::-1].copy()
    for fn, arrays in ((squared_error, [x, y]), (F.neg, [x])):
        for divisor in (1, x.size):
            got = red.map_sum(fn, arrays, dtype, divisor)
            assert got.shape == () and got.dtype == dtype
            # Both sum in float64; only the order of the additions differs.
            rtol = 1e-6 if dtype == np.float32 else 1e-13
            np.testing.assert_allclose(got, _composite(fn, arrays, dtype, divisor), rtol=rtol)


def test_views_take_the_general_map():
    x = _rng().standard_normal((6, 8))
    y = _rng().standard_normal((8, 6))
    got = red.map_sum(squared_error, [x, y.T], np.float64, 48)
    np.testing.assert_allclose(got, np.mean((x - y.T) ** 2), rtol=1e-14)


def test_float32_terms_accumulate_in_float64():
    # 1 + 1e-8 * k is 1 in float32: a float32 accumulator would drop every small term.
    x = np.concatenate([[1.0], np.full(9999, 1e-8)]).astype(np.float32)
    got = red.map_sum(F.identity, [x], np.float64)
    assert got == pytest.approx(float(np.float32(1e-8)) * 9999 + 1, rel=1e-12)


def test_empty_mean_is_nan_and_empty_sum_is_zero():
    e = np.zeros((0, 3), np.float32)
    assert np.isnan(red.map_sum(squared_error, [e, e], np.float32, 0))
    assert red.map_sum(squared_error, [e, e], np.float32, 1) == 0


def test_nan_and_inf_propagate():
    x = np.array([1.0, np.nan, 2.0])
    assert np.isnan(red.map_sum(F.identity, [x], np.float64))
    assert red.map_sum(F.identity, [np.array([1.0, np.inf])], np.float64) == np.inf


def test_parallel_path_equals_the_serial_one(monkeypatch):
    n = 5000 * red.CHUNKS + 17  # pieces of unequal length
    x, y = _rng().standard_normal(n), _rng().standard_normal(n)
    monkeypatch.setattr(red, "PARALLEL_MIN_SIZE", 1000)
    parallel = red.map_sum(squared_error, [x, y], np.float64, n)
    monkeypatch.setattr(red, "PARALLEL_MIN_SIZE", 10**12)
    serial = red.map_sum(squared_error, [x, y], np.float64, n)
    np.testing.assert_allclose(parallel, serial, rtol=1e-13)
    np.testing.assert_allclose(parallel, np.mean((x - y) ** 2), rtol=1e-13)


def test_three_inputs_are_refused():
    x = np.ones(3)
    with pytest.raises(NotImplementedError, match="map_sum"):
        red.map_sum(F.where, [x > 0, x, x], np.float64)
