"""The CPU backend: Numba ``njit`` kernels over NumPy arrays.

Each family module (``elementwise``, ``reduce``, ``linalg``, ``shape``, ``index``) has a twin of
the same name in ``backends/cuda``; this namespace is what ops receive as ``be``.
"""
from numbagrad.backends.cpu.elementwise import broadcast_shape, map  # noqa: A004
from numbagrad.backends.cpu.memory import (assign, astype, contiguous, copy, empty, from_host,
                                           full, to_host, zeros)
from numbagrad.backends.cpu.reduce import sum  # noqa: A004

__all__ = ["assign", "astype", "broadcast_shape", "contiguous", "copy", "empty", "from_host",
           "full", "map", "sum", "to_host", "zeros"]
