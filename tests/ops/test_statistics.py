"""Hand tests of ``numbagrad/ops/statistics.py`` (and the ``axis=`` alias of the reductions)
against torch: nan, empty dims, int and bool inputs, tuple dims, named tuples, errors."""
import warnings

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _same(ours, theirs):
    """Same dtype name, shape and values (nan where torch has nan)."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


def _both(data, dtype=None, grad=False):
    a = np.asarray(data, dtype=dtype)
    return (ng.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad))


INPUTS = [
    [[1, 0, 2], [3, 4, 5]],
    [[1.0, NAN, 0.0], [0.0, 0.0, 0.0]],
    [[True, False], [True, True]],
    np.zeros((2, 0, 3), dtype=np.float32),
    np.arange(24, dtype=np.float64).reshape(2, 3, 4) % 3,
]
DIMS = [None, 0, -1, (0, 1), ()]


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("data", INPUTS, ids=range(len(INPUTS)))
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_any_match_torch(name, data, dim, keepdim):
    x, tx = _both(data)
    kwargs = {} if dim is None else {"dim": dim}
    _same(getattr(x, name)(keepdim=keepdim, **kwargs),
          getattr(torch, name)(tx, keepdim=keepdim, **kwargs))


def test_all_any_methods_and_uint8():
    x, tx = _both([[0, 7], [1, 2]], np.uint8)
    _same(x.all(), tx.all())
    _same(ng.any(x, 1), torch.any(tx, 1))
    mask = ng.tensor([False, False])
    assert mask.any().item() is False and ng.tensor([]).all().item() is True


@pytest.mark.parametrize("data", INPUTS, ids=range(len(INPUTS)))
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)], ids=str)
def test_count_nonzero_matches_torch(data, dim):
    x, tx = _both(data)
    _same(ng.count_nonzero(x, dim), torch.count_nonzero(tx, dim))
    _same(x.count_nonzero(dim=dim), tx.count_nonzero(dim=dim))


@pytest.mark.parametrize("data", [
    [[-INF, -INF], [1.0, 2.0]], [[INF, 1.0], [1.0, 2.0]], [[1000.0, 1000.0], [-1000.0, 0.0]],
    [[NAN, 1.0], [0.5, -0.5]]])
def test_logsumexp_values_and_gradient_match_torch(data):
    x, tx = _both(data, np.float64, grad=True)
    y, ty = ng.logsumexp(x, 1), torch.logsumexp(tx, 1)
    _same(y, ty)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("dim", [0, (0, 2), -1, ()], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_dims_and_empty(dim, keepdim):
    for data in (np.linspace(-2, 2, 24).reshape(2, 3, 4), np.zeros((2, 0, 4))):
        x, tx = _both(data, np.float32)
        if dim == () and not keepdim:  # torch fails to write its result here (shape mismatch)
            assert tuple(x.logsumexp(dim).shape) == ()
            continue
        _same(x.logsumexp(dim, keepdim=keepdim), torch.logsumexp(tx, dim, keepdim=keepdim))


def test_logsumexp_int_bool_and_missing_dim():
    for data in ([[1, 2], [3, 4]], [[True, False]]):
        x, tx = _both(data)
        _same(ng.logsumexp(x, 1), torch.logsumexp(tx, 1))
    with pytest.raises(TypeError, match="dim"):
        ng.logsumexp(ng.tensor([1.0]))


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim", [None, 0, (0, 1), -1], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_nanmean_match_torch(name, dim, keepdim):
    data = [[[1.0, NAN], [NAN, NAN]], [[2.0, 3.0], [0.5, NAN]]]
    x, tx = _both(data, np.float64, grad=True)
    y = getattr(ng, name)(x, dim, keepdim)
    ty = getattr(torch, name)(tx, dim, keepdim)
    _same(y, ty)
    w = np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape))
    (y * ng.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    # An all-nan slice of nanmean: torch's gradient is 0 * inf = nan there, ours 0.
    expected = np.nan_to_num(tx.grad.numpy(), nan=0.0)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_nansum_int_bool_dtype_and_nanmean_errors():
    for data in ([1, 2, 3], [True, True]):
        x, tx = _both(data)
        _same(x.nansum(), tx.nansum())
    x, tx = _both([[1.0, NAN]], np.float32)
    _same(ng.nansum(x, 1, dtype=ng.float64), torch.nansum(tx, 1, dtype=torch.float64))
    _same(ng.nanmean(ng.tensor([NAN])), torch.nanmean(torch.tensor([NAN])))
    _same(ng.nanmean(x, 1, dtype=ng.float64), torch.nanmean(tx, 1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="nanmean.*Long"):
        ng.nanmean(ng.tensor([1, 2]))


def test_aminmax_named_tuple_and_gradient_match_torch():
    x, tx = _both([[1.0, 3.0, 3.0], [4.0, 2.0, 2.0]], np.float64, grad=True)
    r, tr = ng.aminmax(x, dim=1), torch.aminmax(tx, dim=1)
    assert type(r).__name__ == "aminmax" and r._fields == ("min", "max")
    _same(r.min, tr.min)
    _same(r.max, tr.max)
    (r.min.sum() + 2 * r.max.sum()).backward()
    (tr.min.sum() + 2 * tr.max.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    mn, mx = x.aminmax()
    _same(mn, tx.aminmax().min)
    _same(mx, tx.aminmax().max)
    b, tb = _both([[True, False]])
    _same(b.aminmax(dim=1, keepdim=True).max, tb.aminmax(dim=1, keepdim=True).max)
    _same(ng.aminmax(ng.zeros(0, 2), dim=1).min, torch.aminmax(torch.zeros(0, 2), dim=1).min)
    assert "aminmax(\nmin=tensor([1., 2.]" in repr(r)


def test_aminmax_errors():
    with pytest.raises(RuntimeError, match="aminmax"):
        ng.aminmax(ng.zeros(0))
    with pytest.raises(IndexError, match="dim 1 to have non-zero size"):
        ng.aminmax(ng.zeros(2, 0), dim=1)
    with pytest.raises(TypeError, match="dim"):
        ng.aminmax(ng.zeros(2, 2), dim=(0, 1))
    with pytest.raises(IndexError):
        ng.aminmax(ng.zeros(2, 2), dim=2)


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize("args,kwargs", [
    ((), {}), ((0,), {}), (((0, 1),), {"keepdim": True}), ((1, True, True), {}),
    ((False,), {}), ((-1,), {"correction": 0}), ((), {"dim": 1, "unbiased": False}),
    ((), {"axis": 0, "correction": 2}),
], ids=str)
def test_std_mean_var_mean_match_torch(name, args, kwargs):
    x, tx = _both(np.linspace(-1, 2, 12).reshape(3, 4) ** 2, np.float64, grad=True)
    ours, theirs = getattr(ng, name)(x, *args, **kwargs), getattr(torch, name)(tx, *args, **kwargs)
    assert isinstance(ours, tuple) and len(ours) == 2
    for a, b in zip(ours, theirs):
        _same(a, b)
    (ours[0].sum() + 3 * ours[1].sum()).backward()
    (theirs[0].sum() + 3 * theirs[1].sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_std_mean_errors_and_dof_warning():
    with pytest.raises(RuntimeError, match="floating point"):
        ng.var_mean(ng.tensor([1, 2]))
    with pytest.raises(TypeError, match="not both"):
        ng.std_mean(ng.tensor([1.0, 2.0]), unbiased=True, correction=1)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        s, m = ng.std_mean(ng.tensor([1.0]))
    assert np.isnan(s.item()) and m.item() == 1.0


@pytest.mark.parametrize("name", ["sum", "mean", "std", "var", "nansum", "nanmean",
                                  "logsumexp", "all", "any", "count_nonzero"])
def test_axis_alias_matches_torch(name):
    x, tx = _both(np.linspace(-1, 2, 12).reshape(3, 4), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _same(getattr(ng, name)(x, axis=1), getattr(torch, name)(tx, axis=1))
    _same(getattr(x, name)(axis=0), getattr(tx, name)(axis=0))
    with pytest.raises(TypeError, match="axis"):
        getattr(ng, name)(x, 0, axis=1)


def test_bad_dims_raise_as_torch():
    x = ng.zeros(2, 3)
    for fn in (ng.all, ng.any, ng.count_nonzero, ng.nansum):
        with pytest.raises(IndexError):
            fn(x, 2)
        with pytest.raises(RuntimeError, match="multiple times"):
            fn(x, (0, 0))
    with pytest.raises(TypeError, match="Tensor"):
        ng.all([1, 2])
