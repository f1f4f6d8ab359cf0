"""Activation functions (gelu, silu, elu, softplus, ...), used by numbagrad.nn.functional and nn's
modules.

Formulas and their derivatives live in ``ops/scalar_activation.py``; each op is registered here in
one line and its public function follows. ``METHODS`` lists the Tensor methods, in-place forms and
operators of this family; ``numbagrad/_tensor_methods.py`` binds them.

Each activation that would take several passes as a composite is one fused primitive; the cheap
ones (softsign, tanhshrink, rrelu, glu; relu6 and softmin in ``nn/functional.py``) are
composites. The float-only ops of one input share one public-function factory,
:func:`_float_only_function`. Scalar parameters (alpha, beta, lambd, ...) enter the kernels as
0-d operands of the input's dtype, so that one compiled kernel serves every value.
"""
from __future__ import annotations

import operator
from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar_activation as F
from numbagrad.ops.elementwise import _map_forward, _unary, check_tensor, not_implemented, operands
from numbagrad.ops.inplace import inplace
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor


def _param_vjp(fn, be, g, node):
    """The gradient of the tensor input from ``fn(x, *params, g)``; parameters get none."""
    grad = be.map(fn, [*node.inputs, g], g.dtype)
    return (grad,) + (None,) * (len(node.inputs) - 1)


def _with_params(name, fn, vjp_fn):
    """Register an op of one tensor and scalar parameters (0-d operands after it)."""
    return register(OpDef(name, partial(_map_forward, fn, False), partial(_param_vjp, vjp_fn),
                          kernels=("map",), saves_inputs=True, nondiff=(1, 2)))


GELU = _unary("gelu", F.gelu, F.gelu_vjp, saves=("in",))
GELU_TANH = _unary("gelu_tanh", F.gelu_tanh, F.gelu_tanh_vjp, saves=("in",))
SILU = _unary("silu", F.silu, F.silu_vjp, saves=("in",))
MISH = _unary("mish", F.mish, F.mish_vjp, saves=("in",))
ELU = _with_params("elu", F.elu, F.elu_vjp)
CELU = _with_params("celu", F.celu, F.celu_vjp)
SELU = _unary("selu", F.selu, F.selu_vjp, saves=("in",))
SOFTPLUS = _with_params("softplus", F.softplus, F.softplus_vjp)
LOGSIGMOID = _unary("logsigmoid", F.logsigmoid, F.logsigmoid_vjp, saves=("in",))
HARDTANH = _with_params("hardtanh", F.hardtanh, F.hardtanh_vjp)
HARDSIGMOID = _unary("hardsigmoid", F.hardsigmoid, F.hardsigmoid_vjp, saves=("in",))
HARDSWISH = _unary("hardswish", F.hardswish, F.hardswish_vjp, saves=("in",))
HARDSHRINK = _with_params("hardshrink", F.hardshrink, F.hardshrink_vjp)
SOFTSHRINK = _with_params("softshrink", F.softshrink, F.softshrink_vjp)
THRESHOLD = _with_params("threshold", F.threshold, F.threshold_vjp)
PRELU = ew._binary("prelu", F.prelu, F.prelu_vjp)


# ---------------------------------------------------------------- argument checks, shared shapes


def _floating_only(op: str, kernel: str, input) -> None:
    """torch's NotImplementedError for integer and bool inputs of a float-only kernel."""
    check_tensor(op, input)
    if not input.dtype.is_floating_point:
        raise not_implemented(kernel, input.dtype)


def _with(op: OpDef, input, *params):
    """``op`` applied to ``input`` and its scalar parameters, as 0-d tensors of its dtype."""
    return apply(op, operands(op.name, input, *params, dtype=input.dtype))


_FLOAT_ONLY_RAISES = """

Raises
------
NotImplementedError
    For integer and bool inputs, as torch."""


def _float_only_function(op: OpDef, kernel: str, doc: str):
    """The public function ``name(input)`` of a one-input op whose torch kernel ``kernel``
    takes floating inputs only."""
    def function(input):
        _floating_only(op.name, kernel, input)
        return apply(op, (input,))

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = doc + _FLOAT_ONLY_RAISES
    return function


# ---------------------------------------------------------------------------- smooth activations


def gelu(input, approximate: str = "none"):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.

    d/dx = Phi(x) + x phi(x) (or the derivative of the tanh form).

    Raises
    ------
    RuntimeError
        If ``approximate`` is not 'none' or 'tanh'.
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("gelu", "GeluKernelImpl", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(GELU if approximate == "none" else GELU_TANH, (input,))


silu = _float_only_function(SILU, "silu_cpu", "``x * sigmoid(x)`` (swish). "
                            "d/dx = s (1 + x (1 - s)), s = sigmoid(x).")
mish = _float_only_function(MISH, "mish_cpu", "``x * tanh(softplus(x))``. "
                            "d/dx = t + x sigmoid(x) (1 - t**2), t = tanh(softplus(x)).")


def elu(input, alpha: float = 1.0):
    """``x if x > 0 else alpha * (exp(x) - 1)``. d/dx = 1, or alpha exp(x) for x <= 0.

    Raises
    ------
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("elu", "elu_cpu", input)
    return _with(ELU, input, alpha)


def celu(input, alpha: float = 1.0):
    """``x if x > 0 else alpha * (exp(x / alpha) - 1)``. d/dx = 1, or exp(x / alpha) for x <= 0.

    Raises
    ------
    RuntimeError
        If ``alpha`` is 0.
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("celu", "elu_cpu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _with(CELU, input, alpha)


selu = _float_only_function(SELU, "elu_cpu", """\
``scale * (x if x > 0 else alpha * (exp(x) - 1))`` with torch's alpha = 1.6732632423543772
and scale = 1.0507009873554805. d/dx = scale, or scale alpha exp(x) for x <= 0.""")


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``.

    d/dx = sigmoid(beta x) (1 above the threshold).

    Raises
    ------
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("softplus", "softplus_cpu", input)
    return _with(SOFTPLUS, input, beta, threshold)


logsigmoid = _float_only_function(LOGSIGMOID, "log_sigmoid_cpu", """\
``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, finite for large |x|.

d/dx = 1 - sigmoid(x).""")


def softsign(input):
    """``x / (1 + |x|)`` (a composite, as torch's; integers give floats).

    d/dx = 1 / (1 + |x|)**2.
    """
    check_tensor("softsign", input)
    return ew.div(input, ew.add(ew.abs(input), 1))


def tanhshrink(input):
    """``x - tanh(x)`` (a composite, as torch's). d/dx = tanh(x)**2."""
    check_tensor("tanhshrink", input)
    return ew.sub(input, ew.tanh(input))


# ---------------------------------------------------------------------------- piecewise linear


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0):
    """``input`` clamped to ``[min_val, max_val]``; integer tensors stay integers.

    d/dx = 1 strictly inside, 0 outside and at the bounds themselves (torch's convention).

    Raises
    ------
    ValueError
        If ``min_val > max_val``.
    RuntimeError
        For a bool tensor, as torch.
    """
    check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    return _with(HARDTANH, input, min_val, max_val)


hardsigmoid = _float_only_function(HARDSIGMOID, "hardsigmoid_cpu",
                                   "``min(max(x + 3, 0), 6) / 6``. d/dx = 1/6 on (-3, 3), else 0.")
hardswish = _float_only_function(HARDSWISH, "hardswish_cpu", """\
``x * min(max(x + 3, 0), 6) / 6``. d/dx = x/3 + 1/2 on (-3, 3), 0 below, 1 from 3 on.""")


def hardshrink(input, lambd: float = 0.5):
    """``0`` on ``[-lambd, lambd]``, ``x`` elsewhere. d/dx = 0 on the band (ends included), else 1.

    Raises
    ------
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("hardshrink", "hardshrink_cpu", input)
    return _with(HARDSHRINK, input, lambd)


_FLOAT_MAX = {"float16": "65504", "float32": "3.40282e+38", "float64": "1.79769e+308"}


def softshrink(input, lambd: float = 0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, ``0`` between.

    d/dx = 1 outside ``[-lambd, lambd]``, 0 on it (ends included).

    Raises
    ------
    RuntimeError
        If ``lambd`` is negative or nan.
    NotImplementedError
        For integer and bool inputs, as torch.
    """
    _floating_only("softshrink", "softshrink_check", input)
    if not lambd >= 0:
        raise RuntimeError(
            f"lambda must be in range [0, {_FLOAT_MAX.get(input.dtype.name, '3.40282e+38')}] "
            f"for input dtype {dtypes.scalar_name(input.dtype)}, but found {lambd:g}"
        )
    return _with(SOFTSHRINK, input, lambd)


def threshold(input, threshold: float, value: float):
    """``value`` where ``x <= threshold``, else ``x``; integer tensors stay integers.

    d/dx = 1 where ``x > threshold``, else 0.

    Raises
    ------
    NotImplementedError
        For a bool tensor, as torch.
    """
    check_tensor("threshold", input)
    for name, position, number in (("threshold", 2, threshold), ("value", 3, value)):
        if not isinstance(number, ew.NUMBERS):
            raise TypeError(f"threshold(): argument '{name}' (position {position}) must be "
                            f"Number, not {type(number).__name__}")
    if input.dtype is dtypes.bool_:
        raise not_implemented("threshold_cpu", input.dtype)
    return _with(THRESHOLD, input, threshold, value)


_threshold = threshold  # for threshold_, whose parameter of that name hides the function


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator=None):
    """Randomized leaky ReLU: ``x if x > 0 else a * x``.

    In evaluation ``a = (lower + upper) / 2``; in training ``a`` is drawn uniformly from
    ``[lower, upper]`` for each element ``x <= 0``, from ``generator`` (the default one when
    None), as torch's CPU kernel draws them: one double uniform per such element, in order.
    d/dx = 1 for x > 0, else a (the same slopes the forward used).

    Raises
    ------
    RuntimeError
        If ``lower > upper``.
    NotImplementedError
        For integer and bool inputs, and for float16 in training on the CPU, as torch.
    """
    check_tensor("rrelu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not input.dtype.is_floating_point:
        raise not_implemented(
            "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu", input.dtype)
    if training and input.dtype.itemsize < 4 and input._device.type == "cpu":
        # torch's CPU kernel that draws the slopes has no half-precision form.
        raise not_implemented("rrelu_with_noise_out_cpu", input.dtype)
    if not training or lower == upper:
        return ew.leaky_relu(input, (lower + upper) / 2)
    slopes = _rrelu_slopes(input, lower, upper, generator)
    return apply(ew.LEAKY_RELU, (input, slopes))


def _rrelu_slopes(input, lower: float, upper: float, generator) -> Tensor:
    """The training slopes of rrelu, drawn as torch's ``_rrelu_with_noise_train``: for each
    element ``x <= 0`` in order, ``uniform_real_distribution<double>(lower, upper)`` (53 bits of
    one 64-bit draw) with the bounds first rounded to the input's opmath type; 1 elsewhere (NaN
    included). That kernel is compiled without fused multiply-add, so ``u * (upper - lower) +
    lower`` is rounded twice here too (``Tensor.uniform_``'s kernel fuses it)."""
    from numbagrad.random import draw, mt19937

    np_type = input._data.dtype
    op_type = np.float64 if np_type == np.float64 else np.float32
    low, high = float(op_type(lower)), float(op_type(upper))
    if input._device.type == "cpu" and np_type != np.float16:
        # One kernel reads the input and draws (a compiled step replays it).
        slopes = draw.rrelu_slopes(draw.resolve(generator), input._data, low, high)
        return Tensor._make(slopes, input._device)
    values = input.detach().cpu().numpy().reshape(-1)
    negative = values <= 0
    bits = np.empty(int(negative.sum()), dtype=np.uint64)
    mt19937.fill_random64(draw.resolve(generator)._engine, bits)
    unit = (bits & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    slopes = np.ones(values.shape, np_type)
    slopes[negative] = (unit * (high - low) + low).astype(np_type)
    slopes = slopes.reshape(tuple(input.shape))
    return Tensor._make(input._backend().from_host(slopes), input._device)


def prelu(input, weight):
    """``x if x > 0 else w * x`` with one learnable slope per channel (dim 1), or one for all.

    d/dx = 1 or w; d/dw = sum of x * g over the elements with x <= 0 of its channel.

    Raises
    ------
    RuntimeError
        For a weight that is not 0-d or 1-d, a number of slopes that is neither 1 nor the
        channel count, or dtypes that differ.
    """
    check_tensor("prelu", input)
    check_tensor("prelu", weight, "weight", 2)
    if weight.ndim > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{dtypes.scalar_name(input.dtype)} and "
                           f"{dtypes.scalar_name(weight.dtype)}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    if n == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return apply(PRELU, (input, w))


# ---------------------------------------------------------------------------- in place


def celu_(input, alpha: float = 1.0):
    """:func:`celu` written into ``input``."""
    return inplace(input, celu, alpha)


def selu_(input):
    """:func:`selu` written into ``input``."""
    return inplace(input, selu)


def threshold_(input, threshold: float, value: float):
    """:func:`threshold` written into ``input``."""
    return inplace(input, _threshold, threshold, value)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator=None):
    """:func:`rrelu` written into ``input``."""
    return inplace(input, rrelu, lower, upper, training, generator)


# ---------------------------------------------------------------------------- along a dimension


def glu(input, dim: int = -1):
    """Gated linear unit: ``a * sigmoid(b)``, where ``a`` and ``b`` are the halves of ``input``
    along ``dim`` (a composite).

    Raises
    ------
    RuntimeError
        For a 0-d input or an odd size along ``dim``.
    IndexError
        If ``dim`` is out of range.
    NotImplementedError
        For integer and bool inputs.
    """
    from numbagrad.ops.shape import chunk
    from numbagrad.tensor import wrap_dim

    check_tensor("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(operator.index(dim), input.ndim, "glu")
    if input.shape[axis] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size "
                           f"{input.shape[axis]}")
    if not input.dtype.is_floating_point:
        raise not_implemented("glu_cpu", input.dtype)
    a, b = chunk(input, 2, axis)
    return ew.mul(a, ew.sigmoid(b))


# torch's Tensor has only these two of the family as methods (no in-place forms).
METHODS = {
    "hardshrink": hardshrink,
    "prelu": prelu,
}
