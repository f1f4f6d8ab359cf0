"""Sorting along one axis for the CPU: a stable merge sort of each row, and a selection of a
row's first ``k`` for ``topk``.

The op brings its input to ``(outer, n, inner)`` C-contiguous and sorts the middle axis of every
``(o, i)`` row. The order is torch's: nan counts as larger than every number (last when
ascending, first when descending), and equal elements keep their input order (stable), also
when descending, so a descending sort is not an ascending one reversed.

Rows are shared among threads above ``PARALLEL_MIN_SIZE`` elements (a parallel region pays
above a few 1e4 elements); each thread sorts whole rows in its own scratch buffers.
"""
from __future__ import annotations

import numba
import numpy as np
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import jit, run_parallel
from numbagrad.backends.cpu.reduce import index_buffer

PARALLEL_MIN_SIZE = 1 << 15
# Runs of this length are insertion-sorted before merging: fewer passes over short rows.
_RUN = 16
# topk selects by insertion into its k outputs up to this k (O(n k) at worst, about O(n) on
# data in no particular order); above it a full sort is cheaper in the worst case.
SELECT_MAX_K = 64


def before(a, b, descending):
    """Whether ``a`` goes strictly before ``b``: nan is the largest value, nan ties nan.

    Plain comparisons only, so the CUDA twin compiles the same source as a device function.
    """
    if descending:
        return a > b or (a != a and b == b)
    return a < b or (b != b and a == a)


def select_row(x, o, i, k, descending, values, indices):
    """The first ``k`` of row ``x[o, :, i]`` in sorted order, into ``values/indices[o, :k, i]``.

    Each element is insertion-sorted into the row's ``k`` outputs if it goes strictly before
    the last one kept, so among equal elements the first in input order are kept: the same
    result as the first ``k`` of the stable sort (the whole sort when ``k`` is the row's length,
    O(n**2)). The CPU's top-k and the GPU's sort and top-k run it, one row per iteration or
    thread.
    """
    filled = 0
    for r in range(x.shape[1]):
        v = x[o, r, i]
        if filled < k:
            j = filled
            filled += 1
        elif before(v, values[o, k - 1, i], descending):
            j = k - 1
        else:
            continue
        while j > 0 and before(v, values[o, j - 1, i], descending):
            values[o, j, i] = values[o, j - 1, i]
            indices[o, j, i] = indices[o, j - 1, i]
            j -= 1
        values[o, j, i] = v
        indices[o, j, i] = r


# Callable from compiled code on both targets: these kernels and the CUDA twin's.
register_jitable(before)
register_jitable(select_row)


def _sort_kernel(x, descending, chunks, values, indices):
    """Sort each row x[o, :, i] into values[o, :, i], with its positions in indices[o, :, i].

    The rows are split in ``chunks`` (one per thread). A row is copied with its positions into
    contiguous scratch, insertion-sorted in runs of ``_RUN``, then merged bottom-up between two
    buffers. Elements move only past elements they go strictly before, and a merge takes from the
    left run on ties: the sort is stable.
    """
    outer, n, inner = x.shape
    rows = outer * inner
    for chunk in numba.prange(chunks):
        keys = np.empty(n, x.dtype)
        spare_keys = np.empty(n, x.dtype)
        idx = np.empty(n, np.int64)
        spare_idx = np.empty(n, np.int64)
        for c in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            o, i = c // inner, c % inner
            k, p, k2, p2 = keys, idx, spare_keys, spare_idx
            for lo in range(0, n, _RUN):
                for r in range(lo, min(lo + _RUN, n)):
                    v = x[o, r, i]
                    j = r
                    while j > lo and before(v, k[j - 1], descending):
                        k[j] = k[j - 1]
                        p[j] = p[j - 1]
                        j -= 1
                    k[j] = v
                    p[j] = r
            width = _RUN
            while width < n:
                for lo in range(0, n, 2 * width):
                    mid = min(lo + width, n)
                    hi = min(lo + 2 * width, n)
                    a = lo
                    b = mid
                    for m in range(lo, hi):
                        if a < mid and (b >= hi or not before(k[b], k[a], descending)):
                            k2[m] = k[a]
                            p2[m] = p[a]
                            a += 1
                        else:
                            k2[m] = k[b]
                            p2[m] = p[b]
                            b += 1
                k, p, k2, p2 = k2, p2, k, p
                width *= 2
            for r in range(n):
                values[o, r, i] = k[r]
                indices[o, r, i] = p[r]


def _select_kernel(x, k, descending, values, indices):
    """:func:`select_row` for every row ``(o, i)``; each iteration owns its row's outputs."""
    outer, _, inner = x.shape
    for c in numba.prange(outer * inner):
        select_row(x, c // inner, c % inner, k, descending, values, indices)


_sort = jit(_sort_kernel)
_sort_parallel = jit(_sort_kernel, parallel=True)
_select = jit(_select_kernel)
_select_parallel = jit(_select_kernel, parallel=True)


def sort(x: np.ndarray, descending: bool) -> tuple:
    """``(values, indices)`` of each row ``x[o, :, i]`` of a C-contiguous ``(outer, n, inner)``
    array sorted (stable; nan largest); indices are int64, both in ``x``'s layout."""
    values = np.empty(x.shape, x.dtype)
    indices = index_buffer(x.shape)
    rows = x.shape[0] * x.shape[2]
    if x.size < PARALLEL_MIN_SIZE or rows < 2:
        if x.size:
            _sort(x, bool(descending), 1, values, indices)
    else:
        chunks = min(rows, numba.get_num_threads())
        run_parallel(_sort_parallel, x, bool(descending), chunks, values, indices)
    return values, indices


def topk(x: np.ndarray, k: int, descending: bool) -> tuple:
    """``(values, indices)`` of the first ``k`` of each row of :func:`sort`'s result, of shape
    ``(outer, k, inner)``, C-contiguous."""
    outer, n, inner = x.shape
    if k > SELECT_MAX_K:
        values, indices = sort(x, descending)
        return (np.ascontiguousarray(values[:, :k]), np.ascontiguousarray(indices[:, :k]))
    values = np.empty((outer, k, inner), x.dtype)
    indices = index_buffer((outer, k, inner))
    if k and x.size:
        if x.size < PARALLEL_MIN_SIZE or outer * inner < 2:
            _select(x, int(k), bool(descending), values, indices)
        else:
            run_parallel(_select_parallel, x, int(k), bool(descending), values, indices)
    return values, indices
