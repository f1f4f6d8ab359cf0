"""Comparisons (eq, lt, ... and torch's aliases), maximum and minimum, logical_not.

Formulas live in ``ops/scalar.py``; the aliases' in-place forms are in ``ops/logic.py``.
``METHODS`` lists the Tensor methods and operators of this family; ``numbagrad/_tensor_methods.py``
binds them.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import scalar as F
from numbagrad.ops.elementwise import (NUMBERS, _binary, _unary, apply_to_tensors, check_tensor,
                                       invalid_arguments, operands, write_out)
from numbagrad.ops.inplace import operator_method
from numbagrad.ops.registry import OpDef, apply
from numbagrad.tensor import Tensor

EQ = _binary("eq", F.eq, None, out_bool=True)
NE = _binary("ne", F.ne, None, out_bool=True)
LT = _binary("lt", F.lt, None, out_bool=True)
LE = _binary("le", F.le, None, out_bool=True)
GT = _binary("gt", F.gt, None, out_bool=True)
GE = _binary("ge", F.ge, None, out_bool=True)
LOGICAL_NOT = _unary("logical_not", F.logical_not, None, out_bool=True)
MAXIMUM = _binary("maximum", F.maximum, F.maximum_vjp)
MINIMUM = _binary("minimum", F.minimum, F.minimum_vjp)


def _wrapped_int(value: int, d: dtypes.dtype) -> int:
    bits = 8 * d.itemsize
    if value >= 1 << 64:
        raise OverflowError("int too big to convert")
    if value < -(1 << 63):
        raise OverflowError("can't convert negative int to unsigned")
    value &= (1 << bits) - 1
    return value - (1 << bits) if d.is_signed and value >> (bits - 1) else value


def wrapped_ints(*xs) -> tuple:
    """``xs`` with each Python int taken modulo 2**bits of the integer dtype the op computes in,
    as torch converts numbers (``int32_tensor & 2**40`` is ``int32_tensor & 0``).

    Raises
    ------
    OverflowError
        For an int outside [-2**63, 2**64), in torch's words.
    """
    first = xs[0]
    if isinstance(first, Tensor) and first.dtype.is_floating_point:
        return xs  # the hot path: a float tensor computes in floats whatever the number
    if not any(type(x) is int or isinstance(x, np.integer) for x in xs):
        return xs
    d = dtypes.result_type(*xs)
    if d.is_floating_point:
        return xs
    return tuple(_wrapped_int(int(x), d) if type(x) is int or isinstance(x, np.integer) else x
                 for x in xs)


_TENSOR_OR_NUMBER = (Tensor, *NUMBERS)


def _comparison(op: OpDef, sign: str, name: str | None = None):
    name = name or op.name

    def compare(input, other, *, out=None):
        if not isinstance(input, Tensor) or not isinstance(other, _TENSOR_OR_NUMBER):
            raise invalid_arguments(name, (input, other), (
                "Tensor input, Tensor other, *, Tensor out = None",
                "Tensor input, Number other, *, Tensor out = None"))
        if input._data.dtype.kind != "f":  # a float tensor compares in floats (the hot path)
            input, other = wrapped_ints(input, other)
        result = apply(op, operands(name, input, other))
        return result if out is None else write_out(name, result, out)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"""``input {sign} other`` elementwise as a bool tensor; no gradient.

    Operands are compared in their promoted dtype (an int tensor against 2.5 in floats).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor or ``other`` neither a tensor nor a number.
    RuntimeError
        If the shapes do not broadcast, or ``out`` cannot hold the result.
    """
    return compare


eq = _comparison(EQ, "==")
ne = _comparison(NE, "!=")
lt = _comparison(LT, "<")
le = _comparison(LE, "<=")
gt = _comparison(GT, ">")
ge = _comparison(GE, ">=")
greater = _comparison(GT, ">", "greater")
greater_equal = _comparison(GE, ">=", "greater_equal")
less = _comparison(LT, "<", "less")
less_equal = _comparison(LE, "<=", "less_equal")
not_equal = _comparison(NE, "!=", "not_equal")


def logical_not(input, *, out=None):
    """``not x`` for each element (nonzero and nan count as true), as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``out`` cannot hold the result.
    """
    check_tensor("logical_not", input)
    return write_out("logical_not", apply(LOGICAL_NOT, (input,)), out)


def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors, broadcast and promoted, nan-propagating.

    d/da = 1 where a > b, d/db = 1 where b > a; a tie sends half the gradient to each side.

    Raises
    ------
    TypeError
        If either argument is not a tensor (torch takes no numbers here).
    RuntimeError
        If the shapes do not broadcast, or ``out`` cannot hold the result.
    """
    return apply_to_tensors(MAXIMUM, input, other, out)


def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors, broadcast and promoted, nan-propagating.

    d/da = 1 where a < b, d/db = 1 where b < a; a tie sends half the gradient to each side.

    Raises
    ------
    TypeError
        If either argument is not a tensor (torch takes no numbers here).
    RuntimeError
        If the shapes do not broadcast, or ``out`` cannot hold the result.
    """
    return apply_to_tensors(MINIMUM, input, other, out)


METHODS: dict = {
    "__eq__": operator_method(eq, "__eq__"), "__ne__": operator_method(ne, "__ne__"),
    "__lt__": operator_method(lt, "__lt__"), "__le__": operator_method(le, "__le__"),
    "__gt__": operator_method(gt, "__gt__"), "__ge__": operator_method(ge, "__ge__"),
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "maximum": maximum, "minimum": minimum,
}
