"""Bitwise and logical ops: ``&``, ``|``, ``^``, ``~``, ``<<``, ``>>`` and logical and/or/xor.

Formulas live in ``ops/scalar_logic.py``; each op is registered here in one line and its public
function follows. None has a gradient: results are integer or bool tensors. ``METHODS`` lists
the Tensor methods, in-place forms and operators of this family; ``numbagrad/_tensor_methods.py``
binds them. ``logical_not`` is registered in ``ops/elementwise.py``; its in-place form is listed
here. Predicates and comparisons are in ``ops/logic.py``.
"""
from __future__ import annotations

from numbagrad import dtypes
from numbagrad.ops import scalar_logic as F
from numbagrad.ops.comparison import logical_not, wrapped_ints
from numbagrad.ops.elementwise import (NUMBERS, _binary, _unary, apply_to_tensors, check_tensor,
                                       invalid_arguments, not_implemented, operands, write_out)
from numbagrad.ops.inplace import inplace, inplace_method, inplace_operator, operator_method
from numbagrad.ops.registry import OpDef, apply
from numbagrad.tensor import Tensor

__all__ = ["bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "logical_and", "logical_or", "logical_xor"]

BITWISE_AND = _binary("bitwise_and", F.bitwise_and, None)
BITWISE_OR = _binary("bitwise_or", F.bitwise_or, None)
BITWISE_XOR = _binary("bitwise_xor", F.bitwise_xor, None)
BITWISE_NOT = _unary("bitwise_not", F.bitwise_not, None)
BITWISE_LEFT_SHIFT = _binary("bitwise_left_shift", F.bitwise_left_shift, None)
BITWISE_RIGHT_SHIFT = _binary("bitwise_right_shift", F.bitwise_right_shift, None)
LOGICAL_AND = _binary("logical_and", F.logical_and, None, out_bool=True)
LOGICAL_OR = _binary("logical_or", F.logical_or, None, out_bool=True)
LOGICAL_XOR = _binary("logical_xor", F.logical_xor, None, out_bool=True)

# ---------------------------------------------------------------------------- bitwise

_BITWISE_SIGNATURES = ("Tensor input, Tensor other, *, Tensor out = None",
                       "Number self, Tensor other",
                       "Tensor input, Number other, *, Tensor out = None")

_BITWISE_RAISES = """

    Raises
    ------
    TypeError
        If neither argument is a tensor, or one is neither a tensor nor a number.
    NotImplementedError
        If the promoted dtype is {refused}, in torch's words.
    RuntimeError
        If the shapes do not broadcast, or ``out`` cannot hold the result.
    """


def _bitwise(op: OpDef, kernel: str, input, other, out, shift: bool = False):
    """``op`` on integer or bool operands (a tensor and a tensor or number), promoted as torch."""
    first = input if isinstance(input, Tensor) else other
    if not isinstance(first, Tensor) or not all(
            isinstance(x, (Tensor, *NUMBERS)) for x in (input, other)):
        raise invalid_arguments(op.name, (input, other), _BITWISE_SIGNATURES)
    d = dtypes.result_type(input, other)
    if d.is_floating_point or (shift and d is dtypes.bool_):
        raise not_implemented(f"{kernel}_{first.device.type}", d)
    return write_out(op.name, apply(op, operands(op.name, *wrapped_ints(input, other))), out)


def _bitwise_function(op: OpDef, kernel: str, summary: str, shift: bool = False):
    """The public function ``op.name(input, other, *, out=None)`` of a bitwise op; ``kernel`` is
    the name torch's NotImplementedError gives it, ``shift`` refuses bool operands too."""
    def function(input, other, *, out=None):
        return _bitwise(op, kernel, input, other, out, shift)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = summary + _BITWISE_RAISES.format(
        refused="floating point or bool" if shift else "floating point")
    return function


_ON_INTEGERS = "for integer and bool tensors (and numbers), broadcast; no gradient."
bitwise_and = _bitwise_function(BITWISE_AND, "bitwise_and", "``input & other`` " + _ON_INTEGERS)
bitwise_or = _bitwise_function(BITWISE_OR, "bitwise_or", "``input | other`` " + _ON_INTEGERS)
bitwise_xor = _bitwise_function(BITWISE_XOR, "bitwise_xor", "``input ^ other`` " + _ON_INTEGERS)
bitwise_left_shift = _bitwise_function(BITWISE_LEFT_SHIFT, "lshift", """\
``input << other`` for integer tensors (and numbers), broadcast; no gradient.

    The bits shifted past the dtype's width are lost (``int8(1) << 7`` is -128); a count that
    is negative or at least the bit width gives 0, as in torch.""", shift=True)
bitwise_right_shift = _bitwise_function(BITWISE_RIGHT_SHIFT, "rshift", """\
``input >> other`` (arithmetic: the sign bit fills in) for integer tensors; no gradient.

    A count that is negative or at least the bit width gives -1 for negative values and 0
    otherwise, as in torch.""", shift=True)


def bitwise_not(input, *, out=None):
    """``~input``: each bit flipped for integers (``-x - 1``), logical not for bool; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    NotImplementedError
        For floating point tensors, in torch's words.
    RuntimeError
        If ``out`` has another dtype than the result.
    """
    check_tensor("bitwise_not", input)
    if input.dtype.is_floating_point:
        raise not_implemented(f"bitwise_not_{input.device.type}", input.dtype)
    result = logical_not(input) if input.dtype is dtypes.bool_ else apply(BITWISE_NOT, (input,))
    if isinstance(out, Tensor) and out.dtype is not result.dtype:
        raise RuntimeError(f"Found dtype {dtypes.scalar_name(out.dtype)} but expected "
                           f"{dtypes.scalar_name(result.dtype)}")
    return write_out("bitwise_not", result, out)


def _invert(self: Tensor) -> Tensor:
    """``~self`` (Python's operator): TypeError for floating point tensors, as torch."""
    if self.dtype.is_floating_point:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


def _inplace_checked(fn, name: str | None = None):
    """The in-place method of a binary ``fn`` that, as torch, refuses a result type ``self``
    cannot hold before looking at what the op supports (``int_tensor &= 1.5``)."""
    def method(self, other):
        d = dtypes.result_type(self, other) if isinstance(other, (Tensor, *NUMBERS)) else None
        if d is not None and d.category > self.dtype.category:
            raise RuntimeError(f"result type {dtypes.scalar_name(d)} can't be cast to the "
                               f"desired output type {dtypes.scalar_name(self.dtype)}")
        return inplace(self, fn, other)

    method.__name__ = (name or fn.__name__) + "_"
    method.__doc__ = f"``{fn.__name__}`` in place: the result is written into ``self``."
    return method


# ---------------------------------------------------------------------------- logical


def _logical_function(op: OpDef, summary: str):
    """The public function of a logical op of two tensors (torch takes no numbers here)."""
    def function(input, other, *, out=None):
        return apply_to_tensors(op, input, other, out)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"""Elementwise {summary}, as a bool tensor; no gradient.

    Nonzero numbers and nan count as true.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    RuntimeError
        If the shapes do not broadcast, or ``out`` cannot hold the result.
    """
    return function


logical_and = _logical_function(LOGICAL_AND, "``input and other``")
logical_or = _logical_function(LOGICAL_OR, "``input or other``")
logical_xor = _logical_function(LOGICAL_XOR, "``input xor other`` (exactly one of them true)")


# ---------------------------------------------------------------------------- Tensor methods

_in_place = {
    "bitwise_and_": _inplace_checked(bitwise_and), "bitwise_or_": _inplace_checked(bitwise_or),
    "bitwise_xor_": _inplace_checked(bitwise_xor),
    "bitwise_left_shift_": _inplace_checked(bitwise_left_shift),
    "bitwise_right_shift_": _inplace_checked(bitwise_right_shift),
    "bitwise_not_": inplace_method(bitwise_not),
    "logical_and_": inplace_method(logical_and), "logical_or_": inplace_method(logical_or),
    "logical_xor_": inplace_method(logical_xor), "logical_not_": inplace_method(logical_not),
}

METHODS: dict = {
    # bitwise
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
    "bitwise_not": bitwise_not, "bitwise_left_shift": bitwise_left_shift,
    "bitwise_right_shift": bitwise_right_shift,
    "__and__": operator_method(bitwise_and, "__and__"),
    "__rand__": operator_method(bitwise_and, "__rand__", True),
    "__or__": operator_method(bitwise_or, "__or__"),
    "__ror__": operator_method(bitwise_or, "__ror__", True),
    "__xor__": operator_method(bitwise_xor, "__xor__"),
    "__rxor__": operator_method(bitwise_xor, "__rxor__", True),
    "__lshift__": operator_method(bitwise_left_shift, "__lshift__"),
    "__rlshift__": operator_method(bitwise_left_shift, "__rlshift__", True),
    "__rshift__": operator_method(bitwise_right_shift, "__rshift__"),
    "__rrshift__": operator_method(bitwise_right_shift, "__rrshift__", True),
    "__iand__": inplace_operator(_in_place["bitwise_and_"], "__iand__"),
    "__ior__": inplace_operator(_in_place["bitwise_or_"], "__ior__"),
    "__ixor__": inplace_operator(_in_place["bitwise_xor_"], "__ixor__"),
    "__ilshift__": inplace_operator(_in_place["bitwise_left_shift_"], "__ilshift__"),
    "__irshift__": inplace_operator(_in_place["bitwise_right_shift_"], "__irshift__"),
    "__invert__": _invert,
    # logical
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not,
    **_in_place,
}
