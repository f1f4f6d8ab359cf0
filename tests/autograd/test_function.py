"""numbagrad.autograd.Function: ctx, saved tensors, multiple outputs, checks on backward."""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad
from numbagrad.autograd import Function, gradcheck


def _leaf(values):
    return numbagrad.tensor(values, dtype=numbagrad.float64, requires_grad=True)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 3 * x * x * grad


class ScaledMul(Function):
    """``alpha * a * b`` with a non-tensor argument."""

    @staticmethod
    def forward(ctx, a, alpha, b):
        ctx.save_for_backward(a, b)
        ctx.alpha = alpha
        ctx.seen_needs = ctx.needs_input_grad
        return a * b * alpha

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b * ctx.alpha if ctx.needs_input_grad[0] else None
        gb = grad * a * ctx.alpha if ctx.needs_input_grad[2] else None
        return ga, None, gb


class SplitSigns(Function):
    """Two outputs: relu(x) and relu(-x)."""

    @staticmethod
    def forward(ctx, x):
        pos, neg = x.relu(), (-x).relu()
        ctx.save_for_backward(x)
        return pos, neg

    @staticmethod
    def backward(ctx, g_pos, g_neg):
        x, = ctx.saved_tensors
        return numbagrad.where(x > 0, g_pos, -g_neg)


def test_apply_forward_and_backward():
    x = _leaf([1.0, -2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    assert "grad_fn=<CubeBackward>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_function_gradchecks():
    x = _leaf([0.3, -1.2, 2.0])
    assert gradcheck(Cube.apply, (x,))
    b = _leaf([1.5, 0.5, -0.7])
    assert gradcheck(lambda a, b: ScaledMul.apply(a, 2.5, b), (x, b))


def test_forward_runs_under_no_grad():
    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mode = numbagrad.is_grad_enabled()
            inner = x * 2
            ctx.inner_requires_grad = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    y = Probe.apply(_leaf([1.0]))
    assert y.grad_fn.mode is False and y.grad_fn.inner_requires_grad is False


def test_non_tensor_arguments_and_needs_input_grad():
    a, b = _leaf([2.0]), numbagrad.tensor([3.0], dtype=numbagrad.float64)
    y = ScaledMul.apply(a, 10.0, b)
    assert y.grad_fn.seen_needs == (True, False, False)
    y.sum().backward()
    assert a.grad.item() == 30.0 and b.grad is None


def test_no_graph_without_inputs_requiring_grad():
    y = Cube.apply(numbagrad.tensor([2.0]))
    assert not y.requires_grad and y.grad_fn is None
    with numbagrad.no_grad():
        y = Cube.apply(_leaf([2.0]))
    assert not y.requires_grad


def test_multiple_outputs_share_one_node():
    x = _leaf([1.0, -2.0, 3.0])
    pos, neg = SplitSigns.apply(x)
    assert pos.grad_fn is neg.grad_fn
    (pos * 2 + neg * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -5.0, 2.0])


def test_unused_output_gets_zero_gradient_by_default():
    x = _leaf([1.0, -2.0])
    pos, _ = SplitSigns.apply(x)
    pos.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0])


def test_set_materialize_grads_false_passes_none():
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return g1 if g2 is None else g1 + 2 * g2

    x = _leaf([1.0])
    a, _ = Two.apply(x)
    a.sum().backward()
    assert seen == [(False, True)] and x.grad.item() == 1.0


def test_mark_non_differentiable():
    class DoubleWithMask(Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).double()
            ctx.mark_non_differentiable(mask)
            return x * 2, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            assert float(g_mask.sum()) == 0.0
            return g * 2

    x = _leaf([1.0, -1.0])
    y, mask = DoubleWithMask.apply(x)
    assert y.requires_grad and not mask.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_saved_tensor_modified_in_place_raises():
    x = _leaf([1.0, 2.0])
    h = x * 1
    y = Cube.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        y.sum().backward()
    assert "is at version 1; expected version 0" in str(info.value)
    assert "CubeBackward" in str(info.value)


def test_saved_tensors_freed_after_backward():
    x = _leaf([1.0])
    y = Cube.apply(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert x.grad.item() == 6.0
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_save_for_backward_rejects_non_tensors():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    with pytest.raises(TypeError, match="save_for_backward can only save variables, but "
                                        "argument 1 is of type int"):
        Bad.apply(_leaf([1.0]))


def _with_backward(fn):
    class Custom(Function):
        @staticmethod
        def forward(ctx, x, n):
            return x * n

        backward = staticmethod(fn)

    return Custom


def test_wrong_number_of_gradients_raises():
    f = _with_backward(lambda ctx, g: g)
    with pytest.raises(RuntimeError, match=r"function CustomBackward returned an incorrect number "
                                           r"of gradients \(expected 2, got 1\)"):
        f.apply(_leaf([1.0, 2.0]), 2).sum().backward()


def test_extra_none_gradients_are_allowed():
    f = _with_backward(lambda ctx, g: (g, None, None))
    x = _leaf([1.0, 2.0])
    f.apply(x, 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_gradient_for_non_tensor_input_raises():
    f = _with_backward(lambda ctx, g: (g, g))
    with pytest.raises(RuntimeError, match="returned a gradient different than None at position 2"):
        f.apply(_leaf([1.0, 2.0]), 2).sum().backward()


def test_wrong_gradient_shape_raises():
    f = _with_backward(lambda ctx, g: (numbagrad.ones(3, dtype=numbagrad.float64), None))
    with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got \[3\] "
                                           r"but expected shape compatible with \[2\]"):
        f.apply(_leaf([1.0, 2.0]), 2).sum().backward()


def test_broadcast_gradient_is_summed_to_input_shape():
    f = _with_backward(lambda ctx, g: (numbagrad.ones((2, 2), dtype=numbagrad.float64), None))
    x = _leaf([1.0, 2.0])
    f.apply(x, 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_none_gradient_leaves_grad_unset():
    f = _with_backward(lambda ctx, g: (None, None))
    x = _leaf([1.0])
    f.apply(x, 2).sum().backward()
    assert x.grad is None


def test_gradient_cast_to_input_dtype():
    f = _with_backward(lambda ctx, g: (g.float(), None))
    x = _leaf([1.0])
    f.apply(x, 2).sum().backward()
    assert x.grad.dtype is numbagrad.float64


def test_returning_an_input_unchanged():
    class Pass(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = _leaf([1.0])
    y = Pass.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn.name() == "PassBackward"
    y.sum().backward()
    assert x.grad.item() == 5.0


def test_setup_context_style():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = _leaf([3.0])
    Square.apply(x).sum().backward()
    assert x.grad.item() == 6.0


def test_function_is_not_instantiated():
    with pytest.raises(RuntimeError, match="apply"):
        Cube()


def test_missing_backward_raises():
    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp"):
        NoBackward.apply(_leaf([1.0])).sum().backward()


def test_function_in_a_larger_graph_with_retain_grad():
    x = _leaf([1.0, 2.0])
    h = x * 2
    y = Cube.apply(h)
    y.retain_grad()
    (y * 3).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), 3 * 3 * np.array([2.0, 4.0]) ** 2 * 2)
