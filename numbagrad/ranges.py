"""Ranges: ``arange``, ``linspace`` and ``logspace``, with torch's CPU values bit for bit.

torch's lengths and dtypes, its vectorised ``arange`` (values counted from a rounded base per
256-bit vector) and its two-ended ``linspace`` (the first half counted up from ``start``, the
second down from ``end``) are reproduced in NumPy on the host; the result is then moved to its
device like any other new tensor (``creation.py``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import _finish, _out, _out_dtype, scalar_to
from numbagrad.tensor import Tensor


def _number(value, op: str, arg: str):
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, (Tensor, np.generic)):
        return value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): argument '{arg}' must be Number, not {type(value).__name__}")
    return value


def _check_range_dtype(d: dtypes.dtype, op: str) -> None:
    if d is dtypes.bool_:
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'Bool\'')


def _range_tensor(op: str, values: np.ndarray, d: dtypes.dtype, device, requires_grad: bool,
                  out) -> Tensor:
    """``values`` as a tensor of ``d`` on ``device`` (or written into ``out``); values out of
    ``d``'s range become inf (or wrap) silently, as torch."""
    with np.errstate(over="ignore", invalid="ignore"):
        values = values.astype(d.np_type)
    return _out(op, _finish(values, device, requires_grad), out)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``: ``arange(end)``,
    ``arange(start, end)``, ``arange(start, end, step)``; tensors of one element count as
    numbers.

    int64 when all arguments are integers, else the default float type. The length is torch's,
    ``ceil((end - start) / step)`` in double precision (in int64 for an int64 result, whose
    bounds are truncated first), so ``arange(0., 1, .1)`` has 10 values.

    Raises
    ------
    RuntimeError
        For a zero step, a step whose sign does not lead from ``start`` to ``end``, or
        infinite or nan bounds.
    ValueError
        For an int64 result whose step truncates to zero (``arange(0, 5, 0.5, dtype=long)``).
    NotImplementedError
        For a bool result, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> len(torch.arange(0., 1, .1))
    10
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    dtype = _out_dtype(dtype, out)
    is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    d = dtypes.as_dtype(dtype) if dtype is not None else (
        dtypes.int64 if is_int else dtypes.get_default_dtype())
    _check_range_dtype(d, "arange")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not d.is_floating_point:
        # torch computes integer ranges from truncated bounds (int64 arithmetic).
        istart, istep = int(start), int(step)
        if istep == 0 and d is dtypes.int64:
            raise ValueError("step must be nonzero")
        span = (int(end) - istart) if d is dtypes.int64 else (end - start)
        n = -(-span // istep) if d is dtypes.int64 else math.ceil(span / step)
        if (end - start) * step < 0:
            n = -1
        values = istart + istep * np.arange(max(n, 0), dtype=np.int64)
    else:
        n = math.ceil((end - start) / step)
        values = _float_range(float(start), float(step), max(n, 0), d.np_type)
    if n < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign "
                           f"(arange: start={start}, end={end}, step={step})")
    return _range_tensor("arange", values, d, device, requires_grad, out)


def _fma(a, b, c):
    """``a * b + c`` rounded once (float64 arrays), as the fused multiply-add of torch's
    kernels: the product's rounding error is recovered exactly by Dekker's splitting."""
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b
        split = 134217729.0  # 2**27 + 1
        ah = a * split - (a * split - a)
        bh = b * split - (b * split - b)
        error = ((ah * bh - p) + ah * (b - bh) + (a - ah) * bh) + (a - ah) * (b - bh)
        total = p + c
        virtual = total - p
        rounding = (p - (total - virtual)) + (c - virtual)
        fused = total + (rounding + error)
    return np.where(np.isfinite(fused), fused, total)  # the error terms of inf are nan


def _float_range(start: float, step: float, n: int, np_dtype) -> np.ndarray:
    """torch's CPU arange values: 256-bit vectors of ``lanes`` values, each counted from a base
    rounded to the result type (``base + k * step`` in the accumulation type: double, float for
    float16), two vectors at a time, and the tail one by one. Matches torch bit for bit up to
    its parallel grain (32768 values)."""
    itemsize = np.dtype(np_dtype).itemsize
    acc = np.float32 if itemsize == 2 else np.float64
    start, step = np.float64(acc(start)), np.float64(acc(step))
    lanes = 32 // itemsize
    i = np.arange(n, dtype=np.float64)
    first = i - i % lanes
    with np.errstate(over="ignore"):
        base = _fma(step, first, start).astype(acc).astype(np_dtype).astype(np.float64)
    vectorized = _fma(i - first, step, base).astype(acc)
    scalar = _fma(step, i, start).astype(acc)
    return np.where(i < n - n % (2 * lanes), vectorized, scalar)


def _spacing(op: str, start, end, steps, dtype, out) -> tuple:
    """The checked arguments of ``linspace`` and ``logspace``: both bounds as numbers, ``steps``
    as an int, and the result's dtype (``dtype``, else ``out``'s, else the default float type).

    Raises
    ------
    TypeError
        For bounds that are not numbers or a ``steps`` that is not an int.
    RuntimeError
        If ``steps`` is negative.
    NotImplementedError
        For a bool result of more than one value, as torch.
    """
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but "
                               f"got {name} with {value.ndim} dimension(s).")
    start, end = _number(start, op, "start"), _number(end, op, "end")
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (numbers.Integral, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{op}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = dtypes.as_dtype(_out_dtype(dtype, out) or dtypes.get_default_dtype())
    if steps > 1:
        _check_range_dtype(d, op)
    return start, end, int(steps), d


def _from_both_ends(steps: int) -> tuple:
    """torch's order of a spaced range: ``up`` marks the first ``steps // 2`` positions, counted
    up from the start, the others are counted down from the end (so both ends are exact);
    ``count`` is each position's distance from the end it is counted from."""
    i = np.arange(steps, dtype=np.float64)
    up = i < steps // 2
    return up, np.where(up, i, steps - i - 1)


def _spaced(start, end, steps: int, d: dtypes.dtype) -> np.ndarray:
    """torch's CPU linspace values, in float64 to be rounded to ``d``: each value one fused
    multiply-add in ``d``'s arithmetic (float16: float arithmetic rounded to half at each step,
    as torch's ``Half``; integer types: double)."""
    if steps == 1:
        return np.array([float(scalar_to(start, d))])
    up, count = _from_both_ends(steps)
    start, end = scalar_to(start, d), scalar_to(end, d)
    if not d.is_floating_point:
        step = (end - start) / (steps - 1)
        return np.where(up, start + step * count, end - step * count)
    np_type = d.np_type
    if d is dtypes.float16:
        half, single = np.float16, np.float32
        step = half(single(half(single(end) - single(start))) / single(steps - 1))
        offset = (single(step) * count.astype(half).astype(single)).astype(half)
        offset = offset.astype(single)
        return np.where(up, single(start) + offset, single(end) - offset).astype(half)
    step = np_type.type(np_type.type(end - start) / np_type.type(steps - 1))
    step, start, end = float(step), float(start), float(end)
    return np.where(up, _fma(np.float64(step), count, np.float64(start)),
                    _fma(np.float64(-step), count, np.float64(end)))


def linspace(start, end, steps, *, out=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (the default float
    type unless ``dtype`` says otherwise; integer types truncate toward zero).

    Raises
    ------
    RuntimeError
        If ``steps`` is negative.
    TypeError
        If ``steps`` is not an int, or a bound not a number.
    NotImplementedError
        For a bool result of more than one value, as torch.
    """
    start, end, steps, d = _spacing("linspace", start, end, steps, dtype, out)
    return _range_tensor("linspace", _spaced(start, end, steps, d), d, device, requires_grad,
                         out)


def _pow(base: float, exponent: float) -> float:
    """C's ``pow`` (which torch calls; NumPy's own differs in the last bit)."""
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf if base > 0 or exponent % 2 == 0 else -math.inf
    except ValueError:
        return math.nan


def logspace(start, end, steps, base: float = 10.0, *, out=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values spaced evenly on a log scale,
    the exponents spaced as :func:`linspace` spaces its values.

    Raises
    ------
    RuntimeError, TypeError, NotImplementedError
        As :func:`linspace`.
    """
    start, end, steps, d = _spacing("logspace", start, end, steps, dtype, out)
    start, end = scalar_to(start, d), scalar_to(end, d)
    if steps == 1:
        exponents = np.array([float(start)])
    else:
        # torch: the span in the result type, the exponents and the power in double
        span = end - start if d.category == 1 else float(
            d.np_type.type(np.float32(end) - np.float32(start)) if d is dtypes.float16
            else end - start)
        step = span / (steps - 1)
        up, count = _from_both_ends(steps)
        exponents = np.where(up, start + step * count, end - step * count)
    values = np.array([_pow(float(base), x) for x in exponents.tolist()])
    return _range_tensor("logspace", values, d, device, requires_grad, out)
