"""Sorting: what the generated specs cannot show.

Ties (stable order, also descending), nan (the largest value), int and bool inputs, indices and
gradients against torch 2.13, the named-tuple results, ``out=``, 0-d and empty inputs, errors
(class and words).
"""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

NAN = float("nan")
TIES = [[2.0, 1.0, 2.0, NAN, 1.0, 0.0, NAN, 2.0], [1.0, 1.0, 1.0, 0.0, 3.0, 3.0, 0.0, 1.0]]


def _both(data, dtype=None):
    return ng.tensor(data, dtype=dtype and getattr(ng, dtype)), torch.tensor(
        data, dtype=dtype and getattr(torch, dtype))


def _same(ours, theirs):
    np.testing.assert_array_equal(np.asarray(ours), theirs.numpy())
    assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_ties_and_nan_match_torch_stable(dim, descending):
    x, t = _both(np.array(TIES).reshape(2, 2, 4).tolist())
    values, indices = ng.sort(x, dim, descending)
    expected = torch.sort(t, stable=True, dim=dim, descending=descending)
    _same(values, expected.values)
    _same(indices, expected.indices)
    assert indices.dtype is ng.int64
    _same(ng.argsort(x, dim, descending),
          torch.argsort(t, stable=True, dim=dim, descending=descending))


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape", [(3, 37), (2, 20000), (20000, 2)])
def test_long_rows_with_ties_and_nan_match_torch_stable(shape, descending):
    """Rows longer than the insertion runs, and arrays large enough for the parallel kernels."""
    rng = np.random.default_rng(3)
    data = rng.integers(0, 50, shape).astype(np.float32)
    data[rng.random(shape) < 0.05] = NAN
    x, t = ng.tensor(data), torch.tensor(data)
    for dim in (0, 1):
        values, indices = ng.sort(x, dim, descending)
        expected = torch.sort(t, stable=True, dim=dim, descending=descending)
        _same(values, expected.values)
        _same(indices, expected.indices)
        for k in (1, 2, 64, 65):
            if k > data.shape[dim]:
                continue
            values, indices = ng.topk(x, k, dim, largest=descending)
            _same(values, expected.values.narrow(dim, 0, k))
            _same(indices, expected.indices.narrow(dim, 0, k))


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int8", "bool", "float16"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_int_bool_half_match_torch(dtype, descending):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 3, (3, 7)).tolist()
    if dtype == "bool":
        data = (np.array(data) > 1).tolist()
    x, t = _both(data, dtype)
    result = x.sort(0, descending=descending)
    expected = t.sort(stable=True, dim=0, descending=descending)
    assert result.values.dtype is x.dtype
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    _same(ng.msort(x), torch.msort(t))


def test_sort_is_a_named_tuple_printed_like_torch():
    result = ng.sort(ng.tensor([3.0, 1.0, 2.0]))
    assert type(result).__name__ == "sort" and result.values is result[0]
    assert repr(result) == ("numbagrad.return_types.sort(\nvalues=tensor([1., 2., 3.]),\n"
                            "indices=tensor([1, 2, 0]))")
    assert type(ng.topk(ng.tensor([1.0]), 1)).__name__ == "topk"
    assert type(ng.kthvalue(ng.tensor([1.0]), 1)).__name__ == "kthvalue"


def test_sort_gradient_scatters_to_the_sorted_positions_with_ties():
    data = [[3.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 1.0]]
    weights = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    for descending in (False, True):
        x = ng.tensor(data, requires_grad=True)
        (ng.sort(x, 1, descending).values * ng.tensor(weights)).sum().backward()
        t = torch.tensor(data, requires_grad=True)
        expected = torch.sort(t, stable=True, dim=1, descending=descending).values
        (expected * torch.tensor(weights)).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [0, -1])
def test_topk_matches_torch_without_ties(dim, largest):
    data = np.random.default_rng(1).permutation(24).reshape(4, 6).astype(np.float64)
    x, t = ng.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    values, indices = ng.topk(x, 3, dim, largest)
    expected = torch.topk(t, 3, dim, largest)
    _same(values.detach(), expected.values.detach())
    _same(indices, expected.indices)
    weights = np.arange(values.numel(), dtype=np.float64).reshape(values.shape)
    (values * ng.tensor(weights)).sum().backward()
    (expected.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())


def test_topk_values_with_ties_and_nan_match_torch():
    x, t = _both(TIES)
    for largest in (True, False):
        values, indices = x.topk(5, largest=largest)
        _same(values, torch.topk(t, 5, largest=largest).values)
        _same(ng.gather(x, 1, indices), torch.topk(t, 5, largest=largest).values)
    xi, ti = _both([[5, 1, 4, 2]], "int32")
    _same(ng.topk(xi, 2).values, torch.topk(ti, 2).values)
    _same(ng.topk(x, 0).values, torch.topk(t, 0).values)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("k", [1, 2, 4])
def test_kthvalue_matches_torch(k, keepdim):
    data = np.random.default_rng(2).permutation(12).reshape(3, 4).astype(np.float64)
    x, t = ng.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for dim in (1, 0, -1):
        if k > data.shape[dim]:
            continue
        values, indices = ng.kthvalue(x, k, dim, keepdim)
        expected = torch.kthvalue(t, k, dim, keepdim)
        _same(values.detach(), expected.values.detach())
        _same(indices, expected.indices)
    x.kthvalue(k, 1).values.sum().backward()
    t.kthvalue(k, 1).values.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())


def test_kthvalue_counts_nan_as_largest_and_ints():
    x, t = _both([[3.0, NAN, 1.0, 2.0]])
    for k in (1, 3, 4):
        _same(ng.kthvalue(x, k).values, torch.kthvalue(t, k).values)
    xi, ti = _both([[7, 3, 5]], "int64")
    assert ng.kthvalue(xi, 2).values.dtype is ng.int64
    _same(ng.kthvalue(xi, 2).values, torch.kthvalue(ti, 2).values)


def test_zero_dim_and_empty_inputs_match_torch():
    x, t = _both(3.0)
    for ours, theirs in [(ng.sort(x), torch.sort(t)), (ng.topk(x, 1), torch.topk(t, 1)),
                         (ng.kthvalue(x, 1), torch.kthvalue(t, 1))]:
        _same(ours.values, theirs.values)
        _same(ours.indices, theirs.indices)
    e, te = _both(np.zeros((2, 0)).tolist())
    _same(ng.sort(e).indices, torch.sort(te).indices)


def test_out_pairs_are_written():
    x = ng.tensor([[3.0, 1.0, 2.0]])
    values, indices = ng.empty(0), ng.empty(0, dtype=ng.int64)
    result = ng.sort(x, out=(values, indices))
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(np.asarray(values), [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(np.asarray(indices), [[1, 2, 0]])
    topv, topi = ng.empty(0), ng.empty(0, dtype=ng.int64)
    ng.topk(x, 2, out=(topv, topi))
    np.testing.assert_array_equal(np.asarray(topi), [[0, 2]])
    m = ng.empty(0)
    assert ng.msort(x, out=m) is m


def test_no_grad_results_record_nothing():
    x = ng.tensor([2.0, 1.0], requires_grad=True)
    with ng.no_grad():
        values, indices = ng.sort(x)
    assert not values.requires_grad
    np.testing.assert_array_equal(np.asarray(indices), [1, 0])


def test_bad_input_matches_torch():
    x, t = _both([1.0, 2.0, 3.0])
    for ours, theirs in [(lambda: ng.topk(x, 4), lambda: torch.topk(t, 4)),
                         (lambda: ng.topk(x, -1), lambda: torch.topk(t, -1)),
                         (lambda: ng.kthvalue(x, 0), lambda: torch.kthvalue(t, 0)),
                         (lambda: ng.kthvalue(x, 4), lambda: torch.kthvalue(t, 4)),
                         (lambda: ng.sort(x, 1), lambda: torch.sort(t, 1)),
                         (lambda: ng.argsort(x, -2), lambda: torch.argsort(t, -2)),
                         (lambda: ng.topk(x, 1, 2), lambda: torch.topk(t, 1, 2))]:
        with pytest.raises(Exception) as theirs_error:
            theirs()
        with pytest.raises(theirs_error.type):
            ours()
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ng.topk(x, 4)
    with pytest.raises(RuntimeError, match="selected number k out of range for dimension 0"):
        ng.kthvalue(x, 0)
    b, tb = _both([True, False])
    with pytest.raises(RuntimeError, match="topk does not support bool"):
        torch.topk(tb, 1)
    with pytest.raises(RuntimeError, match="topk does not support bool"):
        ng.topk(b, 1)
    with pytest.raises(NotImplementedError, match="\"kthvalue_cpu\" not implemented for 'Bool'"):
        torch.kthvalue(tb, 1)
    with pytest.raises(NotImplementedError, match="\"kthvalue_cpu\" not implemented for 'Bool'"):
        ng.kthvalue(b, 1)
    with pytest.raises(TypeError, match="must be Tensor"):
        ng.sort([1.0, 2.0])
