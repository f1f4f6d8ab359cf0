"""Sorting along one axis for the GPU: the twin of ``backends/cpu/sort.py``.

Same layout (``(outer, n, inner)``, the middle axis sorted) and the same order: nan largest,
equal elements in input order, also when descending. Each row runs the CPU's own
:func:`~numbagrad.backends.cpu.sort.select_row` (and its comparison ``before``).
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.sort import select_row
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch


def _select_rows(x, k, descending, values, indices):
    """:func:`~numbagrad.backends.cpu.sort.select_row` for every row: thread ``c`` owns row
    ``(o, i) = (c // inner, c % inner)`` (grid-stride over the rows). With ``k = n`` this is the
    whole sort, correct but O(n**2) per row on one thread where a row could use a block: right
    for short rows, slow for long ones.
    """
    outer, _, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        select_row(x, c // inner, c % inner, k, descending, values, indices)
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
