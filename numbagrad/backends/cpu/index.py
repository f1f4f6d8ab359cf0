"""Gather and scatter kernels for the CPU: indexing by flat offsets, and ``gather`` along a dim.

Offsets are element offsets from an array's first element computed with that array's own
strides, so a strided or expanded view is read and written in place without a copy. Every offset
is range-checked by the op before a kernel runs: the kernels do not check (Numba does not).
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit


def _flat_base(x: np.ndarray) -> np.ndarray:
    """A 1-D array over the memory that ``x`` spans, starting at its first element.

    Strides are non-negative (torch has no negative strides, and numbagrad refuses to make
    them), so element ``x[i, j, ...]`` lies at ``i * s0 + j * s1 + ...`` of this buffer.
    """
    if x.flags.c_contiguous:
        return x.reshape(-1)
    if x.size == 0:
        return np.empty(0, x.dtype)
    item = x.itemsize
    span = 1 + sum((n - 1) * (s // item) for n, s in zip(x.shape, x.strides))
    return np.lib.stride_tricks.as_strided(x, shape=(span,), strides=(item,))


def element_strides(x: np.ndarray) -> tuple:
    """The strides of ``x`` counted in elements."""
    return tuple(s // x.itemsize for s in x.strides)


@jit
def _scatter_offsets_kernel(index, outer_offsets, inner_offsets, stride, n, out):
    """out[o, j, i] = outer_offsets[o] + index[o, j, i] * stride + inner_offsets[i], unless an
    index lies outside [0, n): then the flat position of the first such index is returned."""
    outer, m, inner = index.shape
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                v = index[o, j, i]
                if v < 0 or v >= n:
                    return (o * m + j) * inner + i
                out[o, j, i] = outer_offsets[o] + v * stride + inner_offsets[i]
    return -1


# How :func:`checked_index` words an index out of range: torch's message differs by op (and its
# class by op and path). One kernel raises all of them, so eager mode and a compiled step,
# which runs the same kernel on each call's index, raise the same error.
(INDEX_ERROR, INDEX_ADD_1D, INDEX_ADD, INDEX_COPY, TAKE_ALONG_DIM, SELECT_DIM0, SELECT,
 TAKE) = range(8)


@jit
def _checked_index_kernel(index, low, n, dim, form, out):
    """out = index, a negative index counted from the end, unless an index lies outside
    ``[low, n)``: then torch's error for ``form`` (the constants above). Both arrays 1-D."""
    for i in range(index.size):
        v = index[i]
        if v < low or v >= n:
            s, size = str(v), str(n)
            if form == SELECT_DIM0:
                raise IndexError("index_select(): index out of range in self: index " + s
                                 + " for dimension 0 of size " + size)
            if form == SELECT:
                raise RuntimeError("INDICES element is out of DATA bounds, id=" + s
                                   + " axis_dim=" + size)
            if form == TAKE:
                raise IndexError("out of range: tried to access index " + s + " on a tensor of "
                                 + size + " elements.")
            tail = ("index " + s + " is out of bounds for dimension " + str(dim) + " with size "
                    + size)
            if form == INDEX_ERROR:
                raise IndexError(tail)
            if form == INDEX_ADD_1D:
                raise IndexError("index_add(): " + tail)
            if form == INDEX_ADD:
                raise RuntimeError("index_add(): " + tail)
            if form == INDEX_COPY:
                raise IndexError("index_copy_(): " + tail)
            raise RuntimeError("take_along_dim(): " + tail)
        out[i] = v + n if v < 0 else v


def checked_index(index: np.ndarray, n: int, negative: bool, form: int,
                  dim: int = 0) -> np.ndarray:
    """``index`` (a host integer array) as a new C-contiguous int64 array of its shape, each
    index checked against ``[0, n)`` (``[-n, n)`` if ``negative``, negatives counted from the
    end), in a kernel that raises torch's error for ``form`` naming ``dim``.

    The kernel reads the index itself and returns nothing, so a compiled step replays it on
    each call's index: neither the check nor the result is a constant of the step.
    """
    # The package's ``contiguous``, looked up at the call: a capture records that copy.
    from numbagrad.backends import cpu

    # -1, which no result is: a compiled step's capture sees the kernel write even an
    # all-zero result (memory fresh from the system holds zeros already).
    out = np.full(index.shape, -1, np.int64)
    if out.size:
        flat = (index if index.flags.c_contiguous else cpu.contiguous(index)).reshape(-1)
        _checked_index_kernel(flat, -n if negative else 0, n, dim, form, out.reshape(-1))
    return out


@jit
def _bag_ids_kernel(rows, starts, length, last, n_bags, num, pad, out, sizes):
    """The bag of each position of ``rows``, or ``n_bags`` (a bag of its own, which the op
    drops) for a position holding ``pad`` or when there are no bags, and each bag's size (at
    least 1: a mean's divisor); torch's checks of the offsets ``starts`` (unless ``length``,
    fixed-length bags) and of each row in ``[0, num)``."""
    n = rows.size
    if length < 0:
        m = starts.size
        if m and starts[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               + str(starts[0]))
        if m and starts[m - 1] > n:
            raise RuntimeError("offsets[-1] can not be greater than input's length " + str(n)
                               + " but got offsets[-1] of " + str(starts[m - 1]))
        for j in range(1, m):
            if starts[j] < starts[j - 1]:
                raise RuntimeError("embedding_bag: offsets must be non-decreasing")
        if last and (m == 0 or starts[m - 1] != n):
            raise RuntimeError("Your input appears to be incorrect: the last offset value "
                               "should be the size of the indices tensor, but it seems not to "
                               "be the case.")
    for j in range(sizes.size):
        sizes[j] = 0
    b = -1
    for i in range(n):
        if n_bags == 0:  # no bags: the indices belong to none (torch returns no rows)
            out[i] = n_bags
            continue
        v = rows[i]
        if v < 0 or v >= num:
            raise RuntimeError("Index " + str(i) + " of input takes value " + str(v)
                               + " which is not in the valid range [0, " + str(num) + ")")
        if length >= 0:
            b = i // length
        else:
            while b + 1 < n_bags and starts[b + 1] <= i:
                b += 1
        out[i] = n_bags if v == pad else b
        sizes[out[i]] += 1
    for j in range(sizes.size):
        sizes[j] = max(sizes[j], 1)


def bag_ids(rows: np.ndarray, starts: np.ndarray, length: int, last: bool, n_bags: int,
            num: int, pad: int) -> tuple:
    """For ``embedding_bag``: the bag (int64, 1-D) of each position of ``rows`` (host,
    integer, read in C order), in bags that start at ``starts`` (host offsets, 1-D integer;
    the last one the input's end when ``last``) or, when ``length >= 0``, in bags of
    ``length`` positions. A position holding ``pad`` (-1 for none), and every position when
    ``n_bags`` is 0, goes to bag ``n_bags``, one past the last: the op drops that row, so no
    shape depends on the values. Returns ``(bags, sizes)``: ``sizes`` (int64, ``n_bags + 1``)
    counts each bag's positions, at least 1 (a mean's divisor). Checks the offsets and the rows
    (in ``[0, num)``) in a kernel, with torch's messages, so a compiled step replays them on
    each call's."""
    from numbagrad.backends import cpu  # its ``contiguous``, which a capture records

    out = np.full(rows.size, -1, np.int64)  # -1, no bag: as in checked_index
    rows = (rows if rows.flags.c_contiguous else cpu.contiguous(rows)).reshape(-1)
    starts = starts if starts.flags.c_contiguous else cpu.contiguous(starts)
    sizes = np.full(n_bags + 1, -1, np.int64)
    _bag_ids_kernel(rows, starts, length, last, n_bags, num, pad, out, sizes)
    return out, sizes


def scatter_offsets(index: np.ndarray, axis: int, shape: tuple) -> tuple:
    """The element offsets, in a C-contiguous array of ``shape``, that a scatter along ``axis``
    writes: entry ``[..., j, ...]`` of ``index`` (host, integer, as many dims as ``shape``, no
    larger apart from ``axis``) goes to ``[..., index[..., j, ...], ...]``.

    One pass over ``index``, which also checks its range. Returns ``(offsets, bad)``: int64
    offsets of ``index``'s shape, and the flat position of the first index outside
    ``[0, shape[axis])`` (-1 when none is).
    """
    jshape = index.shape
    strides, step = [0] * len(shape), 1  # C order
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    outer = np.zeros(1, np.int64)
    for d in range(axis):
        outer = (outer[:, None] + np.arange(jshape[d]) * strides[d]).reshape(-1)
    inner = np.zeros(1, np.int64)
    for d in range(axis + 1, len(jshape)):
        inner = (inner[:, None] + np.arange(jshape[d]) * strides[d]).reshape(-1)
    index3 = np.ascontiguousarray(index, np.int64).reshape(outer.size, jshape[axis], inner.size)
    offsets = np.empty(index3.shape, np.int64)
    bad = _scatter_offsets_kernel(index3, outer, inner, int(strides[axis]), int(shape[axis]),
                                  offsets) if index3.size else -1
    return offsets.reshape(jshape), int(bad)


@jit
def _take_kernel(src, offsets, out):
    """out[i] = src[offsets[i]]; each iteration owns one output element."""
    for i in range(offsets.shape[0]):
        out[i] = src[offsets[i]]


@jit
def _put_kernel(dst, offsets, values):
    """dst[offsets[i]] = values[i], in order: with repeated offsets the last value stays."""
    for i in range(offsets.shape[0]):
        dst[offsets[i]] = values[i]


@jit
def _put_add_kernel(dst, offsets, values):
    """dst[offsets[i]] += values[i]; serial, so repeated offsets accumulate without races."""
    for i in range(offsets.shape[0]):
        dst[offsets[i]] += values[i]


def take(x: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The elements of ``x`` at element ``offsets`` (int64, any shape), in that shape."""
    out = np.empty(offsets.shape, x.dtype)
    if out.size:
        _take_kernel(_flat_base(x), offsets.reshape(-1), out.reshape(-1))
    return out


def put(x: np.ndarray, offsets: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` (``x``'s dtype, ``offsets``' shape) into ``x`` at element ``offsets``.

    ``x`` must not be an expanded view (its memory locations must be distinct elements).
    """
    if offsets.size:
        values = np.ascontiguousarray(values)
        _put_kernel(_flat_base(x), offsets.reshape(-1), values.reshape(-1))


def put_add(x: np.ndarray, offsets: np.ndarray, values: np.ndarray) -> None:
    """Add ``values`` into ``x`` at element ``offsets``; repeated offsets add up."""
    if offsets.size:
        values = np.ascontiguousarray(values)
        _put_add_kernel(_flat_base(x), offsets.reshape(-1), values.reshape(-1))


@jit
def _gather_kernel(x, index, out):
    """out[o, j, i] = x[o, index[o, j, i], i]; each (o, j) iteration owns one output row.

    Layout: ``x`` is ``(outer, n, inner)``, ``index`` and ``out`` ``(outer, m, inner)``.
    """
    outer, m, inner = index.shape
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                out[o, j, i] = x[o, index[o, j, i], i]


@jit
def _scatter_add_kernel(acc, index, src):
    """acc[o, index[o, j, i], i] += src[o, j, i]; serial, so repeated indices accumulate."""
    outer, m, inner = index.shape
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                acc[o, index[o, j, i], i] += src[o, j, i]


def gather(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``out[o, j, i] = x[o, index[o, j, i], i]`` for C-contiguous 3-D ``x`` and int64 ``index``."""
    out = np.empty(index.shape, x.dtype)
    if out.size:
        _gather_kernel(x, index, out)
    return out


def scatter_add(acc: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """``acc[o, index[o, j, i], i] += src[o, j, i]`` in place (the vjp of :func:`gather`)."""
    if src.size:
        _scatter_add_kernel(acc, index, np.ascontiguousarray(src))


@jit
def _scatter_reduce_kernel(dst, offsets, values, mode):
    """dst[offsets[i]] = dst[offsets[i]] (*, max, min) values[i] for mode 0, 1, 2; serial, in
    order, so repeated offsets combine without races. A nan wins max and min, as in torch."""
    for i in range(offsets.shape[0]):
        o = offsets[i]
        v = values[i]
        if mode == 0:
            dst[o] = dst[o] * v
        elif mode == 1:
            if v > dst[o] or v != v:
                dst[o] = v
        elif v < dst[o] or v != v:
            dst[o] = v


SCATTER_REDUCE_MODES = {"prod": 0, "amax": 1, "amin": 2}


def scatter_reduce(x: np.ndarray, offsets: np.ndarray, values: np.ndarray, reduce: str) -> None:
    """Combine ``values`` (``x``'s dtype, ``offsets``' shape) into C-contiguous ``x`` at element
    ``offsets`` with ``reduce`` ('prod', 'amax' or 'amin'), in the order of ``offsets``."""
    if offsets.size:
        values = np.ascontiguousarray(values)
        _scatter_reduce_kernel(x.reshape(-1), offsets.reshape(-1), values.reshape(-1),
                               SCATTER_REDUCE_MODES[reduce])


@jit
def _embedding_rows_kernel(table, index, out):
    """out[i, :] = table[index[i], :]; an index outside ``[0, rows)`` raises torch's error
    before anything is read (the kernel runs inside a compiled step too, on each call's index)."""
    num, width = table.shape
    for i in range(index.shape[0]):
        r = index[i]
        if r < 0 or r >= num:
            raise IndexError("index out of range in self")
        for j in range(width):
            out[i, j] = table[r, j]


@jit
def _embedding_grad_kernel(grad, index, g, padding_idx):
    """grad[index[i], :] += g[i, :] for every position i in order (repeats add up), skipping
    positions holding ``padding_idx`` (-1: none). Additions only: nothing to fuse."""
    width = grad.shape[1]
    for i in range(index.shape[0]):
        r = index[i]
        if r == padding_idx:
            continue
        for j in range(width):
            grad[r, j] += g[i, j]


@jit
def _embedding_freq_scale_kernel(index, num, out):
    """out[i, 0] = 1 / (how often index[i] occurs in ``index``), computed in float64 and
    rounded to ``out``'s dtype (as ``np.bincount`` and a cast). The counts live in the kernel:
    a replay of it starts from zero again."""
    counts = np.zeros(num, np.int64)
    for i in range(index.shape[0]):
        counts[index[i]] += 1
    for i in range(index.shape[0]):
        out[i, 0] = 1.0 / counts[index[i]]


def embedding_rows(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The rows of 2-D ``table`` at the integers of 1-D ``index``: ``(index.size, width)``.

    Raises ``IndexError`` (torch's message) for an index outside ``[0, table.shape[0])``.
    """
    out = np.empty((index.shape[0], table.shape[1]), table.dtype)
    if index.shape[0]:
        _embedding_rows_kernel(np.ascontiguousarray(table), index, out)
    return out


def embedding_grad(grad: np.ndarray, index: np.ndarray, g: np.ndarray,
                   padding_idx: int) -> None:
    """Add each row of ``g`` (``(index.size, width)``) into C-contiguous ``grad`` at its row of
    ``index``, in index order, leaving out positions holding ``padding_idx`` (-1: none): the
    vjp of :func:`embedding_rows`."""
    if index.shape[0]:
        _embedding_grad_kernel(grad, index, np.ascontiguousarray(g), int(padding_idx))


def embedding_freq_scale(index: np.ndarray, num: int, dtype) -> np.ndarray:
    """``(index.size, 1)`` of ``dtype``: for each position, one over the count of its value in
    ``index`` (values in ``[0, num)``), the factor of ``scale_grad_by_freq``."""
    out = np.empty((index.shape[0], 1), dtype)
    if index.shape[0]:
        _embedding_freq_scale_kernel(index, int(num), out)
    return out
