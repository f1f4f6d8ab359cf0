"""Views and concatenation on the GPU, with the names and signatures of ``backends/cpu/shape``.

Views are built from shapes and strides (:func:`numbagrad.backends.cuda._array.view`) and share
the device memory of their input, as NumPy's views do on the CPU.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda.memory import assign, copy


def _strided_like(x):
    """A host stand-in with ``x``'s shape and element strides (itemsize 1), never read: NumPy's
    reshape logic runs on it to find a view's strides."""
    return np.lib.stride_tricks.as_strided(np.empty(1, np.int8), x.shape,
                                           _array.element_strides(x))


def reshape(x, shape: tuple):
    """``x`` with a new shape: a view when its strides allow one, else a C-contiguous copy."""
    shape = _resolve(shape, x.size)
    if _array.is_contiguous(x):
        return _array.reshape_contiguous(x, shape)
    try:
        stand_in = np.reshape(_strided_like(x), shape, copy=False)
    except ValueError:  # NumPy would copy: so do we
        return _array.reshape_contiguous(copy(x), shape)
    return _array.view(x, shape, stand_in.strides, 0)


def _resolve(shape: tuple, size: int) -> tuple:
    """``shape`` with its one ``-1`` (if any) replaced by the length that makes ``size``."""
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        shape = tuple(size // known if n == -1 and known else (0 if n == -1 else n) for n in shape)
    return shape


def permute(x, dims: tuple):
    """A view of ``x`` with its dimensions reordered: result dimension i is ``x``'s ``dims[i]``."""
    strides = _array.element_strides(x)
    return _array.view(x, tuple(x.shape[d] for d in dims), tuple(strides[d] for d in dims), 0)


def expand(x, shape: tuple):
    """A view of ``x`` broadcast to ``shape`` (stride 0 along expanded dimensions)."""
    shape = tuple(shape)
    strides = (0,) * (len(shape) - x.ndim) + tuple(
        0 if n == 1 and m != 1 else s
        for n, m, s in zip(x.shape, shape[len(shape) - x.ndim:], _array.element_strides(x)))
    return _array.view(x, shape, strides, 0)


def basic_index(x, key: tuple):
    """The view ``x[key]`` for a key of ints, slices (positive steps), None and one Ellipsis.

    An all-int key gives a 0-d view, as on the CPU.
    """
    n_used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if not any(k is Ellipsis for k in key):
        key = key + (Ellipsis,)
    strides = _array.element_strides(x)
    shape_out, strides_out, offset, d = [], [], 0, 0
    for k in key:
        if k is Ellipsis:
            for _ in range(x.ndim - n_used):
                shape_out.append(x.shape[d])
                strides_out.append(strides[d])
                d += 1
        elif k is None:
            shape_out.append(1)
            strides_out.append(0)
        elif isinstance(k, slice):
            start, stop, step = k.indices(x.shape[d])
            shape_out.append(len(range(start, stop, step)))
            strides_out.append(strides[d] * step)
            offset += start * strides[d] if shape_out[-1] else 0
            d += 1
        else:
            offset += (int(k) % x.shape[d]) * strides[d]
            d += 1
    return _array.view(x, tuple(shape_out), tuple(strides_out), offset)


def cat(arrays: list, axis: int):
    """A new C-contiguous array: ``arrays`` (one dtype, equal shapes but along ``axis``) joined."""
    first = arrays[0]
    shape = list(first.shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    out = _array.empty(tuple(shape), first.dtype)
    start = 0
    for a in arrays:
        n = a.shape[axis]
        if n:
            key = (slice(None),) * axis + (slice(start, start + n),)
            assign(basic_index(out, key), a)
        start += n
    return out
