"""index_put, put, masked_scatter and scatter_reduce against torch: random cases with repeats
and ties (forward and gradients), in-place forms, and torch's errors."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbagrad as ng

torch = pytest.importorskip("torch")


def raises(cls, text):
    """``pytest.raises`` matching ``text`` literally (torch's messages hold brackets)."""
    return pytest.raises(cls, match=re.escape(text))


def _both(data, requires_grad=True):
    return (torch.tensor(data, requires_grad=requires_grad),
            ng.tensor(data, requires_grad=requires_grad))


def _close(got, expected):
    np.testing.assert_allclose(np.asarray(got.detach().numpy()),
                               expected.detach().numpy(), rtol=1e-12, atol=1e-12)


@st.composite
def scatter_cases(draw):
    """Small integer-valued float64 data, so that ties and zeros happen often."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    dim = draw(st.integers(-ndim, ndim - 1))
    ishape = tuple(draw(st.integers(1, n)) if d != dim % ndim else draw(st.integers(1, 4))
                   for d, n in enumerate(shape))
    index = np.array(draw(st.lists(st.integers(0, shape[dim] - 1), min_size=int(np.prod(ishape)),
                                   max_size=int(np.prod(ishape))))).reshape(ishape)
    values = st.integers(-2, 2).map(float)
    x = np.array(draw(st.lists(values, min_size=int(np.prod(shape)),
                               max_size=int(np.prod(shape))))).reshape(shape)
    src = np.array(draw(st.lists(values, min_size=index.size, max_size=index.size)))
    return x, dim, index, src.reshape(ishape)


@settings(max_examples=150)
@given(scatter_cases(), st.sampled_from(["sum", "prod", "mean", "amax", "amin"]), st.booleans(),
       st.integers(0, 2**31 - 1))
def test_scatter_reduce_and_its_gradients_match_torch(case, reduce, include_self, seed):
    x, dim, index, src = case
    tx, nx = _both(x)
    ts, ns = _both(src)
    expected = tx.scatter_reduce(dim, torch.tensor(index), ts, reduce, include_self=include_self)
    got = nx.scatter_reduce(dim, ng.tensor(index), ns, reduce, include_self=include_self)
    _close(got, expected)
    w = np.random.default_rng(seed).integers(-3, 4, x.shape).astype(np.float64)
    expected.backward(torch.tensor(w))
    got.backward(ng.tensor(w))
    _close(nx.grad, tx.grad)
    _close(ns.grad, ts.grad)


@settings(max_examples=60)
@given(scatter_cases(), st.booleans())
def test_index_put_and_its_gradients_match_torch(case, accumulate):
    x, dim, index, src = case
    # index_put with one index tensor per leading dimension, repeats included.
    rows = torch.tensor(index.reshape(-1) % x.shape[0])
    values = np.arange(1.0, rows.numel() + 1)
    if not accumulate:
        rows = rows.unique()
        values = values[:rows.numel()]
    tx, nx = _both(x)
    tv, nv = _both(values.reshape((-1,) + (1,) * (x.ndim - 1)))
    expected = torch.index_put(tx, (rows,), tv, accumulate=accumulate)
    got = ng.index_put(nx, (ng.tensor(rows.numpy()),), nv, accumulate=accumulate)
    _close(got, expected)
    w = np.arange(x.size, dtype=np.float64).reshape(x.shape)
    expected.backward(torch.tensor(w))
    got.backward(ng.tensor(w))
    _close(nx.grad, tx.grad)
    _close(nv.grad, tv.grad)


def test_index_put_with_two_indices_mask_and_broadcast_values():
    for lib in (torch, ng):
        x = lib.zeros(2, 3)
        out = lib.index_put(x, (lib.tensor([0, 1, 1]), lib.tensor([2, 0, 0])), lib.tensor(5.0),
                            accumulate=True)
        assert out.tolist() == [[0.0, 0.0, 5.0], [10.0, 0.0, 0.0]]
        masked = x.index_put((lib.tensor([True, False]),), lib.tensor([1.0, 2.0, 3.0]))
        assert masked.tolist() == [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
        assert x.tolist() == [[0.0] * 3] * 2


def test_in_place_forms_write_into_self():
    x = ng.zeros(2, 3)
    v0 = x._version.value
    assert x.index_put_((ng.tensor([1]),), ng.tensor(2.0)) is x
    x.put_(ng.tensor([0, 0]), ng.tensor([1.0, 4.0]), accumulate=True)
    x.masked_scatter_(ng.tensor([False, True, False]), ng.tensor([7.0, 8.0]))
    x.scatter_reduce_(1, ng.tensor([[2], [2]]), ng.tensor([[-1.0], [9.0]]), "amax")
    assert x.tolist() == [[5.0, 7.0, 0.0], [2.0, 8.0, 9.0]]
    assert x._version.value == v0 + 4


def test_put_masked_scatter_and_their_gradients_match_torch():
    grads = []
    for lib in (torch, ng):
        x = lib.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
        s = lib.tensor([10.0, 20.0, 30.0, 40.0], requires_grad=True)
        y = x.put(lib.tensor([[5, -6], [1, 1]]), s, accumulate=True)
        z = lib.masked_scatter(y, lib.tensor([True, False, True]), s * 2)
        (z * lib.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3) + 1)).sum().backward()
        grads.append((z.detach().numpy(), x.grad.numpy(), s.grad.numpy()))
    for got, expected in zip(*grads[::-1]):
        np.testing.assert_array_equal(got, expected)


def test_scatter_reduce_details_match_torch():
    for lib in (torch, ng):
        ints = lib.tensor([-1, 2, 3]).scatter_reduce(0, lib.tensor([0, 0]), lib.tensor([-2, -5]),
                                                      "mean", include_self=False)
        assert ints.tolist() == [-4, 2, 3]  # integer mean floors
        nan = lib.zeros(2).scatter_reduce(0, lib.tensor([0, 0]),
                                          lib.tensor([1.0, float("nan")]), "amin")
        assert np.isnan(nan[0].item()) and nan[1].item() == 0.0
        scalar = lib.tensor(2.0).scatter_reduce(0, lib.tensor(0), lib.tensor(3.0), "prod")
        assert scalar.shape == () and scalar.item() == 6.0
        assert lib.zeros(2).scatter_reduce(0, lib.tensor([1]), lib.ones(1), "max").tolist() == [
            0.0, 1.0]
        out = lib.empty(2)
        result = lib.scatter_reduce(lib.ones(2), 0, lib.tensor([1, 1]), lib.tensor([2.0, 3.0]),
                                    "prod", out=out)
        assert result is out and out.tolist() == [1.0, 6.0]


def test_scatter_reduce_refuses_a_gradient_for_a_larger_src_as_torch():
    x = ng.zeros(3, requires_grad=True)
    s = ng.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = x.scatter_reduce(0, ng.tensor([0, 1]), s, "sum")
    assert out.tolist() == [1.0, 2.0, 0.0]
    with raises(RuntimeError, "Function ScatterReduceBackward0 returned an invalid gradient at "
                "index 1 - got [2] but expected shape compatible with [4]"):
        out.sum().backward()


@pytest.mark.parametrize("call", [
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0, 5]),), lib.tensor([1.0, 2.0])),
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0, -4]),), lib.tensor([1.0, 2.0]),
                              accumulate=True),
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0, 1]),),
                              lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0.0, 1.0]),), lib.tensor([1.0, 2.0])),
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0, 1]),), lib.tensor([1.0, 2.0, 3.0])),
    lambda lib: lib.index_put(lib.zeros(3), (lib.tensor([0, 1]),), 1.0),
    lambda lib: lib.index_put(lib.zeros(3), (None,), lib.tensor(1.0)),
    lambda lib: lib.index_put(lib.zeros(2, 3), (lib.tensor([0]),) * 3, lib.tensor(1.0)),
    lambda lib: lib.index_put(lib.zeros(2, 3), (lib.tensor([0, 1]), lib.tensor([0, 1, 2])),
                              lib.tensor(1.0)),
    lambda lib: lib.zeros(2, 2).put(lib.tensor([0, 3], dtype=lib.int32), lib.tensor([1.0, 2.0])),
    lambda lib: lib.zeros(2, 2).put(lib.tensor([0, 4]), lib.tensor([1.0, 2.0])),
    lambda lib: lib.zeros(2, 2).put(lib.tensor([0, -5]), lib.tensor([1.0, 2.0])),
    lambda lib: lib.zeros(2, 2).put(lib.tensor([0, 1]), lib.tensor([1.0, 2.0, 3.0])),
    lambda lib: lib.zeros(2, 2).put(lib.tensor([0, 1]), lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.zeros(2, 3).masked_scatter(lib.tensor([True, False, True]), lib.ones(3)),
    lambda lib: lib.zeros(2, 3).masked_scatter(lib.tensor([True, False, True]),
                                               lib.ones(9, dtype=lib.int64)),
    lambda lib: lib.zeros(2, 3).masked_scatter(lib.tensor([1, 0, 1]), lib.ones(9)),
    lambda lib: lib.zeros(2, 3).masked_scatter(lib.tensor([True, False]), lib.ones(9)),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0]), lib.ones(1), "mul"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0, 9]), lib.ones(2), "sum"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0, -1]), lib.ones(2), "prod"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0.0]), lib.ones(1), "amax"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0]), lib.ones(1, dtype=lib.float64),
                                            "amin"),
    lambda lib: lib.zeros(4).scatter_reduce(1, lib.tensor([0]), lib.ones(1), "sum"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([[0]]), lib.ones(1, 1), "sum"),
    lambda lib: lib.zeros(4).scatter_reduce(0, lib.tensor([0] * 6), lib.ones(5), "mean"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(Exception) as got:
        call(ng)
    assert type(got.value) is type(expected.value)
    assert str(expected.value) in str(got.value)  # a dim error also names the op here
