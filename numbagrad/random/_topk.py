"""torch's CPU ``topk`` order (``largest=True, sorted=True``) for ``multinomial`` without
replacement, ties included.

torch's ``topk_impl_loop`` sorts (value, index) pairs with ``std::partial_sort`` when
``k * 64 <= n``, else ``std::nth_element`` at ``k - 1`` followed by ``std::sort`` of the first
``k - 1``, with the comparator "x is nan and y is not, or x > y". These algorithms are not
stable: among equal keys (frequent for float16 keys) the order is the one GNU libstdc++'s heap,
introselect and introsort steps leave, which the functions below repeat step by step.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit

_THRESHOLD = 16  # libstdc++'s _S_threshold


@jit
def _less(a, b):
    """The comparator: ``a`` comes before ``b``."""
    return (np.isnan(a) and not np.isnan(b)) or a > b


@jit
def _swap(keys, idx, i, j):
    keys[i], keys[j] = keys[j], keys[i]
    idx[i], idx[j] = idx[j], idx[i]


@jit
def _push_heap(keys, idx, first, hole, top, vk, vi):
    parent = (hole - 1) // 2
    while hole > top and _less(keys[first + parent], vk):
        keys[first + hole] = keys[first + parent]
        idx[first + hole] = idx[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    keys[first + hole] = vk
    idx[first + hole] = vi


@jit
def _adjust_heap(keys, idx, first, hole, length, vk, vi):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _less(keys[first + child], keys[first + child - 1]):
            child -= 1
        keys[first + hole] = keys[first + child]
        idx[first + hole] = idx[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        keys[first + hole] = keys[first + child - 1]
        idx[first + hole] = idx[first + child - 1]
        hole = child - 1
    _push_heap(keys, idx, first, hole, top, vk, vi)


@jit
def _pop_heap(keys, idx, first, last, result):
    vk = keys[result]
    vi = idx[result]
    keys[result] = keys[first]
    idx[result] = idx[first]
    _adjust_heap(keys, idx, first, 0, last - first, vk, vi)


@jit
def _heap_select(keys, idx, first, middle, last):
    length = middle - first
    if length >= 2:
        parent = (length - 2) // 2
        while True:
            _adjust_heap(keys, idx, first, parent, length, keys[first + parent],
                         idx[first + parent])
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if _less(keys[i], keys[first]):
            _pop_heap(keys, idx, first, middle, i)


@jit
def _sort_heap(keys, idx, first, last):
    while last - first > 1:
        last -= 1
        _pop_heap(keys, idx, first, last, last)


@jit
def _partial_sort(keys, idx, first, middle, last):
    _heap_select(keys, idx, first, middle, last)
    _sort_heap(keys, idx, first, middle)


@jit
def _partition_pivot(keys, idx, first, last):
    """``__unguarded_partition_pivot``: median of three moved to ``first``, then Hoare's
    partition of the rest around it."""
    a, b, c = first + 1, first + (last - first) // 2, last - 1
    if _less(keys[a], keys[b]):
        if _less(keys[b], keys[c]):
            _swap(keys, idx, first, b)
        elif _less(keys[a], keys[c]):
            _swap(keys, idx, first, c)
        else:
            _swap(keys, idx, first, a)
    elif _less(keys[a], keys[c]):
        _swap(keys, idx, first, a)
    elif _less(keys[b], keys[c]):
        _swap(keys, idx, first, c)
    else:
        _swap(keys, idx, first, b)
    lo, hi = first + 1, last
    while True:
        while _less(keys[lo], keys[first]):
            lo += 1
        hi -= 1
        while _less(keys[first], keys[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        _swap(keys, idx, lo, hi)
        lo += 1


@jit
def _linear_insert(keys, idx, last):
    vk = keys[last]
    vi = idx[last]
    nxt = last - 1
    while _less(vk, keys[nxt]):
        keys[last] = keys[nxt]
        idx[last] = idx[nxt]
        last = nxt
        nxt -= 1
    keys[last] = vk
    idx[last] = vi


@jit
def _insertion_sort(keys, idx, first, last):
    if first == last:
        return
    for i in range(first + 1, last):
        if _less(keys[i], keys[first]):
            vk = keys[i]
            vi = idx[i]
            for j in range(i, first, -1):
                keys[j] = keys[j - 1]
                idx[j] = idx[j - 1]
            keys[first] = vk
            idx[first] = vi
        else:
            _linear_insert(keys, idx, i)


@jit
def _log2(n):
    r = 0
    while n > 1:
        n >>= 1
        r += 1
    return r


@jit
def _nth_element(keys, idx, first, nth, last):
    if first == last or nth == last:
        return
    depth = 2 * _log2(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(keys, idx, first, nth + 1, last)
            _swap(keys, idx, first, nth)
            return
        depth -= 1
        cut = _partition_pivot(keys, idx, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(keys, idx, first, last)


@jit
def _introsort_loop(keys, idx, first, last, depth):
    # The recursion on the right part, as libstdc++'s, is replaced by an explicit stack.
    stack = np.empty((2 * 64 + 2, 3), dtype=np.int64)
    top = 0
    stack[0, 0], stack[0, 1], stack[0, 2] = first, last, depth
    top = 1
    while top > 0:
        top -= 1
        first, last, depth = stack[top, 0], stack[top, 1], stack[top, 2]
        while last - first > _THRESHOLD:
            if depth == 0:
                _partial_sort(keys, idx, first, last, last)
                break
            depth -= 1
            cut = _partition_pivot(keys, idx, first, last)
            # libstdc++ sorts [cut, last) fully before going on with [first, cut); the two
            # ranges are disjoint, so the order of the work does not change the result.
            stack[top, 0], stack[top, 1], stack[top, 2] = cut, last, depth
            top += 1
            last = cut


@jit
def _sort(keys, idx, first, last):
    if first == last:
        return
    _introsort_loop(keys, idx, first, last, 2 * _log2(last - first))
    if last - first > _THRESHOLD:
        _insertion_sort(keys, idx, first, first + _THRESHOLD)
        for i in range(first + _THRESHOLD, last):
            _linear_insert(keys, idx, i)
    else:
        _insertion_sort(keys, idx, first, last)


@jit
def topk_rows(keys, k, out):
    """``out[r]`` = the indices of the ``k`` largest of ``keys[r]`` in torch's order
    (``keys`` is overwritten)."""
    rows, n = keys.shape
    idx = np.empty(n, dtype=np.int64)
    for r in range(rows):
        row = keys[r]
        for j in range(n):
            idx[j] = j
        if k * 64 <= n:
            _partial_sort(row, idx, 0, k, n)
        else:
            _nth_element(row, idx, 0, k - 1, n)
            _sort(row, idx, 0, k - 1)
        for j in range(k):
            out[r, j] = idx[j]
