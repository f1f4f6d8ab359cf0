"""numbagrad.autograd.gradcheck: passes correct gradients, catches wrong ones, torch's errors."""
from __future__ import annotations

import warnings

import pytest

import numbagrad
from numbagrad.autograd import Function, gradcheck
from numbagrad.autograd.gradcheck import GradcheckError


def _leaf(values, dtype=numbagrad.float64):
    return numbagrad.tensor(values, dtype=dtype, requires_grad=True)


class WrongSquare(Function):
    """x**2 with a backward off by a factor 1.5 (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 3 * x * grad


@pytest.mark.parametrize("fast_mode", [False, True])
def test_correct_gradients_pass(fast_mode):
    x = _leaf([[0.3, -1.2], [2.0, 0.7]])
    y = _leaf([1.5, -0.4])
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (b * b + 1), (x, y),
                     fast_mode=fast_mode)


def test_several_outputs():
    x, y = _leaf([0.3, -1.2]), _leaf([0.5, 2.0])
    assert gradcheck(lambda a, b: (a * b, a.sigmoid(), (b * b).sum()), (x, y))


def test_wrong_backward_is_caught_with_the_worst_entry():
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, (x,))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\n")
    assert "numerical:" in message and "analytical:" in message
    # The worst entry is the last diagonal one: 9 (analytical) against 6 (numerical).
    assert "output 0 element (2,) with respect to input 0 element (2,)" in message
    assert "analytical 9.0" in message and "numerical 6.0" in message
    assert isinstance(info.value, RuntimeError)


def test_wrong_backward_names_the_right_input():
    x, y = _leaf([0.5]), _leaf([1.5])
    with pytest.raises(GradcheckError, match="output 0 with respect to input 1"):
        gradcheck(lambda a, b: a * 2 + WrongSquare.apply(b), (x, y))


def test_wrong_backward_caught_in_fast_mode():
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(WrongSquare.apply, (_leaf([1.0, 2.0]),), fast_mode=True)


def test_raise_exception_false_returns_false():
    assert gradcheck(WrongSquare.apply, (_leaf([1.0]),), raise_exception=False) is False


def test_inputs_without_grad_are_held_fixed():
    x = _leaf([0.5, 1.0])
    c = numbagrad.tensor([2.0, 3.0], dtype=numbagrad.float64)
    assert gradcheck(lambda a, b: a * b, (x, c))


def test_single_tensor_input():
    assert gradcheck(numbagrad.sigmoid, _leaf([0.1, -0.3]))


def test_float32_input_warns():
    x = _leaf([0.5], dtype=numbagrad.float32)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
        gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_float64_input_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda a: a * 2, (_leaf([0.5]),))


def test_no_input_requiring_grad_raises():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (numbagrad.ones(2, dtype=numbagrad.float64),))


def test_inputs_are_restored():
    x = _leaf([0.25, 0.5])
    gradcheck(lambda a: a.exp(), (x,))
    assert x.detach().tolist() == [0.25, 0.5]


def test_output_that_does_not_require_grad_must_be_constant():
    x = _leaf([0.5])

    def detached(a):
        return a.detach() * 2

    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        gradcheck(lambda a: (a * 1, detached(a)), (x,))


def test_exported_from_testing():
    from numbagrad import testing

    assert testing.gradcheck is gradcheck and testing.GradcheckError is GradcheckError
    assert gradcheck.GradcheckError is GradcheckError


def test_testing_strategies_drive_a_gradcheck():
    hypothesis = pytest.importorskip("hypothesis")
    from numbagrad.testing import tensors

    @hypothesis.settings(max_examples=5)
    @hypothesis.given(tensors(requires_grad=True, avoid=(0.0,)))
    def check_relu(x):
        assert gradcheck(lambda t: t.relu(), (x,))

    check_relu()
