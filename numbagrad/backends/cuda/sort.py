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


def _select_rows(x, k, descending, values, indices):
    """The first ``k`` of each sorted row x[o, :, i] into values/indices[o, :k, i].

    Thread ``c`` owns row ``(o, i) = (c // inner, c % inner)`` (grid-stride over the rows) and
    insertion-sorts the row into its ``k`` outputs, keeping an element only if it goes strictly
    before the last one kept: stable, as an element moves left only past elements it goes
    strictly before. With ``k = n`` this is the whole sort, correct but O(n**2) per row on one
    thread where a row could use a block: right for short rows, slow for long ones.
    """
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        filled = 0
        for r in range(n):
            v = x[o, r, i]
            if filled < k:
                j = filled
                filled += 1
            elif _before(v, values[o, k - 1, i], descending):
                j = k - 1
            else:
                continue
            while j > 0 and _before(v, values[o, j - 1, i], descending):
                values[o, j, i] = values[o, j - 1, i]
                indices[o, j, i] = indices[o, j - 1, i]
                j -= 1
            values[o, j, i] = v
            indices[o, j, i] = r
        c += cuda.gridsize(1)


_select_kernel = kernel(_select_rows)


def topk(x, k: int, descending: bool) -> tuple:
    """``(values, indices)`` of the first ``k`` of each sorted row of an ``(outer, n, inner)``
    array, of shape ``(outer, k, inner)``; indices are int64, both C-contiguous."""
    outer, _, inner = x.shape
    values = _array.empty((outer, k, inner), x.dtype)
    indices = _array.empty((outer, k, inner), np.int64)
    if k and x.size:
        launch(_select_kernel, outer * inner, x, int(k), bool(descending), values, indices)
    return values, indices


def sort(x, descending: bool) -> tuple:
    """``(values, indices)`` of each row ``x[o, :, i]`` of an ``(outer, n, inner)`` array sorted
    (stable; nan largest); indices are int64, both C-contiguous in ``x``'s layout."""
    return topk(x, x.shape[1], descending)
