"""The CPU's ``linear_backward`` (one call for the three gradients of ``x @ w^T + b``) against
the products and the sum it replaces."""
import numpy as np
import pytest

from numbagrad.backends.cpu import elementwise as ew
from numbagrad.backends.cpu import linalg


def _rng():
    return np.random.default_rng(0)


def _expected(g, x, w):
    g64, x64, w64 = (a.astype(np.float64) for a in (g, x, w))
    return g64 @ w64, g64.T @ x64, g64.sum(0)


def _check(got, g, x, w, needs, dtype):
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for grad, want, need, shape in zip(got, _expected(g, x, w), needs,
                                       ((x.shape), w.shape, (w.shape[0],))):
        if not need:
            assert grad is None
            continue
        assert grad.shape == shape and grad.dtype == dtype and grad.flags.c_contiguous
        np.testing.assert_allclose(grad, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("needs", [(True, True, True), (False, True, True), (True, False, False),
                                   (False, False, True), (True, True, False)])
def test_equals_the_products_and_the_column_sums(dtype, needs):
    rng = _rng()
    g = rng.standard_normal((128, 60)).astype(dtype)
    x = rng.standard_normal((128, 20)).astype(dtype)
    w = rng.standard_normal((60, 20)).astype(dtype)
    _check(linalg.linear_backward(g, x, w, *needs), g, x, w, needs, dtype)


@pytest.mark.parametrize("layout", ["transposed", "strided"])
def test_any_layout_of_each_operand(layout):
    rng = _rng()
    if layout == "transposed":  # F-contiguous: read by BLAS with a transpose flag
        g = rng.standard_normal((7, 9)).T
        x = rng.standard_normal((5, 9)).T
        w = rng.standard_normal((5, 7)).T
    else:  # neither C nor F: copied first
        g = rng.standard_normal((18, 14))[::2, ::2]
        x = rng.standard_normal((9, 10))[:, ::2]
        w = rng.standard_normal((21, 5))[::3]
    _check(linalg.linear_backward(g, x, w, True, True, True), g, x, w, (True,) * 3, np.float64)


@pytest.mark.parametrize("shapes", [((0, 3), (0, 4)), ((5, 0), (5, 4)), ((5, 3), (5, 0))])
def test_empty_dimensions(shapes):
    (m, n), (_, k) = shapes
    g, x, w = np.ones((m, n)), np.ones((m, k)), np.ones((n, k))
    _check(linalg.linear_backward(g, x, w, True, True, True), g, x, w, (True,) * 3, np.float64)


def test_a_large_bias_gradient_is_summed_in_parallel(monkeypatch):
    rng = _rng()
    g = rng.standard_normal((ew.PARALLEL_MIN_SIZE // 64 + 5, 64))
    x, w = rng.standard_normal((g.shape[0], 3)), rng.standard_normal((64, 3))
    calls = []
    sum_ = linalg.sum_
    monkeypatch.setattr(linalg, "sum_", lambda *a: calls.append(a[1]) or sum_(*a))
    got = linalg.linear_backward(g, x, w, True, True, True)
    assert calls == [0]
    _check(got, g, x, w, (True,) * 3, np.float64)
