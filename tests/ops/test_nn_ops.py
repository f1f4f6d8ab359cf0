"""Hand-written tests of softmax and log_softmax: arguments, stability, torch parity."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends.cpu import nn as cpu_nn

FUNCTIONS = [ng.softmax, ng.log_softmax]


# ---------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_dim_is_required(fn):
    with pytest.raises(TypeError, match="dim"):
        fn(ng.ones(2, 3))
    with pytest.raises(TypeError, match="argument 'dim' \\(position 2\\) must be int, not NoneType"):
        fn(ng.ones(2, 3), None)
    with pytest.raises(TypeError, match="must be int, not tuple"):
        fn(ng.ones(2, 3), (1,))


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_dim_out_of_range_is_an_index_error(fn):
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2"):
        fn(ng.ones(2, 3), 2)
    with pytest.raises(IndexError, match=r"but got -3"):
        fn(ng.ones(2, 3), -3)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_integer_input_needs_a_floating_dtype_as_in_torch(fn):
    x = ng.tensor([[1, 2, 3]])
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        fn(x, 1)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        fn(ng.ones(2, 3), 1, dtype=ng.int64)
    out = fn(x, 1, dtype=ng.float64)
    assert out.dtype is ng.float64
    torch = pytest.importorskip("torch")
    expected = getattr(torch, fn.__name__)(torch.tensor([[1, 2, 3]]), 1, dtype=torch.float64)
    np.testing.assert_allclose(np.asarray(out), expected.numpy(), rtol=1e-12)


def test_dtype_casts_first_and_the_gradient_flows_back_through_the_cast():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ng.softmax(x, 0, dtype=ng.float64)
    assert y.dtype is ng.float64
    assert y.grad_fn.name() == "SoftmaxBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    (y * ng.tensor([1.0, 0.0, 0.0], dtype=ng.float64)).sum().backward()
    assert x.grad.dtype is ng.float32
    s = np.asarray(y.detach())
    np.testing.assert_allclose(np.asarray(x.grad), s[0] * (np.eye(3)[0] - s), rtol=1e-6)


def test_methods_and_grad_fn_names():
    x = ng.ones(2, 3, requires_grad=True)
    assert x.softmax(1).grad_fn.name() == "SoftmaxBackward0"
    assert x.log_softmax(dim=-1).grad_fn.name() == "LogSoftmaxBackward0"


def test_zero_dim_and_empty_inputs():
    assert ng.softmax(ng.tensor(5.0), 0).item() == 1.0
    assert ng.log_softmax(ng.tensor(5.0), -1).item() == 0.0
    assert ng.softmax(ng.ones(0, 3), 1).shape == (0, 3)
    assert ng.log_softmax(ng.ones(3, 0), 1).shape == (3, 0)


# ---------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [ng.float32, ng.float64], ids=str)
def test_large_logits_do_not_overflow(dtype):
    x = ng.tensor([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1001.0]], dtype=dtype)
    p = np.asarray(ng.softmax(x, 1))
    logp = np.asarray(ng.log_softmax(x, 1))
    assert np.isfinite(p).all() and np.isfinite(logp).all()
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(logp[0], [0.0, -2000.0, -1000.0])
    e = np.exp(-1.0)
    np.testing.assert_allclose(p[1], [1 / (2 + e), 1 / (2 + e), e / (2 + e)], rtol=1e-6)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)


def test_large_logits_along_the_first_dimension_and_their_gradient():
    x = ng.tensor([[1000.0, 3.0], [-1000.0, 3.0], [0.0, -1e30]], dtype=ng.float64,
                  requires_grad=True)
    y = ng.log_softmax(x, 0)
    np.testing.assert_allclose(np.asarray(y.detach())[:, 0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(np.asarray(y.detach())[:2, 1], [-np.log(2)] * 2)
    y.sum().backward()
    # d/dx of sum(log_softmax) = 1 - n * softmax(x): here softmax is (1, 0, 0) and (.5, .5, 0).
    np.testing.assert_allclose(np.asarray(x.grad), [[-2.0, -0.5], [1.0, -0.5], [1.0, 1.0]],
                               atol=1e-12)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_infinite_and_nan_rows_match_torch(fn):
    torch = pytest.importorskip("torch")
    inf, nan = float("inf"), float("nan")
    rows = [[-inf, -inf, -inf], [-inf, 1.0, 2.0], [inf, 1.0, 2.0], [nan, 1.0, 2.0],
            [1000.0, -1000.0, -inf]]
    x = ng.tensor(rows, requires_grad=True)
    tx = torch.tensor(rows, requires_grad=True)
    y, ty = fn(x, 1), getattr(torch, fn.__name__)(tx, 1)
    # nan and inf must sit in the same places; finite values agree to float32 rounding.
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    y.backward(ng.from_numpy(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- torch parity


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape, dim", [((7,), 0), ((4, 5), 0), ((4, 5), 1), ((3, 4, 5), 1),
                                        ((3, 4, 5), -1), ((2, 3, 4, 5), 0)], ids=str)
def test_values_and_gradients_match_torch(fn, dtype, shape, dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = (rng.standard_normal(shape) * 5).astype(dtype)
    x = ng.from_numpy(data).requires_grad_()
    tx = torch.from_numpy(data).requires_grad_()
    y, ty = fn(x, dim), getattr(torch, fn.__name__)(tx, dim)
    g = rng.standard_normal(shape).astype(dtype)
    y.backward(ng.from_numpy(g))
    ty.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}
    assert y.dtype.name == str(ty.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), **tol)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_non_contiguous_input_and_gradient(fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    data = rng.standard_normal((6, 5)).astype(np.float32)
    x = ng.from_numpy(data.T).requires_grad_()  # an F-contiguous (5, 6) view
    tx = torch.from_numpy(data).t().requires_grad_()
    g = rng.standard_normal((12, 5)).astype(np.float32)[::2].T  # strided gradient
    y, ty = fn(x, 1), getattr(torch, fn.__name__)(tx, 1)
    y.backward(ng.from_numpy(g))
    ty.backward(torch.from_numpy(np.ascontiguousarray(g)))
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_parallel_path_matches_torch(fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((512, 100)) * 10).astype(np.float32)
    assert data.size >= cpu_nn.PARALLEL_MIN_SIZE
    x = ng.from_numpy(data).requires_grad_()
    tx = torch.from_numpy(data).requires_grad_()
    y, ty = fn(x, 1), getattr(torch, fn.__name__)(tx, 1)
    g = rng.standard_normal(data.shape).astype(np.float32)
    y.backward(ng.from_numpy(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("v", [1e4, 1e8, 1e12, 1e16, 1e30])
def test_large_equal_logits_keep_log_of_the_sum_as_torch(v, dtype):
    """(x - max) - log(sum), not x - (max + log(sum)): at 1e12 the latter gave -0.693115 and at
    1e16 0.0 where torch gives -log(2)."""
    torch = pytest.importorskip("torch")
    data = [[v, v, -v], [-v, v, v]]
    x = ng.tensor(data, dtype=getattr(ng, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    np.testing.assert_allclose(np.asarray(ng.log_softmax(x, 1)), torch.log_softmax(t, 1).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ng.log_softmax(x.T, 0)),
                               torch.log_softmax(t.T, 0).numpy(), rtol=1e-6)  # inner > 1
    target = [0, 2]
    for weight in (None, [1.0, 2.0, 3.0]):
        kwargs = {"label_smoothing": 0.1}
        ours = ng.nn.functional.cross_entropy(
            x, ng.tensor(target), weight=weight and ng.tensor(weight, dtype=x.dtype), **kwargs)
        theirs = torch.nn.functional.cross_entropy(
            t, torch.tensor(target), weight=weight and torch.tensor(weight, dtype=t.dtype),
            **kwargs)
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)
    probs = ng.nn.functional.cross_entropy(x, ng.softmax(x, 1)).item()
    np.testing.assert_allclose(probs, torch.nn.functional.cross_entropy(
        t, torch.softmax(t, 1)).item(), rtol=1e-6)
