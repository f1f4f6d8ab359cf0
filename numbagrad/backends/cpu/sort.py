"""Sorting along one axis for the CPU: a stable merge sort of each row.

The op brings its input to ``(outer, n, inner)`` C-contiguous and sorts the middle axis of every
``(o, i)`` row. The order is torch's: nan counts as larger than every number (last when
ascending, first when descending), and equal elements keep their input order (stable), also
when descending, so a descending sort is not an ascending one reversed.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit


def before(a, b, descending):
    """Whether ``a`` goes strictly before ``b``: nan is the largest value, nan ties nan.

    Plain comparisons only, so the CUDA twin compiles the same source as a device function.
    """
    if descending:
        return a > b or (a != a and b == b)
    return a < b or (b != b and a == a)


_before = jit(before)


def _sort_kernel(x, descending, values, indices):
    """Sort each row x[o, :, i] into values[o, :, i], with its positions in indices[o, :, i].

    Bottom-up merge sort of a row's positions (``idx``, with ``tmp`` as the merge buffer, both
    allocated once): a merge takes from the left run unless the right element goes strictly
    before, which keeps equal elements in input order.
    """
    outer, n, inner = x.shape
    idx = np.empty(n, np.int64)
    tmp = np.empty(n, np.int64)
    for o in range(outer):
        for i in range(inner):
            for r in range(n):
                idx[r] = r
            width = 1
            while width < n:
                lo = 0
                while lo < n:
                    mid = min(lo + width, n)
                    hi = min(lo + 2 * width, n)
                    a = lo
                    b = mid
                    for k in range(lo, hi):
                        if a < mid and (b >= hi or not _before(x[o, idx[b], i], x[o, idx[a], i],
                                                               descending)):
                            tmp[k] = idx[a]
                            a += 1
                        else:
                            tmp[k] = idx[b]
                            b += 1
                    lo += 2 * width
                idx, tmp = tmp, idx
                width *= 2
            for r in range(n):
                indices[o, r, i] = idx[r]
                values[o, r, i] = x[o, idx[r], i]


_sort = jit(_sort_kernel)


def sort(x: np.ndarray, descending: bool) -> tuple:
    """``(values, indices)`` of each row ``x[o, :, i]`` of a C-contiguous ``(outer, n, inner)``
    array sorted (stable; nan largest); indices are int64, both in ``x``'s layout."""
    values = np.empty(x.shape, x.dtype)
    indices = np.empty(x.shape, np.int64)
    if x.size:
        _sort(x, bool(descending), values, indices)
    return values, indices
