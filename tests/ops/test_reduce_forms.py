"""Every argument form of argmax/argmin, max/min and prod against torch 2.13.

``dim=None`` with ``keepdim``, ``axis=``, a tensor second argument (or ``other=``) meaning the
elementwise maximum/minimum, ``out=`` (a pair with ``dim``), ``dtype`` as the result type of
``prod``, 0-d inputs, and torch's errors.
"""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

DATA = [[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]]


def _inputs(lib):
    return (lib.tensor(DATA), lib.tensor(DATA, dtype=lib.int32),
            lib.tensor(DATA[::-1]), lib.tensor(3.0))


def _flat(result):
    if isinstance(result, tuple):
        return [_flat(r) for r in result]
    return (str(result.dtype).split(".")[-1], tuple(result.shape), result.tolist())


FORMS = [
    lambda L, x, i, y, s: L.argmax(x), lambda L, x, i, y, s: L.argmax(x, keepdim=True),
    lambda L, x, i, y, s: L.argmax(x, None, True), lambda L, x, i, y, s: L.argmax(x, 1),
    lambda L, x, i, y, s: x.argmax(dim=0, keepdim=True),
    lambda L, x, i, y, s: L.argmin(x, -1, True), lambda L, x, i, y, s: L.argmin(i, keepdim=True),
    lambda L, x, i, y, s: L.argmax(x, axis=1), lambda L, x, i, y, s: x.argmin(axis=0),
    lambda L, x, i, y, s: L.argmax(s, 0, True),
    lambda L, x, i, y, s: L.max(x), lambda L, x, i, y, s: L.max(x, 1),
    lambda L, x, i, y, s: L.max(x, 1, True), lambda L, x, i, y, s: x.min(dim=0, keepdim=True),
    lambda L, x, i, y, s: L.max(x, y), lambda L, x, i, y, s: x.min(y),
    lambda L, x, i, y, s: L.max(x, other=y), lambda L, x, i, y, s: L.min(x, axis=1),
    lambda L, x, i, y, s: L.max(i, 0), lambda L, x, i, y, s: L.min(s, 0, True),
    lambda L, x, i, y, s: L.prod(x), lambda L, x, i, y, s: L.prod(x, 1, True),
    lambda L, x, i, y, s: L.prod(i), lambda L, x, i, y, s: L.prod(i, 0, dtype=L.int32),
    lambda L, x, i, y, s: L.prod(i, dtype=L.float64), lambda L, x, i, y, s: x.prod(axis=1),
    lambda L, x, i, y, s: L.prod(s, 0, True),
]


@pytest.mark.parametrize("form", range(len(FORMS)))
def test_forms_match_torch(form):
    assert _flat(FORMS[form](ng, *_inputs(ng))) == _flat(FORMS[form](torch, *_inputs(torch)))


@pytest.mark.parametrize("name", ["max", "min"])
def test_out(name):
    x, _, y, _ = _inputs(ng)
    pair = (ng.empty(0), ng.empty(0, dtype=ng.int64))
    result = getattr(ng, name)(x, 1, True, out=pair)
    assert result.values is pair[0] and result.indices is pair[1]
    expected = getattr(torch, name)(torch.tensor(DATA), 1, True)
    assert _flat(tuple(result)) == _flat(tuple(expected))
    out = ng.empty(0)
    assert getattr(ng, name)(x, y, out=out) is out
    assert out.tolist() == getattr(torch, name)(torch.tensor(DATA),
                                                 torch.tensor(DATA[::-1])).tolist()
    out = ng.empty(0)
    assert getattr(ng, name)(x, out=out) is out and out.shape == ()
    out = ng.empty(0)
    assert ng.prod(x, 0, out=out) is out and out.tolist() == [7.0, 10.0, 35.0]


def test_prod_keepdim_needs_dim_and_dim_is_one_int():
    with pytest.raises(TypeError):
        ng.prod(ng.ones(2), keepdim=True)
    with pytest.raises(TypeError):
        ng.prod(ng.ones(2, 2), (0, 1))
    with pytest.raises(TypeError, match="got both dim"):
        ng.argmax(ng.ones(2), 0, axis=0)


@pytest.mark.parametrize("call,exc", [
    (lambda L: L.argmax(L.zeros(2, 0), 1), IndexError),
    (lambda L: L.max(L.zeros(2, 0), 1), IndexError),
    (lambda L: L.argmin(L.zeros(0)), IndexError),
])
def test_empty_errors_as_torch(call, exc):
    with pytest.raises(exc) as theirs:
        call(torch)
    with pytest.raises(exc) as ours:
        call(ng)
    assert str(ours.value) == str(theirs.value)


def test_max_gradient_forms():
    x = ng.tensor(DATA, requires_grad=True)
    ng.max(x, 1).values.sum().backward()
    t = torch.tensor(DATA, requires_grad=True)
    torch.max(t, 1).values.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad.tolist()), t.grad.numpy())
