"""Counting for the CPU: unique rows, bincount, histc, searchsorted.

``unique_rows`` groups the rows of a C-contiguous ``(n, m)`` array (``unique`` of a flat
tensor is the ``m = 1`` case): it orders the rows (a stable lexicographic merge sort, nan
largest as in ``sort`` for a flat tensor, torch's plain comparisons for slices; the identity
order for ``unique_consecutive``), marks where a new group
starts, plans the groups on the host from those marks (the one data-dependent size), and fills
values, inverse and counts in one pass per group. Rows are equal only when every element
compares ``==``, so each nan is a group of its own, as in torch.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit

def row_before(x, a, b, nan_last):
    """Whether row ``a`` of ``x`` goes strictly before row ``b``: lexicographic, with nan the
    largest value when ``nan_last`` (``sort``'s order), else with plain ``<`` and ``>`` (a nan
    then decides nothing and the next column does, as torch's ``unique(dim=...)`` compares).

    Plain comparisons only, so the CUDA twin compiles the same source as a device function.
    """
    for k in range(x.shape[1]):
        u = x[a, k]
        v = x[b, k]
        if u < v or (nan_last and v != v and u == u):
            return True
        if u > v or (nan_last and u != u and v == v):
            return False
    return False


_row_before = jit(row_before)


def _row_order_kernel(x, nan_last, order):
    """Write the stable lexicographic order of ``x``'s rows into ``order`` (bottom-up merge
    sort of row positions; a merge takes from the left run unless the right row goes strictly
    before, which keeps equal rows in input order)."""
    n = x.shape[0]
    idx = np.arange(n)
    tmp = np.empty(n, np.int64)
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            a = lo
            b = mid
            for k in range(lo, hi):
                if a < mid and (b >= hi or not _row_before(x, idx[b], idx[a], nan_last)):
                    tmp[k] = idx[a]
                    a += 1
                else:
                    tmp[k] = idx[b]
                    b += 1
            lo += 2 * width
        idx, tmp = tmp, idx
        width *= 2
    for r in range(n):
        order[r] = idx[r]


_row_order = jit(_row_order_kernel)


def _group_starts_kernel(x, order, starts):
    """``starts[i] = 1`` where row ``order[i]`` differs (``!=`` in some column) from row
    ``order[i - 1]``, and at ``i = 0``."""
    n, m = x.shape
    for i in range(n):
        s = i == 0
        if not s:
            for k in range(m):
                if x[order[i], k] != x[order[i - 1], k]:
                    s = True
                    break
        starts[i] = s


_group_starts = jit(_group_starts_kernel)


def _group_rows_kernel(x, order, first, values, inverse, counts):
    """For group ``g`` (rows ``order[first[g]:first[g + 1]]``): its first row into
    ``values[g]``, its size into ``counts[g]``, and ``g`` into ``inverse`` at each of its rows."""
    n, m = x.shape
    groups = first.shape[0]
    for g in range(groups):
        lo = first[g]
        hi = first[g + 1] if g + 1 < groups else n
        for k in range(m):
            values[g, k] = x[order[lo], k]
        counts[g] = hi - lo
        for i in range(lo, hi):
            inverse[order[i]] = g


_group_rows = jit(_group_rows_kernel)


def unique_rows(x: np.ndarray, consecutive: bool, nan_last: bool) -> tuple:
    """``(values, inverse, counts)`` of the distinct rows of a C-contiguous ``(n, m)`` array:
    sorted rows (or runs of equal neighbours when ``consecutive``; ``nan_last`` chooses the
    order, see :func:`row_before`), the int64 group of each input row, and the int64 size of
    each group."""
    n, m = x.shape
    order = np.arange(n, dtype=np.int64)
    if n and not consecutive:
        _row_order(x, bool(nan_last), order)
    starts = np.zeros(n, np.bool_)
    if n:
        _group_starts(x, order, starts)
    first = np.flatnonzero(starts).astype(np.int64)  # planning: the number of groups
    values = np.empty((first.size, m), x.dtype)
    inverse = np.empty(n, np.int64)
    counts = np.empty(first.size, np.int64)
    if n:
        _group_rows(x, order, first, values, inverse, counts)
    return values, inverse, counts


def _bincount_kernel(x, counts):
    for i in range(x.shape[0]):
        counts[x[i]] += 1


def _bincount_weighted_kernel(x, w, sums):
    for i in range(x.shape[0]):
        sums[x[i]] += w[i]


_bincount = jit(_bincount_kernel)
_bincount_weighted = jit(_bincount_weighted_kernel)


def bincount(x: np.ndarray, weights, nbins: int) -> np.ndarray:
    """Occurrences of each value of the 1-D non-negative integer array ``x`` in ``[0, nbins)``
    (int64), or, given ``weights`` (1-D, ``x``'s length), the float64 sum of the weights of
    each value. The caller checks that every value is in range."""
    if weights is None:
        counts = np.zeros(nbins, np.int64)
        if x.size:
            _bincount(x, counts)
        return counts
    sums = np.zeros(nbins, np.float64)
    if x.size:
        _bincount_weighted(x, weights, sums)
    return sums


def bin_index(v, left, right, nbins, bins):
    """torch's histc bin of ``v`` in ``[left, right]`` split into ``bins`` bins (-1 outside or
    nan), computed in ``v``'s dtype (``nbins`` is ``bins`` in that dtype); the right edge
    belongs to the last bin. Plain code, so the CUDA twin compiles the same source."""
    if not (v >= left and v <= right):
        return -1
    pos = int((v - left) * nbins / (right - left))
    if pos >= bins:
        pos = bins - 1
    return pos


_bin_index = jit(bin_index)


def _histc_kernel(x, left, right, nbins, counts):
    bins = counts.shape[0]
    for i in range(x.shape[0]):
        b = _bin_index(x[i], left, right, nbins, bins)
        if b >= 0:
            counts[b] += 1


_histc = jit(_histc_kernel)


def histc(x: np.ndarray, bins: int, left: float, right: float) -> np.ndarray:
    """int64 counts of the 1-D float array ``x`` in ``bins`` equal bins over ``[left, right]``
    (the caller checks ``left < right``, both finite); elements outside and nan are skipped."""
    counts = np.zeros(bins, np.int64)
    if x.size:
        t = x.dtype.type
        _histc(x, t(left), t(right), t(bins), counts)
    return counts


def search(b, row, lo, hi, v, right, sorter, use_sorter):
    """torch's binary search of ``v`` in ``b[row, lo:hi]`` (through ``sorter[row]`` when
    ``use_sorter``): the first position whose value is ``>= v`` (``> v`` when ``right``),
    with torch's comparisons (``not (mid >= v)``), which decide how nan lands."""
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if use_sorter:
            m = b[row, sorter[row, mid]]
        else:
            m = b[row, mid]
        if right:
            go_right = not (m > v)
        else:
            go_right = not (m >= v)
        if go_right:
            lo = mid + 1
        else:
            hi = mid
    return lo


_search = jit(search)


def _searchsorted_kernel(b, v, sorter, use_sorter, right, out):
    rows, k = v.shape
    for r in range(rows):
        row = r if b.shape[0] > 1 else 0
        for j in range(k):
            out[r, j] = _search(b, row, 0, b.shape[1], v[r, j], right, sorter, use_sorter)


_searchsorted = jit(_searchsorted_kernel)


def searchsorted(b: np.ndarray, v: np.ndarray, sorter, right: bool, out_dtype) -> np.ndarray:
    """Insertion positions of each ``v[r, j]`` in row ``b[r]`` (row 0 when ``b`` has one row),
    both C-contiguous 2-D of one dtype; ``sorter`` (int64, ``b``'s shape, indices checked by
    the caller) orders an unsorted ``b``. The result is ``v``'s shape in ``out_dtype``."""
    out = np.empty(v.shape, out_dtype)
    if v.size:
        use = sorter is not None
        _searchsorted(b, v, sorter if use else np.zeros((1, 1), np.int64), use, bool(right),
                      out)
    return out
