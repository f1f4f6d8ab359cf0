"""Specs of the bitwise and logical ops (``numbagrad/ops/bitwise.py``) and the predicates
(``numbagrad/ops/logic.py``).

None has a gradient. The spec machinery draws floats, so the bitwise ops take integers made from
them inside ``fn``; the factors are powers of two, so float32 and float64 inputs give the same
integers. NumPy's shifts give torch's answers for negative and too-large counts (0, or the sign
fill for ``>>``), so NumPy is the reference there too.
"""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _ints(x, scale):
    """``trunc(x * scale)`` as int64: the reference side of ``(x * scale).long()``."""
    return (x * scale).astype(np.int64)


def _bitwise(name, op, np_op, a_scale=4, b_scale=4):
    return Spec(name, lambda a, b: op((a * a_scale).long(), (b * b_scale).long()).double(),
                lambda a, b: np_op(_ints(a, a_scale), _ints(b, b_scale)).astype(np.float64), 2,
                covers=(name, "to_copy"), differentiable=False)


def _with_infinities(x):
    """``x / int(4 x)``: infinite with the sign of ``x`` where ``|x| < 1/4``, nan at 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / _ints(x, 4)


def _predicate(name, np_op):
    return Spec(name, lambda x: getattr(ng, name)(x / (x * 4).long()),
                lambda x: np_op(_with_infinities(x)), 1, low=-1.0, high=1.0,
                covers=(name, "div", "to_copy"), differentiable=False)


def _isclose_reference(a, b):
    return np.isclose(a, b, rtol=0.25, atol=0.0625)


SPECS = [
    _bitwise("bitwise_and", ng.bitwise_and, np.bitwise_and),
    _bitwise("bitwise_or", lambda a, b: a | b, np.bitwise_or),
    _bitwise("bitwise_xor", lambda a, b: a ^ b, np.bitwise_xor),
    Spec("bitwise_not", lambda x: (~(x * 4).long()).double(),
         lambda x: np.invert(_ints(x, 4)).astype(np.float64), covers=("bitwise_not", "to_copy"),
         differentiable=False),
    # counts from -96 to 96: negative, in range, and past the 64 bits
    _bitwise("bitwise_left_shift", lambda a, b: a << b, np.left_shift, 4, 32),
    _bitwise("bitwise_right_shift", ng.bitwise_right_shift, np.right_shift, 2 ** 20, 32),
    Spec("logical_and", lambda a, b: ng.logical_and(a.long(), b),
         lambda a, b: np.logical_and(_ints(a, 1), b), 2, covers=("logical_and", "to_copy"),
         differentiable=False),
    Spec("logical_or", lambda a, b: ng.logical_or(a.long(), b.long()),
         lambda a, b: np.logical_or(_ints(a, 1), _ints(b, 1)), 2,
         covers=("logical_or", "to_copy"), differentiable=False),
    Spec("logical_xor", lambda a, b: a.long().logical_xor(b.long()),
         lambda a, b: np.logical_xor(_ints(a, 1), _ints(b, 1)), 2,
         covers=("logical_xor", "to_copy"), differentiable=False),
    _predicate("isnan", np.isnan),
    _predicate("isinf", np.isinf),
    _predicate("isposinf", np.isposinf),
    _predicate("isneginf", np.isneginf),
    _predicate("isfinite", np.isfinite),
    # b is a multiple of 1/4 and the tolerances powers of two: the test is exact in float32 too
    Spec("isclose",
         lambda a, b: ng.isclose(a, ((b * 4).long() / 4).type_as(a), rtol=0.25, atol=0.0625),
         lambda a, b: _isclose_reference(a, np.trunc(b * 4) / 4), 2,
         covers=("isclose", "div", "to_copy"), differentiable=False),
]
