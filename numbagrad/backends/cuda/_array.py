"""GPU arrays: the one module that knows what a device array is.

A CUDA tensor's data is a Numba device array (``numba.cuda.cudadrv.devicearray.DeviceNDArray``
on a GPU, ``FakeCUDAArray`` under the CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``). Device arrays
have ``shape``, ``strides`` (bytes), ``dtype``, ``ndim`` and ``size`` like NumPy's, but no
arithmetic, no ``astype`` and no general views: the rest of the CUDA backend builds what it
needs from the functions here, which work the same on a GPU and under the simulator.
"""
from __future__ import annotations

import numpy as np
from numba import cuda
from numba.core import config

from numbagrad.backends.layout import is_c_contiguous

SIMULATED = bool(config.ENABLE_CUDASIM)


def empty(shape: tuple, dtype):
    """An uninitialised C-contiguous device array."""
    return cuda.device_array(tuple(shape), np.dtype(dtype))


def to_device(host: np.ndarray):
    """A device copy of the host array (made C-contiguous first)."""
    host = np.asarray(host)
    # ascontiguousarray makes a 0-d array 1-d: restore the shape.
    return cuda.to_device(np.ascontiguousarray(host).reshape(host.shape))


def to_host(x) -> np.ndarray:
    """A host copy of device array ``x`` (a C-contiguous NumPy array)."""
    if x.size == 0:
        return np.empty(x.shape, x.dtype)
    if is_contiguous(x):
        return x.copy_to_host()
    # Copy the memory the view spans, then take the view on the host.
    base = spanned(x).copy_to_host()
    return np.ascontiguousarray(np.lib.stride_tricks.as_strided(base, x.shape, x.strides))


def element_strides(x) -> tuple:
    """``x``'s strides counted in elements, not bytes."""
    item = x.dtype.itemsize
    return tuple(s // item for s in x.strides)


def is_contiguous(x) -> bool:
    """Whether ``x`` is C-contiguous (dimensions of length 1 may have any stride)."""
    return is_c_contiguous(x.shape, element_strides(x))


def _span(x) -> int:
    """Elements from ``x``'s first element to its last, inclusive (strides are non-negative)."""
    if x.size == 0:
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(x.shape, element_strides(x)))


def spanned(x):
    """The memory ``x`` walks as a 1-D C-contiguous view, from its first element to its last
    (one element for an empty ``x``)."""
    return view(x, (max(_span(x), 1),), (1,), 0)


def view(x, shape: tuple, strides: tuple, offset: int):
    """A view of ``x``'s memory: ``shape``, element ``strides`` (non-negative), starting
    ``offset`` elements after ``x``'s first element. No data moves.

    The caller guarantees that the view stays inside the memory ``x`` spans.
    """
    shape = tuple(int(n) for n in shape)
    if 0 in shape:
        return empty(shape, x.dtype)
    item = x.dtype.itemsize
    byte_strides = tuple(int(s) * item for s in strides)
    if SIMULATED:
        flat = np.lib.stride_tricks.as_strided(x._ary, (max(_span(x), 1),), (item,))
        return cuda.cudadrv.devicearray.FakeCUDAArray(
            np.lib.stride_tricks.as_strided(flat[offset:], shape, byte_strides))
    from numba.cuda.cudadrv.devicearray import DeviceNDArray

    data = x.gpu_data.view(offset * item) if x.size else x.gpu_data
    return DeviceNDArray(shape, byte_strides, x.dtype, gpu_data=data)


def flat(x):
    """``x`` as a 1-D C-contiguous view when it is contiguous; else None."""
    if not is_contiguous(x):
        return None
    return view(x, (x.size,), (1,), 0)


def reshape_contiguous(x, shape: tuple):
    """A C-contiguous ``x`` seen with another ``shape`` of the same size."""
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = acc
        acc *= shape[d]
    return view(x, shape, tuple(strides), 0)
