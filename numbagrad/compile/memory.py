"""The CPU backend's functions that work in NumPy rather than in a kernel, recorded.

Eager mode fills, copies and converts arrays in NumPy (``be.full``, ``be.copy``, ...), makes
constants of Python numbers (``be.from_host``), and ends ``be.map_sum`` in Python (the sum of
the per-thread partial sums, then the division). During a recording each of these is replaced
by a version that runs it and records what the compiled step must do instead: a fill, a copy,
or a call to an ``njit`` twin of the Python end (:func:`_sum_div`), which computes the same
bits.
"""
from __future__ import annotations

from threading import get_ident

import numpy as np

from numbagrad.compile._njit import cached_njit
from numbagrad.ops.scalar import ieee_div

_ieee_div = cached_njit(ieee_div)


@cached_njit
def _sum_div(partial, divisor, out):
    """The Python end of ``be.map_sum``: ``builtins.sum`` of the float64 partial sums (left to
    right from 0, as ``sum(list)``), ``ieee_div`` by ``divisor``, rounded into ``out``."""
    total = 0.0
    for v in partial:
        total += v
    out[()] = _ieee_div(total, divisor)


def _sum_tail(rec, start: int, out) -> None:
    """What ``be.sum`` did in NumPy around its one kernel call, recorded: the zeroed float64
    (or int64) accumulator it made (a fill before the kernel) and the accumulator's conversion
    to the result's type (a copy after it; NumPy's and Numba's conversions both round to
    nearest, so the bits agree). Only the serial path (one kernel call, an accumulator of one
    memory) is captured; a parallel or empty sum gives a reason."""
    from numbagrad.compile.capture import Call

    new = rec.calls[start:]
    kernels = [c for c in new if c.kind == "kernel"]
    if not (len(kernels) == 1 and "_sum_kernel" in kernels[0].name()
            and all(c.kind == "fill" for c in new if c is not kernels[0])):
        rec.reason("a sum that is empty, parallel or not contiguous has no compiled form yet")
        return
    acc = kernels[0].args[1]
    if len(new) == 1:  # the capture found no need to zero it (it always does, so far)
        rec.calls.insert(start, Call("fill", None, (acc, acc.dtype.type(0)), new[0].ctx))
    root = out.base if out.base is not None else out
    if root is not acc and not (out is acc):
        target = out.reshape(acc.shape)
        rec.add("astype", None, (acc, target))


def memory_wrappers(be, rec, context) -> dict:
    """Recording versions (into ``rec``) of the CPU backend's functions that compute in NumPy,
    by name; ``context(rec, ctx)`` labels the calls."""
    full, copy, astype = be.full, be.copy, be.astype
    contiguous, zeros, assign = be.contiguous, be.zeros, be.assign
    from_host = be.from_host

    def r_from_host(x):
        if rec.thread != get_ident():
            return from_host(x)
        # A Python number made an operand (``x * 0.5``): a constant the step writes each time.
        out = from_host(x)
        if out.size == 1 and isinstance(out, np.ndarray):
            with context(rec, ("constant",)):
                rec.add("fill", None, (out, out.reshape(-1)[0]))
        else:
            rec.reason("a tensor made from host data inside the step is not captured yet")
        return out

    def r_full(shape, value, dtype):
        if rec.thread != get_ident():
            return full(shape, value, dtype)
        out = full(shape, value, dtype)
        rec.add("fill", None, (out, out.dtype.type(value)))
        return out

    def r_zeros(shape, dtype):
        if rec.thread != get_ident():
            return zeros(shape, dtype)
        out = zeros(shape, dtype)
        rec.add("fill", None, (out, out.dtype.type(0)))
        return out

    def r_copy(x):
        if rec.thread != get_ident():
            return copy(x)
        out = copy(x)
        rec.add("copy", None, (x, out))
        return out

    def r_astype(x, dtype):
        if rec.thread != get_ident():
            return astype(x, dtype)
        out = astype(x, dtype)
        rec.add("astype", None, (x, out))
        return out

    def r_contiguous(x):
        if rec.thread != get_ident():
            return contiguous(x)
        out = contiguous(x)
        if out is not x:
            rec.add("copy", None, (x, out))
        return out

    def r_assign(dst, src):
        if rec.thread != get_ident():
            return assign(dst, src)
        assign(dst, src)
        if isinstance(src, np.ndarray) and src.shape == dst.shape:
            rec.add("copy", None, (src, dst))
        elif isinstance(src, np.ndarray):
            rec.reason("a broadcast assignment (be.assign) has no compiled form yet")
        else:
            rec.add("fill", None, (dst, dst.dtype.type(src)))

    map_sum = be.map_sum

    def r_map_sum(fn, inputs, out_dtype, divisor=1):
        if rec.thread != get_ident():
            return map_sum(fn, inputs, out_dtype, divisor)
        start = len(rec.calls)
        out = map_sum(fn, inputs, out_dtype, divisor)
        new = rec.calls[start:]
        if len(new) == 1 and new[0].kind == "kernel" and "map_sum" in new[0].name():
            rec.add("tail", _sum_div, (new[0].args[-1], divisor, out))
        else:
            rec.reason("map_sum over non-contiguous operands has no compiled form yet")
        return out

    sum_ = be.sum

    def r_sum(x, axes=None, keepdims=False, dtype=None):
        if rec.thread != get_ident():
            return sum_(x, axes, keepdims, dtype)
        start = len(rec.calls)
        out = sum_(x, axes, keepdims, dtype)
        _sum_tail(rec, start, out)
        return out

    return {"from_host": r_from_host, "map_sum": r_map_sum, "sum": r_sum, "full": r_full, "zeros": r_zeros,
            "copy": r_copy, "astype": r_astype, "contiguous": r_contiguous, "assign": r_assign}
