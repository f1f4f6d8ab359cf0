"""Diagonal views, sliding windows and triangles on the GPU, with the names and signatures of
``backends/cpu/diagonal``.

The views are device-array views of the strides that the CPU twin's layout functions give, so
writes through them reach the base's memory. In the kernels one thread owns one output element
(grid-stride), so no two threads write the same place and no atomics are needed.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.diagonal import diagonal_layout, unfold_layout
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import contiguous, zeros


def diagonal(x, offset: int, dim1: int, dim2: int):
    """The view of ``x``'s diagonal ``offset`` over ``dim1`` and ``dim2`` (last dimension)."""
    shape, strides, start = diagonal_layout(x.shape, _array.element_strides(x), offset, dim1,
                                            dim2)
    return _array.view(x, shape, strides, start)


def unfold(x, dim: int, size: int, step: int):
    """The view of ``x``'s windows of ``size`` every ``step`` along ``dim`` (a new last
    dimension walks inside a window); windows may overlap."""
    shape, strides = unfold_layout(x.shape, _array.element_strides(x), dim, size, step)
    return _array.view(x, shape, strides, 0)


def _triangle_elements(x, diagonal, upper, out):
    """Thread owns out[b, i, j] (flat index, j fastest); ``out`` comes zeroed."""
    batch, rows, cols = x.shape
    e = cuda.grid(1)
    while e < batch * rows * cols:
        b, r = e // (rows * cols), e % (rows * cols)
        i, j = r // cols, r % cols
        if (j - i >= diagonal) if upper else (j - i <= diagonal):
            out[b, i, j] = x[b, i, j]
        e += cuda.gridsize(1)


def _unfold_backward_elements(g, step, out):
    """Thread owns out[o, j, i] and sums the windows that hold j (float64 accumulator)."""
    outer, windows, inner, size = g.shape
    n = out.shape[1]
    e = cuda.grid(1)
    while e < outer * n * inner:
        o, r = e // (n * inner), e % (n * inner)
        j, i = r // inner, r % inner
        first = max(0, (j - size + step) // step)
        last = min(windows - 1, j // step)
        acc = 0.0
        for w in range(first, last + 1):
            acc += g[o, w, i, j - w * step]
        out[o, j, i] = acc
        e += cuda.gridsize(1)


def _kernel(fn):
    return _jit.once((fn,), lambda: _jit.kernel(fn))


def triangle(x, diagonal: int, upper: bool):
    """A new array: the lower (``tril``) or upper (``triu``) triangle of each matrix in the
    last two dimensions of ``x``, the rest zero."""
    rows, cols = x.shape[-2:]
    out = zeros(x.shape, x.dtype)
    if x.size:
        shape3 = (x.size // (rows * cols), rows, cols)
        x3 = _array.reshape_contiguous(contiguous(x), shape3)
        out3 = _array.reshape_contiguous(out, shape3)
        _jit.launch(_kernel(_triangle_elements), x.size, x3, np.int64(diagonal), bool(upper),
                    out3)
    return out


def unfold_backward(g, shape: tuple, dim: int, size: int, step: int):
    """The gradient of ``unfold``: ``g`` (the windows' gradient) added back into an array of
    ``shape``, overlapping windows summed (in float64)."""
    outer = int(np.prod(shape[:dim], dtype=np.int64))
    inner = int(np.prod(shape[dim + 1:], dtype=np.int64))
    out = zeros(tuple(shape), g.dtype)
    if out.size and g.size:
        g4 = _array.reshape_contiguous(contiguous(g), (outer, g.shape[dim], inner, size))
        out3 = _array.reshape_contiguous(out, (outer, shape[dim], inner))
        _jit.launch(_kernel(_unfold_backward_elements), out3.size, g4, np.int64(step), out3)
    return out
