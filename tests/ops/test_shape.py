"""Shape ops beyond the specs: storage sharing of views, version counters, errors, torch parity."""
import re

import numpy as np
import pytest

import numbagrad as ng


def raises(cls, text):
    """``pytest.raises`` matching ``text`` literally (torch's messages hold brackets)."""
    return pytest.raises(cls, match=re.escape(text))


def _arange(*shape, requires_grad=False):
    n = int(np.prod(shape))
    return ng.tensor(np.arange(n, dtype=np.float64).reshape(shape), requires_grad=requires_grad)


VIEWS = {
    "view": lambda x: x.view(4, 3),
    "view_tuple": lambda x: x.view((2, 6)),
    "view_as": lambda x: x.view_as(ng.zeros(12)),
    "reshape": lambda x: x.reshape(-1),
    "reshape_as": lambda x: x.reshape_as(ng.zeros(6, 2)),
    "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "permute_tuple": lambda x: x.permute((1, 0)),
    "expand": lambda x: x.expand(2, 3, 4),
    "expand_as": lambda x: x.expand_as(ng.zeros(5, 3, 4)),
    "split": lambda x: x.split(2)[1],
    "chunk": lambda x: x.chunk(2, dim=1)[1],
}


@pytest.mark.parametrize("make", VIEWS.values(), ids=list(VIEWS))
def test_views_share_storage_and_version(make):
    x = _arange(3, 4)
    v = make(x)
    assert np.shares_memory(v.numpy(), x.numpy())
    assert v._version is x._version
    assert v._base is x
    before = x._version.value
    x[...] = -1.0
    assert x._version.value == before + 1
    assert np.all(v.numpy() == -1.0)  # the base's write shows through the view


def test_writes_to_a_view_show_in_the_base():
    x = _arange(3, 4)
    x.t()[1, 2] = 100.0
    x.view(-1)[0] = 7.0
    x.transpose(0, 1)[:, 0] = ng.tensor([9.0, 8.0, 7.0, 6.0])
    assert x[2, 1].item() == 100.0
    np.testing.assert_array_equal(x[0].numpy(), [9.0, 8.0, 7.0, 6.0])


def test_view_of_view_keeps_the_first_base():
    x = _arange(3, 4)
    v = x.view(12).view(3, 4).t()
    assert v._base is x and v._version is x._version


def test_reshape_copies_when_strides_forbid_a_view():
    x = _arange(3, 4)
    r = x.t().reshape(-1)
    assert not np.shares_memory(r.numpy(), x.numpy())
    assert r._base is None
    np.testing.assert_array_equal(r.numpy(), x.numpy().T.reshape(-1))


def test_reshape_views_a_strided_slice_when_it_can():
    x = _arange(4, 6)
    s = x[:, ::2]  # rows of 3, a stride-2 walk
    r = s.reshape(2, 2, 3)
    assert np.shares_memory(r.numpy(), x.numpy()) and r._version is x._version


def test_view_error_messages():
    x = ng.zeros(2, 3)
    with raises(RuntimeError, "shape '[2, 5]' is invalid for input of size 6"):
        x.view(2, 5)
    with raises(RuntimeError, "shape '[4, -1]' is invalid for input of size 6"):
        x.view(4, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with raises(RuntimeError,
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."):
        x.t().view(6)
    with pytest.raises(RuntimeError, match="ambiguous"):
        ng.zeros(0, 3).view(-1, 0)
    with pytest.raises(TypeError, match="size"):
        x.view(2, 3.0)


def test_expand_semantics_and_errors():
    x = ng.tensor([[1.0], [2.0]])
    e = x.expand(3, -1, 4)
    assert e.shape == (3, 2, 4) and e.stride() == (0, 1, 0)
    with raises(RuntimeError,
                "The expanded size of the tensor (3) must match the existing size (2) at "
                "non-singleton dimension 0.  Target sizes: [3, 1].  Tensor sizes: [2, 1]"):
        x.expand(3, 1)
    with raises(RuntimeError,
                "the number of sizes provided (1) must be greater or equal to the number of "
                "dimensions in the tensor (2)"):
        x.expand(2)
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        x.expand(-1, 2, 1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e[0] = 1.0


def test_expand_backward_sums_the_expanded_dimensions():
    x = ng.tensor([[1.0], [2.0]], requires_grad=True)
    (x.expand(3, 2, 4) * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[24.0], [24.0]])


def test_dims_out_of_range_raise_index_error():
    x = ng.zeros(2, 3)
    for call in (lambda: x.transpose(0, 2), lambda: x.squeeze(2), lambda: x.unsqueeze(3),
                 lambda: x.permute(0, 2), lambda: x.flatten(0, 5), lambda: ng.cat([x, x], 2),
                 lambda: ng.stack([x, x], 3), lambda: x.split(1, 2), lambda: x.chunk(2, -3)):
        with pytest.raises(IndexError, match="Dimension out of range"):
            call()


def test_permute_transpose_t_errors():
    x = ng.zeros(2, 3)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        x.permute(0, 0)
    with raises(RuntimeError, "input.dim() = 2 is not equal to len(dims) = 1"):
        x.permute(0)
    with pytest.raises(RuntimeError,
                       match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        ng.zeros(2, 3, 4).t()
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(1, 0)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        x.squeeze((0, 0))


def test_zero_dim_shapes():
    s = ng.tensor(3.0)
    assert s.t().shape == () and s.unsqueeze(0).shape == (1,) and s.flatten().shape == (1,)
    assert s.squeeze(0).shape == () and s.view(1, 1).shape == (1, 1)
    assert ng.zeros(3).t().shape == (3,)


def test_cat_promotes_dtypes_and_skips_legacy_empty():
    a, b = ng.zeros(2, 3), ng.ones(1, 3, dtype=ng.int64)
    out = ng.cat([a, b])
    assert out.dtype is ng.float32 and out.shape == (3, 3)
    assert ng.cat([ng.zeros(2, dtype=ng.int32), ng.zeros(2, dtype=ng.int64)]).dtype is ng.int64
    e = ng.zeros(0, requires_grad=True)
    x = ng.ones(2, 3, requires_grad=True)
    y = ng.cat([x, e])
    assert y.shape == (2, 3)
    y.sum().backward()
    assert e.grad.shape == (0,) and np.all(x.grad.numpy() == 1.0)


def test_cat_and_stack_errors():
    x = ng.zeros(2, 3)
    with raises(ValueError, "torch.cat(): expected a non-empty list of Tensors"):
        ng.cat([])
    with raises(RuntimeError,
                "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 "
                "for tensor number 1 in the list."):
        ng.cat([x, ng.zeros(2, 4)])
    with pytest.raises(RuntimeError,
                       match="Tensors must have same number of dimensions: got 2 and 1"):
        ng.cat([x, ng.zeros(3)])
    with raises(RuntimeError, "zero-dimensional tensor (at position 0) cannot be concatenated"):
        ng.cat([ng.tensor(1.0), x])
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 0, but got int"):
        ng.cat([x, 1])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        ng.stack([])
    with raises(RuntimeError,
                "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] "
                "at entry 1"):
        ng.stack([x, ng.zeros(2, 4)])


def test_split_and_chunk_sizes_and_errors():
    x = ng.zeros(5, 2)
    assert [p.shape[0] for p in x.split(2)] == [2, 2, 1]
    assert [p.shape[0] for p in x.split([1, 4])] == [1, 4]
    assert [p.shape[0] for p in ng.zeros(6).chunk(4)] == [2, 2, 2]
    assert [p.shape[1] for p in ng.zeros(0, 3).chunk(2, 1)] == [2, 1]
    assert [p.shape for p in ng.zeros(0).chunk(3)] == [(0,)] * 3
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match="split expects split_size be non-negative"):
        x.split(-1)
    with raises(RuntimeError,
                "split_with_sizes expects split_sizes to sum exactly to 2 (input tensor's size at "
                "dimension 1), but got split_sizes=[1, 2]"):
        x.split([1, 2], 1)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)


def test_in_place_write_through_a_view_invalidates_saved_values():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output for the vjp
    with ng.no_grad():
        y.view(2, 1)[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gradient_flows_through_a_chain_of_views():
    x = _arange(2, 3, 4, requires_grad=True)
    w = np.random.default_rng(0).standard_normal((12, 4))
    y = x.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).expand(2, 6, 4).flatten(0, 1)
    (y * ng.tensor(w)).sum().backward()
    expected = w.reshape(2, 6, 4).sum(0).T.reshape(4, 2, 3).transpose(1, 2, 0)
    np.testing.assert_allclose(x.grad.numpy(), expected)


# ---------------------------------------------------------------------------- torch parity

CASES = [
    ("reshape", lambda m, x: x.reshape(3, -1), (2, 3, 4)),
    ("view", lambda m, x: x.view(6, 4), (2, 3, 4)),
    ("flatten", lambda m, x: x.flatten(1, 2), (2, 3, 4)),
    ("squeeze", lambda m, x: x.squeeze(), (2, 1, 3, 1)),
    ("squeeze_dim", lambda m, x: x.squeeze(-1), (2, 1, 3, 1)),
    ("unsqueeze", lambda m, x: x.unsqueeze(-2), (2, 3)),
    ("transpose", lambda m, x: x.transpose(-1, 0), (2, 3, 4)),
    ("t", lambda m, x: x.t(), (2, 3)),
    ("mT", lambda m, x: x.mT, (2, 3, 4)),
    ("permute", lambda m, x: x.permute(1, 2, 0), (2, 3, 4)),
    ("expand", lambda m, x: x.expand(5, -1, 4), (3, 1)),
    ("cat", lambda m, x: m.cat([x, x * 2.0, x[:1]], dim=0), (2, 3)),
    ("stack", lambda m, x: m.stack([x, x * 3.0], dim=1), (2, 3)),
    ("split", lambda m, x: m.cat([p * (i + 1.0) for i, p in enumerate(x.split([1, 2], 1))], 1),
     (2, 3)),
    ("chunk", lambda m, x: m.cat([p * (i + 1.0) for i, p in enumerate(x.chunk(3, -1))], -1),
     (2, 7)),
]


@pytest.mark.parametrize("name, fn, shape", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape)
    x = ng.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = fn(ng, x), fn(torch, tx)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y.stride() == ty.stride()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    v = rng.standard_normal(tuple(ty.shape))
    y.backward(ng.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
