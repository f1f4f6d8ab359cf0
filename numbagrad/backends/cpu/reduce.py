"""Reductions along any axes for the CPU.

Every reduction is brought to one layout in Python, ``(outer, n, inner)`` C-contiguous, reducing
the middle axis: axes that are adjacent in a contiguous array need no copy (``x.sum(0)`` of a
``(batch, features)`` gradient is ``(1, batch, features)``), any other set of axes is moved last
with one copy. Floating sums accumulate in float64 whatever the input type, as a float32
accumulator loses digits over long rows.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from numbagrad.backends.cpu._jit import jit, run_parallel

# Reductions reading at least this many elements split their outer rows over threads.
PARALLEL_MIN_SIZE = 32768


def normalize_axes(ndim: int, axes) -> tuple:
    """Sorted, non-negative axes; ``None`` means all of them."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        axes = (axes,)
    return tuple(sorted(a % ndim if ndim else a for a in axes))


def as_3d(x: np.ndarray, axes: tuple) -> np.ndarray:
    """``x`` viewed (or copied) as ``(outer, n, inner)`` with the reduced axes in the middle."""
    if not axes:
        return np.ascontiguousarray(x).reshape(x.size, 1, 1)
    first, last = axes[0], axes[-1]
    adjacent = last - first + 1 == len(axes)
    if not (adjacent and x.flags.c_contiguous):
        kept = [d for d in range(x.ndim) if d not in axes]
        x = np.ascontiguousarray(x.transpose(kept + list(axes)))
        n = int(np.prod([x.shape[d] for d in range(len(kept), x.ndim)], dtype=np.int64))
        return x.reshape(-1, n, 1) if x.size else x.reshape(0 if n else 1, n, 1)
    shape = x.shape
    outer = int(np.prod(shape[:first], dtype=np.int64))
    n = int(np.prod(shape[first:last + 1], dtype=np.int64))
    inner = int(np.prod(shape[last + 1:], dtype=np.int64))
    return x.reshape(outer, n, inner)


def reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    """The shape a reduction over ``axes`` leaves."""
    if keepdims:
        return tuple(1 if d in axes else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in axes)


def _sum_kernel(x, acc):
    """acc[o, i] += sum over r of x[o, r, i]; each outer iteration owns row o of ``acc``.

    ``acc`` arrives zeroed in the accumulator type (float64 for floats, int64 for integers).
    """
    outer, n, inner = x.shape
    for o in prange(outer):
        if inner == 1:
            s = acc[o, 0]
            for r in range(n):
                s += x[o, r, 0]
            acc[o, 0] = s
        else:
            for r in range(n):
                for i in range(inner):
                    acc[o, i] += x[o, r, i]


_sum_serial = jit(_sum_kernel, reassoc=True)
_sum_parallel = jit(_sum_kernel, parallel=True, reassoc=True)


def sum(x: np.ndarray, axes=None, keepdims: bool = False, dtype=None) -> np.ndarray:  # noqa: A001
    """Sum ``x`` over ``axes`` (all when None).

    Parameters
    ----------
    x : numpy.ndarray
    axes : int, tuple of int or None
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : numpy.dtype, optional
        Result type; defaults to ``x``'s (int64 for bool, as torch).

    Returns
    -------
    numpy.ndarray
    """
    axes = normalize_axes(x.ndim, axes)
    if dtype is None:
        dtype = np.int64 if x.dtype == np.bool_ else x.dtype
    x3 = as_3d(x, axes)
    floating = np.issubdtype(x3.dtype, np.floating)
    acc = np.zeros((x3.shape[0], x3.shape[2]), np.float64 if floating else np.int64)
    if x3.size:
        if x3.size >= PARALLEL_MIN_SIZE and x3.shape[0] > 1:
            run_parallel(_sum_parallel, x3, acc)
        else:
            _sum_serial(x3, acc)
    return acc.astype(dtype, copy=False).reshape(reduced_shape(x.shape, axes, keepdims))
