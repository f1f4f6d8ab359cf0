"""Hand-written tests of matmul, mm and bmm: errors, integers, layouts and torch parity."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends.cpu import linalg as cpu_linalg


def _t(shape, dtype=np.float64, seed=0):
    return ng.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn, a, b, words", [
    (ng.mm, (3, 4), (5, 2), "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)"),
    (ng.matmul, (3, 4), (5, 2), "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)"),
    (ng.matmul, (4,), (5, 2), "mat1 and mat2 shapes cannot be multiplied (1x4 and 5x2)"),
    (ng.matmul, (2, 3, 4), (5, 6), "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)"),
    (ng.matmul, (3,), (4,), "expected tensor [3] and src [4] to have the same number"),
    (ng.matmul, (3, 4), (5,), "size mismatch, got input (3), mat (3x4), vec (5)"),
    (ng.matmul, (), (3,), "need to be at least 1D, but they are 0D and 1D"),
    (ng.matmul, (2, 3, 4), (3, 4, 2), "size of tensor a (2) must match the size of tensor b (3) "
                                      "at non-singleton dimension 0"),
    (ng.matmul, (2, 3, 4), (2, 5, 2), "Expected size for first two dimensions of batch2 tensor "
                                      "to be: [2, 4] but got: [2, 5]."),
    (ng.mm, (3,), (3, 3), "self must be a matrix"),
    (ng.mm, (3, 3), (3,), "mat2 must be a matrix"),
    (ng.bmm, (3, 3), (3, 3, 3), "batch1 must be a 3D tensor"),
    (ng.bmm, (3, 3, 3), (3, 3), "batch2 must be a 3D tensor"),
    (ng.bmm, (2, 3, 4), (3, 4, 3), "Expected size for first two dimensions of batch2 tensor "
                                   "to be: [2, 4] but got: [3, 4]."),
])
def test_shape_errors_are_runtime_errors_naming_the_shapes(fn, a, b, words):
    with pytest.raises(RuntimeError) as err:
        fn(_t(a), _t(b))
    assert words in str(err.value)
    assert str(err.value).startswith(fn.__name__)


def test_dtype_mismatch_is_torchs_runtime_error():
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                                           "float != double"):
        ng.matmul(_t((2, 3), np.float32), _t((3, 4), np.float64))
    with pytest.raises(RuntimeError, match="but got: long int != float"):
        ng.mm(ng.ones(2, 3, dtype=ng.int64), ng.ones(3, 4))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        ng.bmm(_t((2, 2, 3), np.float32), _t((2, 3, 4), np.float64))


def test_bool_operands_are_not_implemented():
    with pytest.raises(NotImplementedError, match="Bool"):
        ng.matmul(ng.ones(2, 2, dtype=ng.bool), ng.ones(2, 2, dtype=ng.bool))


@pytest.mark.parametrize("fn, name", [(ng.matmul, "other"), (ng.mm, "mat2"), (ng.bmm, "mat2")])
def test_non_tensor_operand_is_a_type_error(fn, name):
    with pytest.raises(TypeError, match=f"argument '{name}' \\(position 2\\) must be Tensor, not int"):
        fn(_t((2, 2)), 5)


def test_errors_are_raised_before_any_kernel(monkeypatch):
    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel ran")

    monkeypatch.setattr("numbagrad.backends.cpu.matmul", no_kernel)
    for a, b in [((3, 4), (5, 2)), ((2, 3, 4), (3, 4, 2)), ((3,), (4,))]:
        with pytest.raises(RuntimeError):
            ng.matmul(_t(a), _t(b))
    with pytest.raises(RuntimeError):
        ng.matmul(_t((2, 3), np.float32), _t((3, 4)))


PAIRS = [((3, 4), (5, 2)), ((4,), (5, 2)), ((2, 3, 4), (5, 6)), ((3,), (4,)), ((3, 4), (5,)),
         ((2, 3, 4), (5,)), ((5,), (2, 3, 4)), ((2, 3), (4, 5, 6)), ((2, 3, 4), (3, 4, 2)),
         ((2, 3, 4), (2, 5, 2)), ((1, 2, 3, 4), (5, 4, 2)), ((2, 2, 3, 4), (3, 4, 2)), ((), (3,)),
         ((3,), ())]


@pytest.mark.parametrize("a, b", PAIRS, ids=str)
def test_error_messages_contain_torchs(a, b):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as expected:
        torch.matmul(torch.zeros(a), torch.zeros(b))
    with pytest.raises(RuntimeError) as got:
        ng.matmul(ng.zeros(a), ng.zeros(b))
    assert str(expected.value) in str(got.value)


# ---------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", [ng.int64, ng.int32], ids=str)
@pytest.mark.parametrize("a, b", [((3, 4), (4, 2)), ((4,), (4,)), ((2, 3, 4), (4,)),
                                  ((2, 1, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4))], ids=str)
def test_integer_matmul_is_exact_and_keeps_its_dtype(a, b, dtype):
    rng = np.random.default_rng(1)
    x = rng.integers(-50, 50, a).astype(dtype.np_type)
    y = rng.integers(-50, 50, b).astype(dtype.np_type)
    out = ng.matmul(ng.from_numpy(x), ng.from_numpy(y))
    assert out.dtype is dtype
    np.testing.assert_array_equal(np.asarray(out), np.matmul(x, y))


def test_integer_matmul_of_transposed_views():
    x = np.arange(12, dtype=np.int64).reshape(4, 3)
    out = ng.mm(ng.from_numpy(x.T), ng.from_numpy(x))
    np.testing.assert_array_equal(np.asarray(out), x.T @ x)


def test_integer_matmul_wraps_on_overflow_like_torch():
    torch = pytest.importorskip("torch")
    big = np.full((1, 2), 2**62, np.int64)
    got = np.asarray(ng.mm(ng.from_numpy(big), ng.from_numpy(np.full((2, 1), 4, np.int64))))
    expected = torch.mm(torch.from_numpy(big), torch.full((2, 1), 4)).numpy()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("a, b", [((0, 3), (3, 4)), ((2, 0), (0, 4)), ((0,), (0,)),
                                  ((2, 0, 3), (3, 4)), ((3, 2, 0), (3, 0, 5))], ids=str)
def test_empty_operands(a, b):
    out = ng.matmul(ng.ones(a), ng.ones(b))
    np.testing.assert_array_equal(np.asarray(out), np.matmul(np.ones(a), np.ones(b)))


def test_grad_fn_names_follow_torch():
    a = _t((2, 3)).requires_grad_()
    assert ng.mm(a, _t((3, 4))).grad_fn.name() == "MmBackward0"
    assert (a @ _t((3, 4))).grad_fn.name() == "MmBackward0"
    assert ng.bmm(_t((2, 2, 3)).requires_grad_(), _t((2, 3, 4))).grad_fn.name() == "BmmBackward0"
    assert ng.bmm(_t((2, 2, 3)), _t((2, 3, 4))).grad_fn is None


def test_only_the_inputs_that_require_grad_get_one():
    a, b = _t((2, 3)).requires_grad_(), _t((3, 4))
    (a @ b).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad is None


def test_batch_broadcast_gradient_is_summed_to_each_operand():
    a, b = _t((4, 1, 2, 3)).requires_grad_(), _t((5, 3, 2), seed=1).requires_grad_()
    (a @ b).sum().backward()
    x, y = np.asarray(a.detach()), np.asarray(b.detach())
    np.testing.assert_allclose(np.asarray(a.grad),
                               np.broadcast_to(np.ones((5, 2, 2)) @ y.swapaxes(-1, -2),
                                               (4, 5, 2, 3)).sum(1, keepdims=True))
    np.testing.assert_allclose(np.asarray(b.grad),
                               (x.swapaxes(-1, -2) @ np.ones((4, 5, 2, 2))).sum(0))


# ---------------------------------------------------------------------------- layouts


class _Recorder:
    """Wraps a kernel and keeps the arrays it was called with."""

    def __init__(self, kernel):
        self.kernel, self.calls = kernel, []

    def __call__(self, *args):
        self.calls.append(args)
        return self.kernel(*args)


def test_transposed_operands_reach_blas_without_a_copy(monkeypatch):
    gemm = _Recorder(cpu_linalg._gemm_kernel)
    monkeypatch.setattr(cpu_linalg, "_gemm_kernel", gemm)
    x = np.random.default_rng(0).standard_normal((4, 3))
    w = np.random.default_rng(1).standard_normal((5, 3))
    a = ng.from_numpy(x).requires_grad_()
    b = ng.from_numpy(w.T).requires_grad_()  # an F-contiguous (3, 5) view, like w.t()
    out = a @ b
    assert np.shares_memory(gemm.calls[0][1], w)
    gemm.calls.clear()
    out.backward(ng.ones(4, 5))
    # grad_a = g @ b^T reads w itself; grad_b = a^T @ g reads x through a transposed view.
    assert any(np.shares_memory(call[1], w) for call in gemm.calls)
    assert any(np.shares_memory(call[0], x) for call in gemm.calls)
    np.testing.assert_allclose(np.asarray(a.grad), np.ones((4, 5)) @ w)
    np.testing.assert_allclose(np.asarray(b.grad), x.T @ np.ones((4, 5)))


def test_batched_transposed_operands_are_not_copied(monkeypatch):
    bmm = _Recorder(cpu_linalg._gemm_batched_kernel)
    monkeypatch.setattr(cpu_linalg, "_gemm_batched_kernel", bmm)
    stored = np.random.default_rng(0).standard_normal((3, 4, 2))
    a = ng.from_numpy(stored.swapaxes(-1, -2))  # (3, 2, 4), each matrix F-contiguous
    b = _t((3, 4, 5))
    out = ng.bmm(a, b)
    (a3, ta, _, tb, _, _, _), = bmm.calls
    assert ta and not tb and np.shares_memory(a3, stored)
    np.testing.assert_allclose(np.asarray(out), stored.swapaxes(-1, -2) @ np.asarray(b))


def test_one_gemm_when_a_batch_meets_a_single_matrix(monkeypatch):
    gemm = _Recorder(cpu_linalg._gemm_kernel)
    monkeypatch.setattr(cpu_linalg, "_gemm_kernel", gemm)
    a, w = _t((6, 5, 4)).requires_grad_(), _t((4, 3), seed=1).requires_grad_()
    (a @ w).sum().backward()
    assert len(gemm.calls) == 3  # forward, grad_a, grad_b: each one folded GEMM
    assert gemm.calls[0][0].shape == (30, 4)


# ---------------------------------------------------------------------------- torch parity

SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
          ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)),
          ((5, 2, 3), (5, 3, 4)), ((4, 1, 2, 3), (1, 6, 3, 2)), ((1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("a_shape, b_shape", SHAPES, ids=str)
def test_matmul_and_its_gradients_match_torch(a_shape, b_shape, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(a_shape).astype(dtype), rng.standard_normal(b_shape).astype(dtype)
    a, b = ng.from_numpy(x).requires_grad_(), ng.from_numpy(y).requires_grad_()
    ta, tb = torch.from_numpy(x).requires_grad_(), torch.from_numpy(y).requires_grad_()
    out, expected = ng.matmul(a, b), torch.matmul(ta, tb)
    g = rng.standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(ng.from_numpy(g))
    expected.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(out.detach()), expected.detach().numpy(), **tol)
    np.testing.assert_allclose(np.asarray(a.grad), ta.grad.numpy(), **tol)
    np.testing.assert_allclose(np.asarray(b.grad), tb.grad.numpy(), **tol)


def test_linear_layer_sized_product_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    w = rng.standard_normal((512, 784)).astype(np.float32)
    out = ng.from_numpy(x) @ ng.from_numpy(w.T)
    expected = torch.from_numpy(x) @ torch.from_numpy(w).t()
    np.testing.assert_allclose(np.asarray(out), expected.numpy(), rtol=1e-4, atol=1e-3)


def test_a_t_view_of_a_weight_is_not_copied(monkeypatch):
    gemm = _Recorder(cpu_linalg._gemm_kernel)
    monkeypatch.setattr(cpu_linalg, "_gemm_kernel", gemm)
    w = _t((5, 3)).requires_grad_()
    x = _t((4, 3), seed=1).requires_grad_()
    (x @ w.t()).sum().backward()
    stored = w.detach().numpy()
    assert np.shares_memory(gemm.calls[0][1], stored)  # forward: x @ w.t()
    assert any(np.shares_memory(c[1], stored) for c in gemm.calls[1:])  # grad of x: g @ w


@pytest.mark.parametrize("a_shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("transposed_weight", [False, True])
def test_backend_bias_epilogue_adds_the_bias_to_every_row(a_shape, transposed_weight):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(np.float32)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    w = rng.standard_normal((3, 4) if transposed_weight else (4, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    got = cpu_linalg.matmul(a2, w, transpose_b=transposed_weight, bias=bias)
    expected = cpu_linalg.matmul(a2, w, transpose_b=transposed_weight) + bias
    np.testing.assert_array_equal(got, expected)


def test_linear_is_one_node_with_or_without_bias():
    x = ng.randn(4, 3, requires_grad=True)
    w = ng.randn(2, 3, requires_grad=True)
    # Named as torch's outermost node (mm / addmm of the transposed weight).
    assert ng.nn.functional.linear(x, w).grad_fn.name() == "MmBackward0"
    y = ng.nn.functional.linear(x, w, ng.randn(2, requires_grad=True))
    assert y.grad_fn.name() == "AddmmBackward0" and y.grad_fn.op.name == "linear"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
