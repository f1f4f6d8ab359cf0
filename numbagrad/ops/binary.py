"""Binary math: atan2, copysign, logaddexp, hypot, xlogy, fmax/fmin, lerp, addcmul/addcdiv,
float_power, and the in-place forms of the elementwise ops' sub, mul, clamp and pow.

Formulas and their derivatives live in ``ops/scalar_binary.py``; each op is registered here in one
line and its public function follows. ``METHODS`` lists the Tensor methods, in-place forms and
operators of this family; ``numbagrad/_tensor_methods.py`` binds them. The rounding divisions
(fmod, remainder, floor_divide, div's rounding modes) are ``ops/division.py``.
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar as F
from numbagrad.ops import scalar_binary as B
from numbagrad.ops.elementwise import (_binary, _map_forward, check_tensor, not_implemented,
                                       operands, write_out)
from numbagrad.ops.inplace import inplace, inplace_method, inplace_operator
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.tensor import Tensor

# ---------------------------------------------------------------------------- registrations


def _lerp_vjp(be, g, node):
    """d/da = 1 - w, d/db = w, d/dw = b - a."""
    a, b, w = node.inputs
    ga = be.map(B.lerp_vjp_input, [w, g], g.dtype) if node.needs[0] else None
    gb = be.map(F.mul, [g, w], g.dtype) if node.needs[1] else None
    gw = (be.map(F.mul, [g, be.map(F.sub, [b, a], g.dtype)], g.dtype)
          if node.needs[2] else None)
    return tuple(None if x is None else unbroadcast(be, x, shape)
                 for x, shape in zip((ga, gb, gw), node.in_shapes))


ATAN2 = _binary("atan2", B.atan2, B.atan2_vjp)
COPYSIGN = _binary("copysign", B.copysign, B.copysign_vjp, saves=("in", "out"))
LOGADDEXP = _binary("logaddexp", B.logaddexp, B.logaddexp_vjp)
LOGADDEXP2 = _binary("logaddexp2", B.logaddexp2, B.logaddexp2_vjp)
HYPOT = _binary("hypot", B.hypot, B.hypot_vjp, saves=("in", "out"))
XLOGY = _binary("xlogy", B.xlogy, B.xlogy_vjp)
FMAX = _binary("fmax", B.fmax, B.fmax_vjp)
FMIN = _binary("fmin", B.fmin, B.fmin_vjp)
LERP = register(OpDef("lerp", partial(_map_forward, B.lerp, False), _lerp_vjp,
                      kernels=("map", "sum"), saves_inputs=True))

# ---------------------------------------------------------------------------- argument checks

# The C++ type names torch's dtype-mismatch messages use.
_C_TYPE = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
           "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool"}


_TENSOR_OR_NUMBER = ("Tensor input, Tensor other, *, Tensor out = None",
                     "Tensor input, Number other, *, Tensor out = None")


def _float_dtype(*xs) -> dtypes.dtype:
    """The promoted type of ``xs``, or the default float type where that is not floating."""
    d = dtypes.result_type(*xs)
    return d if d.is_floating_point else dtypes.get_default_dtype()


def _check_double(what: str, op: str, t: Tensor) -> None:
    """float_power's results are float64: torch refuses an ``out`` or an in-place ``self`` of
    another dtype (``what`` names which) rather than narrow them."""
    if t.dtype is not dtypes.float64:
        raise RuntimeError(f"the {what} given to {op} has dtype {dtypes.scalar_name(t.dtype)} "
                           "but the operation's result requires dtype Double")


def _two_tensors(op: str, input, other) -> None:
    """TypeError in torch's words unless both operands are tensors."""
    check_tensor(op, input)
    check_tensor(op, other, "other", 2)


def _floating_only(op_def: OpDef, input, other, out) -> Tensor:
    """``ew.apply_to_tensors`` for an op torch defines for floating types only: integer and
    bool tensors are refused, after promotion, in torch's words."""
    op = op_def.name
    _two_tensors(op, input, other)
    a, b = operands(op, input, other)
    if not a.dtype.is_floating_point:
        raise not_implemented(f"{op}_{a.device.type}", a.dtype)
    return write_out(op, apply(op_def, (a, b)), out)


# ---------------------------------------------------------------------------- public functions


def atan2(input, other, *, out=None):
    """Angle of the point ``(other, input)`` in radians, in [-pi, pi]; integers as floats.

    d/da = b / (a**2 + b**2), d/db = -a / (a**2 + b**2) (0 at the origin, as torch).

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    _two_tensors("atan2", input, other)
    a, b = operands("atan2", input, other, dtype=_float_dtype(input, other))
    return write_out("atan2", apply(ATAN2, (a, b)), out)


def arctan2(input, other, *, out=None):
    """Alias of :func:`atan2`. d/da = b / (a**2 + b**2), d/db = -a / (a**2 + b**2)."""
    _two_tensors("arctan2", input, other)
    return atan2(input, other, out=out)


def copysign(input, other, *, out=None):
    """``|input|`` with the sign of ``other`` (a tensor or a number); integers as floats.

    d/da = sign agreement (+1 or -1; 0 at a = 0), d/db = 0.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    if not isinstance(input, Tensor):
        raise ew.invalid_arguments("copysign", (input, other), _TENSOR_OR_NUMBER)
    a, b = operands("copysign", input, other, dtype=_float_dtype(input, other))
    return write_out("copysign", apply(COPYSIGN, (a, b)), out)


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))``, without overflow. d/da = 1 / (1 + exp(b - a)).

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    return _floating_only(LOGADDEXP, input, other, out)


def logaddexp2(input, other, *, out=None):
    """``log2(2**input + 2**other)``, without overflow. d/da = 1 / (1 + 2**(b - a)).

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    return _floating_only(LOGADDEXP2, input, other, out)


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)``, without overflow. d/da = a / out, d/db = b / out.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    return _floating_only(HYPOT, input, other, out)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is nan); integers as
    floats. d/da = log(b) (0 where a = 0 and b <= 0, as torch), d/db = a / b.

    Raises
    ------
    TypeError
        If neither argument is a tensor.
    """
    a, b = operands("xlogy", input, other, dtype=_float_dtype(input, other))
    return write_out("xlogy", apply(XLOGY, (a, b)), out)


def fmax(input, other, *, out=None):
    """Elementwise maximum where a number beats nan (nan only where both are).

    d/da = 1 where a >= b or b is nan (ties go to ``input``), d/db = 1 elsewhere.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    return ew.apply_to_tensors(FMAX, input, other, out)


def fmin(input, other, *, out=None):
    """Elementwise minimum where a number beats nan (nan only where both are).

    d/da = 1 where a <= b or b is nan (ties go to ``input``), d/db = 1 elsewhere.

    Raises
    ------
    TypeError
        If either argument is not a tensor.
    """
    return ew.apply_to_tensors(FMIN, input, other, out)


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)`` (a number or tensor ``weight``), computed as torch
    does, exact at both ends. d/da = 1 - w, d/db = w, d/dw = b - a.

    Raises
    ------
    TypeError
        If ``input`` or ``end`` is not a tensor.
    RuntimeError
        If ``end`` (or a weight tensor of one or more dimensions) has another dtype.
    NotImplementedError
        For integer and bool tensors.
    """
    check_tensor("lerp", input)
    if not isinstance(end, Tensor) or not isinstance(weight, (Tensor, *ew.NUMBERS)):
        raise ew.invalid_arguments("lerp", (input, end, weight),
                       ("Tensor input, Tensor end, Tensor weight, *, Tensor out = None",
                        "Tensor input, Tensor end, Number weight, *, Tensor out = None"))
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype and (name == "end" or t.ndim):
            raise RuntimeError(f"expected dtype {_C_TYPE[input.dtype.name]} for `{name}` but "
                               f"got dtype {_C_TYPE[t.dtype.name]}")
    if not input.dtype.is_floating_point:
        kind = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise NotImplementedError(f'"lerp_kernel_{kind}" not implemented for '
                                  f"'{dtypes.scalar_name(input.dtype)}'")
    return write_out("lerp", apply(LERP, operands("lerp", input, end, weight,
                                                  dtype=input.dtype)), out)


def _value(value, dtype: dtypes.dtype, op: str):
    """addcmul/addcdiv's ``value`` in the result type (truncated for integers, as torch);
    TypeError for a value that is not a number."""
    if not isinstance(value, (numbers.Number, np.number, np.bool_)):
        raise TypeError(f"{op}(): argument 'value' must be Number, not {type(value).__name__}")
    return value if dtype.is_floating_point else int(value)


def _addc_operands(op: str, input, tensor1, tensor2) -> tuple:
    check_tensor(op, input)
    check_tensor(op, tensor1, "tensor1", 2)
    check_tensor(op, tensor2, "tensor2", 3)
    return operands(op, input, tensor1, tensor2)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``, broadcast and promoted.

    d/d input = 1, d/d tensor1 = value * tensor2, d/d tensor2 = value * tensor1.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    """
    x, t1, t2 = _addc_operands("addcmul", input, tensor1, tensor2)
    v = _value(value, x.dtype, "addcmul")
    product = ew.mul(t1 if v == 1 else ew.mul(t1, v), t2)
    return write_out("addcmul", ew.add(x, product), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``, broadcast and promoted.

    d/d input = 1, d/d tensor1 = value / tensor2, d/d tensor2 = -value * tensor1 / tensor2**2.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If ``tensor1`` and ``tensor2`` are both integer (or bool) tensors, as torch.
    """
    if (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)
            and not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    x, t1, t2 = _addc_operands("addcdiv", input, tensor1, tensor2)
    v = _value(value, x.dtype, "addcdiv")
    quotient = ew.div(t1 if v == 1 else ew.mul(t1, v), t2)
    return write_out("addcdiv", ew.add(x, quotient), out)


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (the result is always float64, as torch).

    d/da = b a**(b-1), d/db = a**b log(a); the gradients return in the inputs' types.

    Raises
    ------
    RuntimeError
        If ``out`` is not a float64 tensor.
    """
    if isinstance(out, Tensor):
        _check_double("output", "float_power", out)
    a, b = operands("float_power", input, exponent, dtype=dtypes.float64)
    return write_out("float_power", apply(ew.POW, (a, b)), out)


# ---------------------------------------------------------------------------- in-place forms


def float_power_(self, exponent):
    """``float_power`` in place; ``self`` must be float64.

    Raises
    ------
    RuntimeError
        If ``self`` is not float64, as torch.
    """
    _check_double("base", "float_power_", self)
    return inplace(self, float_power, exponent)


atan2_ = inplace_method(atan2)
copysign_ = inplace_method(copysign)
hypot_ = inplace_method(hypot)
xlogy_ = inplace_method(xlogy)
lerp_ = inplace_method(lerp)
addcmul_ = inplace_method(addcmul)
addcdiv_ = inplace_method(addcdiv)
clamp_ = inplace_method(ew.clamp)
clip_ = inplace_method(ew.clamp, "clip")
clamp_min_ = inplace_method(ew.clamp_min)
clamp_max_ = inplace_method(ew.clamp_max)
_pow_ = inplace_method(ew.pow)

METHODS: dict = {
    "atan2": atan2, "arctan2": arctan2, "atan2_": atan2_, "arctan2_": atan2_,
    "copysign": copysign, "copysign_": copysign_,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "hypot": hypot, "hypot_": hypot_,
    "xlogy": xlogy, "xlogy_": xlogy_, "fmax": fmax, "fmin": fmin, "lerp": lerp, "lerp_": lerp_,
    "addcmul": addcmul, "addcmul_": addcmul_, "addcdiv": addcdiv, "addcdiv_": addcdiv_,
    "float_power": float_power, "float_power_": float_power_,
    "subtract_": inplace_method(ew.sub), "multiply_": inplace_method(ew.mul), "clip_": clip_,
    "clamp_min": ew.clamp_min, "clamp_max": ew.clamp_max, "clamp_min_": clamp_min_,
    "clamp_max_": clamp_max_,
    "__ipow__": inplace_operator(_pow_, "__ipow__"),
}
