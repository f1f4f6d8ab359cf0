"""Sorting along one axis for the GPU: the twin of ``backends/cpu/sort.py``.

Same layout (``(outer, n, inner)``, the middle axis sorted) and the same order: nan largest,
equal elements in input order, also when descending. The comparison is the CPU's own
:func:`~numbagrad.backends.cpu.sort.before`, compiled as a device function.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.sort import before
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch

_before = cuda.jit(device=True)(before)


def _sort_rows(x, descending, values, indices):
    """Sort row x[o, :, i] into values[o, :, i] and indices[o, :, i]: one thread per row.

    Thread ``c`` owns row ``(o, i) = (c // inner, c % inner)`` (grid-stride over the rows) and
    insertion-sorts it in place in ``values``: stable, as an element moves left only past
    elements it goes strictly before. This is correct but O(n**2) per row and uses one thread
    where a row could use a block: right for short rows, slow for long ones.
    """
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        for r in range(n):
            v = x[o, r, i]
            j = r
            while j > 0 and _before(v, values[o, j - 1, i], descending):
                values[o, j, i] = values[o, j - 1, i]
                indices[o, j, i] = indices[o, j - 1, i]
                j -= 1
            values[o, j, i] = v
            indices[o, j, i] = r
        c += cuda.gridsize(1)


_sort_kernel = kernel(_sort_rows)


def sort(x, descending: bool) -> tuple:
    """``(values, indices)`` of each row ``x[o, :, i]`` of an ``(outer, n, inner)`` array sorted
    (stable; nan largest); indices are int64, both C-contiguous in ``x``'s layout."""
    values = _array.empty(tuple(x.shape), x.dtype)
    indices = _array.empty(tuple(x.shape), np.int64)
    if x.size:
        outer, _, inner = x.shape
        launch(_sort_kernel, outer * inner, x, bool(descending), values, indices)
    return values, indices
