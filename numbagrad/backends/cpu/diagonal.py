"""Diagonal views, sliding windows and triangles for the CPU.

``diagonal`` and ``unfold`` return strided views that share ``x``'s memory, as torch's do;
``triangle`` (tril/triu) and ``unfold_backward`` are kernels. The strides of the views are
worked out once, in :func:`diagonal_layout` and :func:`unfold_layout`, which the CUDA twin uses
too, so both devices see the same elements.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit


def diagonal_layout(shape: tuple, strides: tuple, offset: int, dim1: int, dim2: int) -> tuple:
    """``(shape, strides, start)`` of the diagonal view, in elements.

    The other dimensions keep their order and the diagonal comes last, with stride
    ``strides[dim1] + strides[dim2]``; ``start`` is the element offset of its first entry.
    """
    n1, n2 = shape[dim1], shape[dim2]
    if offset >= 0:
        length = max(min(n1, n2 - offset), 0)
        start = offset * strides[dim2]
    else:
        length = max(min(n1 + offset, n2), 0)
        start = -offset * strides[dim1]
    keep = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    return (tuple(shape[d] for d in keep) + (length,),
            tuple(strides[d] for d in keep) + (strides[dim1] + strides[dim2],),
            start if length else 0)


def unfold_layout(shape: tuple, strides: tuple, dim: int, size: int, step: int) -> tuple:
    """``(shape, strides)`` of the windows view: ``dim`` counts windows (stride times ``step``)
    and a last dimension of ``size`` walks inside one window."""
    windows = (shape[dim] - size) // step + 1
    new_shape = shape[:dim] + (windows,) + shape[dim + 1:] + (size,)
    new_strides = strides[:dim] + (strides[dim] * step,) + strides[dim + 1:] + (strides[dim],)
    return new_shape, new_strides


def _element_strides(x: np.ndarray) -> tuple:
    return tuple(s // x.itemsize for s in x.strides)


def _strided(x: np.ndarray, shape: tuple, strides: tuple, start: int) -> np.ndarray:
    """A view of ``x``'s memory from element ``start`` on (writable when ``x`` is)."""
    if start:
        x = x.reshape(-1)[start:] if x.flags.c_contiguous else _shifted(x, start)
    return np.lib.stride_tricks.as_strided(x, shape, tuple(s * x.itemsize for s in strides))


def _shifted(x: np.ndarray, start: int) -> np.ndarray:
    """``x`` seen from element ``start`` of its memory (strides are non-negative here)."""
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, _element_strides(x)))
    flat = np.lib.stride_tricks.as_strided(x, (span,), (x.itemsize,))
    return flat[start:]


def diagonal(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The view of ``x``'s diagonal ``offset`` over ``dim1`` and ``dim2`` (last dimension)."""
    shape, strides, start = diagonal_layout(x.shape, _element_strides(x), offset, dim1, dim2)
    return _strided(x, shape, strides, start)


def unfold(x: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
    """The view of ``x``'s windows of ``size`` every ``step`` along ``dim`` (a new last
    dimension walks inside a window); windows may overlap."""
    shape, strides = unfold_layout(x.shape, _element_strides(x), dim, size, step)
    return _strided(x, shape, strides, 0)


@jit
def _triangle_kernel(x, diagonal, upper, out):
    """out[b, i, j] = x[b, i, j] where ``j - i <= diagonal`` (``>=`` when ``upper``); ``out``
    comes zeroed."""
    batch, rows, cols = x.shape
    for b in range(batch):
        for i in range(rows):
            for j in range(cols):
                if (j - i >= diagonal) if upper else (j - i <= diagonal):
                    out[b, i, j] = x[b, i, j]


def triangle(x: np.ndarray, diagonal: int, upper: bool) -> np.ndarray:
    """A new array: the lower (``tril``) or upper (``triu``) triangle of each matrix in the
    last two dimensions of ``x``, the rest zero."""
    rows, cols = x.shape[-2:]
    batch = int(np.prod(x.shape[:-2], dtype=np.int64))
    x3 = np.ascontiguousarray(x).reshape(batch, rows, cols)
    out = np.zeros(x3.shape, x.dtype)
    if out.size:
        _triangle_kernel(x3, np.int64(diagonal), bool(upper), out)
    return out.reshape(x.shape)


@jit
def _unfold_backward_kernel(g, step, out):
    """out[o, j, i] = sum of g[o, w, i, j - w * step] over the windows w that hold j: each
    output element gathers its own windows, so nothing is written twice."""
    outer, windows, inner, size = g.shape
    n = out.shape[1]
    for o in range(outer):
        for j in range(n):
            first = max(0, (j - size + step) // step)
            last = min(windows - 1, j // step)
            for i in range(inner):
                acc = 0.0
                for w in range(first, last + 1):
                    acc += g[o, w, i, j - w * step]
                out[o, j, i] = acc


def unfold_backward(g: np.ndarray, shape: tuple, dim: int, size: int, step: int) -> np.ndarray:
    """The gradient of ``unfold``: ``g`` (the windows' gradient) added back into an array of
    ``shape``, overlapping windows summed (in float64)."""
    outer = int(np.prod(shape[:dim], dtype=np.int64))
    inner = int(np.prod(shape[dim + 1:], dtype=np.int64))
    g4 = np.ascontiguousarray(g).reshape(outer, g.shape[dim], inner, size)
    out = np.zeros((outer, shape[dim], inner), g.dtype)
    if out.size and g4.size:
        _unfold_backward_kernel(g4, np.int64(step), out)
    return out.reshape(shape)
