"""Reductions: what the generated specs cannot show.

(values, indices) results, ties and nan, result dtypes, keepdim shapes, empty inputs, errors
(class and words), the parallel code paths on large inputs, and parity with torch 2.13.
"""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends.cpu import reduce as cpu_reduce

NAN = float("nan")


def _grad(fn, data):
    x = ng.tensor(data, requires_grad=True)
    fn(x).sum().backward()
    return np.asarray(x.grad)


# ----------------------------------------------------------------------------- (values, indices)


def test_max_with_dim_is_a_named_tuple_printed_like_torch():
    result = ng.max(ng.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert type(result).__name__ == "max" and isinstance(result, tuple)
    np.testing.assert_array_equal(np.asarray(values), [3.0, 4.0])
    assert indices.dtype is ng.int64
    np.testing.assert_array_equal(np.asarray(indices), [1, 0])
    assert repr(result) == ("numbagrad.return_types.max(\nvalues=tensor([3., 4.]),\n"
                            "indices=tensor([1, 0]))")
    assert repr(ng.min(ng.tensor([[1.0, 3.0]]), 1)).startswith("numbagrad.return_types.min(\n")


@pytest.mark.parametrize("keepdim,shape", [(False, (2, 4)), (True, (2, 1, 4))])
def test_max_with_dim_keepdim_shapes(keepdim, shape):
    x = ng.randn(2, 3, 4)
    values, indices = x.max(1, keepdim=keepdim)
    assert values.shape == shape and indices.shape == shape
    assert x.min(dim=-2, keepdim=keepdim).values.shape == shape
    assert x.argmax(1, keepdim=keepdim).shape == shape
    assert x.amax((0, 2), keepdim=keepdim).shape == ((3,) if not keepdim else (1, 3, 1))
    assert x.sum((0, 2), keepdim=keepdim).shape == ((3,) if not keepdim else (1, 3, 1))
    assert x.var(1, keepdim=keepdim).shape == shape


def test_max_with_dim_sends_the_gradient_to_the_first_index_only():
    grad = _grad(lambda x: x.max(1).values * ng.tensor([2.0, 3.0]),
                 [[1.0, 5.0, 5.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(grad, [[0, 2, 0], [3, 0, 0]])
    grad = _grad(lambda x: x.min(0, keepdim=True)[0], [[1.0, 5.0], [1.0, 4.0]])
    np.testing.assert_array_equal(grad, [[1, 0], [0, 1]])


def test_max_of_a_zero_dim_tensor_along_dim_0():
    values, indices = ng.tensor(3.0).max(0)
    assert values.shape == () and indices.shape == () and indices.item() == 0


def test_max_with_a_tensor_is_maximum():
    got = ng.max(ng.tensor([1.0, 4.0]), ng.tensor([3.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(got), [3.0, 4.0])


# ----------------------------------------------------------------------------- ties and nan


def test_full_max_and_amax_share_the_gradient_among_ties():
    data = [[1.0, 5.0], [5.0, 5.0]]
    np.testing.assert_allclose(_grad(lambda x: x.max(), data), [[0, 1 / 3], [1 / 3, 1 / 3]])
    np.testing.assert_allclose(_grad(lambda x: x.amax(1), data), [[0, 1], [0.5, 0.5]])
    np.testing.assert_allclose(_grad(lambda x: x.amin(0), data), [[1, 0.5], [0, 0.5]])


def test_argmax_ties_give_the_first_occurrence():
    x = ng.tensor([[2.0, 7.0, 7.0], [7.0, 1.0, 7.0]])
    assert x.argmax().item() == 1
    np.testing.assert_array_equal(np.asarray(x.argmax(1)), [1, 0])
    np.testing.assert_array_equal(np.asarray(x.argmin(0)), [0, 1, 0])


def test_nan_propagates_and_its_index_is_returned():
    x = ng.tensor([[1.0, NAN, 3.0, NAN], [4.0, 2.0, 0.0, 1.0]])
    values, indices = x.max(1)
    assert np.isnan(values[0].item()) and indices.tolist() == [1, 0]
    values, indices = x.min(1)
    assert np.isnan(values[0].item()) and indices.tolist() == [1, 2]
    assert np.isnan(x.max().item()) and np.isnan(x.amin().item())
    assert x.argmax().item() == 1 and x.argmin().item() == 1
    assert np.isnan(np.asarray(x.amax(0))[[1, 3]]).all()


def test_argmax_of_a_non_contiguous_tensor_indexes_its_flattened_values():
    base = ng.tensor([[0.0, 9.0], [1.0, 2.0], [3.0, 4.0]])
    x = base.t()  # [[0, 1, 3], [9, 2, 4]]: the max is at flat index 3
    assert x.argmax().item() == 3 and x.argmin().item() == 0


# ----------------------------------------------------------------------------- dtypes and empties


def test_result_dtypes_follow_torch():
    ints = ng.tensor([1, 2, 3], dtype=ng.int32)
    assert ng.tensor([1, 2]).sum().dtype is ng.int64
    assert ints.sum().dtype is ng.int64 and ints.prod().dtype is ng.int64
    bools = ng.tensor([True, False, True])
    assert bools.sum().dtype is ng.int64 and bools.sum().item() == 2
    assert bools.prod().item() == 0 and bools.max().dtype is ng.bool
    assert ints.amax().dtype is ng.int32 and ints.max(0).values.dtype is ng.int32
    assert ints.mean(dtype=ng.float64).dtype is ng.float64
    assert ng.ones(3).sum(dtype=ng.float64).dtype is ng.float64
    # torch converts the input before summing: 1.5 + 2.5 as long is 1 + 2.
    assert ng.tensor([1.5, 2.5]).sum(dtype=ng.int64).item() == 3


def test_float32_sums_accumulate_in_float64():
    x = np.full(2_000_001, 0.1, np.float32)
    expected = np.float32(x.astype(np.float64).sum())
    assert ng.from_numpy(x).sum().item() == expected
    assert ng.from_numpy(x.reshape(1, -1)).sum(1).item() == expected


def test_empty_reductions():
    assert ng.empty(0).sum().item() == 0 and ng.empty(0).prod().item() == 1
    assert np.isnan(ng.empty(0).mean().item())
    np.testing.assert_array_equal(np.asarray(ng.empty(0, 3).sum(0)), [0, 0, 0])
    np.testing.assert_array_equal(np.asarray(ng.empty(0, 3).prod(0)), [1, 1, 1])
    assert ng.empty(0, 3).amax(1).shape == (0,)
    assert ng.empty(0, 3).max(1).indices.shape == (0,)


def test_var_with_too_few_elements_warns_and_gives_nan():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(ng.tensor([1.0]).var().item())


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("dtype,name", [(ng.int64, "Long"), (ng.int32, "Int"), (ng.bool, "Bool")])
def test_mean_of_integers_raises_like_torch(dtype, name):
    with pytest.raises(RuntimeError, match=(
            r"^mean\(\): could not infer output dtype. Input dtype must be either a floating "
            rf"point or complex dtype. Got: {name}$")):
        ng.tensor([1, 0], dtype=dtype).mean()


def test_errors_name_the_op_and_the_values():
    x = ng.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum.*range of \[-2, 1\], but got 2"):
        x.sum(2)
    with pytest.raises(IndexError, match=r"amax.*range of \[-2, 1\], but got -3"):
        x.amax((0, -3))
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        x.sum((0, -2))
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):
        x.mean([1, 1])
    with pytest.raises(TypeError, match=r"prod\(\): argument 'dim' must be int, not tuple"):
        x.prod((0, 1))
    with pytest.raises(TypeError, match=r"max\(\): argument 'dim' must be int, not tuple"):
        x.max((0,))
    with pytest.raises(TypeError, match=r"sum\(\): argument 'dim' must be int or tuple"):
        x.sum(1.0)
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        ng.tensor([1, 2]).var()
    with pytest.raises(TypeError, match="either correction .* or unbiased"):
        x.var(0, unbiased=True, correction=1)


def test_max_like_reductions_of_empty_inputs_raise():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        ng.empty(0).max()
    with pytest.raises(RuntimeError, match=r"min\(\): Expected reduction dim to be specified"):
        ng.empty(0, 2).min()
    with pytest.raises(RuntimeError, match=r"amax\(\): Expected reduction dim to be specified"):
        ng.empty(0, 3).amax()
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified"):
        ng.empty(0).argmax()
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero"):
        ng.empty(0, 3).max(0)
    with pytest.raises(IndexError, match=r"amin\(\): Expected reduction dim 1 to have non-zero"):
        ng.empty(3, 0).amin(-1)
    with pytest.raises(IndexError, match=r"argmin\(\): Expected reduction dim 0 to have non-zero"):
        ng.empty(0, 3).argmin(0)


def test_prod_backward_after_an_inplace_change_raises():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    p = y.prod()
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        p.backward()


# ----------------------------------------------------------------------------- prod gradients


@pytest.mark.parametrize("data,expected", [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
    ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),
    ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),
])
def test_prod_gradient_is_the_product_of_the_others(data, expected):
    np.testing.assert_array_equal(_grad(lambda x: x.prod(), data), expected)


# ----------------------------------------------------------------------------- parallel paths


@pytest.fixture
def parallel_from_1k(monkeypatch):
    """Send small inputs down the parallel paths (threads over rows, chunks of one long row)."""
    monkeypatch.setattr(cpu_reduce, "PARALLEL_MIN_SIZE", 1024)


@pytest.mark.parametrize("shape,dim", [((100_003,), None), ((3, 7001), 1), ((7001, 3), 0),
                                       ((30, 400), 0), ((30, 400), (0, 1)), ((64, 40), 1)])
def test_parallel_reductions_match_numpy(parallel_from_1k, shape, dim):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape)
    x = ng.from_numpy(data)
    np.testing.assert_allclose(np.asarray(x.sum(dim)), data.sum(dim), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(np.asarray(x.amax(dim if dim is not None else ())),
                                  data.max(dim))
    near_one = ng.from_numpy(1 + 1e-4 * data)
    np.testing.assert_allclose(np.asarray(near_one.prod(None if dim is None else 0)),
                               np.prod(1 + 1e-4 * data, None if dim is None else 0), rtol=1e-9)
    if not isinstance(dim, tuple):
        np.testing.assert_array_equal(np.asarray(x.argmax(dim)), data.argmax(dim))
        np.testing.assert_array_equal(np.asarray(x.argmin(dim)), data.argmin(dim))


def test_long_row_ties_and_nan_across_chunks(parallel_from_1k):
    data = np.zeros(100_000)
    data[[12_347, 99_999]] = 5.0  # ties in different chunks: the first wins
    x = ng.from_numpy(data)
    assert x.argmax().item() == 12_347
    assert x.max(0).indices.item() == 12_347
    data[[70_001, 80_000]] = NAN  # the first nan wins, wherever the max is
    x = ng.from_numpy(data)
    values, indices = x.max(0)
    assert np.isnan(values.item()) and indices.item() == 70_001
    assert x.argmin().item() == 70_001


def test_large_sum_uses_the_default_threshold():
    data = np.random.default_rng(2).standard_normal(2 * cpu_reduce.PARALLEL_MIN_SIZE + 5)
    np.testing.assert_allclose(ng.from_numpy(data).sum().item(), data.sum(), rtol=1e-12)


# ----------------------------------------------------------------------------- torch parity

CASES = [
    ("sum", lambda m, x: m.sum(x, (0, -1), keepdim=True)),
    ("mean", lambda m, x: x.mean(1)),
    ("var", lambda m, x: x.var()),
    ("var_dim_unbiased_positional", lambda m, x: x.var(0, False)),
    ("var_unbiased_only", lambda m, x: x.var(False)),
    ("var_dim_unbiased_keepdim_positional", lambda m, x: x.var(1, True, True)),
    ("var_correction", lambda m, x: m.var(x, (0, 2), correction=2)),
    ("var_unbiased_keyword", lambda m, x: x.var(dim=-1, unbiased=False, keepdim=True)),
    ("std", lambda m, x: x.std(1)),
    ("std_unbiased_positional", lambda m, x: x.std(2, False)),
    ("prod_all", lambda m, x: x.prod()),
    ("prod_dim", lambda m, x: x.prod(1, keepdim=True)),
    ("amax_tuple", lambda m, x: x.amax((0, 2))),
    ("amin", lambda m, x: m.amin(x, -1, keepdim=True)),
    ("max_all", lambda m, x: x.max()),
    ("min_all", lambda m, x: x.min()),
    ("max_values", lambda m, x: x.max(1).values),
    ("min_values_keepdim", lambda m, x: m.min(x, -1, keepdim=True)[0]),
]


def _tied_input():
    """Values in 0.5 steps: many ties (and two zeros per product slice), all exact in float."""
    rng = np.random.default_rng(1)
    data = rng.integers(-3, 4, (3, 4, 5)) * 0.5
    data[:, 1, :2] = 0.0
    return data


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_with_ties_and_zeros(name, fn):
    torch = pytest.importorskip("torch")
    data = _tied_input()
    tx = torch.tensor(data, requires_grad=True)
    ty = fn(torch, tx)
    ty.backward(torch.ones_like(ty))
    x = ng.tensor(data, requires_grad=True)
    y = fn(ng, x)
    y.backward(ng.ones(*y.shape, dtype=ng.float64))
    np.testing.assert_allclose(np.asarray(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_indices_match_torch_with_ties_and_nan():
    torch = pytest.importorskip("torch")
    data = _tied_input()
    data[0, 2, 3] = data[2, 0, 1] = NAN
    for dim in (0, 1, -1):
        for op in ("max", "min", "argmax", "argmin"):
            got = getattr(ng.from_numpy(data), op)(dim)
            want = getattr(torch.from_numpy(data), op)(dim)
            if op in ("max", "min"):
                np.testing.assert_array_equal(np.asarray(got.values), want.values.numpy())
                got, want = got.indices, want.indices
            np.testing.assert_array_equal(np.asarray(got), want.numpy(), err_msg=f"{op}({dim})")
    assert ng.from_numpy(data).argmax().item() == torch.from_numpy(data).argmax().item()


@pytest.mark.parametrize("op", ["max", "amax"])
def test_nan_gradients_match_torch(op):
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, NAN, 2.0, NAN], [3.0, 3.0, 0.0, 1.0]])
    tx = torch.tensor(data, requires_grad=True)
    getattr(tx, op)().backward()
    x = ng.tensor(data, requires_grad=True)
    getattr(x, op)().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), tx.grad.numpy())
    if op == "amax":
        tx.grad = None
        tx.amax(1).sum().backward()
        x.grad = None
        x.amax(1).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), tx.grad.numpy())
