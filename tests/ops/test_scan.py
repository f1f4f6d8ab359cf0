"""Hand tests of the scans against torch: dtypes, ties, zeros, in-place forms, out= and errors."""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")


def _both(values, dtype="float64", requires_grad=False):
    a = np.array(values, dtype=dtype)
    return (ng.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_sum_and_prod_dtypes_match_torch(name, dtype):
    x, t = _both([[1, 0, 2], [3, 1, 1]], dtype)
    got, want = getattr(x, name)(1), getattr(t, name)(1)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_cumsum_dtype_argument_converts_first():
    x, t = _both([1.5, 2.5, 3.5])
    got = ng.cumsum(x, 0, dtype=ng.int64)
    want = torch.cumsum(t, 0, dtype=torch.int64)
    assert got.dtype == ng.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_cumprod_gradient_with_zeros_matches_torch():
    x, t = _both([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, -2.0, 0.5, 3.0]], requires_grad=True)
    g = np.arange(1.0, 11.0).reshape(2, 5)
    x.cumprod(1).backward(ng.tensor(g))
    t.cumprod(1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_cumsum_gradient_is_reversed_cumsum():
    x, t = _both([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    g = np.array([[1.0, -1.0], [2.0, 0.5], [3.0, 4.0]])
    x.cumsum(0).backward(ng.tensor(g))
    t.cumsum(0).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values", [[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 1.0, 1.0, 3.0, 1.0],
                                    [1.0, float("nan"), 3.0, float("nan"), 0.0]])
def test_cumextreme_ties_and_nans_match_torch(name, values):
    x, t = _both(values, requires_grad=True)
    got, want = getattr(ng, name)(x, 0), getattr(torch, name)(t, 0)
    assert type(got).__name__ == name
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    np.testing.assert_array_equal(got.values.detach().numpy(), want.values.detach().numpy())
    g = np.arange(1.0, len(values) + 1)
    got.values.backward(ng.tensor(g))
    want.values.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("dtype", ["bool", "int32"])
def test_cummax_keeps_integer_and_bool_types(dtype):
    x, t = _both([[1, 0, 1], [0, 0, 1]], dtype)
    for name in ("cummax", "cummin"):
        got, want = getattr(x, name)(1), getattr(t, name)(1)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        assert got.values.dtype == x.dtype


def test_logcumsumexp_is_stable_and_matches_torch():
    x, t = _both([[1000.0, 1000.0, -1000.0], [-float("inf"), 0.0, 1.0]], requires_grad=True)
    got, want = x.logcumsumexp(1), t.logcumsumexp(1)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy())
    g = np.array([[1.0, 2.0, 3.0], [1.0, -1.0, 0.5]])
    got.backward(ng.tensor(g))
    want.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_zero_dim_tensor_scans_its_element():
    x = ng.tensor(3.0)
    assert x.cumsum(0).item() == 3.0 and x.cumprod(-1).item() == 3.0
    assert x.cummax(0).indices.item() == 0


def test_inplace_forms_match_torch():
    x, t = _both([[1, 2, 3], [4, 5, 6]], "int32")
    assert x.cumsum_(1) is x
    t.cumsum_(1)
    assert x.dtype == ng.int32
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    y, u = _both([1.0, 2.0, 3.0])
    y.cumprod_(0)
    u.cumprod_(0)
    np.testing.assert_array_equal(y.numpy(), u.numpy())


def test_out_arguments():
    x = ng.tensor([1.0, 2.0, 3.0])
    out = ng.empty(3)
    assert ng.cumsum(x, 0, out=out) is out
    np.testing.assert_array_equal(out.numpy(), [1.0, 3.0, 6.0])
    values, indices = ng.empty(3), ng.empty(3, dtype=ng.int64)
    result = ng.cummin(ng.tensor([2.0, 1.0, 3.0]), 0, out=(values, indices))
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(indices.numpy(), [0, 1, 1])


def test_errors_match_torch_classes():
    x = ng.ones(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.cumsum(2)
    with pytest.raises(TypeError):
        ng.cumsum(x)
    with pytest.raises(TypeError, match="dim"):
        ng.cumprod(x, 1.0)
    with pytest.raises(NotImplementedError, match="Long"):
        ng.logcumsumexp(ng.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match="Tensor"):
        ng.cummax([1.0, 2.0], 0)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_axis_alias_and_transposed_input_match_torch(name):
    a = np.arange(1.0, 7.0).reshape(2, 3) / 4
    got = getattr(ng, name)(ng.tensor(a).t(), axis=1)
    want = getattr(torch, name)(torch.tensor(a).t(), axis=1)
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_inplace_dtype_must_match_and_missing_dim():
    with pytest.raises(RuntimeError, match="Bad in-place call"):
        ng.ones(2, dtype=ng.int32).cumsum_(0, dtype=ng.int64)
    with pytest.raises(TypeError, match='missing 1 required positional arguments: "dim"'):
        ng.ones(2).cumprod()


def test_inplace_cumsum_records_gradient_like_torch():
    x, t = _both([1.0, 2.0, 3.0], requires_grad=True)
    y, u = x * 2, t * 2
    y.cumsum_(0)
    u.cumsum_(0)
    (y * y).sum().backward()
    (u * u).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
