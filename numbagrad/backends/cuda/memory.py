"""Allocation and copies on the GPU, with the names and signatures of ``backends/cpu/memory``."""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda.elementwise import map as _map  # noqa: A004
from numbagrad.ops import scalar as F


def empty(shape: tuple, dtype):
    """An uninitialised array."""
    return _array.empty(shape, dtype)


def full(shape: tuple, value, dtype):
    """An array filled with ``value``."""
    out = _array.empty(shape, dtype)
    _map(F.identity, [_array.to_device(np.asarray(value, dtype))], out.dtype, out=out)
    return out


def zeros(shape: tuple, dtype):
    """An array of zeros."""
    return full(shape, 0, dtype)


def copy(x):
    """A C-contiguous copy of ``x``."""
    return _map(F.identity, [x], x.dtype)


def astype(x, dtype):
    """``x`` converted to ``dtype`` (a new array)."""
    return _map(F.identity, [x], np.dtype(dtype))


def contiguous(x):
    """``x`` itself if C-contiguous, else a contiguous copy."""
    return x if _array.is_contiguous(x) else copy(x)


def to_host(x) -> np.ndarray:
    """A host (NumPy) copy of ``x``."""
    return _array.to_host(x)


def from_host(x: np.ndarray):
    """A device copy of host array ``x``."""
    return _array.to_device(np.asarray(x))


def assign(dst, src) -> None:
    """Write ``src`` (an array on this device or a host scalar, broadcast) into ``dst``."""
    if isinstance(src, (np.ndarray, np.generic, bool, int, float, list, tuple)):  # host values
        src = _array.to_device(np.asarray(src, dst.dtype))
    _map(F.identity, [src], dst.dtype, out=dst)
