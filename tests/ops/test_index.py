"""Indexing beyond the specs: views, masks, duplicates, setitem's recording rules, gather, errors
and torch parity."""
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


# ---------------------------------------------------------------------------- getitem


def test_basic_indexing_is_a_view():
    x = _arange(3, 4)
    for v in (x[1], x[:, 1:3], x[::2, None, ..., 1], x[-1, -1], x[...]):
        assert np.shares_memory(v.numpy(), x.numpy())
        assert v._version is x._version and v._base is x
    row = x[1]
    row[0] = 100.0  # writes go both ways
    assert x[1, 0].item() == 100.0
    x[1, 1] = -5.0
    assert row[1].item() == -5.0


def test_all_int_index_gives_a_0d_view():
    x = _arange(2, 3)
    s = x[1, 2]
    assert s.shape == () and s.item() == 5.0
    x[1, 2] = 9.0
    assert s.item() == 9.0


def test_advanced_indexing_is_a_copy():
    x = _arange(3, 4)
    for v in (x[[0, 2]], x[x > 3], x[np.array([True, False, True])], x[:, ng.tensor([1])]):
        assert not np.shares_memory(v.numpy(), x.numpy())
        assert v._base is None


def test_negative_indices():
    x = _arange(3, 4)
    assert x[-1, -2].item() == 10.0
    np.testing.assert_array_equal(x[[-1, 0, -3]].numpy(), x.numpy()[[-1, 0, -3]])
    np.testing.assert_array_equal(x[:, ng.tensor([-4, 3])].numpy(), x.numpy()[:, [-4, 3]])


def test_bool_masks_tensor_numpy_and_list():
    x = _arange(2, 3, requires_grad=True)
    mask = np.array([[True, False, True], [False, False, True]])
    for m in (ng.tensor(mask), mask):
        np.testing.assert_array_equal(x[m].detach().numpy(), [0.0, 2.0, 5.0])
    with pytest.raises(IndexError, match="shape of the mask"):  # torch: a tuple of two masks
        x[mask.tolist()]
    row_mask = ng.tensor([False, True])
    np.testing.assert_array_equal(x[row_mask].detach().numpy(), [[3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(x[:, ng.tensor([True, False, True])].detach().numpy(),
                                  [[0.0, 2.0], [3.0, 5.0]])
    assert x[ng.tensor(np.zeros((2, 3), bool))].shape == (0,)
    (x[ng.tensor(mask)] * ng.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])


def test_duplicate_indices_accumulate_in_backward():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    y = _arange(3, 2, requires_grad=True)
    (y[ng.tensor([[1, 1], [2, 1]]), 1] * ng.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.0, 0.0], [0.0, 7.0], [0.0, 3.0]])


def test_advanced_indexing_of_non_contiguous_and_expanded_inputs():
    base = _arange(4, 6, requires_grad=True)
    x = base.t()[1:, ::2]
    expected = base.detach().numpy().T[1:, ::2][[0, 4, 0], 1:]
    np.testing.assert_array_equal(x[[0, 4, 0], 1:].detach().numpy(), expected)
    x[[0, 4, 0], 1:].sum().backward()
    grad = np.zeros((6, 4))
    np.add.at(grad[1:, ::2], ([0, 4, 0], slice(1, None)), 1.0)
    np.testing.assert_array_equal(base.grad.numpy(), grad.T)
    e = ng.tensor([1.0, 2.0]).expand(3, 2)
    np.testing.assert_array_equal(e[[2, 0], [1, 0]].numpy(), [2.0, 1.0])


def test_getitem_errors():
    x = ng.zeros(2, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        x[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 1 with size 3"):
        x[:, -4]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        ng.zeros(3)[ng.tensor([0, 3])]
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0 with size 2"):
        x[[0, -3]]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with raises(IndexError,
                "The shape of the mask [2] at index 0 does not match the shape of the indexed "
                "tensor [2, 3] at index 1"):
        x[:, ng.tensor([True, False])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x[ng.tensor([0.0])]
    with raises(IndexError,
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                "[2], [3]"):
        x[ng.tensor([0, 1]), ng.tensor([0, 1, 2])]
    with pytest.raises(IndexError, match="valid indices"):
        x[1.5]


# ---------------------------------------------------------------------------- setitem


def test_setitem_writes_in_place_and_bumps_the_version():
    x = _arange(3, 4)
    data = x.numpy()
    v0 = x._version.value
    x[0] = 1.0
    x[1:, [0, 3]] = ng.tensor([[-1.0, -2.0]], dtype=ng.float64)
    x[x > 8] = 0.0
    x[np.array([False, False, True]), 1] = ng.tensor([[[42.0]]], dtype=ng.float64)  # 1s dropped
    assert x.numpy() is data
    assert x._version.value == v0 + 4
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 1, 1], [-1, 5, 6, -2], [-1, 42, 0, -2]])


def test_setitem_converts_the_value_to_the_tensor_dtype():
    x = ng.zeros(3, dtype=ng.int64)
    x[0] = 2.7
    x[1:] = ng.tensor([3.9, -1.2])
    assert x.dtype is ng.int64 and x.tolist() == [2, 3, -1]
    with raises(RuntimeError, "Index put requires the source and destination dtypes match, got "
                "Long for the destination and Float for the source."):  # torch's index_put_
        x[[1, 2]] = ng.tensor([3.9, -1.2])


def test_setitem_errors():
    x = ng.zeros(2, 3)
    with raises(RuntimeError,
                "shape mismatch: value tensor of shape [4] cannot be broadcast to indexing result "
                "of shape [2, 3]"):
        x[[0, 1]] = ng.zeros(4)
    with raises(RuntimeError, "The expanded size of the tensor (3) must match the existing size "
                "(4) at non-singleton dimension 0.  Target sizes: [3].  Tensor sizes: [4]"):
        x[0] = ng.zeros(4)
    with raises(RuntimeError, "expand(torch.FloatTensor{[2, 1, 3]}, size=[3]): the number of "
                "sizes provided (1) must be greater or equal to the number of dimensions in the "
                "tensor (3)"):
        x[0] = ng.ones(2, 1, 3)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 0 with size 2"):
        x[ng.tensor([0, 4])] = 1.0
    leaf = ng.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError,
                       match="a leaf Variable that requires grad is being used in an in-place"):
        leaf[0] = 1.0
    with ng.no_grad():
        leaf[0] = 1.0  # allowed without recording
    assert leaf[0].item() == 1.0


def test_setitem_gradient_reaches_old_value_and_value():
    a = ng.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = ng.tensor([10.0, 20.0], requires_grad=True)
    y = a * 2.0
    y[[3, 1]] = v
    assert y.grad_fn is not None
    (y * ng.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 0.0, 6.0, 0.0])
    np.testing.assert_array_equal(v.grad.numpy(), [4.0, 2.0])


def test_setitem_broadcast_value_gets_summed_gradient():
    a = _arange(3, 4, requires_grad=True)
    v = ng.tensor([1.0], requires_grad=True)
    y = a.clone()
    y[:, 1:3] = v
    y.sum().backward()
    assert v.grad.item() == 6.0
    np.testing.assert_array_equal(a.grad.numpy(), [[1, 0, 0, 1]] * 3)


def test_setitem_value_requiring_grad_into_plain_tensor():
    buf = ng.zeros(2, 3)
    v = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf[1] = v
    assert buf.requires_grad and not buf.is_leaf
    (buf * 5.0).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [5.0, 5.0, 5.0])


def test_setitem_invalidates_values_saved_before_it():
    a = ng.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()
    z = y * 1.0
    with ng.no_grad():
        y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


# ---------------------------------------------------------------------------- gather


def test_gather_values_and_duplicate_gradient():
    x = ng.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    idx = ng.tensor([[2, 2], [0, 2]])
    out = ng.gather(x, 1, idx)
    np.testing.assert_array_equal(out.detach().numpy(), [[3.0, 3.0], [4.0, 6.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 2.0], [1.0, 0.0, 1.0]])
    assert idx.tolist() == [[2, 2], [0, 2]]
    i32 = ng.tensor([[1], [0]], dtype=ng.int32)
    np.testing.assert_array_equal(x.gather(0, i32).detach().numpy(), [[4.0], [1.0]])


def test_gather_errors():
    x = ng.zeros(2, 3)
    with pytest.raises(RuntimeError, match="gather\\(\\): Expected dtype int32/int64 for index"):
        ng.gather(x, 0, ng.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions"):
        ng.gather(x, 0, ng.tensor([1]))
    with raises(RuntimeError,
                "Size does not match at dimension 1 expected index [1, 5] to be no larger than "
                "self [2, 3] apart from dimension 0"):
        ng.gather(x, 0, ng.tensor([[1] * 5]))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 2"):
        ng.gather(x, 0, ng.tensor([[5]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with size 3"):
        ng.gather(x, 1, ng.tensor([[-1]]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.gather(x, 2, ng.tensor([[0]]))
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        ng.gather(x, 0, [[0]])


# ---------------------------------------------------------------------------- torch parity

KEYS = [
    ("int", lambda m: (1,)),
    ("negative_int", lambda m: (-1, -2)),
    ("slices", lambda m: (slice(None, None, 2), slice(1, 3))),
    ("none_ellipsis", lambda m: (None, Ellipsis, 1)),
    ("int_list_dups", lambda m: ([2, 0, 2, 2],)),
    ("index_tensor_2d", lambda m: (m.tensor([[0, 1], [2, 2]]),)),
    ("mixed", lambda m: (slice(1, None), m.tensor([3, 0, 3]))),
    ("separated_by_none", lambda m: (m.tensor([0, 2]), None, m.tensor([1, 1]))),
    ("separated_by_slice", lambda m: (m.tensor([[0, 2]]), slice(None), m.tensor([1, 1]))),
    ("adjacent_broadcast", lambda m: (m.tensor([[0], [2]]), m.tensor([1, 3, 1]))),
    ("mask_rows", lambda m: (m.tensor([True, False, True]),)),
    ("mask_full", lambda m: (m.tensor(np.arange(12).reshape(3, 4) % 5 < 2),)),
    ("mask_and_slice", lambda m: (slice(None, 2), m.tensor([True, False, True, True]))),
    ("bool_scalar", lambda m: (True,)),
]


@pytest.mark.parametrize("name, key", KEYS, ids=[k[0] for k in KEYS])
def test_getitem_matches_torch(name, key):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1).standard_normal((3, 4, 2))
    x = ng.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = x[key(ng)], tx[key(torch)]
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    v = np.random.default_rng(2).standard_normal(tuple(ty.shape))
    y.backward(ng.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, key", KEYS, ids=[k[0] for k in KEYS])
def test_setitem_matches_torch(name, key):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3, 4, 2))
    target_shape = tuple(torch.zeros(3, 4, 2)[key(torch)].shape)
    value = rng.standard_normal(target_shape[-1:] if target_shape else ())
    results = []
    for m in (ng, torch):
        a = m.tensor(data, requires_grad=True)
        v = m.tensor(value, requires_grad=True)
        y = a * 1.0
        y[key(m)] = v
        (y * m.tensor(np.arange(24.0).reshape(3, 4, 2))).sum().backward()
        results.append((y.detach().numpy(), a.grad.numpy(), v.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_gather_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    data = rng.standard_normal((3, 4, 5))
    idx = rng.integers(0, 4, (2, 6, 3))
    x, tx = ng.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ng.gather(x, 1, ng.tensor(idx)), torch.gather(tx, 1, torch.tensor(idx))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    v = rng.standard_normal(idx.shape)
    y.backward(ng.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
