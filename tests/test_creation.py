"""Creation functions: data, constants, ranges and random numbers, with torch's dtypes."""
import numpy as np
import pytest

import numbagrad as ng


@pytest.mark.parametrize("data,dtype", [
    ([1, 2], ng.int64), ([1.0, 2], ng.float32), ([True, False], ng.bool), ([True, 2], ng.int64),
    (3, ng.int64), (2.5, ng.float32), (True, ng.bool), ([], ng.float32), ([[1], [2]], ng.int64),
    (np.float64(2.0), ng.float64), ([1.0, np.float64(2)], ng.float64),
    ([np.int32(1)], ng.int32), ([1, np.float32(2)], ng.float32),
    (np.zeros(2, np.int32), ng.int32), (np.zeros(2), ng.float64),
])
def test_tensor_infers_torchs_dtype(data, dtype):
    t = ng.tensor(data)
    assert t.dtype is dtype
    assert t.shape == np.shape(np.asarray(data))


def test_tensor_copies_and_casts():
    a = np.arange(3.0)
    t = ng.tensor(a, dtype=ng.float32)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0] and t.dtype is ng.float32
    u = ng.tensor(t)
    t.add_(1)
    assert u.tolist() == [0.0, 1.0, 2.0]
    assert ng.tensor([ng.tensor(1.0), ng.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert ng.tensor([1, 2], dtype=float).dtype is ng.float64


def test_tensor_of_a_grad_tensor_is_a_new_leaf():
    x = ng.tensor([1.0], requires_grad=True)
    y = ng.tensor(x)
    assert not y.requires_grad and y.is_leaf
    assert ng.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("bad", [["a"], None, [[1, 2], [3]]])
def test_tensor_rejects_non_numeric_or_ragged_data(bad):
    with pytest.raises((TypeError, ValueError)):
        ng.tensor(bad)


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3))
    t = ng.from_numpy(a)
    assert t.dtype is ng.float64 and t.shape == (2, 3)
    a[0, 0] = 5
    assert t.numpy()[0, 0] == 5
    t.add_(1)
    assert a[1, 2] == 1 and a[0, 0] == 6
    assert np.shares_memory(t.numpy(), a)


def test_from_numpy_keeps_strided_views():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = ng.from_numpy(a)
    assert t.stride() == (4, 2) and not t.is_contiguous()
    np.testing.assert_array_equal(np.asarray(t * 1), a)


def test_from_numpy_errors():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ng.from_numpy([1, 2])
    with pytest.raises(TypeError, match="uint8"):
        ng.from_numpy(np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="negative"):
        ng.from_numpy(np.arange(3.0)[::-1])


def test_as_tensor_shares_when_it_can():
    a = np.zeros(3)
    t = ng.as_tensor(a)
    a[1] = 4
    assert t.tolist() == [0.0, 4.0, 0.0]
    c = ng.as_tensor(a, dtype=ng.float32)
    a[2] = 7
    assert c.tolist() == [0.0, 4.0, 0.0]
    x = ng.ones(2)
    assert ng.as_tensor(x) is x
    assert ng.as_tensor([1.0, 2.0]).dtype is ng.float32


@pytest.mark.parametrize("fn,value", [(ng.zeros, 0), (ng.ones, 1)])
def test_constant_fills(fn, value):
    for args in [(2, 3), ((2, 3),), ([2, 3],), (np.int64(2), 3), (ng.tensor(2), 3)]:
        t = fn(*args)
        assert t.shape == (2, 3) and t.dtype is ng.float32
        assert (np.asarray(t) == value).all()
    assert fn(0, 4).shape == (0, 4)
    assert fn(2, dtype=ng.int32).dtype is ng.int32
    assert fn(2, requires_grad=True).requires_grad


def test_empty_and_full():
    assert ng.empty(2, 3).shape == (2, 3)
    assert ng.full((2,), 3).dtype is ng.int64
    assert ng.full((2,), True).dtype is ng.bool
    assert ng.full((2,), 1.5).dtype is ng.float32
    assert ng.full((2, 2), 7.0, dtype=ng.float64).tolist() == [[7.0, 7.0], [7.0, 7.0]]


def test_like_functions_take_shape_and_dtype():
    x = ng.tensor([[1, 2, 3]], dtype=ng.int32)
    for fn in (ng.zeros_like, ng.ones_like, ng.empty_like):
        y = fn(x)
        assert y.shape == (1, 3) and y.dtype is ng.int32
    assert ng.zeros_like(x, dtype=ng.float64).dtype is ng.float64
    assert ng.full_like(x, 2.7).tolist() == [[2, 2, 2]]
    assert ng.ones_like(ng.ones(2), requires_grad=True).requires_grad
    assert not ng.zeros_like(ng.ones(2, requires_grad=True)).requires_grad


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), ((2, 7), {}), ((5, 0, -1), {}), ((0, 1, 0.1), {}), ((1.0, -1.0, -0.5), {}),
    ((2.5,), {}), ((0, 0), {}), ((3,), {"dtype": "float64"}), ((0, 1.0, 0.3), {"dtype": "int32"}),
    ((-3, 3, 2), {}), ((0.0, 1.0, 1 / 3), {}),
])
def test_arange_matches_torch(args, kwargs):
    torch = pytest.importorskip("torch")
    t_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    n_kwargs = {k: getattr(ng, v) for k, v in kwargs.items()}
    expected = torch.arange(*args, **t_kwargs)
    got = ng.arange(*args, **n_kwargs)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(got), expected.numpy(), rtol=1e-6)


def test_arange_dtype_and_errors():
    assert ng.arange(5).dtype is ng.int64
    assert ng.arange(0, 1, 0.25).dtype is ng.float32
    assert ng.arange(ng.tensor(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ng.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent"):
        ng.arange(0, 5, -1)


def test_linspace_and_eye():
    np.testing.assert_allclose(np.asarray(ng.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1])
    assert ng.linspace(0, 1, 1).tolist() == [0.0]
    assert ng.linspace(0, 1, 0).shape == (0,)
    assert ng.linspace(0, 1, 3).dtype is ng.float32
    assert ng.linspace(0, 10, 4, dtype=ng.int64).tolist() == [0, 3, 6, 10]
    with pytest.raises(RuntimeError, match="non-negative"):
        ng.linspace(0, 1, -1)
    assert ng.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert ng.eye(2).dtype is ng.float32 and ng.eye(2, dtype=ng.int64).dtype is ng.int64
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0"):
        ng.eye(-1)


@pytest.mark.parametrize("make", [
    lambda g: ng.randn(3, 4, generator=g), lambda g: ng.rand(5, generator=g),
    lambda g: ng.randint(0, 10, (6,), generator=g), lambda g: ng.randperm(7, generator=g),
    lambda g: ng.normal(1.0, 2.0, (4,), generator=g),
    lambda g: ng.empty(5).uniform_(-1, 1, generator=g),
    lambda g: ng.empty(5).normal_(0, 3, generator=g),
])
def test_random_streams_are_reproducible(make):
    g = ng.Generator().manual_seed(123)
    first = make(g).tolist()
    g.manual_seed(123)
    assert make(g).tolist() == first
    ng.manual_seed(7)
    a = make(None).tolist()
    ng.manual_seed(7)
    assert make(None).tolist() == a
    assert make(None).tolist() != a or len(a) < 2


def test_generator_is_independent_of_the_default_stream():
    ng.manual_seed(0)
    a = ng.rand(3).tolist()
    ng.manual_seed(0)
    ng.rand(2, generator=ng.Generator().manual_seed(5))
    assert ng.rand(3).tolist() == a
    g = ng.Generator().manual_seed(9)
    state = g.get_state()
    x = ng.rand(3, generator=g).tolist()
    g.set_state(state)
    assert ng.rand(3, generator=g).tolist() == x
    assert g.initial_seed() == 9


def test_random_values_have_the_right_ranges_and_dtypes():
    ng.manual_seed(0)
    r = np.asarray(ng.rand(1000))
    assert r.dtype == np.float32 and r.min() >= 0 and r.max() < 1
    n = np.asarray(ng.randn(4000, dtype=ng.float64))
    assert n.dtype == np.float64 and abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    i = ng.randint(3, 6, (500,))
    assert i.dtype is ng.int64 and set(i.tolist()) == {3, 4, 5}
    assert ng.randint(4, (3,)).shape == (3,)
    assert ng.randint(3, size=(2, 2)).shape == (2, 2)
    assert sorted(ng.randperm(10).tolist()) == list(range(10))
    assert ng.randperm(0).dtype is ng.int64
    u = np.asarray(ng.empty(1000).uniform_(2, 3))
    assert u.min() >= 2 and u.max() < 3
    m = np.asarray(ng.normal(5.0, 0.5, (4000,)))
    assert abs(m.mean() - 5) < 0.05


def test_random_errors():
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        ng.randint(5, 5, (3,))
    with pytest.raises(RuntimeError, match="negative dimension"):
        ng.randperm(-1)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        ng.normal(0.0, -1.0, (2,))
    with pytest.raises(NotImplementedError, match="Long"):
        ng.randn(2, dtype=ng.int64)
    with pytest.raises(NotImplementedError, match="Long"):
        ng.rand(2, dtype=ng.int64)
