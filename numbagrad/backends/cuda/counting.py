"""Counting for the GPU: the twin of ``backends/cpu/counting.py``.

Same functions, same results. ``unique_rows`` orders the rows with the CPU's bottom-up merge
sort, one launch per pass and one thread per pair of runs (the last passes have few pairs, so
few threads: right for moderate sizes), marks group starts in a kernel, copies only those marks
to the host to plan the groups (the output size depends on the data), and fills values,
inverse and counts on the device. ``bincount`` and ``histc`` count with atomic adds;
``searchsorted`` runs one binary search per thread. The comparisons and the bin and search
formulas are the CPU's own functions, compiled as device functions.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.counting import bin_index, row_before, search
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch

_row_before = cuda.jit(device=True)(row_before)
_bin_index = cuda.jit(device=True)(bin_index)
_search = cuda.jit(device=True)(search)


def _merge_pass(x, nan_last, width, src, dst):
    """Thread ``p`` (grid-stride over the pairs of runs): merge runs ``src[lo:mid]`` and
    ``src[mid:hi]`` of row positions (``lo = 2 * width * p``) into ``dst``, taking from the
    left run unless the right row goes strictly before: one pass of the CPU twin's stable
    merge sort, so both give the same order even where nan makes ``<`` inconsistent."""
    n = src.shape[0]
    p = cuda.grid(1)
    while 2 * width * p < n:
        lo = 2 * width * p
        mid = min(lo + width, n)
        hi = min(lo + 2 * width, n)
        a = lo
        b = mid
        for k in range(lo, hi):
            if a < mid and (b >= hi or not _row_before(x, src[b], src[a], nan_last)):
                dst[k] = src[a]
                a += 1
            else:
                dst[k] = src[b]
                b += 1
        p += cuda.gridsize(1)


def _identity(order):
    i = cuda.grid(1)
    while i < order.shape[0]:
        order[i] = i
        i += cuda.gridsize(1)


def _group_starts(x, order, starts):
    """Thread ``i``: ``starts[i] = 1`` where row ``order[i]`` differs from row ``order[i-1]``."""
    n, m = x.shape
    i = cuda.grid(1)
    while i < n:
        s = i == 0
        if not s:
            for k in range(m):
                if x[order[i], k] != x[order[i - 1], k]:
                    s = True
                    break
        starts[i] = s
        i += cuda.gridsize(1)


def _group_rows(x, order, first, values, inverse, counts):
    """Thread ``g``: group ``g``'s first row, size, and ``g`` at each of its rows in
    ``inverse`` (groups are disjoint, so no two threads write one place)."""
    n, m = x.shape
    groups = first.shape[0]
    g = cuda.grid(1)
    while g < groups:
        lo = first[g]
        hi = first[g + 1] if g + 1 < groups else n
        for k in range(m):
            values[g, k] = x[order[lo], k]
        counts[g] = hi - lo
        for i in range(lo, hi):
            inverse[order[i]] = g
        g += cuda.gridsize(1)


_merge_pass_kernel = kernel(_merge_pass)
_identity_kernel = kernel(_identity)
_group_starts_kernel = kernel(_group_starts)
_group_rows_kernel = kernel(_group_rows)


def unique_rows(x, consecutive: bool, nan_last: bool) -> tuple:
    """``(values, inverse, counts)`` of the distinct rows of a C-contiguous ``(n, m)`` array;
    see the CPU twin. The group-start marks (n bools) go through the host."""
    n, m = x.shape
    order = _array.empty((n,), np.int64)
    starts = _array.empty((n,), np.bool_)
    if n:
        launch(_identity_kernel, n, order)
        width, spare = 1, _array.empty((n,), np.int64)
        while width < n and not consecutive:
            pairs = (n + 2 * width - 1) // (2 * width)
            launch(_merge_pass_kernel, pairs, x, bool(nan_last), width, order, spare)
            order, spare = spare, order
            width *= 2
        launch(_group_starts_kernel, n, x, order, starts)
    first_host = np.flatnonzero(_array.to_host(starts)).astype(np.int64)
    values = _array.empty((first_host.size, m), x.dtype)
    inverse = _array.empty((n,), np.int64)
    counts = _array.empty((first_host.size,), np.int64)
    if n:
        launch(_group_rows_kernel, first_host.size, x, order, _array.to_device(first_host),
               values, inverse, counts)
    return values, inverse, counts


def _zero(out):
    i = cuda.grid(1)
    while i < out.shape[0]:
        out[i] = 0
        i += cuda.gridsize(1)


def _bincount(x, counts):
    i = cuda.grid(1)
    while i < x.shape[0]:
        cuda.atomic.add(counts, x[i], 1)
        i += cuda.gridsize(1)


def _bincount_weighted(x, w, sums):
    i = cuda.grid(1)
    while i < x.shape[0]:
        cuda.atomic.add(sums, x[i], w[i])
        i += cuda.gridsize(1)


_zero_kernel = kernel(_zero)
_bincount_kernel = kernel(_bincount)
_bincount_weighted_kernel = kernel(_bincount_weighted)


def _zeros(n: int, dtype):
    out = _array.empty((n,), dtype)
    if n:
        launch(_zero_kernel, n, out)
    return out


def bincount(x, weights, nbins: int):
    """Occurrences (int64) or summed float64 ``weights`` of each value of ``x`` in
    ``[0, nbins)``; see the CPU twin. Threads add atomically: values repeat."""
    if weights is None:
        out = _zeros(nbins, np.int64)
        if x.size:
            launch(_bincount_kernel, x.size, x, out)
        return out
    out = _zeros(nbins, np.float64)
    if x.size:
        launch(_bincount_weighted_kernel, x.size, x, weights, out)
    return out


def _histc(x, left, right, nbins, counts):
    bins = counts.shape[0]
    i = cuda.grid(1)
    while i < x.shape[0]:
        b = _bin_index(x[i], left, right, nbins, bins)
        if b >= 0:
            cuda.atomic.add(counts, b, 1)
        i += cuda.gridsize(1)


_histc_kernel = kernel(_histc)


def histc(x, bins: int, left: float, right: float):
    """int64 counts of the 1-D float array ``x`` in ``bins`` equal bins over ``[left, right]``;
    see the CPU twin."""
    counts = _zeros(bins, np.int64)
    if x.size:
        t = x.dtype.type
        launch(_histc_kernel, x.size, x, t(left), t(right), t(bins), counts)
    return counts


def _searchsorted(b, v, sorter, use_sorter, right, out):
    """Thread ``c`` (grid-stride over the values): one binary search for ``v[c // k, c % k]``."""
    rows, k = v.shape
    c = cuda.grid(1)
    while c < rows * k:
        r, j = c // k, c % k
        row = r if b.shape[0] > 1 else 0
        out[r, j] = _search(b, row, 0, b.shape[1], v[r, j], right, sorter, use_sorter)
        c += cuda.gridsize(1)


_searchsorted_kernel = kernel(_searchsorted)


def searchsorted(b, v, sorter, right: bool, out_dtype):
    """Insertion positions of each ``v[r, j]`` in row ``b[r]`` (or row 0); see the CPU twin."""
    out = _array.empty(tuple(v.shape), np.dtype(out_dtype))
    if v.size:
        use = sorter is not None
        if not use:
            sorter = _array.to_device(np.zeros((1, 1), np.int64))
        launch(_searchsorted_kernel, v.size, b, v, sorter, use, bool(right), out)
    return out
