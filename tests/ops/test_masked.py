"""Masked and index ops against torch: values, dtypes, gradients with repeated indices, in-place
forms, ``out=`` and the errors raised before any kernel runs."""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numbagrad as ng

torch = pytest.importorskip("torch")


def raises(cls, text):
    return pytest.raises(cls, match=re.escape(text))


def _pair(a, requires_grad=False):
    """The same array as a numbagrad and a torch tensor."""
    return (ng.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def _both(fn, *arrays, grad=(0,)):
    """Run ``fn(lib, *tensors)`` in numbagrad and torch; compare values and (float inputs in
    ``grad``) gradients of the sum of the result times a fixed weight."""
    ours, theirs = [], []
    for i, a in enumerate(arrays):
        rg = i in grad and np.asarray(a).dtype.kind == "f"
        o, t = _pair(a, rg)
        ours.append(o)
        theirs.append(t)
    r_ours, r_theirs = fn(ng, *ours), fn(torch, *theirs)
    _same(r_ours, r_theirs)
    if r_theirs.requires_grad:
        w = np.arange(r_theirs.numel(), dtype=np.float64).reshape(tuple(r_theirs.shape)) + 1
        (r_ours * ng.tensor(w, dtype=r_ours.dtype)).sum().backward()
        (r_theirs * torch.tensor(w, dtype=r_theirs.dtype)).sum().backward()
        for o, t in zip(ours, theirs):
            if t.requires_grad:
                _same(o.grad, t.grad)


X = np.arange(12.0).reshape(3, 4) - 5.0


def test_masked_fill_and_select_match_torch():
    m = X % 3 == 0
    _both(lambda L, x: x.masked_fill(L.tensor(m), -1.0), X)
    _both(lambda L, x, v: L.masked_fill(x, L.tensor(m[0]), v), X, np.array(2.5), grad=(0, 1))
    _both(lambda L, x: x.long().masked_fill(L.tensor(m), 7), X)
    _both(lambda L, x: x.masked_select(L.tensor(m[:, :1])), X)
    _both(lambda L, x: L.masked_select(x[0], L.tensor(m)), X)


def test_where_forms_match_torch():
    c = X > 0
    for a, b in ((1, 0), (1.0, 0), (True, 2), (1, 0.5)):
        _same(ng.where(ng.tensor(c), a, b), torch.where(torch.tensor(c), a, b))
    _both(lambda L, x: L.where(x > 0, x, 0), X)
    for o, t in zip(ng.where(ng.tensor(c)), torch.where(torch.tensor(c))):
        _same(o, t)


def test_selection_ops_match_torch():
    _both(lambda L, x: x.index_select(1, L.tensor([3, 0, 3])), X)
    _both(lambda L, x: L.index_select(x, 0, L.tensor([2], dtype=L.int32)), X)
    _both(lambda L, x: L.index_select(x, -1, L.tensor(1)), X)
    _both(lambda L, x: x.take(L.tensor([[0, -1], [11, 11]])), X)
    _both(lambda L, x: L.take_along_dim(x, L.tensor([[0], [-1], [2]]), 1), X)
    _both(lambda L, x: L.take_along_dim(x, L.tensor([[2, 0, 0, 1]]), 0), X)
    _both(lambda L, x: L.take_along_dim(x, L.tensor([11, 0, 0])), X)


def test_index_select_out():
    out = ng.empty(0)
    r = ng.index_select(ng.tensor(X), 0, ng.tensor([1, 1]), out=out)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), X[[1, 1]])


def test_nonzero_and_argwhere_match_torch():
    for a in (X % 4 == 0, np.array(3.0), np.array(0.0), np.zeros((2, 0))):
        _same(ng.nonzero(ng.tensor(a)), torch.nonzero(torch.tensor(a)))
        _same(ng.argwhere(ng.tensor(a)), torch.argwhere(torch.tensor(a)))
        ours = ng.tensor(a).nonzero(as_tuple=True)
        theirs = torch.tensor(a).nonzero(as_tuple=True)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)


def test_scatter_and_index_ops_match_torch():
    s = np.arange(6.0).reshape(2, 3) / 7
    idx = [[2, 0, 1], [1, 2, 0]]
    _both(lambda L, x, s: x.scatter(0, L.tensor(idx), s), X, s, grad=(0, 1))
    _both(lambda L, x: x.scatter(1, L.tensor(idx), value=4.0), X)
    _both(lambda L, x: L.scatter(x, 1, L.tensor(idx), 4.0), X)
    _both(lambda L, x, s: x.scatter_add(1, L.tensor(idx, dtype=L.int32), s), X, s, grad=(0, 1))
    _both(lambda L, x, s: x.scatter_add(0, L.tensor([[2, 2, 2], [2, 0, 2]]), s), X, s,
          grad=(0, 1))
    _both(lambda L, x, s: x.index_add(0, L.tensor([1, 1]), L.ones(2, 4, dtype=x.dtype) * s.sum(),
                                      alpha=-3), X, s, grad=(0, 1))
    _both(lambda L, x: x.index_fill(0, L.tensor([-1, 0]), 9.0), X)
    _both(lambda L, x, v: x.index_fill(1, L.tensor([2]), v), X, np.array(1.5), grad=(0, 1))
    _both(lambda L, x, s: x.index_copy(1, L.tensor([3, 1, 0]), s), X, np.ones((3, 3)) * 2,
          grad=(0, 1))


def test_in_place_forms_write_into_self():
    for name, args in (("masked_fill_", (ng.tensor(X > 0), 0.0)),
                       ("scatter_", (0, ng.tensor([[1, 2]]), 5.0)),
                       ("scatter_add_", (1, ng.tensor([[0, 0]]), ng.ones(1, 2, dtype=ng.float64))),
                       ("index_add_", (1, ng.tensor([3, 3]), ng.ones(3, 2, dtype=ng.float64))),
                       ("index_fill_", (1, ng.tensor([0]), -1.0)),
                       ("index_copy_", (0, ng.tensor([2]), ng.zeros(1, 4, dtype=ng.float64)))):
        x = ng.tensor(X)
        expected = getattr(x, name[:-1])(*args).numpy()
        version = x._version.value
        assert getattr(x, name)(*args) is x
        assert x._version.value > version
        tx = torch.tensor(X)
        targs = tuple(torch.tensor(a.numpy()) if isinstance(a, ng.Tensor) else a for a in args)
        getattr(tx, name)(*targs)
        np.testing.assert_array_equal(x.numpy(), expected)
        np.testing.assert_array_equal(x.numpy(), tx.numpy())


@given(st.data())
def test_accumulating_ops_with_repeats_match_torch(data):
    n, m, k = (data.draw(st.integers(1, 4)) for _ in range(3))
    x = data.draw(hnp.arrays(np.float64, (n, m), elements=st.floats(-2, 2)))
    idx = data.draw(hnp.arrays(np.int64, (k, m), elements=st.integers(0, n - 1)))
    src = data.draw(hnp.arrays(np.float64, (k, m), elements=st.floats(-2, 2)))
    _both(lambda L, x, s: x.scatter_add(0, L.tensor(idx), s), x, src, grad=(0, 1))
    vec = idx[:, 0]
    _both(lambda L, x, s: x.index_add(0, L.tensor(vec), s, alpha=0.5), x, src, grad=(0, 1))
    _both(lambda L, x: x.index_select(0, L.tensor(vec)), x)


def test_errors_match_torch():
    x = ng.tensor(X)
    with raises(RuntimeError, "masked_fill_ only supports boolean masks"):
        x.masked_fill(ng.tensor([1, 0, 1, 0]), 1.0)
    with raises(RuntimeError, "only supports a 0-dimensional value tensor, but got tensor with 1"):
        x.masked_fill(x > 0, ng.tensor([1.0]))
    with raises(RuntimeError, "masked_select: expected BoolTensor for mask"):
        x.masked_select(ng.tensor([1, 0, 1, 0]))
    with raises(RuntimeError, "The size of tensor a (4) must match the size of tensor b (2)"):
        x.masked_select(ng.tensor([True, False]))
    with raises(RuntimeError, "INDICES element is out of DATA bounds, id=4 axis_dim=4"):
        x.index_select(1, ng.tensor([4]))
    with raises(RuntimeError, "INDICES element is out of DATA bounds, id=-1 axis_dim=4"):
        x.index_select(1, ng.tensor([-1]))
    with raises(RuntimeError, "index_select(): Expected dtype int32 or int64 for index"):
        x.index_select(1, ng.tensor([1.0]))
    with raises(IndexError, "index_select(): Index is supposed to be a vector"):
        x.index_select(1, ng.tensor([[1]]))
    with raises(IndexError, "out of range: tried to access index 12 on a tensor of 12 elements."):
        x.take(ng.tensor([12]))
    with raises(IndexError, "out of range: tried to access index -13 on a tensor of 12"):
        x.take(ng.tensor([-13]))
    with raises(RuntimeError, "take(): Expected a long tensor for index, but got Int"):
        x.take(ng.tensor([1], dtype=ng.int32))
    with raises(RuntimeError, "dtype of indices should be Long but got Int"):
        ng.take_along_dim(x, ng.tensor([[1]], dtype=ng.int32), 1)
    with raises(RuntimeError, "index 4 is out of bounds for dimension 1 with size 4"):
        ng.take_along_dim(x, ng.tensor([[4]]), 1)
    with raises(RuntimeError, "index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter_add(0, ng.tensor([[3]]), x)
    with raises(RuntimeError, "index -1 is out of bounds for dimension 0 with size 3"):
        x.scatter(0, ng.tensor([[-1]]), 1.0)
    with raises(RuntimeError, "scatter(): Expected dtype int32/int64 for index"):
        x.scatter_add(0, ng.tensor([[1.0]]), x)
    with raises(RuntimeError, "index_add_(): Expected dtype int32/int64 for index but got: Float"):
        x.index_add(0, ng.tensor([1.0]), x[:1])
    with raises(RuntimeError, "Expected index [1, 5] to be no larger than self [3, 4]"):
        x.scatter_add(0, ng.tensor([[0] * 5]), x)
    with raises(RuntimeError, "Index tensor must have the same number of dimensions as self"):
        x.scatter_add(0, ng.tensor([0]), x)
    with raises(RuntimeError, "scatter(): Expected self.dtype to be equal to src.dtype"):
        x.scatter_add(0, ng.tensor([[0]]), x.float())
    with raises(RuntimeError, "index 4 is out of bounds for dimension 1 with size 4"):
        x.index_add(1, ng.tensor([4]), ng.ones(3, 1, dtype=ng.float64))
    with raises(RuntimeError, "index -5 is out of bounds for dimension 1 with size 4"):
        x.index_add(1, ng.tensor([-5]), ng.ones(3, 1, dtype=ng.float64))
    with raises(RuntimeError, "Number of indices (1) should be equal to source.size(dim): (2)"):
        x.index_add(1, ng.tensor([1]), ng.ones(3, 2, dtype=ng.float64))
    with raises(RuntimeError, "index_add_(): self (Double) and source (Float) must have the same"):
        x.index_add(1, ng.tensor([1]), ng.ones(3, 1))
    with raises(IndexError, "index 4 is out of bounds for dimension 1 with size 4"):
        x.index_fill(1, ng.tensor([4]), 1.0)
    with raises(IndexError, "index_fill_(): Expected dtype int64 for index."):
        x.index_fill(1, ng.tensor([1], dtype=ng.int32), 1.0)
    with raises(IndexError, "index_copy_(): index -1 is out of bounds for dimension 1 with size"):
        x.index_copy(1, ng.tensor([-1]), ng.ones(3, 1, dtype=ng.float64))
    with raises(IndexError, "index_copy_(): Number of indices (1) should be equal to source"):
        x.index_copy(1, ng.tensor([1]), ng.ones(3, 2, dtype=ng.float64))
    with raises(RuntimeError, "index_copy_(): Expected a long tensor for index, but got Int"):
        x.index_copy(1, ng.tensor([1], dtype=ng.int32), ng.ones(3, 1, dtype=ng.float64))


def test_shape_and_dtype_errors_match_torch():
    x = ng.tensor(np.zeros((2, 3, 4)))
    with raises(RuntimeError, "Index to scalar can have only 1 value, got 2 value(s)"):
        ng.tensor(5.0).index_select(0, ng.tensor([0, 0]))
    with raises(RuntimeError, "Destination slice shape: 2 4 at dimension 1 and source slice "
                              "shape: 3 5 at dimension 0."):
        x.index_copy(1, ng.tensor([0]), ng.ones(3, 1, 5, dtype=ng.float64))
    with raises(IndexError, "Source dimensionality (2), destination dimensionality (3)"):
        x.index_copy(1, ng.tensor([0]), ng.ones(3, 1, dtype=ng.float64))
    with raises(RuntimeError, "(self) Double and (source) Float"):
        x.index_copy(1, ng.tensor([0]), ng.ones(2, 1, 4))
    with raises(RuntimeError, "Got self.shape = [2, 3, 4] source.shape = [3, 1, 4]"):
        x.index_add(1, ng.tensor([0]), ng.ones(3, 1, 4, dtype=ng.float64))
    with raises(RuntimeError, "Indexing dim 1 is out of bounds of the source tensor with dim 1"):
        x[0].index_add(1, ng.tensor([0]), ng.ones(2, dtype=ng.float64))


def test_in_place_forms_record_gradients_like_torch():
    s = np.arange(6.0).reshape(2, 3) + 1
    idx = [[0, 0, 2], [0, 1, 2]]
    _both(lambda L, x, s: x.clone().scatter_add_(0, L.tensor(idx), s) * 2, X[:, :3], s,
          grad=(0, 1))
    _both(lambda L, x, s: x.clone().index_copy_(0, L.tensor([1, 0]), s), X[:2, :3], s,
          grad=(0, 1))
    _both(lambda L, x: x.clone().masked_fill_(x > 0, 3.0), X)
    leaf = ng.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.index_fill_(0, ng.tensor([0]), 1.0)
