"""Unary math: trigonometric, hyperbolic, exponential and logarithmic functions, rounding and
error functions.

Formulas and their derivatives live in ``ops/scalar_unary.py``; each op is registered here in one
line and its public function follows, most of them made in one line by a factory (the float
functions' is ``_float_op`` of ``ops/elementwise.py``, which makes exp, log and sqrt too).
``METHODS`` lists the Tensor methods, in-place forms and operators of this family;
``numbagrad/_tensor_methods.py`` binds them.

Transcendental functions turn integer and bool tensors into the default float type (as torch's
``sin`` of an int64 tensor is float32); rounding, ``sgn``, ``nan_to_num`` and ``positive`` keep
integer tensors as they are. This module also gives the elementwise ops of
``ops/elementwise.py`` (exp, log, sqrt, ...) their in-place methods (``exp_``, ...).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar_unary as F
from numbagrad.ops.elementwise import (NOT_A_TENSOR, _binary, _float_op, _floating, _map_forward,
                                       _unary, check_tensor, not_implemented, operands, write_out)
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.ops.shape import clone


def _nan_to_num_vjp(be, g, node):
    return (be.map(F.nan_to_num_vjp, [node.inputs[0], g], g.dtype), None, None, None)


SIN = _unary("sin", F.sin, F.sin_vjp, saves=("in",))
COS = _unary("cos", F.cos, F.cos_vjp, saves=("in",))
TAN = _unary("tan", F.tan, F.tan_vjp, saves=("out",))
ASIN = _unary("asin", F.asin, F.asin_vjp, saves=("in",))
ACOS = _unary("acos", F.acos, F.acos_vjp, saves=("in",))
ATAN = _unary("atan", F.atan, F.atan_vjp, saves=("in",))
SINH = _unary("sinh", F.sinh, F.sinh_vjp, saves=("in",))
COSH = _unary("cosh", F.cosh, F.cosh_vjp, saves=("in",))
ASINH = _unary("asinh", F.asinh, F.asinh_vjp, saves=("in",))
ACOSH = _unary("acosh", F.acosh, F.acosh_vjp, saves=("in",))
ATANH = _unary("atanh", F.atanh, F.atanh_vjp, saves=("in",))
EXP2 = _unary("exp2", F.exp2, F.exp2_vjp, saves=("out",))
EXPM1 = _unary("expm1", F.expm1, F.expm1_vjp, saves=("out",))
LOG2 = _unary("log2", F.log2, F.log2_vjp, saves=("in",))
LOG10 = _unary("log10", F.log10, F.log10_vjp, saves=("in",))
LOG1P = _unary("log1p", F.log1p, F.log1p_vjp, saves=("in",))
RSQRT = _unary("rsqrt", F.rsqrt, F.rsqrt_vjp, saves=("out",))
RECIPROCAL = _unary("reciprocal", F.reciprocal, F.reciprocal_vjp, saves=("out",))
FLOOR = _unary("floor", F.floor, F.zero_vjp, saves=())
CEIL = _unary("ceil", F.ceil, F.zero_vjp, saves=())
ROUND = _unary("round", F.round, F.zero_vjp, saves=())
TRUNC = _unary("trunc", F.trunc, F.zero_vjp, saves=())
ROUND_DECIMALS = _binary("round_decimals", F.round_decimals, F.round_decimals_vjp, nondiff=(1,),
                         saves=())
FRAC = _unary("frac", F.frac, F.frac_vjp, saves=())
ERF = _unary("erf", F.erf, F.erf_vjp, saves=("in",))
ERFC = _unary("erfc", F.erfc, F.erfc_vjp, saves=("in",))
ERFINV = _unary("erfinv", F.erfinv, F.erfinv_vjp, saves=("out",))
I0 = _unary("i0", F.i0, F.i0_vjp, saves=("in",))
LOGIT = _binary("logit", F.logit, F.logit_vjp, nondiff=(1,))
SIGNBIT = _unary("signbit", F.signbit, None, out_bool=True)
NAN_TO_NUM = register(OpDef("nan_to_num", partial(_map_forward, F.nan_to_num, False),
                            _nan_to_num_vjp, kernels=("map",), saves_inputs=True,
                            nondiff=(1, 2, 3)))


# ---------------------------------------------------------------------------- public functions


sin = _float_op(SIN, "Sine, elementwise. d/dx = cos(x).")
cos = _float_op(COS, "Cosine, elementwise. d/dx = -sin(x).")
tan = _float_op(TAN, "Tangent, elementwise. d/dx = 1 + tan(x)**2.")
asin = _float_op(ASIN, "Arcsine; nan outside [-1, 1]. d/dx = 1/sqrt(1 - x**2).")
arcsin = _float_op(ASIN, "Alias of :func:`asin`.", "arcsin")
acos = _float_op(ACOS, "Arccosine; nan outside [-1, 1]. d/dx = -1/sqrt(1 - x**2).")
arccos = _float_op(ACOS, "Alias of :func:`acos`.", "arccos")
atan = _float_op(ATAN, "Arctangent. d/dx = 1/(1 + x**2).")
arctan = _float_op(ATAN, "Alias of :func:`atan`.", "arctan")
sinh = _float_op(SINH, "Hyperbolic sine. d/dx = cosh(x).")
cosh = _float_op(COSH, "Hyperbolic cosine. d/dx = sinh(x).")
asinh = _float_op(ASINH, "Inverse hyperbolic sine. d/dx = 1/sqrt(x**2 + 1).")
arcsinh = _float_op(ASINH, "Alias of :func:`asinh`.", "arcsinh")
acosh = _float_op(ACOSH, "Inverse hyperbolic cosine; nan below 1. d/dx = 1/sqrt(x**2 - 1).")
arccosh = _float_op(ACOSH, "Alias of :func:`acosh`.", "arccosh")
atanh = _float_op(ATANH, "Inverse hyperbolic tangent; +-inf at +-1, nan beyond. "
                         "d/dx = 1/(1 - x**2).")
arctanh = _float_op(ATANH, "Alias of :func:`atanh`.", "arctanh")
exp2 = _float_op(EXP2, "``2 ** input``. d/dx = 2**x ln 2.")
expm1 = _float_op(EXPM1, "``exp(input) - 1``, exact for small x. d/dx = exp(x).")
log2 = _float_op(LOG2, "Base-2 logarithm; -inf at 0, nan below. d/dx = 1/(x ln 2).")
log10 = _float_op(LOG10, "Base-10 logarithm; -inf at 0, nan below. d/dx = 1/(x ln 10).")
log1p = _float_op(LOG1P, "``log(1 + input)``, exact for small x; -inf at -1. d/dx = 1/(1 + x).")
rsqrt = _float_op(RSQRT, "``1 / sqrt(input)``; inf at 0, nan below. d/dx = -1/(2 x**1.5).")
reciprocal = _float_op(RECIPROCAL, "``1 / input``; integers divide as floats. d/dx = -1/x**2.")
erf = _float_op(ERF, "Error function. d/dx = 2/sqrt(pi) exp(-x**2).")
erfc = _float_op(ERFC, "``1 - erf(input)``, exact in the tail. d/dx = -2/sqrt(pi) exp(-x**2).")
erfinv = _float_op(ERFINV, "Inverse error function; +-inf at +-1, nan beyond. "
                           "d/dx = sqrt(pi)/2 exp(erfinv(x)**2).")
i0 = _float_op(I0, "Modified Bessel function of the first kind, order 0. d/dx = i1(x).")


def _rounding_op(op: OpDef, doc: str, name: str | None = None):
    """The public function ``name(input, *, out=None)`` of a rounding op, named after the op
    unless ``name`` gives an alias: integer tensors are copied, bool ones refused."""
    name = name or op.name

    def function(input, *, out=None):
        check_tensor(name, input)
        if input.dtype is dtypes.bool_:
            raise not_implemented(f"{op.name}_vml_cpu", input.dtype)
        result = apply(op, (input,)) if input.dtype.is_floating_point else clone(input)
        return write_out(name, result, out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc + """ Integer tensors are returned as a copy. The gradient is 0.

Raises
------
TypeError
    If ``input`` is not a tensor.
NotImplementedError
    For a bool tensor, as torch."""
    return function


floor = _rounding_op(FLOOR, "The largest integer not above each element.")
ceil = _rounding_op(CEIL, "The smallest integer not below each element.")
trunc = _rounding_op(TRUNC, "Each element rounded toward zero.")
fix = _rounding_op(TRUNC, "Alias of :func:`trunc`.", "fix")
_round = _rounding_op(ROUND, "")


def round(input, *, decimals: int = 0, out=None):  # noqa: A001 - torch's name
    """Round to the nearest integer, or to ``decimals`` decimal places, ties to even (as C's
    ``nearbyint``): ``round(2.5) = 2``, ``round(-0.5) = -0.0``. With ``decimals = d``, torch's
    ``nearbyint(x * 10**d) / 10**d`` (``nearbyint(x / 10**-d) * 10**-d`` for d < 0), scaled in
    x's precision. The gradient is 0.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    NotImplementedError
        For a bool tensor, or an integer tensor with ``decimals`` other than 0, as torch.
    """
    if decimals == 0:
        return _round(input, out=out)
    check_tensor("round", input)
    if not input.dtype.is_floating_point:
        raise not_implemented("round_cpu", input.dtype)
    scale = 10.0 ** decimals if decimals > 0 else -(10.0 ** -decimals)
    x, p = operands("round", input, scale, dtype=input.dtype)
    return write_out("round", apply(ROUND_DECIMALS, (x, p)), out)


def frac(input, *, out=None):
    """The fractional part, ``input - trunc(input)``, with the sign of ``input``; nan for
    infinities. d/dx = 1.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    check_tensor("frac", input)
    if not input.dtype.is_floating_point:
        raise not_implemented("frac_cpu", input.dtype)
    return write_out("frac", apply(FRAC, (input,)), out)


def sgn(input, *, out=None):
    """The sign of each element (-1, 0 or 1), as :func:`sign` for real tensors; integer and bool
    tensors keep their dtype. The gradient is 0.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("sgn", input)
    return write_out("sgn", ew.sign(input), out)


def signbit(input, *, out=None):
    """Whether the sign bit of each element is set, as a bool tensor: True for -0.0 and for
    negative numbers (no gradient).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``out`` is not a bool tensor, as torch.
    """
    check_tensor("signbit", input)
    if out is not None and getattr(out, "dtype", None) is not dtypes.bool_:
        raise RuntimeError("signbit does not support non-boolean outputs.")
    return write_out("signbit", apply(SIGNBIT, (input,)), out)


def positive(input):
    """``input`` itself (``+input``).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        For a bool tensor, as torch.
    """
    check_tensor("positive", input)
    if input.dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def logit(input, eps: float | None = None, *, out=None):
    """``log(p / (1 - p))``, with ``p`` the input clamped to ``[eps, 1 - eps]`` when ``eps`` is
    given (a negative ``eps`` is no clamp, as in torch).

    d/dx = 1/(x (1 - x)) inside the clamp, 0 outside it (nan outside [0, 1] without ``eps``).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("logit", input)
    x = _floating(input)
    x, e = operands("logit", x, -1.0 if eps is None else float(eps), dtype=x.dtype)
    return write_out("logit", apply(LOGIT, (x, e)), out)


def nan_to_num(input, nan: float | None = 0.0, posinf: float | None = None,
               neginf: float | None = None, *, out=None):
    """nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default, or when
    None, 0 and the largest and lowest finite values of the dtype). Integer and bool tensors are
    copied.

    d/dx = 1 where x is finite, 0 elsewhere.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("nan_to_num", input)
    if not input.dtype.is_floating_point:
        return write_out("nan_to_num", clone(input), out)
    np_type = input._data.dtype.type
    finfo = np.finfo(np_type)
    with np.errstate(over="ignore"):  # 1e300 into float32 is inf, as in torch
        values = [np_type(v) for v in (nan or 0.0, finfo.max if posinf is None else posinf,
                                       finfo.min if neginf is None else neginf)]
    tensors = operands("nan_to_num", input, *values, dtype=input.dtype)
    return write_out("nan_to_num", apply(NAN_TO_NUM, tensors), out)


def _scaled_op(name: str, factor: float, doc: str):
    """The public function ``name(input, *, out=None)`` of a unit conversion, ``input * factor``
    (integer and bool tensors as the default float type)."""
    def function(input, *, out=None):
        check_tensor(name, input)
        return write_out(name, ew.mul(_floating(input), factor), out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc + NOT_A_TENSOR
    return function


deg2rad = _scaled_op("deg2rad", math.pi / 180, "Degrees to radians, ``input * pi / 180``. "
                                               "d/dx = pi/180.")
rad2deg = _scaled_op("rad2deg", 180 / math.pi, "Radians to degrees, ``input * 180 / pi``. "
                                               "d/dx = 180/pi.")


_NEW = (sin, cos, tan, asin, arcsin, acos, arccos, atan, arctan, sinh, cosh, asinh, arcsinh,
        acosh, arccosh, atanh, arctanh, exp2, expm1, log2, log10, log1p, rsqrt, reciprocal, erf,
        erfc, erfinv, i0, floor, ceil, trunc, fix, round, frac, sgn, logit, nan_to_num, deg2rad,
        rad2deg)
# The elementwise ops already have their methods; they gain their in-place forms here.
_ELEMENTWISE = (ew.exp, ew.log, ew.sqrt, ew.abs, ew.neg, ew.sign, ew.sigmoid, ew.tanh, ew.square)

METHODS: dict = {
    **{fn.__name__: fn for fn in _NEW},
    **{fn.__name__ + "_": inplace_method(fn) for fn in _NEW + _ELEMENTWISE},
    "absolute": ew.absolute, "absolute_": inplace_method(ew.absolute),
    "negative_": inplace_method(ew.negative), "signbit": signbit, "positive": positive,
    "__pos__": positive,
}
