"""The graph engine: accumulation, leaves, retained graphs, deep chains, in-place checks."""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import numbagrad
from numbagrad.autograd import Function


def _leaf(values, dtype=numbagrad.float64):
    return numbagrad.tensor(values, dtype=dtype, requires_grad=True)


def test_grad_accumulates_across_backward_calls():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])


def test_grad_accumulates_in_place_into_the_same_tensor():
    x = _leaf([1.0])
    (x * 2).sum().backward()
    first = x.grad
    (x * 2).sum().backward()
    assert x.grad is first
    assert first.item() == 4.0


def test_leaf_and_non_leaf_grads():
    x = _leaf([1.0, 2.0])
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert x.grad_fn is None and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert y.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_retain_grad_keeps_non_leaf_grad():
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 16.0])


def test_retain_grad_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError,
                       match="can't retain_grad on Tensor that has requires_grad=False"):
        numbagrad.ones(2).retain_grad()


def test_retain_graph_allows_second_backward():
    x = _leaf([3.0])
    y = (x * x).exp()
    y.sum().backward(retain_graph=True)
    first = x.grad.item()
    y.sum().backward()
    assert x.grad.item() == pytest.approx(2 * first)


def test_second_backward_without_retain_graph_raises():
    x = _leaf([3.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def _chain_backprops(n: int, step) -> numbagrad.Tensor:
    x = _leaf([1.0])
    # The graph is a linked list of n nodes: Python's cyclic GC would rescan it on every
    # allocation (quadratic time) while it grows, and it holds no cycles to find.
    gc.disable()
    try:
        y = x
        for _ in range(n):
            y = step(y)
        y.backward()
    finally:
        gc.enable()
    return x


class _Scale(Function):
    """The identity with a trivial backward: the cheapest node, for a very deep graph."""

    @staticmethod
    def forward(ctx, x):
        return x.detach()

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_chain_of_100000_nodes_backpropagates_without_recursion():
    assert sys.getrecursionlimit() < 100_000
    x = _chain_backprops(100_000, _Scale.apply)
    assert x.grad.item() == 1.0


def test_chain_of_10000_multiplications():
    c = numbagrad.tensor([1.0001], dtype=numbagrad.float64)
    x = _chain_backprops(10_000, lambda y: y * c)
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-9)


def test_fan_out_sums_gradients():
    x = _leaf([2.0])
    a, b, c = x * 3, x * x, x.exp()
    (a + b + c).sum().backward()
    assert x.grad.item() == pytest.approx(3 + 4 + np.exp(2.0))


def test_diamond_graph_runs_shared_node_once_with_total_gradient():
    x = _leaf([0.5, -1.0])
    s = x.sigmoid()
    s.retain_grad()
    out = (s * 2 + s * s).sum()
    out.backward()
    sv = 1 / (1 + np.exp(-np.array([0.5, -1.0])))
    np.testing.assert_allclose(s.grad.numpy(), 2 + 2 * sv)
    np.testing.assert_allclose(x.grad.numpy(), (2 + 2 * sv) * sv * (1 - sv))


def test_same_tensor_used_twice_in_one_op():
    x = _leaf([3.0])
    (x * x).sum().backward()
    assert x.grad.item() == 6.0


def test_in_place_change_of_saved_tensor_raises_at_backward():
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = (y * y).sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        z.backward()
    assert "is at version 1; expected version 0 instead" in str(info.value)


def test_in_place_change_of_an_operand_only_a_constant_needed_is_allowed():
    """As torch: ``y * c`` with a constant ``c`` saves ``c`` alone, so changing ``y`` later is
    fine; ``y @ W`` likewise keeps only ``W``. With both operands requiring grad it raises."""
    x = _leaf([1.0, 2.0])
    y = x * 1
    h = y * 0.5
    k = y.reshape(1, 2) @ numbagrad.ones(2, 3, dtype=y.dtype)
    y.add_(1)
    (h.sum() + k.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.5, 3.5])
    a, b = x * 1, x * 2
    z = (a * b).sum()
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_in_place_on_leaf_requiring_grad_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation"):
        x.mul_(2)


def test_in_place_on_leaf_under_no_grad_is_allowed():
    x = _leaf([1.0, 2.0])
    with numbagrad.no_grad():
        x.mul_(2)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 4.0])
    assert x.is_leaf and x.requires_grad


def test_in_place_on_non_leaf_gives_right_gradient():
    x = _leaf([1.0, 2.0])
    y = x + 1  # add saves nothing, so modifying its output in place is allowed
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    (y * x).sum().backward()
    # y = 3 (x + 1), so d/dx sum(y x) = 3 x + 3 (x + 1)
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 2.0]) + 3 * np.array([2.0, 3.0]))


def test_in_place_into_tensor_without_grad_records_the_operand():
    x = _leaf([1.0, 2.0])
    buf = numbagrad.zeros(2, dtype=numbagrad.float64)
    buf.add_(x * x)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_backward_on_non_scalar_without_gradient_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError,
                       match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_on_non_scalar_with_gradient():
    x = _leaf([1.0, 2.0])
    (x * x).backward(numbagrad.tensor([1.0, 10.0], dtype=numbagrad.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0])


def test_backward_gradient_shape_mismatch_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(numbagrad.ones(3, dtype=numbagrad.float64))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        numbagrad.ones(1).backward()


def test_backward_inputs_accumulates_only_into_inputs():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


def test_backward_inputs_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])
    assert x.grad is None


def test_backward_inputs_empty_raises():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_detach_cuts_the_graph_and_shares_data():
    x = _leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    ((x * d).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0])
    with numbagrad.no_grad():
        x.add_(1)
    np.testing.assert_allclose(d.numpy(), [2.0, 3.0])


def test_grad_fn_next_functions_reach_accumulate_grad():
    x = _leaf([1.0])
    y = x * 2
    (node, nr), _ = y.grad_fn.next_functions
    assert node.name() == "torch::autograd::AccumulateGrad" and node.variable is x and nr == 0


def test_integer_leaf_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        numbagrad.tensor([1, 2], requires_grad=True)


# ---------------------------------------------------------------- first gradients taken over


def test_one_array_sent_to_two_leaves_is_not_shared():
    # add's vjp sends the same array to both inputs: at most one leaf may keep it.
    a, b = numbagrad.randn(3, requires_grad=True), numbagrad.randn(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.add_(1.0)
    np.testing.assert_array_equal(b.grad.numpy(), np.ones(3, np.float32))


def test_views_of_one_gradient_sent_to_two_leaves_are_not_shared():
    v, q = numbagrad.randn(6, requires_grad=True), numbagrad.randn(6, requires_grad=True)
    (v.reshape(2, 3) + q.reshape(2, 3)).sum().backward()
    assert not np.shares_memory(v.grad._data, q.grad._data)


def test_a_leafs_grad_does_not_alias_the_gradient_passed_to_backward():
    x, g = numbagrad.randn(3, requires_grad=True), numbagrad.ones(3)
    x.backward(g)
    x.grad.mul_(5.0)
    np.testing.assert_array_equal(g.numpy(), np.ones(3, np.float32))


def test_retained_grad_and_leaf_grad_are_separate_arrays():
    x = numbagrad.randn(3, requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    (y + 0.0).sum().backward()
    assert not np.shares_memory(x.grad._data, y.grad._data)


def test_a_fresh_gradient_array_becomes_grad_without_a_copy(monkeypatch):
    # Nothing else holds the weight's gradient (a fresh product): .grad takes it over, as
    # torch steals a gradient buffer whose use count is one.
    from numbagrad.backends import cpu

    layer = numbagrad.nn.Linear(3, 2)

    def step():
        numbagrad.nn.functional.mse_loss(layer(numbagrad.randn(5, 3)),
                                         numbagrad.randn(5, 2)).backward()

    step()  # compiles: a first call that compiles may hold its arguments a while longer
    layer.zero_grad()
    copies = []
    original = cpu.copy
    monkeypatch.setattr(cpu, "copy", lambda x: copies.append(x) or original(x))
    step()
    assert copies == []
    assert layer.weight.grad._data.flags.c_contiguous
