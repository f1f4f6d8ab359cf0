"""Predicates (isnan, isclose, equal, ...), comparison aliases and tensors' Python conversions.

Formulas live in ``ops/scalar_logic.py``; each op is registered here in one line and its public
function follows. None has a gradient: results are bool tensors or Python values. ``METHODS``
lists the Tensor methods and in-place forms of this family; ``numbagrad/_tensor_methods.py``
binds them. The comparisons (eq, lt, ...) are registered in ``ops/elementwise.py``; their aliases
and in-place forms are listed here. Bitwise and logical ops are in ``ops/bitwise.py``.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import reduce
from numbagrad.ops import scalar_logic as F
from numbagrad.ops.bitwise import logical_and, logical_or
from numbagrad.ops.comparison import (eq, ge, greater, greater_equal, gt, le, less, less_equal,
                                      lt, ne, not_equal)
from numbagrad.ops.elementwise import _map_forward, _unary, check_tensor, operands, write_out
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor

__all__ = ["allclose", "equal", "is_floating_point", "is_nonzero", "is_tensor", "isclose",
           "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "numel"]

ISNAN = _unary("isnan", F.isnan, None, out_bool=True)
ISINF = _unary("isinf", F.isinf, None, out_bool=True)
ISPOSINF = _unary("isposinf", F.isposinf, None, out_bool=True)
ISNEGINF = _unary("isneginf", F.isneginf, None, out_bool=True)
ISFINITE = _unary("isfinite", F.isfinite, None, out_bool=True)
ISCLOSE = register(OpDef("isclose", partial(_map_forward, F.isclose, True), None,
                         kernels=("map",), nondiff=(0, 1, 2, 3)))

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


_RAISES = """, as a bool tensor; no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor."""


def _predicate(op: OpDef, integers: bool, summary: str):
    """The public function ``op.name(input)`` of a float predicate; integer and bool tensors
    answer ``integers`` everywhere."""
    def function(input):
        return _float_test(op, input, integers)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = summary + _RAISES
    return function


def _infinity_test(op: OpDef, summary: str):
    """The public function ``op.name(input, *, out=None)`` of isposinf or isneginf, whose
    ``out``, as torch's, must be a bool tensor."""
    def function(input, *, out=None):
        result = _float_test(op, input, False)
        if isinstance(out, Tensor) and out.dtype is not dtypes.bool_:
            raise RuntimeError(f"{op.name} does not support non-boolean outputs.")
        return write_out(op.name, result, out)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = summary + _RAISES + """
    RuntimeError
        If ``out`` is not a bool tensor."""
    return function


isnan = _predicate(ISNAN, False, "True where ``input`` is nan")
isinf = _predicate(ISINF, False, "True where ``input`` is +inf or -inf")
isfinite = _predicate(ISFINITE, True, "True where ``input`` is neither nan nor infinite")
isposinf = _infinity_test(ISPOSINF, "True where ``input`` is +inf")
isneginf = _infinity_test(ISNEGINF, "True where ``input`` is -inf")


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
        close = eq(input, other)  # exact, also for integers beyond the float's precision
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
    return _all_true(eq(input, other))


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


# ---------------------------------------------------------------------------- Tensor methods

_COMPARISONS = (("eq", eq), ("ne", ne), ("lt", lt), ("le", le), ("gt", gt),
                ("ge", ge), ("greater", greater), ("greater_equal", greater_equal),
                ("less", less), ("less_equal", less_equal), ("not_equal", not_equal))

METHODS: dict = {
    # the comparisons' aliases (eq, lt, ... are bound with the operators)
    "greater": greater, "greater_equal": greater_equal, "less": less, "less_equal": less_equal,
    "not_equal": not_equal,
    **{name + "_": inplace_method(fn, name) for name, fn in _COMPARISONS},
    # predicates
    "isnan": isnan, "isinf": isinf, "isposinf": isposinf, "isneginf": isneginf,
    "isfinite": isfinite, "isreal": isreal, "isclose": isclose, "allclose": allclose,
    "equal": equal, "is_nonzero": is_nonzero,
    # Python's conversions
    "__bool__": _bool, "__format__": _format,
}
