"""numbagrad.autograd.grad and numbagrad.autograd.backward."""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad
from numbagrad import autograd


def _leaf(values):
    return numbagrad.tensor(values, dtype=numbagrad.float64, requires_grad=True)


def test_grad_returns_gradients_without_touching_dot_grad():
    x = _leaf([1.0, 2.0])
    g, = autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None
    assert g.dtype is numbagrad.float64 and not g.requires_grad


def test_grad_several_inputs_and_outputs():
    x, y = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    gx, gy = autograd.grad([(x * y).sum(), (x * x).sum()], [x, y])
    np.testing.assert_allclose(gx.numpy(), [3.0 + 2.0, 4.0 + 4.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 2.0])


def test_grad_with_grad_outputs():
    x = _leaf([1.0, 2.0])
    g, = autograd.grad(x * x, x, grad_outputs=numbagrad.tensor([1.0, 10.0],
                                                               dtype=numbagrad.float64))
    np.testing.assert_allclose(g.numpy(), [2.0, 40.0])


def test_grad_non_scalar_without_grad_outputs_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        autograd.grad(x * x, x)


def test_grad_non_leaf_input():
    x = _leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    gy, = autograd.grad(z, y)
    np.testing.assert_allclose(gy.numpy(), [6.0, 12.0])
    assert x.grad is None and y.grad is None


def test_grad_unused_input_raises_unless_allowed():
    x, unused = _leaf([1.0]), _leaf([2.0])
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not "
                                           "have been used in the graph"):
        autograd.grad(out, [x, unused], retain_graph=True)
    gx, gu = autograd.grad(out, [x, unused], retain_graph=True, allow_unused=True)
    assert gx.item() == 2.0 and gu is None
    gx, gu = autograd.grad(out, [x, unused], materialize_grads=True)
    assert gu.shape == unused.shape and gu.item() == 0.0


def test_grad_materialize_with_allow_unused_false_raises():
    x = _leaf([1.0])
    with pytest.raises(ValueError, match="Expected allow_unused to be True"):
        autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


def test_grad_input_not_requiring_grad_raises():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError,
                       match="One of the differentiated Tensors does not require grad"):
        autograd.grad((x * 2).sum(), [x, numbagrad.ones(1)])


def test_grad_frees_graph_unless_retained():
    x = _leaf([1.0])
    out = (x * x).sum()
    autograd.grad(out, x, retain_graph=True)
    autograd.grad(out, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        autograd.grad(out, x)


def test_grad_only_runs_the_part_of_the_graph_it_needs():
    # The branch to y is never run: its freed saved values do not matter.
    x, y = _leaf([1.0]), _leaf([2.0])
    side = y.exp()
    side.sum().backward()
    out = (x * 2).sum() + side.sum()
    gx, = autograd.grad(out, x)
    assert gx.item() == 2.0


def test_grad_fills_retained_grads_on_the_path():
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    autograd.grad((y * y).sum(), x)
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])


def test_create_graph_is_not_supported():
    x = _leaf([1.0])
    with pytest.raises(NotImplementedError, match="create_graph"):
        autograd.grad((x * x).sum(), x, create_graph=True)


def test_autograd_backward_function():
    x = _leaf([1.0, 2.0])
    autograd.backward([(x * x).sum(), x * 3], [None, numbagrad.ones(2, dtype=numbagrad.float64)])
    np.testing.assert_allclose(x.grad.numpy(), [2.0 + 3.0, 4.0 + 3.0])


def test_autograd_backward_inputs():
    x, w = _leaf([1.0]), _leaf([5.0])
    autograd.backward((x * w).sum(), inputs=x)
    assert x.grad.item() == 5.0 and w.grad is None


def test_grad_count_mismatch_raises():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="got 2 gradients for 1 outputs"):
        autograd.grad((x * 2).sum(), x, grad_outputs=[None, None])
