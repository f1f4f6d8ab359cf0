"""Bitwise and logical ops, predicates (isnan, isclose, equal, ...), tensors' Python conversions.

Formulas live in ``ops/scalar_logic.py``; each op is registered here in one line and its public
function follows. None has a gradient: results are bool or integer tensors. ``METHODS`` lists
the Tensor methods, in-place forms and operators of this family; ``numbagrad/_tensor_methods.py``
binds them. The comparisons (eq, lt, ...), ``maximum``/``minimum`` and ``logical_not`` are
registered in ``ops/elementwise.py``; their aliases and in-place forms are listed here.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import reduce
from numbagrad.ops import scalar_logic as F
from numbagrad.ops.elementwise import (NUMBERS, _binary, _map_forward, _unary, check_tensor,
                                       greater, greater_equal, invalid_arguments, less,
                                       less_equal, not_equal, operands, wrapped_ints, write_out)
from numbagrad.ops.inplace import inplace, inplace_method, inplace_operator, operator_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor

__all__ = ["allclose", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "equal", "greater", "greater_equal",
           "is_floating_point", "is_nonzero", "is_tensor", "isclose", "isfinite", "isinf",
           "isnan", "isneginf", "isposinf", "isreal", "less", "less_equal", "logical_and",
           "logical_or", "logical_xor", "not_equal", "numel"]

BITWISE_AND = _binary("bitwise_and", F.bitwise_and, None)
BITWISE_OR = _binary("bitwise_or", F.bitwise_or, None)
BITWISE_XOR = _binary("bitwise_xor", F.bitwise_xor, None)
BITWISE_NOT = _unary("bitwise_not", F.bitwise_not, None)
BITWISE_LEFT_SHIFT = _binary("bitwise_left_shift", F.bitwise_left_shift, None)
BITWISE_RIGHT_SHIFT = _binary("bitwise_right_shift", F.bitwise_right_shift, None)
LOGICAL_AND = _binary("logical_and", F.logical_and, None, out_bool=True)
LOGICAL_OR = _binary("logical_or", F.logical_or, None, out_bool=True)
LOGICAL_XOR = _binary("logical_xor", F.logical_xor, None, out_bool=True)
ISNAN = _unary("isnan", F.isnan, None, out_bool=True)
ISINF = _unary("isinf", F.isinf, None, out_bool=True)
ISPOSINF = _unary("isposinf", F.isposinf, None, out_bool=True)
ISNEGINF = _unary("isneginf", F.isneginf, None, out_bool=True)
ISFINITE = _unary("isfinite", F.isfinite, None, out_bool=True)
ISCLOSE = register(OpDef("isclose", partial(_map_forward, F.isclose, True), None,
                         kernels=("map",), nondiff=(0, 1, 2, 3)))

# ---------------------------------------------------------------------------- bitwise

_BITWISE_SIGNATURES = ("Tensor input, Tensor other, *, Tensor out = None",
                       "Number self, Tensor other",
                       "Tensor input, Number other, *, Tensor out = None")


def _not_implemented(kernel: str, device, d: dtypes.dtype) -> NotImplementedError:
    return NotImplementedError(
        f'"{kernel}_{device.type}" not implemented for \'{dtypes.scalar_name(d)}\'')


def _bitwise(op: OpDef, kernel: str, input, other, out, shift: bool = False):
    """``op`` on integer or bool operands (a tensor and a tensor or number), promoted as torch."""
    first = input if isinstance(input, Tensor) else other
    if not isinstance(first, Tensor) or not all(
            isinstance(x, (Tensor, *NUMBERS)) for x in (input, other)):
        raise invalid_arguments(op.name, (input, other), _BITWISE_SIGNATURES)
    d = dtypes.result_type(input, other)
    if d.is_floating_point or (shift and d is dtypes.bool_):
        raise _not_implemented(kernel, first.device, d)
    return write_out(op.name, apply(op, operands(op.name, *wrapped_ints(input, other))), out)


def bitwise_and(input, other, *, out=None):
    """``input & other`` for integer and bool tensors (and numbers), broadcast; no gradient.

    Raises
    ------
    NotImplementedError
        If the promoted dtype is floating point, in torch's words.
    """
    return _bitwise(BITWISE_AND, "bitwise_and", input, other, out)


def bitwise_or(input, other, *, out=None):
    """``input | other`` for integer and bool tensors (and numbers), broadcast; no gradient.

    Raises
    ------
    NotImplementedError
        If the promoted dtype is floating point, in torch's words.
    """
    return _bitwise(BITWISE_OR, "bitwise_or", input, other, out)


def bitwise_xor(input, other, *, out=None):
    """``input ^ other`` for integer and bool tensors (and numbers), broadcast; no gradient.

    Raises
    ------
    NotImplementedError
        If the promoted dtype is floating point, in torch's words.
    """
    return _bitwise(BITWISE_XOR, "bitwise_xor", input, other, out)


def bitwise_left_shift(input, other, *, out=None):
    """``input << other`` for integer tensors (and numbers), broadcast; no gradient.

    The bits shifted past the dtype's width are lost (``int8(1) << 7`` is -128); a count that
    is negative or at least the bit width gives 0, as in torch.

    Raises
    ------
    NotImplementedError
        If the promoted dtype is floating point or bool, in torch's words.
    """
    return _bitwise(BITWISE_LEFT_SHIFT, "lshift", input, other, out, shift=True)


def bitwise_right_shift(input, other, *, out=None):
    """``input >> other`` (arithmetic: the sign bit fills in) for integer tensors; no gradient.

    A count that is negative or at least the bit width gives -1 for negative values and 0
    otherwise, as in torch.

    Raises
    ------
    NotImplementedError
        If the promoted dtype is floating point or bool, in torch's words.
    """
    return _bitwise(BITWISE_RIGHT_SHIFT, "rshift", input, other, out, shift=True)


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
        raise _not_implemented("bitwise_not", input.device, input.dtype)
    result = ew.logical_not(input) if input.dtype is dtypes.bool_ else apply(BITWISE_NOT, (input,))
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


def _logical(op: OpDef, input, other, out):
    check_tensor(op.name, input)
    check_tensor(op.name, other, "other", 2)
    return write_out(op.name, apply(op, operands(op.name, input, other)), out)


def logical_and(input, other, *, out=None):
    """Elementwise ``input and other`` (nonzero and nan are true) as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    return _logical(LOGICAL_AND, input, other, out)


def logical_or(input, other, *, out=None):
    """Elementwise ``input or other`` (nonzero and nan are true) as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    return _logical(LOGICAL_OR, input, other, out)


def logical_xor(input, other, *, out=None):
    """Elementwise: exactly one of ``input``, ``other`` nonzero, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    return _logical(LOGICAL_XOR, input, other, out)


# ---------------------------------------------------------------------------- predicates


def _filled(input: Tensor, value: bool) -> Tensor:
    """A bool tensor of ``input``'s shape and device holding ``value`` everywhere."""
    return Tensor._make(input._backend().full(tuple(input.shape), value, np.bool_),
                        input._device)


def _float_test(op: OpDef, input, integers: bool) -> Tensor:
    """``op`` on a floating point tensor; integer and bool tensors hold only finite numbers,
    so their answer is ``integers`` everywhere, with no kernel."""
    check_tensor(op.name, input)
    if not input.dtype.is_floating_point:
        return _filled(input, integers)
    return apply(op, (input,))


def _bool_out(op: str, result: Tensor, out) -> Tensor:
    if isinstance(out, Tensor) and out.dtype is not dtypes.bool_:
        raise RuntimeError(f"{op} does not support non-boolean outputs.")
    return write_out(op, result, out)


def isnan(input):
    """True where ``input`` is nan, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    return _float_test(ISNAN, input, False)


def isinf(input):
    """True where ``input`` is +inf or -inf, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    return _float_test(ISINF, input, False)


def isposinf(input, *, out=None):
    """True where ``input`` is +inf, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``out`` is not a bool tensor.
    """
    return _bool_out("isposinf", _float_test(ISPOSINF, input, False), out)


def isneginf(input, *, out=None):
    """True where ``input`` is -inf, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``out`` is not a bool tensor.
    """
    return _bool_out("isneginf", _float_test(ISNEGINF, input, False), out)


def isfinite(input):
    """True where ``input`` is neither nan nor infinite, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    return _float_test(ISFINITE, input, True)


def isreal(input):
    """True everywhere: numbagrad has no complex tensors, so every element is real.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("isreal", input)
    return _filled(input, True)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """True where ``|input - other| <= atol + rtol * |other|`` or the two are equal; no gradient.

    Computed in the operands' dtype (integers and bool in the default float dtype), as torch;
    infinities are close only to themselves, nan to nothing unless ``equal_nan``.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    RuntimeError
        If the dtypes differ, a tolerance is negative, or the shapes do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0 + 1e-6, 2.1]))
    tensor([ True, False])
    """
    check_tensor("isclose", input)
    check_tensor("isclose", other, "other", 2)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{dtypes.scalar_name(input.dtype)} did not match "
                           f"{dtypes.scalar_name(other.dtype)}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(
                f"{name} must be greater than or equal to zero, but got {float(value):g}")
    if rtol == 0 and atol == 0:
        close = ew.eq(input, other)  # exact, also for integers beyond the float's precision
    else:
        a, b = input, other
        if not a.dtype.is_floating_point:
            a, b = ew.cast(a, dtypes.get_default_dtype()), ew.cast(b, dtypes.get_default_dtype())
        a, b = operands("isclose", a, b)
        be, dt = a._backend(), a._data.dtype
        tolerances = (Tensor._make(be.full((), rtol, dt), a._device),
                      Tensor._make(be.full((), atol, dt), a._device))
        close = apply(ISCLOSE, (a, b, *tolerances))
    if equal_nan and input.dtype.is_floating_point:
        close = logical_or(close, logical_and(isnan(input), isnan(other)))
    return close


def _all_true(close: Tensor) -> bool:
    return int(reduce.sum(close)) == close.numel()


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`).

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    RuntimeError
        If the dtypes differ, a tolerance is negative, or the shapes do not broadcast.
    """
    check_tensor("allclose", input)
    check_tensor("allclose", other, "other", 2)
    return _all_true(isclose(input, other, rtol, atol, equal_nan))


def equal(input, other) -> bool:
    """Whether the tensors have one shape and equal elements (compared promoted; nan is
    never equal).

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    check_tensor("equal", input)
    check_tensor("equal", other, "other", 2)
    if tuple(input.shape) != tuple(other.shape):
        return False
    return _all_true(ew.eq(input, other))


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """Whether ``input``'s dtype is a floating point type.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("is_floating_point", input)
    return input.dtype.is_floating_point


def numel(input) -> int:
    """The number of elements of ``input``.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("numel", input)
    return input.numel()


# ---------------------------------------------------------------------------- Python's conversions


def _bool(self: Tensor) -> bool:
    """``bool(tensor)``: the truth of its one element (nan is true).

    Raises
    ------
    RuntimeError
        For no element or several, in torch's words.
    """
    n = self._data.size
    if n == 1:
        return bool(self.item())
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")


def is_nonzero(input) -> bool:
    """Whether the one element of ``input`` is nonzero (nan counts), as ``bool(input)``.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``input`` has no element or several.
    """
    check_tensor("is_nonzero", input)
    return _bool(input)


def _format(self: Tensor, format_spec: str) -> str:
    """``format(tensor, spec)``: a 0-d tensor formats as its Python number (``f"{loss:.4f}"``),
    any other tensor only with an empty spec, as its printed form (as torch)."""
    if self._data.ndim == 0 and type(self) is Tensor:
        return self.item().__format__(format_spec)
    return object.__format__(self, format_spec)


_in_place_aliases = {name: inplace_method(fn, name) for name, fn in (
    ("eq", ew.eq), ("ne", ew.ne), ("lt", ew.lt), ("le", ew.le), ("gt", ew.gt), ("ge", ew.ge),
    ("greater", greater), ("greater_equal", greater_equal), ("less", less),
    ("less_equal", less_equal), ("not_equal", not_equal))}

_in_place = {
    "bitwise_and_": _inplace_checked(bitwise_and), "bitwise_or_": _inplace_checked(bitwise_or),
    "bitwise_xor_": _inplace_checked(bitwise_xor),
    "bitwise_left_shift_": _inplace_checked(bitwise_left_shift),
    "bitwise_right_shift_": _inplace_checked(bitwise_right_shift),
    "bitwise_not_": inplace_method(bitwise_not),
    "logical_and_": inplace_method(logical_and), "logical_or_": inplace_method(logical_or),
    "logical_xor_": inplace_method(logical_xor), "logical_not_": inplace_method(ew.logical_not),
    **{name + "_": method for name, method in _in_place_aliases.items()},
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
    # logical and comparisons
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": ew.logical_not, "greater": greater, "greater_equal": greater_equal,
    "less": less, "less_equal": less_equal, "not_equal": not_equal,
    # predicates
    "isnan": isnan, "isinf": isinf, "isposinf": isposinf, "isneginf": isneginf,
    "isfinite": isfinite, "isreal": isreal, "isclose": isclose, "allclose": allclose,
    "equal": equal, "is_nonzero": is_nonzero,
    # Python's conversions
    "__bool__": _bool, "__format__": _format,
    **_in_place,
}
