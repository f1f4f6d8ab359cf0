"""Singular value decomposition of small matrices for the GPU: the twin of
``backends/cpu/svd.py``, whose one-sided Jacobi source is compiled here as a device function;
each thread decomposes one matrix (grid-stride over the batch)."""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.svd import jacobi_svd
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch

_jacobi_svd = cuda.jit(device=True)(jacobi_svd)


def _svd_rows(a, u, s, v):
    """Thread ``b`` (grid-stride) decomposes matrix ``a[b]`` into ``u[b]``, ``s[b]``, ``v[b]``:
    each writes its own matrices only, so no thread waits on another."""
    b = cuda.grid(1)
    while b < a.shape[0]:
        _jacobi_svd(a, b, u, s, v)
        b += cuda.gridsize(1)


_svd_kernel = kernel(_svd_rows)


def svd(a) -> tuple:
    """``(u, s, v)`` of each matrix of a ``(batch, m, n)`` float64 C-contiguous device array
    with ``m >= n``, as the CPU twin."""
    batch, m, n = a.shape
    u = _array.empty((batch, m, n), np.float64)
    s = _array.empty((batch, n), np.float64)
    v = _array.empty((batch, n, n), np.float64)
    if a.size:
        launch(_svd_kernel, batch, a, u, s, v)
    return u, s, v
