"""Allocation and copies on the CPU: NumPy does these (they are memory moves, not math)."""
from __future__ import annotations

import numpy as np


def empty(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array."""
    return np.empty(shape, dtype)


def zeros(shape: tuple, dtype) -> np.ndarray:
    """An array of zeros."""
    return np.zeros(shape, dtype)


def full(shape: tuple, value, dtype) -> np.ndarray:
    """An array filled with ``value``."""
    if not shape and np.dtype(dtype).kind == "f":
        return np.array(value, dtype)  # a 0-d float (loss scales, counts): 4x cheaper
    return np.full(shape, value, dtype)


def copy(x: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``x``."""
    return np.array(x, copy=True, order="C")


def astype(x: np.ndarray, dtype) -> np.ndarray:
    """``x`` converted to ``dtype`` (a new array).

    A float narrowed (to float16, float32 or an integer) can overflow; torch converts silently
    (to inf, or an unspecified integer), so NumPy's warning is silenced there, and only there:
    the context manager costs a microsecond, too much for every widening cast.
    """
    dtype = np.dtype(dtype)
    if x.dtype.kind == "f" and (dtype.kind != "f" or dtype.itemsize < x.dtype.itemsize):
        with np.errstate(over="ignore", invalid="ignore"):
            return x.astype(dtype)
    return x.astype(dtype)


def contiguous(x: np.ndarray) -> np.ndarray:
    """``x`` itself if C-contiguous, else a contiguous copy."""
    return np.ascontiguousarray(x)


def to_host(x: np.ndarray) -> np.ndarray:
    """The array on the host: on the CPU, ``x`` itself."""
    return x


def from_host(x: np.ndarray) -> np.ndarray:
    """A host array on this device: on the CPU, ``x`` itself."""
    return x


def assign(dst: np.ndarray, src) -> None:
    """Write ``src`` (broadcast) into ``dst`` in place."""
    dst[...] = src
