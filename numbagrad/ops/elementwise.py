"""Elementwise operations: the primitives built from the formulas in :mod:`numbagrad.ops.scalar`,
and the public functions that call them with torch's type promotion and broadcasting.

Adding an elementwise op takes its formula and vjp in ``ops/scalar.py``, one registration line
here, and a spec line in ``tests/ops/specs_elementwise.py``.
"""
from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import _enabled
from numbagrad.ops import scalar as F
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.tensor import Tensor

# ---------------------------------------------------------------------------- templates


def _map_forward(fn, out_bool, be, *arrays):
    return be.map(fn, list(arrays), np.bool_ if out_bool else arrays[0].dtype)


def _saved(node, g):
    """The saved inputs and output of ``node``; ``g`` stands in for values the formula does not
    read (they are not kept, so that in-place writes to them do not invalidate the graph)."""
    inputs = node.inputs if node.inputs is not None else [g] * len(node.in_shapes)
    return list(inputs), (node.output if node.output is not None else g)


def _unary_vjp(fn, be, g, node):
    (x,), out = _saved(node, g)
    return (be.map(fn, [x, out, g], g.dtype),)


def _binary_vjp(fn, be, g, node):
    (a, b), out = _saved(node, g)
    ga, gb = be.map(fn, [a, b, out, g], g.dtype, n_out=2)
    return (unbroadcast(be, ga, node.in_shapes[0]) if node.needs[0] else None,
            unbroadcast(be, gb, node.in_shapes[1]) if node.needs[1] else None)


def _unary(name, fn, vjp_fn, out_bool=False, saves=("in", "out")):
    """Register a one-input op; ``saves`` names what its vjp formula reads (``"in"``, ``"out"``)."""
    return register(OpDef(name, partial(_map_forward, fn, out_bool),
                          None if vjp_fn is None else partial(_unary_vjp, vjp_fn),
                          kernels=("map",), saves_inputs=vjp_fn is not None and "in" in saves,
                          saves_output=vjp_fn is not None and "out" in saves,
                          nondiff=(0,) if vjp_fn is None else ()))


def _binary(name, fn, vjp_fn, out_bool=False, nondiff=(), saves=("in",),
            saved_for_others=False):
    """Register a two-input op; ``saves`` names what its vjp formula reads (``"in"``, ``"out"``);
    ``saved_for_others``: each input is read only for the other's gradient (see ``OpDef``)."""
    return register(OpDef(name, partial(_map_forward, fn, out_bool),
                          None if vjp_fn is None else partial(_binary_vjp, vjp_fn),
                          kernels=("map",), saves_inputs=vjp_fn is not None and "in" in saves,
                          saves_output=vjp_fn is not None and "out" in saves,
                          saved_for_others=saved_for_others,
                          nondiff=(0, 1) if vjp_fn is None else nondiff))


def _add_vjp(be, g, node):
    return (unbroadcast(be, g, node.in_shapes[0]) if node.needs[0] else None,
            unbroadcast(be, g, node.in_shapes[1]) if node.needs[1] else None)


def _sub_vjp(be, g, node):
    gb = be.map(F.neg, [g], g.dtype) if node.needs[1] else None
    return (unbroadcast(be, g, node.in_shapes[0]) if node.needs[0] else None,
            unbroadcast(be, gb, node.in_shapes[1]) if node.needs[1] else None)


def _neg_vjp(be, g, node):
    return (be.map(F.neg, [g], g.dtype),)


def _where_vjp(be, g, node):
    c = node.inputs[0]
    zero = be.zeros((), g.dtype)
    ga = be.map(F.where, [c, g, zero], g.dtype) if node.needs[1] else None
    gb = be.map(F.where, [c, zero, g], g.dtype) if node.needs[2] else None
    return (None,
            None if ga is None else unbroadcast(be, ga, node.in_shapes[1]),
            None if gb is None else unbroadcast(be, gb, node.in_shapes[2]))


def _clamp_vjp(be, g, node):
    """Gradients of ``clamp`` with tensor bounds: to x inside, to the bound that clamped it."""
    x, lo, hi = node.inputs
    fns = (F.clamp_vjp_input, F.clamp_vjp_min, F.clamp_vjp_max)
    return tuple(unbroadcast(be, be.map(fn, [x, lo, hi, g], g.dtype), shape) if need else None
                 for fn, need, shape in zip(fns, node.needs, node.in_shapes))


def _where_forward(be, c, a, b):
    return be.map(F.where, [c, a, b], a.dtype)


def _to_copy_forward(be, x, dtype):
    return be.astype(x, dtype)


def _to_copy_vjp(be, g, node):
    return (be.astype(g, node.in_dtypes[0]),)


ADD = register(OpDef("add", partial(_map_forward, F.add, False), _add_vjp, kernels=("map", "sum")))
SUB = register(OpDef("sub", partial(_map_forward, F.sub, False), _sub_vjp, kernels=("map", "sum")))
NEG = register(OpDef("neg", partial(_map_forward, F.neg, False), _neg_vjp, kernels=("map",)))
MUL = _binary("mul", F.mul, F.mul_vjp, saved_for_others=True)
DIV = _binary("div", F.div, F.div_vjp, saves=("in", "out"))
POW = _binary("pow", F.pow, F.pow_vjp, saves=("in", "out"))
CLAMP_MIN = _binary("clamp_min", F.clamp_min, F.clamp_min_vjp)
CLAMP_MAX = _binary("clamp_max", F.clamp_max, F.clamp_max_vjp)
CLAMP = register(OpDef("clamp", partial(_map_forward, F.clamp, False), _clamp_vjp,
                       kernels=("map", "sum"), saves_inputs=True))
LEAKY_RELU = _binary("leaky_relu", F.leaky_relu, F.leaky_relu_vjp, nondiff=(1,))
EXP = _unary("exp", F.exp, F.exp_vjp, saves=("out",))
LOG = _unary("log", F.log, F.log_vjp, saves=("in",))
SQRT = _unary("sqrt", F.sqrt, F.sqrt_vjp, saves=("out",))
ABS = _unary("abs", F.abs, F.abs_vjp, saves=("in",))
SIGN = _unary("sign", F.sign, F.sign_vjp, saves=())
RELU = _unary("relu", F.relu, F.relu_vjp, saves=("out",))
SIGMOID = _unary("sigmoid", F.sigmoid, F.sigmoid_vjp, saves=("out",))
TANH = _unary("tanh", F.tanh, F.tanh_vjp, saves=("out",))
WHERE = register(OpDef("where", _where_forward, _where_vjp,
                       kernels=("map", "sum"), saves_inputs=True, nondiff=(0,)))
TO_COPY = register(OpDef("to_copy", _to_copy_forward, _to_copy_vjp, kernels=("astype",),
                         half=True))


# ---------------------------------------------------------------------------- argument checks


def check_tensor(op: str, value, arg: str = "input", position: int | None = 1) -> None:
    """TypeError in torch's words when ``value`` is not a tensor:
    ``sin(): argument 'input' (position 1) must be Tensor, not list``."""
    if not isinstance(value, Tensor):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{op}(): argument '{arg}'{where} must be Tensor, not "
                        f"{type(value).__name__}")


def not_implemented(kernel: str, d: dtypes.dtype) -> NotImplementedError:
    """torch's error for a dtype that its kernel ``kernel`` has no loop for, to raise:
    ``"sin_vml_cpu" not implemented for 'Long'``."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{dtypes.scalar_name(d)}\'')


def write_out(op: str, result: Tensor, out) -> Tensor:
    """``result`` itself, or, given torch's ``out=`` tensor, ``result`` written into it.

    As torch: ``out`` is resized to the result's shape (with a warning unless it was empty),
    the result must be castable to ``out``'s dtype, and nothing that requires grad may take
    part while gradients are recorded (``out=`` is not differentiable).

    Raises
    ------
    TypeError
        If ``out`` is not a tensor.
    RuntimeError
        For a dtype ``out`` cannot hold, another device, or a graph being recorded.
    """
    if out is None:
        return result
    check_tensor(op, out, "out", None)
    if _enabled.get() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out.device != result.device:
        raise RuntimeError(f"{op}(): expected out tensor to be on {result.device}, but found "
                           f"it on {out.device}")
    if result.dtype.category > out.dtype.category:
        raise RuntimeError(f"result type {dtypes.scalar_name(result.dtype)} can't be cast to "
                           f"the desired output type {dtypes.scalar_name(out.dtype)}")
    be = out._backend()
    if tuple(out.shape) != tuple(result.shape):
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements.",
                UserWarning, stacklevel=3)
        out._data = be.empty(tuple(result.shape), out._data.dtype)
    be.assign(out._data, cast(result.detach(), out.dtype)._data)
    out._version.value += 1
    return out


# ---------------------------------------------------------------------------- public functions


def _check_broadcast(op: str, shapes: list) -> None:
    """RuntimeError naming the op, the sizes and the dimension that cannot broadcast."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    for d in range(ndim):
        sizes = [p[d] for p in padded if p[d] != 1]
        other = next((n for n in sizes if n != sizes[0]), None)
        if other is not None:
            raise RuntimeError(
                f"{op}: The size of tensor a ({sizes[0]}) must match the size of tensor b "
                f"({other}) at non-singleton dimension {d} (shapes: "
                f"{', '.join(str(list(s)) for s in shapes)})"
            )


def _same_kind(xs: tuple):
    """The operands unchanged when no promotion or broadcast check is needed (the hot path):
    one tensor, or two tensors of one dtype and shape, or a float tensor and a Python number."""
    a = xs[0]
    if type(a) is not Tensor:
        return None
    if len(xs) == 1:
        return xs
    if len(xs) != 2:
        return None
    b = xs[1]
    if type(b) is Tensor:
        if a._data.dtype == b._data.dtype and a._data.shape == b._data.shape:
            return xs
        return None
    kind = type(b)
    if (kind is float or kind is int) and a._data.dtype.kind == "f":
        scalar = Tensor._make(a._backend().from_host(np.array(b, a._data.dtype)), a._device)
        return a, scalar
    return None


def cast(x, dtype: dtypes.dtype):
    """``x`` converted to ``dtype``; differentiable (the gradient is converted back)."""
    if x.dtype is dtype:
        return x
    return apply(TO_COPY, (x,), dtype=dtype.np_type)


def operands(op: str, *xs, dtype: dtypes.dtype | None = None) -> tuple:
    """Tensors of one dtype and device from tensors and Python numbers, broadcast-checked.

    The dtype is torch's result type of ``xs`` unless given; numbers become 0-d tensors.
    """
    fast = _same_kind(xs) if dtype is None else None
    if fast is not None:
        return fast
    # A NumPy array operand acts as a tensor sharing its memory, as in torch.
    xs = tuple(_from_numpy(x) if isinstance(x, np.ndarray) else x for x in xs)
    first = next((x for x in xs if isinstance(x, Tensor)), None)
    if first is None:
        raise TypeError(f"{op}(): expected at least one Tensor argument, got "
                        f"{', '.join(type(x).__name__ for x in xs)}")
    if dtype is None:
        dtype = dtypes.result_type(*xs)
    out = []
    for position, x in enumerate(xs, 1):
        if isinstance(x, Tensor):
            out.append(cast(x, dtype))
        elif isinstance(x, (bool, int, float, np.number, np.bool_)):
            array = first._backend().from_host(np.asarray(x, dtype.np_type))
            out.append(Tensor._make(array, first._device))
        else:
            # A binary op's operands are torch's ``input`` and ``other``.
            name = f"'{('input', 'other')[position - 1]}' " if len(xs) == 2 else ""
            raise TypeError(f"{op}(): expected Tensor or number arguments, but got "
                            f"{type(x).__name__} for argument {name}(position {position})")
    shapes = [t._data.shape for t in out]
    if any(s != shapes[0] for s in shapes):
        _check_broadcast(op, shapes)
    return tuple(out)


def _from_numpy(array):
    from numbagrad.creation import from_numpy

    return from_numpy(array if all(s >= 0 for s in array.strides) else array.copy())


def _floating(x):
    """Integer tensors go through float functions (exp, log, ...) as the default float type."""
    return x if x.dtype.is_floating_point else cast(x, dtypes.get_default_dtype())


def _scaled(input, other, alpha):
    """``alpha * other`` for add/sub; a float alpha needs a floating result, as in torch."""
    if alpha == 1 and not isinstance(alpha, float):
        return other
    if isinstance(alpha, (float, np.floating)) and not dtypes.result_type(
            input, other).is_floating_point:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def _is_bool(x) -> bool:
    return x.dtype is dtypes.bool_ if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _check_bool_sub(input, other) -> None:
    """torch refuses ``-`` on bool tensors and names the operator that was probably meant."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcast. d/d input = 1, d/d other = alpha.

    Raises
    ------
    RuntimeError
        If ``alpha`` is a float and the result type is not floating point.
    """
    result = apply(ADD, operands("add", input, _scaled(input, other, alpha)))
    return result if out is None else write_out("add", result, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``, broadcast. d/d input = 1, d/d other = -alpha.

    Raises
    ------
    RuntimeError
        For bool operands (as torch), or a float ``alpha`` with a non-floating result type.
    """
    _check_bool_sub(input, other)
    result = apply(SUB, operands("sub", input, _scaled(input, other, alpha)))
    return result if out is None else write_out("sub", result, out)


subtract = sub


def rsub(input, other):
    """``other - input`` (Python's reflected subtraction)."""
    _check_bool_sub(other, input)
    return apply(SUB, operands("sub", other, input))


def mul(input, other, *, out=None):
    """``input * other``, broadcast. d/da = b, d/db = a."""
    result = apply(MUL, operands("mul", input, other))
    return result if out is None else write_out("mul", result, out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``, broadcast: true division (integers divide as floats), or rounded
    towards zero (``rounding_mode='trunc'``) or down (``'floor'``) in the operands' type.

    d/da = 1/b, d/db = -a/b**2; the rounded forms have zero gradients (as torch).

    Raises
    ------
    RuntimeError
        For another ``rounding_mode``, or an integer division by zero when rounding.
    NotImplementedError
        For rounding bool tensors, as torch.
    """
    if rounding_mode is not None:
        from numbagrad.ops import division  # imported here: division imports this module

        return division.rounded_div(input, other, rounding_mode, out)
    dtype = dtypes.result_type(input, other)
    if not dtype.is_floating_point:
        dtype = dtypes.get_default_dtype()
    result = apply(DIV, operands("div", input, other, dtype=dtype))
    return result if out is None else write_out("div", result, out)


divide = div


def true_divide(dividend, divisor, *, out=None):
    """``dividend / divisor``: ``div`` without rounding. d/da = 1/b, d/db = -a/b**2."""
    return div(dividend, divisor, out=out)


def rdiv(input, other):
    """``other / input`` (Python's reflected division)."""
    return div(other, input)


def pow(input, exponent, *, out=None):  # noqa: A001
    """``input ** exponent``. d/da = b a**(b-1), d/db = a**b log(a) (0 where a = 0 <= b).

    Raises
    ------
    RuntimeError
        For an integer tensor raised to a negative integer number, as torch.
    NotImplementedError
        For bool tensors on both sides, as torch.
    """
    if (isinstance(exponent, (int, np.integer)) and exponent < 0
            and not dtypes.result_type(input, exponent).is_floating_point):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    base, power = operands("pow", input, exponent)
    if base._data.dtype.kind == "b" and isinstance(exponent, Tensor):
        # A bool number exponent is torch's special case (x ** True is x, x ** False ones).
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    result = apply(POW, (base, power))
    return result if out is None else write_out("pow", result, out)


def square(input, *, out=None):
    """``input ** 2``; bool tensors square as int64, as torch's. d/dx = 2x.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("square", input)
    if input.dtype is dtypes.bool_:
        input = cast(input, dtypes.int64)
    result = mul(input, input)
    return result if out is None else write_out("square", result, out)


multiply = mul


def neg(input, *, out=None):
    """``-input``. d/dx = -1.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        For a bool tensor, as torch.
    """
    check_tensor("neg", input)
    if input.dtype is dtypes.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    result = apply(NEG, (input,))
    return result if out is None else write_out("neg", result, out)


def negative(input, *, out=None):
    """Alias of :func:`neg`."""
    check_tensor("negative", input)
    return neg(input, out=out)


NOT_A_TENSOR = """

Raises
------
TypeError
    If ``input`` is not a tensor."""


def _float_op(op: OpDef, doc: str, name: str | None = None):
    """The public function ``name(input, *, out=None)`` of a one-input float op, named after
    the op unless ``name`` gives an alias: integer and bool tensors are computed as the default
    float type, as torch does. ``doc`` gains the Raises section."""
    name = name or op.name

    def function(input, *, out=None):
        check_tensor(name, input)
        result = apply(op, (_floating(input),))
        return result if out is None else write_out(name, result, out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc + NOT_A_TENSOR
    return function


exp = _float_op(EXP, "``e ** input``. d/dx = exp(x).")
log = _float_op(LOG, "Natural logarithm; nan below 0, -inf at 0. d/dx = 1/x.")
sqrt = _float_op(SQRT, "Square root; nan below 0. d/dx = 1/(2 sqrt(x)).")
sigmoid = _float_op(SIGMOID, "``1 / (1 + exp(-input))``, stable for large |x|. "
                             "d/dx = s (1 - s).")
tanh = _float_op(TANH, "Hyperbolic tangent. d/dx = 1 - tanh(x)**2.")


def abs(input, *, out=None):  # noqa: A001
    """Absolute value. d/dx = sign(x) (0 at 0).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    NotImplementedError
        For a bool tensor, as torch.
    """
    check_tensor("abs", input)
    if input.dtype is dtypes.bool_:
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
    result = apply(ABS, (input,))
    return result if out is None else write_out("abs", result, out)


def absolute(input, *, out=None):
    """Alias of :func:`abs`."""
    check_tensor("absolute", input)
    return abs(input, out=out)


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element. The gradient is 0.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("sign", input)
    result = apply(SIGN, (input,))
    return result if out is None else write_out("sign", result, out)


def relu(input):
    """``max(input, 0)``. d/dx = 1 where x > 0, else 0 (0 at 0).

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_tensor("relu", input)
    return apply(RELU, (input,))


def leaky_relu(input, negative_slope: float = 0.01):
    """``x if x > 0 else negative_slope * x``. d/dx = 1 or negative_slope."""
    x, slope = operands("leaky_relu", input, negative_slope, dtype=input.dtype)
    return apply(LEAKY_RELU, (x, slope))


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Limit every element to ``[min, max]`` (numbers, or tensors broadcast with ``input``).

    d/dx = 1 inside (bounds included), else 0; with tensor bounds the gradient goes to the
    bound that clamped the element (to ``max`` alone where ``min > max``, as torch).

    Raises
    ------
    RuntimeError
        If both bounds are None.
    TypeError
        For one tensor bound and one number (torch takes both of one kind).
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = _clamp_tensors(input, min, max)
    else:
        x = input
        if min is not None:
            x = apply(CLAMP_MIN, operands("clamp", x, min))
        if max is not None:
            x = apply(CLAMP_MAX, operands("clamp", x, max))
        result = x
    return result if out is None else write_out("clamp", result, out)


def _clamp_tensors(input, min, max):  # noqa: A002
    """``clamp`` with tensor bounds: one primitive for both, so that each bound's gradient
    follows torch's rule, which needs both bounds."""
    if not all(b is None or isinstance(b, Tensor) for b in (min, max)):
        if all(b.ndim == 0 and not b.requires_grad for b in (min, max) if isinstance(b, Tensor)):
            # torch's argument parser reads a 0-d tensor that needs no gradient as a number.
            return clamp(input, *(b.item() if isinstance(b, Tensor) else b for b in (min, max)))
        raise invalid_arguments("clamp", (input, min, max), (
            "Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
            "Tensor input, Number min = None, Number max = None, *, Tensor out = None"))
    if max is None:
        return apply(CLAMP_MIN, operands("clamp", input, min))
    if min is None:
        return apply(CLAMP_MAX, operands("clamp", input, max))
    return apply(CLAMP, operands("clamp", input, min, max))


clip = clamp


def clamp_min(input, min):  # noqa: A002
    """``max(input, min)``, elementwise: :func:`clamp` with a lower bound only (a number or a
    tensor broadcast against ``input``)."""
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    """``min(input, max)``, elementwise: :func:`clamp` with an upper bound only."""
    return clamp(input, max=max)


def apply_to_tensors(op: OpDef, input, other, out) -> Tensor:
    """``op`` on two tensors (torch takes no numbers here), promoted and broadcast, written
    into ``out`` if given; TypeError in torch's words for anything else."""
    check_tensor(op.name, input)
    check_tensor(op.name, other, "other", 2)
    return write_out(op.name, apply(op, operands(op.name, input, other)), out)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``, all broadcast together; with the
    condition alone, ``nonzero(condition, as_tuple=True)``.

    The gradient goes to ``input`` where the condition holds and to ``other`` elsewhere.

    Raises
    ------
    TypeError
        If ``condition`` is not a tensor.
    RuntimeError
        If ``condition`` is not a bool tensor, or the three do not broadcast.
    """
    if input is None and other is None:
        from numbagrad.ops.masked import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if condition.dtype is not dtypes.bool_:
        raise RuntimeError("where: expected condition to be a bool tensor, got "
                           f"{condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, (Tensor, np.ndarray)):
        # Two numbers: the first becomes a 0-d tensor of its own default dtype, and the
        # promotion with the second is torch's (1 and 0 give int64, 1.0 and 0 float32).
        from numbagrad.creation import tensor

        input = tensor(input, device=condition.device)
    a, b = operands("where", input, other)
    _check_broadcast("where", [condition._data.shape, a._data.shape, b._data.shape])
    return apply(WHERE, (condition, a, b))


# What torch's signatures call ``Number``: the Python and NumPy scalars an op takes beside tensors.
NUMBERS = (bool, int, float, np.number, np.bool_)


def invalid_arguments(op: str, args: tuple, signatures: tuple) -> TypeError:
    """torch's TypeError for arguments that match none of an op's signatures."""
    got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
    lines = "".join(f"\n * ({s})" for s in signatures)
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:{lines}\n")
