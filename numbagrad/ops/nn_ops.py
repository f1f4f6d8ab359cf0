"""Neural-network primitives: softmax and log-softmax, fused and stable, along any dimension.

Both are primitives rather than compositions of ``exp``, ``sum`` and ``div``: one kernel reads
the input twice and writes the output once, subtracting each row's maximum so that logits like
1000 do not overflow, and the vjp is one kernel too.
"""
from __future__ import annotations

import operator

from numbagrad import dtypes
from numbagrad.ops.elementwise import cast
from numbagrad.ops.registry import OpDef, apply, register



def _softmax_forward(be, x, dim):
    return be.softmax(x, dim)


def _softmax_vjp(be, g, node):
    """``dx = y * (g - sum(g * y))`` along ``dim``, from the saved output ``y``."""
    return (be.softmax_vjp(g, node.output, node.attrs["dim"]),)


def _log_softmax_forward(be, x, dim):
    return be.log_softmax(x, dim)


def _log_softmax_vjp(be, g, node):
    """``dx = g - exp(y) * sum(g)`` along ``dim``, from the saved output ``y``."""
    return (be.log_softmax_vjp(g, node.output, node.attrs["dim"]),)


SOFTMAX = register(OpDef("softmax", _softmax_forward, _softmax_vjp,
                         kernels=("softmax", "softmax_vjp"), saves_output=True))
LOG_SOFTMAX = register(OpDef("log_softmax", _log_softmax_forward, _log_softmax_vjp,
                             kernels=("log_softmax", "log_softmax_vjp"), saves_output=True))


def _prepare(op: str, input, dim, dtype):
    """The floating input (cast to ``dtype`` when given) and ``dim`` as a non-negative axis."""
    from numbagrad.tensor import Tensor, wrap_dim

    if not isinstance(input, Tensor):
        raise TypeError(
            f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError(
            f"{op}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}"
        )
    axis = wrap_dim(operator.index(dim), input.ndim, op)
    target = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    if not target.is_floating_point:
        raise NotImplementedError(
            f"{op}: \"{op}\" not implemented for '{dtypes.scalar_name(target)}'; pass "
            "dtype=numbagrad.float32 or convert the input with .float()"
        )
    return cast(input, target), axis


def softmax(input, dim: int, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably (each row's maximum subtracted).

    Derivative: ``dx = y * (g - sum(g * y))`` along ``dim``, where ``y`` is the output.

    Parameters
    ----------
    input : Tensor
        Floating point (as in torch, integer inputs need ``dtype``).
    dim : int
        The dimension whose slices sum to 1. Required: torch's implicit choice is deprecated.
    dtype : numbagrad.dtype, optional
        Cast the input to this floating type first (the cast is part of the graph).

    Returns
    -------
    Tensor
        ``input``'s shape, in ``dtype`` (or ``input``'s type). A slice holding ``nan`` or
        ``inf``, or only ``-inf``, comes out ``nan``, as in torch.

    Raises
    ------
    TypeError
        If ``dim`` is missing or not an int.
    IndexError
        If ``dim`` is out of range.
    NotImplementedError
        For an integer or bool result type.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.softmax(torch.tensor([1000.0, 1000.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    x, axis = _prepare("softmax", input, dim, dtype)
    return apply(SOFTMAX, (x,), dim=axis)


def log_softmax(input, dim: int, dtype=None):
    """``x - max - log(sum(exp(x - max)))`` along ``dim``: the log of :func:`softmax`, stable.

    Derivative: ``dx = g - exp(y) * sum(g)`` along ``dim``, where ``y`` is the output.

    Parameters
    ----------
    input : Tensor
        Floating point (as in torch, integer inputs need ``dtype``).
    dim : int
        The dimension to normalise over. Required.
    dtype : numbagrad.dtype, optional
        Cast the input to this floating type first (the cast is part of the graph).

    Returns
    -------
    Tensor
        ``input``'s shape; ``-inf`` where ``input`` is ``-inf`` beside finite values.

    Raises
    ------
    TypeError
        If ``dim`` is missing or not an int.
    IndexError
        If ``dim`` is out of range.
    NotImplementedError
        For an integer or bool result type.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.log_softmax(torch.tensor([0.0, -1000.0]), dim=0).tolist()
    [0.0, -1000.0]
    """
    x, axis = _prepare("log_softmax", input, dim, dtype)
    return apply(LOG_SOFTMAX, (x,), dim=axis)
