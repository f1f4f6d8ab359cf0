"""Padding for the GPU: the twin of ``backends/cpu/pad.py`` (same functions, same numbers).

One thread per output element forward, one per input element backward (a gather over the
output positions that read it, in the CPU's order and in float64): no two threads write one
element, so nothing is added atomically. The index math is the CPU's own
:func:`~numbagrad.backends.cpu.pad.source_index` and :func:`~numbagrad.backends.cpu.pad.grad_at`,
compiled as device functions.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.pad import (MODES, grad_at, kept, merged_layout, out_shape,
                                        source_index)
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import contiguous

_source_index = cuda.jit(device=True)(source_index)
_grad_at = cuda.jit(device=True)(grad_at)


def _pad(x, in_shape, out_shape, lo, start, stop, mode, value, out):
    """Thread ``k`` (grid-stride) owns ``out[k]``; arrays flat, shapes as tuples."""
    nd = len(in_shape)
    k = cuda.grid(1)
    while k < out.shape[0]:
        rem = k
        src = 0
        step = 1
        inside = True
        for d in range(nd - 1, -1, -1):
            m = out_shape[d]
            j = rem % m
            rem //= m
            i = _source_index(j - lo[d], start[d], stop[d], mode)
            if i < 0:
                inside = False
                break
            src += i * step
            step *= in_shape[d]
        out[k] = x[src] if inside else value
        k += cuda.gridsize(1)


def _pad_backward(g, lo, start, stop, mode, out):
    """Thread ``c`` (grid-stride) owns ``out[o, i, r]`` with ``c = (o*n + i)*inner + r``."""
    outer, n, inner = out.shape
    c = cuda.grid(1)
    while c < outer * n * inner:
        r = c % inner
        i = (c // inner) % n
        o = c // (inner * n)
        out[o, i, r] = _grad_at(g, o, i, r, lo, start, stop, mode)
        c += cuda.gridsize(1)


_pad_kernel = kernel(_pad)
_pad_backward_kernel = kernel(_pad_backward)


def pad(x, pads: tuple, mode: str, value):
    """``x`` padded by ``pads`` (one ``(before, after)`` per dimension); see the CPU twin."""
    shape = out_shape(x.shape, pads)
    out = _array.empty(shape, x.dtype)
    if out.size == 0:
        return out
    layout = merged_layout(x.shape, pads, mode)
    fill = np.array(0 if value is None else value).astype(x.dtype)[()]
    src = _array.reshape_contiguous(contiguous(x), (x.size,)) if x.size else \
        _array.empty((1,), x.dtype)
    launch(_pad_kernel, out.size, src, *layout, MODES[mode], fill,
           _array.reshape_contiguous(out, (out.size,)))
    return out


def pad_backward(g, axis: int, lo: int, hi: int, n: int, mode: str):
    """The adjoint of padding one axis in a non-constant ``mode``; see the CPU twin."""
    shape = tuple(g.shape)
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    out = _array.empty(shape[:axis] + (n,) + shape[axis + 1:], g.dtype)
    if out.size == 0:
        return out
    g3 = _array.reshape_contiguous(contiguous(g), (outer, shape[axis], inner))
    launch(_pad_backward_kernel, out.size, g3, int(lo), *kept(n, lo, hi, mode), MODES[mode],
           _array.reshape_contiguous(out, (outer, n, inner)))
    return out
