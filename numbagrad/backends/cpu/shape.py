"""Views and concatenation for the CPU: NumPy does these (they move or relabel memory, no math).

Every function that returns a view shares memory with its input, as torch's views do; the ops in
:mod:`numbagrad.ops.shape` decide when a result is a view and mark it so. The CUDA twin returns
device-array views of the same shapes and strides.
"""
from __future__ import annotations

import numpy as np


def reshape(x: np.ndarray, shape: tuple) -> np.ndarray:
    """``x`` with a new shape: a view when its strides allow one, else a C-contiguous copy."""
    return x.reshape(shape)


def permute(x: np.ndarray, dims: tuple) -> np.ndarray:
    """A view of ``x`` with its dimensions reordered: result dimension i is ``x``'s ``dims[i]``."""
    return x.transpose(dims)


def expand(x: np.ndarray, shape: tuple) -> np.ndarray:
    """A read-only view of ``x`` broadcast to ``shape`` (stride 0 along expanded dimensions).

    Read-only because several elements share one memory location: torch refuses writes to such
    a tensor too.
    """
    return np.broadcast_to(x, shape)


def basic_index(x: np.ndarray, key: tuple) -> np.ndarray:
    """The view ``x[key]`` for a key of ints, slices (positive steps), None and one Ellipsis.

    Always an array, never a NumPy scalar: an all-int key gives a 0-d view, as torch's does.
    """
    if not any(k is Ellipsis for k in key):
        key = key + (Ellipsis,)
    return x[key]


def cat(arrays: list, axis: int) -> np.ndarray:
    """A new C-contiguous array: ``arrays`` (one dtype, equal shapes but along ``axis``) joined."""
    return np.concatenate(arrays, axis=axis)
