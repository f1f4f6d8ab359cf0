"""Rounding divisions: fmod, remainder, floor_divide and div's rounding modes, with their
in-place forms and operators (``//``, ``%``, ``/=``).

Formulas and their derivatives live in ``ops/scalar_binary.py``; each op is registered here in one
line and its public function follows. ``METHODS`` lists the Tensor methods, in-place forms and
operators of this family; ``numbagrad/_tensor_methods.py`` binds them.

These ops run a formula of their own on integer tensors, so that int64 never passes through a
float; their integer division by zero raises before any kernel runs, as torch's.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar as F
from numbagrad.ops import scalar_binary as B
from numbagrad.ops.binary import _TENSOR_OR_NUMBER
from numbagrad.ops.elementwise import not_implemented, operands, write_out
from numbagrad.ops.inplace import inplace, inplace_method, inplace_operator, operator_method
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.tensor import Tensor

# ---------------------------------------------------------------------------- registrations


def _kind_forward(float_fn, int_fn, be, a, b):
    """A rounding division: ``float_fn`` on floating arrays, ``int_fn`` on integer ones."""
    return be.map(float_fn if a.dtype.kind == "f" else int_fn, [a, b], a.dtype)


def _quotient_vjp(quotient, be, g, node):
    """fmod and remainder: d/da = 1, d/db = -q, with ``q`` the quotient rounded as the op
    rounds it (towards zero for fmod, down for remainder), as torch."""
    a, b = node.inputs
    ga = unbroadcast(be, g, node.in_shapes[0]) if node.needs[0] else None
    gb = None
    if node.needs[1]:
        minus_g = be.map(F.neg, [g], g.dtype)
        gb = unbroadcast(be, be.map(F.mul, [minus_g, be.map(quotient, [a, b], g.dtype)],
                                    g.dtype), node.in_shapes[1])
    return ga, gb


def _zero_vjp(be, g, node):
    """Rounded quotients are piecewise constant: zero gradients (torch's, for div with a
    rounding mode)."""
    return tuple(be.zeros(shape, g.dtype) if need else None
                 for need, shape in zip(node.needs, node.in_shapes))


def _floor_divide_vjp(be, g, node):
    raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _rounding(name, float_fn, int_fn, vjp, kernels=("map", "sum"), saves=True):
    """Register a rounding division: ``float_fn`` for floating tensors, ``int_fn`` for integer
    ones; ``saves`` whether ``vjp`` reads the inputs."""
    return register(OpDef(name, partial(_kind_forward, float_fn, int_fn), vjp, kernels=kernels,
                          saves_inputs=saves))


FMOD = _rounding("fmod", B.fmod, B.fmod_int, partial(_quotient_vjp, B.div_trunc))
REMAINDER = _rounding("remainder", B.remainder, B.remainder_int,
                      partial(_quotient_vjp, B.div_floor))
DIV_TRUNC = _rounding("div_trunc", B.div_trunc, B.div_trunc_int, _zero_vjp, ("map", "zeros"),
                      saves=False)
DIV_FLOOR = _rounding("div_floor", B.div_floor, B.div_floor_int, _zero_vjp, ("map", "zeros"),
                      saves=False)
FLOOR_DIVIDE = _rounding("floor_divide", B.div_floor, B.div_floor_int, _floor_divide_vjp,
                         ("map",), saves=False)

# ---------------------------------------------------------------------------- public functions


def _host_divisor(other, b: Tensor) -> np.ndarray:
    """The values of divisor ``b`` (``other`` promoted) on the host. A tensor divisor is read
    through ``Tensor.numpy``, which a compiled step's capture sees as a read of a tensor's value
    (a replay could not repeat the check on the next call's divisor); a number is an attribute
    of the call."""
    if isinstance(other, Tensor):
        return b.detach().cpu().numpy()
    return b._backend().to_host(b._data)


def _rounded(op_def: OpDef, op: str, kernel: str, input, other, out) -> Tensor:
    """``op_def`` on the promoted operands, written to ``out``, refused as torch refuses them:
    bool tensors (torch's error names its ``kernel``), and an integer division by zero (checked
    on the host before any kernel runs)."""
    a, b = operands(op, input, other)
    if a.dtype is dtypes.bool_:
        raise not_implemented(f"{kernel}_{a.device.type}", a.dtype)
    if not a.dtype.is_floating_point and np.any(_host_divisor(other, b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return write_out(op, apply(op_def, (a, b)), out)


def fmod(input, other, *, out=None):
    """C's remainder ``a - b * trunc(a / b)``, with the sign of ``input``; integers stay
    integers. d/da = 1, d/db = -trunc(a / b).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        For an integer division by zero (``ZeroDivisionError``, as torch).
    NotImplementedError
        For bool tensors.
    """
    if not isinstance(input, Tensor):
        raise ew.invalid_arguments("fmod", (input, other), _TENSOR_OR_NUMBER)
    return _rounded(FMOD, "fmod", "fmod", input, other, out)


def remainder(input, other, *, out=None):
    """Python's modulo ``a - b * floor(a / b)``, with the sign of ``other``; integers stay
    integers. d/da = 1, d/db = -floor(a / b).

    Raises
    ------
    RuntimeError
        For an integer division by zero (``ZeroDivisionError``, as torch).
    NotImplementedError
        For bool tensors.
    """
    return _rounded(REMAINDER, "remainder", "remainder", input, other, out)


def floor_divide(input, other, *, out=None):
    """``floor(input / other)`` in the operands' type (Python's ``//``).

    Not differentiable: as in torch, ``backward`` through it raises RuntimeError.

    Raises
    ------
    RuntimeError
        For an integer division by zero (``ZeroDivisionError``, as torch).
    NotImplementedError
        For bool tensors.
    """
    return _rounded(FLOOR_DIVIDE, "floor_divide", "div_floor", input, other, out)


def rounded_div(input, other, rounding_mode, out=None):
    """``div`` with ``rounding_mode`` ``'trunc'`` or ``'floor'``: the quotient rounded, in
    the operands' type. The gradient is zero, as torch's.

    Raises
    ------
    RuntimeError
        For another rounding mode, or an integer division by zero.
    NotImplementedError
        For bool tensors.
    """
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    op_def = DIV_TRUNC if rounding_mode == "trunc" else DIV_FLOOR
    return _rounded(op_def, "div", op_def.name, input, other, out)


# ---------------------------------------------------------------------------- in-place forms


def _div_(self, other, *, rounding_mode=None):
    return inplace(self, ew.div, other, rounding_mode=rounding_mode)


_div_.__name__, _div_.__doc__ = "div_", "``div`` in place (with its ``rounding_mode``)."

fmod_ = inplace_method(fmod)
remainder_ = inplace_method(remainder)
floor_divide_ = inplace_method(floor_divide)

METHODS: dict = {
    "fmod": fmod, "fmod_": fmod_, "remainder": remainder, "remainder_": remainder_,
    "floor_divide": floor_divide, "floor_divide_": floor_divide_,
    "true_divide": ew.true_divide, "true_divide_": inplace_method(ew.true_divide),
    "div_": _div_, "divide_": _div_,
    "__floordiv__": operator_method(floor_divide, "__floordiv__"),
    "__rfloordiv__": operator_method(floor_divide, "__rfloordiv__", reflected=True),
    "__ifloordiv__": inplace_operator(floor_divide_, "__ifloordiv__"),
    "__itruediv__": inplace_operator(_div_, "__itruediv__"),
    "__mod__": operator_method(remainder, "__mod__"),
    "__rmod__": operator_method(remainder, "__rmod__", reflected=True),
    "__imod__": inplace_operator(remainder_, "__imod__"),
}
