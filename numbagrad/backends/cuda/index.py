"""Gather and scatter kernels for the GPU: indexing by flat offsets, and ``gather`` along a dim.

The twin of ``backends/cpu/index.py``, with the same functions. Offsets (int64 device arrays)
are element offsets from an array's first element computed with that array's own strides, so a
strided or expanded view is read and written in place, without a copy. Every offset is
range-checked by the op before a kernel runs: the kernels do not check.

One thread per index in a grid-stride loop, except where writes can collide:

* :func:`put` with a repeated offset keeps the last value, as the CPU's serial loop does. Each
  index first claims its target with an atomic maximum of its position, then only the winner
  writes: the result is deterministic and equal to the CPU's.
* :func:`put_add` adds with atomics: repeated offsets add up, in an order the hardware picks,
  so float sums may differ from the CPU's in the last bits (as torch's ``index_put_`` with
  ``accumulate=True`` does on a GPU).
* :func:`scatter_add` gives each thread one column ``(o, :, i)`` of the index, walked in the
  CPU's order: no two threads write the same element, so there are no atomics and the sums are
  the CPU's to the bit. When there are too few columns to occupy a GPU and they are long, it
  falls back to one thread per element with atomic adds.
"""
from __future__ import annotations

import numpy as np
from numba import cuda, int32, int64

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import contiguous, from_host, full, to_host

# Below this many columns, when the columns are longer than there are columns, scatter_add
# uses atomics: a few thousand serial threads would leave most of a GPU idle.
SERIAL_COLUMNS = 2048


def element_strides(x) -> tuple:
    """The strides of ``x`` counted in elements."""
    return _array.element_strides(x)


def _flat_base(x):
    """A 1-D view of the memory that ``x`` spans, starting at its first element (no copy).

    Strides are non-negative, so element ``x[i, j, ...]`` lies at ``i * s0 + j * s1 + ...``.
    """
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, _array.element_strides(x)))
    return _array.view(x, (max(span, 1),), (1,), 0)


def _flat(x):
    """``x`` as a 1-D C-contiguous array (a view when ``x`` is contiguous, else a copy)."""
    return _array.flat(contiguous(x))


def _take(src, offsets, out):
    """out[e] = src[offsets[e]]; one thread per output element, grid-stride."""
    e = cuda.grid(1)
    while e < offsets.shape[0]:
        out[e] = src[offsets[e]]
        e += cuda.gridsize(1)


def _put_template(owner_type):
    """The two passes of :func:`put` for an owner array of ``owner_type`` (int32 or int64)."""

    def put_claim(owner, offsets):
        """owner[offsets[e]] = the largest e aiming there: each target's last writer."""
        e = cuda.grid(1)
        while e < offsets.shape[0]:
            cuda.atomic.max(owner, offsets[e], owner_type(e))
            e += cuda.gridsize(1)

    def put_write(dst, offsets, values, owner):
        """dst[offsets[e]] = values[e] for the claim's winner only: one write per target."""
        e = cuda.grid(1)
        while e < offsets.shape[0]:
            if owner[offsets[e]] == e:
                dst[offsets[e]] = values[e]
            e += cuda.gridsize(1)

    return put_claim, put_write


def _put_add(dst, offsets, values):
    """dst[offsets[e]] += values[e] with atomic adds, so repeated offsets accumulate."""
    e = cuda.grid(1)
    while e < offsets.shape[0]:
        cuda.atomic.add(dst, offsets[e], values[e])
        e += cuda.gridsize(1)


def _gather(x, index, out):
    """out[o, j, i] = x[o, index[o, j, i], i]; one thread per output element, grid-stride.

    Layout: ``x`` is ``(outer, n, inner)``, ``index`` and ``out`` ``(outer, m, inner)``;
    consecutive threads take consecutive ``i``, so reads and writes along ``inner`` coalesce.
    """
    outer, m, inner = index.shape
    e = cuda.grid(1)
    while e < outer * m * inner:
        o, r = e // (m * inner), e % (m * inner)
        j, i = r // inner, r % inner
        out[o, j, i] = x[o, index[o, j, i], i]
        e += cuda.gridsize(1)


def _scatter_add_columns(acc, index, src):
    """acc[o, index[o, j, i], i] += src[o, j, i]: one thread per column ``(o, i)``, walking j
    in order. Columns write disjoint elements of ``acc``, so no atomics are needed and the sums
    round as the CPU's serial loop does."""
    outer, m, inner = index.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        for j in range(m):
            acc[o, index[o, j, i], i] += src[o, j, i]
        c += cuda.gridsize(1)


def _scatter_add_atomic(acc, index, src):
    """acc[o, index[o, j, i], i] += src[o, j, i]: one thread per element, atomic adds."""
    outer, m, inner = index.shape
    e = cuda.grid(1)
    while e < outer * m * inner:
        o, r = e // (m * inner), e % (m * inner)
        j, i = r // inner, r % inner
        cuda.atomic.add(acc, (o, index[o, j, i], i), src[o, j, i])
        e += cuda.gridsize(1)


def _scatter_reduce_segments(dst, offsets, values, order, starts, mode):
    """One thread per target element ``s``: the values aimed at it (``order[starts[s]:
    starts[s + 1]]``, in their original order) combined into it with * (mode 0), max (1) or min
    (2). Targets are distinct, so there are no atomics and the results are the CPU's to the bit;
    a nan wins max and min."""
    s = cuda.grid(1)
    while s < starts.shape[0] - 1:
        o = offsets[order[starts[s]]]
        acc = dst[o]
        for k in range(starts[s], starts[s + 1]):
            v = values[order[k]]
            if mode == 0:
                acc = acc * v
            elif mode == 1:
                if v > acc or v != v:
                    acc = v
            elif v < acc or v != v:
                acc = v
        dst[o] = acc
        s += cuda.gridsize(1)


_take_kernel = kernel(_take)
_put_kernels = {np.dtype(np.int32): tuple(kernel(f) for f in _put_template(int32)),
                np.dtype(np.int64): tuple(kernel(f) for f in _put_template(int64))}
_put_add_kernel = kernel(_put_add)
_gather_kernel = kernel(_gather)
_scatter_add_columns_kernel = kernel(_scatter_add_columns)
_scatter_add_atomic_kernel = kernel(_scatter_add_atomic)
_scatter_reduce_kernel = kernel(_scatter_reduce_segments)

SCATTER_REDUCE_MODES = {"prod": 0, "amax": 1, "amin": 2}


def take(x, offsets):
    """The elements of ``x`` at element ``offsets`` (int64, any shape), in that shape."""
    out = _array.empty(tuple(offsets.shape), x.dtype)
    if out.size:
        launch(_take_kernel, out.size, _flat_base(x), _flat(offsets), _array.flat(out))
    return out


def put(x, offsets, values) -> None:
    """Write ``values`` (``x``'s dtype, ``offsets``' shape) into ``x`` at element ``offsets``;
    with a repeated offset the last value stays, as on the CPU.

    ``x`` must not be an expanded view (its memory locations must be distinct elements).
    """
    if not offsets.size:
        return
    dst, flat_offsets = _flat_base(x), _flat(offsets)
    # The claim needs one slot per element of x's memory; int32 halves it when positions fit.
    owner_dtype = np.dtype(np.int32 if offsets.size < 2**31 else np.int64)
    owner = full((dst.size,), -1, owner_dtype)
    claim, write = _put_kernels[owner_dtype]
    launch(claim, offsets.size, owner, flat_offsets)
    launch(write, offsets.size, dst, flat_offsets, _flat(values), owner)


def put_add(x, offsets, values) -> None:
    """Add ``values`` into ``x`` at element ``offsets``; repeated offsets add up."""
    if offsets.size:
        launch(_put_add_kernel, offsets.size, _flat_base(x), _flat(offsets), _flat(values))


def gather(x, index):
    """``out[o, j, i] = x[o, index[o, j, i], i]`` for 3-D ``x`` and int64 ``index``."""
    out = _array.empty(tuple(index.shape), x.dtype)
    if out.size:
        launch(_gather_kernel, out.size, x, index, out)
    return out


def scatter_add(acc, index, src) -> None:
    """``acc[o, index[o, j, i], i] += src[o, j, i]`` in place (the vjp of :func:`gather`)."""
    if not src.size:
        return
    outer, m, inner = index.shape
    columns = outer * inner
    if columns >= SERIAL_COLUMNS or columns >= m:
        launch(_scatter_add_columns_kernel, columns, acc, index, src)
    else:
        launch(_scatter_add_atomic_kernel, src.size, acc, index, src)


def scatter_reduce(x, offsets, values, reduce: str) -> None:
    """Combine ``values`` (``x``'s dtype, ``offsets``' shape) into C-contiguous ``x`` at element
    ``offsets`` with ``reduce`` ('prod', 'amax' or 'amin'), in the order of ``offsets``.

    The offsets are grouped by target on the host (a stable sort keeps each group's order), so
    each thread owns one target and combines its values serially, as the CPU does.
    """
    if not offsets.size:
        return
    host = to_host(offsets).reshape(-1)
    order = np.argsort(host, kind="stable")
    bounds = np.flatnonzero(np.diff(host[order])) + 1
    starts = np.concatenate(([0], bounds, [host.size])).astype(np.int64)
    launch(_scatter_reduce_kernel, starts.size - 1, _flat(x), _flat(offsets), _flat(values),
           from_host(order.astype(np.int64)), from_host(starts), SCATTER_REDUCE_MODES[reduce])


def _row_offsets(rows: np.ndarray, width: int) -> np.ndarray:
    """Element offsets ``rows[i] * width + j`` of a C-contiguous ``(n, width)`` table."""
    return (rows[:, None] * width + np.arange(width, dtype=np.int64)).astype(np.int64)


def embedding_rows(table, index):
    """The rows of 2-D ``table`` at the integers of 1-D ``index``: ``(index.size, width)``.

    Raises ``IndexError`` (torch's message) for an index outside ``[0, table.shape[0])``; the
    index is read on the host for that check and for the offsets of :func:`take`.
    """
    rows = to_host(index).astype(np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= table.shape[0]):
        raise IndexError("index out of range in self")
    width = table.shape[1]
    # ``take`` answers in the offsets' shape, ``(rows.size, width)``.
    return take(contiguous(table), from_host(_row_offsets(rows, width)))


def embedding_grad(grad, index, g, padding_idx: int) -> None:
    """Add each row of ``g`` (``(index.size, width)``) into C-contiguous ``grad`` at its row of
    ``index``, leaving out positions holding ``padding_idx`` (-1: none). Repeats add with
    atomics (:func:`put_add`), so float sums may differ from the CPU's in the last bits."""
    rows = to_host(index).astype(np.int64).reshape(-1)
    keep = np.flatnonzero(rows != padding_idx)
    if not keep.size:
        return
    width = grad.shape[1]
    values = g if keep.size == rows.size else take(g, from_host(_row_offsets(keep, width)))
    put_add(grad, from_host(_row_offsets(rows[keep], width)), values)


def embedding_freq_scale(index, num: int, dtype):
    """``(index.size, 1)`` of ``dtype``: for each position, one over the count of its value in
    ``index`` (values in ``[0, num)``), the factor of ``scale_grad_by_freq``."""
    rows = to_host(index).astype(np.int64).reshape(-1)
    counts = np.bincount(rows, minlength=num)
    return from_host((1.0 / counts[rows]).astype(dtype).reshape(-1, 1))
