"""Norms (``numbagrad.norm``, ``Tensor.norm``, ``numbagrad.linalg``) against torch 2.13.

Values and gradients at the points specs keep away from: zeros (the gradient is 0, not nan),
elements equal to the ``±inf`` norm (they share the gradient), ``p < 1`` with zeros, the
singular value norms of a zero matrix; the dispatch of ``linalg.norm`` and ``norm``;
``dtype``, ``keepdim``, ``out=``; and the errors.
"""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

INF = float("inf")
DATA = [[1.0, -3.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2.0, -0.5, 0.0, 2.0]]
FULL_RANK = [[1.0, -3.0, 3.0, 0.5], [0.0, 1.0, 0.0, -2.0], [2.0, -0.5, 0.0, 2.0]]


def _value_and_grad(lib, fn, data=DATA):
    x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
    y = fn(lib, x)
    (y * lib.arange(1, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
    grad = x.grad if x.grad is not None else lib.zeros_like(x)
    return np.asarray(y.detach().tolist()), np.asarray(grad.tolist()), tuple(y.shape)


def _check(fn, data=DATA):
    ours, theirs = _value_and_grad(ng, fn, data), _value_and_grad(torch, fn, data)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-15)
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, -1, -2.5, INF, -INF])
def test_vector_norm_rows_with_zeros_and_ties(p):
    _check(lambda lib, x: lib.linalg.vector_norm(x, p, dim=1))
    _check(lambda lib, x: lib.linalg.vector_norm(x, p, dim=(0, 1), keepdim=True))


@pytest.mark.parametrize("p", [2, 0.5, INF, -INF])
def test_gradient_at_a_zero_vector_is_zero(p):
    x = ng.zeros(3, dtype=ng.float64, requires_grad=True)
    ng.linalg.vector_norm(x, p).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("ord", ["fro", 1, -1, INF, -INF, "nuc", 2, -2])
def test_matrix_norm(ord):
    # DATA is rank-deficient: the singular vectors of 0 (in the gradient) are not unique.
    data = FULL_RANK if ord in ("nuc", -2) else DATA
    _check(lambda lib, x: lib.linalg.matrix_norm(x, ord), data)
    _check(lambda lib, x: lib.linalg.matrix_norm(x.reshape(2, 3, 2), ord, dim=(2, 0),
                                                 keepdim=True), data)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_singular_value_norms_of_a_zero_matrix(ord):
    _check(lambda lib, x: lib.linalg.matrix_norm(x, ord), [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    _check(lambda lib, x: lib.linalg.matrix_norm(x, ord), [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_svdvals():
    _check(lambda lib, x: lib.linalg.svdvals(x), FULL_RANK)
    _check(lambda lib, x: lib.linalg.svdvals(x.reshape(2, 2, 3)), FULL_RANK)
    _check(lambda lib, x: lib.linalg.svdvals(x.t()), FULL_RANK)
    assert ng.linalg.svdvals(ng.ones(2, 0, 3)).shape == (2, 0)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.linalg.norm(x), lambda lib, x: lib.linalg.norm(x, 1),
    lambda lib, x: lib.linalg.norm(x, INF, dim=1), lambda lib, x: lib.linalg.norm(x[0], -1),
    lambda lib, x: lib.linalg.norm(x, dim=(1, 0)), lambda lib, x: lib.norm(x),
    lambda lib, x: lib.norm(x, 1), lambda lib, x: lib.norm(x, INF, dim=(0, 1)),
    lambda lib, x: x.norm(3, 1, True), lambda lib, x: x.norm(p="fro", dim=0),
    lambda lib, x: lib.norm(x.reshape(2, 3, 2), None, (0, 1, 2)),
    lambda lib, x: lib.linalg.vector_norm(x, axis=0), lambda lib, x: lib.linalg.norm(x, 2),
    lambda lib, x: lib.norm(x, "nuc"), lambda lib, x: x.norm("nuc", (1, 0)),
])
def test_dispatch_as_torch(call):
    _check(call, FULL_RANK)


def test_dtype_out_and_float32():
    x = ng.tensor([[3.0, 4.0]])
    assert ng.linalg.vector_norm(x, dtype=ng.float64).dtype is ng.float64
    assert ng.norm(x).dtype is ng.float32 and ng.norm(x).item() == 5.0
    out = ng.empty(0)
    assert ng.linalg.vector_norm(x, 1, dim=1, out=out) is out and out.tolist() == [7.0]
    assert ng.linalg.matmul is ng.matmul


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.vector_norm(lib.tensor([1, 2])),
    lambda lib: lib.norm(lib.tensor([1, 2])),
    lambda lib: lib.linalg.vector_norm(lib.ones(2), dtype=lib.int64),
    lambda lib: lib.linalg.vector_norm(lib.ones(2, dtype=lib.float64), dtype=lib.float32),
    lambda lib: lib.linalg.vector_norm(lib.ones(2, 0), INF, dim=1),
    lambda lib: lib.linalg.vector_norm(lib.ones(0), -1),
    lambda lib: lib.linalg.matrix_norm(lib.ones(3)),
    lambda lib: lib.linalg.matrix_norm(lib.ones(2, 2), 3),
    lambda lib: lib.linalg.matrix_norm(lib.ones(2, 2), dim=(0, -2)),
    lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), 1),
    lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), dim=(0, 1, 2)),
    lambda lib: lib.linalg.svdvals(lib.ones(3)),
    lambda lib: lib.linalg.svdvals(lib.ones(3, 2, dtype=lib.int64)),
])
def test_errors_as_torch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(ng)
    assert str(ours.value)[:50] == str(theirs.value)[:50]


def test_vector_norm_ord_must_be_a_number():
    with pytest.raises(TypeError, match="must be Number, not str"):
        ng.linalg.vector_norm(ng.ones(2), "fro")


