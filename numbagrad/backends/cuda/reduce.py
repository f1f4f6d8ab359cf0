"""Reductions along any axes for the GPU: sum, prod (and its vjp), max/min with indices.

The twin of ``backends/cpu/reduce.py``, with the same functions and the same layout: every
reduction sees its input as ``(outer, n, inner)``, reducing the middle axis (:func:`as_3d`, a
view when the strides allow one). Floating sums and products accumulate in float64 whatever
the input type, integer ones in int64, as on the CPU.

Threads. A block owns a tile of ``tx`` neighbouring output elements (``c = o * inner + i``) and
puts ``ty = THREADS // tx`` threads on each, which walk the reduced axis ``ty`` rows apart and
then combine their partial results in shared memory, halving the active threads each step.
``tx`` is up to 32 when ``inner > 1``, so a warp reads 32 neighbouring elements of one row
(coalesced), and 1 when ``inner == 1``, so a warp reads 32 neighbouring elements of one row
there too; short rows get a wider tile so fewer threads idle. The order of every combination
depends only on the shape and the launch shape, never on timing: results are reproducible, and
no atomics are needed.

When the tiles are too few to fill the GPU (``x.sum()`` of a large tensor is one tile), the
reduced axis is cut into chunks, reduced as if they were rows into a small float64 (or int64)
buffer, which the same kernel then reduces: two passes, still deterministic.
"""
from __future__ import annotations

import builtins
import math

import numpy as np
from numba import cuda, from_dtype, int64

# Shape arithmetic only (no arrays): one copy, shared with the CPU twin.
from numbagrad.backends.cpu.reduce import (
    _adjacent,
    layout_3d,
    normalize_axes,
    reduced_shape,
)
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.elementwise import map as map_
from numbagrad.backends.cuda.memory import full
from numbagrad.backends.cuda.shape import permute, reshape
from numbagrad.ops import scalar as F

# Blocks a reduction aims for before it cuts rows into chunks: a few per streaming
# multiprocessor of a large GPU (an H100 has 132).
TARGET_BLOCKS = 512
# Elements each thread should read in a chunk: fewer, and the second pass costs as much as the
# first saves.
PER_THREAD = 8
# prod_vjp cuts a row into chunks only when it is at least this long (see prod_vjp).
VJP_MIN_CHUNKS = 16


def as_3d(x, axes: tuple):
    """``x`` seen as ``(outer, n, inner)``, reduced axes in the middle: a view when it can be.

    Adjacent axes keep ``x``'s element order; other axes are moved last, after the kept ones.
    Unlike the CPU twin the result need not be C-contiguous (the kernels read any strides); it
    is copied only when no strided view exists.
    """
    shape3 = layout_3d(x.shape, axes)
    if not _adjacent(axes):
        kept = [d for d in range(x.ndim) if d not in axes]
        x = permute(x, tuple(kept + list(axes)))
    return reshape(x, shape3)


def from_3d(y3, shape: tuple, axes: tuple):
    """The inverse of :func:`as_3d` for a C-contiguous ``y3``: back in ``shape`` (a view)."""
    axes = normalize_axes(len(shape), axes)
    if _adjacent(axes):
        return _array.reshape_contiguous(y3, tuple(shape))
    kept = [d for d in range(len(shape)) if d not in axes]
    order = kept + list(axes)
    y = _array.reshape_contiguous(y3, tuple(shape[d] for d in order))
    return permute(y, tuple(int(d) for d in np.argsort(order)))


# ----------------------------------------------------------------------------- planning


def _pow2_at_least(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def _tile_width(n: int, inner: int, threads: int) -> int:
    """``tx``: output elements per block, so that ``ty = threads // tx`` threads share a row.

    Up to 32 neighbours along ``inner`` keep a warp's reads coalesced; then as many threads go
    along the row as it has elements (rounded up to a power of two), the rest widen the tile.
    """
    tx_min = builtins.min(_pow2_at_least(inner), 32, threads)
    ty = builtins.max(1, builtins.min(threads // tx_min, _pow2_at_least(n)))
    return builtins.max(1, threads // ty)


def _chunking(outer: int, n: int, inner: int, tx: int, threads: int) -> tuple:
    """``(chunk, chunks)``: rows cut into ``chunks`` pieces of ``chunk`` elements (the last may
    be shorter) when the tiles alone are fewer than :data:`TARGET_BLOCKS`."""
    tiles = -(-outer * inner // tx)
    ty = threads // tx
    chunks = builtins.min(-(-n // (ty * PER_THREAD)), -(-TARGET_BLOCKS // tiles))
    if chunks <= 1:
        return n, 1
    chunk = -(-n // chunks)
    return chunk, -(-n // chunk)


def _grid(outer: int, inner: int, tx: int, chunks: int) -> int:
    return builtins.max(1, builtins.min(-(-outer * inner // tx) * chunks, _jit.MAX_BLOCKS))


# ----------------------------------------------------------------------------- sum and prod


def _rows_template(combine, threads, acc_type, key):
    def reduce_rows(x, out, start, tx, chunk):
        """out[o, k, i] = ``combine`` folded from ``start`` over x[o, r, i], r in chunk k.

        Block b owns the output tile ``b // chunks`` (``tx`` neighbouring ``c = o*inner + i``)
        in chunk ``b % chunks`` (grid-stride over tiles x chunks). Thread (ly, lx) walks rows
        ``ly, ly + ty, ...`` of column ``lx``, then the ``ty`` partial results of each column
        are combined in shared memory in a fixed tree order: reproducible, no atomics.
        ``out`` is ``(outer, chunks, inner)`` in any type; ``start`` (the identity) has the
        accumulator's type.
        """
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        shared = cuda.shared.array(threads, acc_type)
        outer, n, inner = x.shape
        chunks = out.shape[1]
        ty = threads // tx
        t = cuda.threadIdx.x
        lx = t % tx
        ly = t // tx
        cols = outer * inner
        tiles = (cols + tx - 1) // tx
        b = cuda.blockIdx.x
        while b < tiles * chunks:  # the same count in every thread: syncthreads is safe
            tile = b // chunks
            k = b - tile * chunks
            c = tile * tx + lx
            o = c // inner
            i = c - o * inner
            acc = start
            if c < cols and ly < ty:
                r = k * chunk + ly
                stop = (k + 1) * chunk
                if stop > n:  # not min(): this module's min is the reduction
                    stop = n
                while r < stop:
                    acc = combine(acc, x[o, r, i])
                    r += ty
            shared[t] = acc
            cuda.syncthreads()
            h = 1
            while h < ty:
                h *= 2
            h //= 2
            while h > 0:  # ty need not be a power of two: the upper partner may be missing
                if ly < h and ly + h < ty:
                    shared[t] = combine(shared[t], shared[t + h * tx])
                cuda.syncthreads()
                h //= 2
            if ly == 0 and c < cols:
                out[o, k, i] = shared[t]
            cuda.syncthreads()  # the next tile reuses shared
            b += cuda.gridDim.x

    return reduce_rows




def _rows_kernel(combine, acc_dtype):
    threads = _jit.THREADS
    return _jit.once((_rows_template, combine, threads, acc_dtype),
                     lambda: _jit.kernel(_rows_template(
                         _jit.device_function(combine), threads, from_dtype(acc_dtype),
                         _jit.digest(combine))))


def _fold(combine, x3, out3, start) -> None:
    """out3 (outer, 1, inner) = ``combine`` folded over the rows of x3 (n >= 1, outputs > 0);
    rows cut into chunks, reduced into a buffer of ``start``'s type, when the tiles are few."""
    outer, n, inner = x3.shape
    threads = _jit.THREADS
    tx = _tile_width(n, inner, threads)
    chunk, chunks = _chunking(outer, n, inner, tx, threads)
    if chunks > 1:
        partial = _array.empty((outer, chunks, inner), start.dtype)
        _jit.launch(_rows_kernel(combine, start.dtype), 0, x3, partial, start, tx, chunk,
                    threads=threads, grid=_grid(outer, inner, tx, chunks))
        x3, n = partial, chunks
        tx = _tile_width(n, inner, threads)
    _jit.launch(_rows_kernel(combine, start.dtype), 0, x3, out3, start, tx, n,
                threads=threads, grid=_grid(outer, inner, tx, 1))


def _accumulate(combine, x, axes: tuple, identity: int, shape: tuple, dtype):
    """A new array of ``shape`` and ``dtype``: ``x`` folded over ``axes`` with ``combine``."""
    x3 = as_3d(x, axes)
    outer, n, inner = x3.shape
    if n == 0 or outer * inner == 0:
        return full(shape, identity, dtype)
    acc_type = np.float64 if x.dtype.kind == "f" else np.int64
    out = _array.empty(shape, dtype)
    _fold(combine, x3, _array.reshape_contiguous(out, (outer, 1, inner)), acc_type(identity))
    return out


def _result_dtype(x, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return np.dtype(np.int64) if x.dtype == np.bool_ or x.dtype.kind in "iu" else x.dtype


def sum(x, axes=None, keepdims: bool = False, dtype=None):  # noqa: A001
    """Sum ``x`` over ``axes`` (all when None); see ``backends.cpu.reduce.sum``.

    Parameters
    ----------
    x : device array
    axes : int, tuple of int or None
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : numpy.dtype, optional
        Result type; defaults to ``x``'s (int64 for bool, as torch).

    Returns
    -------
    device array
        C-contiguous.
    """
    axes = normalize_axes(x.ndim, axes)
    dtype = np.dtype(np.int64 if x.dtype == np.bool_ else x.dtype) if dtype is None \
        else np.dtype(dtype)
    return _accumulate(F.add, x, axes, 0, reduced_shape(x.shape, axes, keepdims), dtype)


def map_sum(fn, inputs: list, out_dtype, divisor=1):
    """``sum(map(fn, inputs)) / divisor``; see ``backends.cpu.reduce.map_sum``.

    Composed of the map and sum kernels (each a launch): the values of ``fn`` are stored in
    ``out_dtype``, summed in float64 and divided before the final rounding, as on the CPU.

    Returns
    -------
    device array
        0-d, of ``out_dtype``.
    """
    total = sum(map_(fn, inputs, out_dtype), None, False, np.float64)
    return map_(F.ieee_div, [total, full((), divisor, np.float64)], np.dtype(out_dtype))


def prod(x, axes=None, keepdims: bool = False, dtype=None):
    """Multiply the elements of ``x`` over ``axes`` (all when None); an empty product is 1.

    Parameters
    ----------
    x : device array
    axes : int, tuple of int or None
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : numpy.dtype, optional
        Result type; defaults to ``x``'s for floats, int64 for integers and bool (as torch).

    Returns
    -------
    device array
        C-contiguous.
    """
    axes = normalize_axes(x.ndim, axes)
    return _accumulate(F.mul, x, axes, 1, reduced_shape(x.shape, axes, keepdims),
                       _result_dtype(x, dtype))


def _prod_vjp_cols(x, g, cp, chunks, out, chunk):
    """out[o, r, i] = g[o, i] * product of x[o, s, i] over s != r.

    One thread per (o, k, i): column i of row o within chunk k, ``i`` fastest so neighbouring
    threads touch neighbouring memory. Its seeds are the products of the other chunks
    (``cp[o, j, i]``, from the prod kernel); then, as on the CPU, a forward walk writes the
    product of the elements before r and a backward walk multiplies in ``g`` times those after
    r: no division, so slices holding zeros get exact gradients. With ``chunks == 1``, ``cp`` is
    never read.
    """
    outer, n, inner = x.shape
    total = outer * chunks * inner
    e = cuda.grid(1)
    while e < total:
        i = e % inner
        ok = e // inner
        k = ok % chunks
        o = ok // chunks
        p = 1.0
        for j in range(k):
            p *= cp[o, j, i]
        lo = k * chunk
        hi = lo + chunk
        if hi > n:
            hi = n
        for r in range(lo, hi):
            out[o, r, i] = p
            p *= x[o, r, i]
        p = 1.0 * g[o, i]
        for j in range(k + 1, chunks):
            p *= cp[o, j, i]
        for r in range(hi - 1, lo - 1, -1):
            out[o, r, i] *= p
            p *= x[o, r, i]
        e += cuda.gridsize(1)


def _vjp_kernel(fn):
    return _jit.once((fn,), lambda: _jit.kernel(fn))


def prod_vjp(x, g, axes):
    """The gradient of ``prod(x, axes)``: each element gets ``g`` times the product of the others.

    Parameters
    ----------
    x : device array
        The product's input (floating).
    g : device array
        The gradient of the product, of its shape with reduced axes kept (length 1).
    axes : tuple of int or None

    Returns
    -------
    device array
        Of ``x``'s shape and dtype (a view of a C-contiguous buffer in the reduction layout).
    """
    axes = normalize_axes(x.ndim, axes)
    x3 = as_3d(x, axes)
    outer, n, inner = x3.shape
    out = _array.empty((outer, n, inner), x.dtype)
    if out.size:
        g2 = reshape(g, (outer, inner))
        # A long row with few columns is cut into chunks of ~sqrt(n) elements, so that the
        # serial walks of each thread and its seeds from the other chunks stay short.
        wanted = -(-TARGET_BLOCKS * _jit.THREADS // (outer * inner))
        chunks = builtins.min(wanted, math.isqrt(n))
        cp, chunk = x3, n
        if chunks >= VJP_MIN_CHUNKS:
            chunk = -(-n // chunks)
            chunks = -(-n // chunk)
            cp = _array.empty((outer, chunks, inner), np.float64)
            tx = _tile_width(chunk, inner, _jit.THREADS)
            _jit.launch(_rows_kernel(F.mul, np.dtype(np.float64)), 0, x3, cp, np.float64(1),
                        tx, chunk, threads=_jit.THREADS, grid=_grid(outer, inner, tx, chunks))
        else:
            chunks = 1
        _jit.launch(_vjp_kernel(_prod_vjp_cols), outer * chunks * inner, x3, g2, cp, chunks,
                    out, chunk)
    return from_3d(out, x.shape, axes)


# ----------------------------------------------------------------------------- max and min


def _beats(v, vi, b, bi, largest):
    """Whether candidate value ``v`` at index ``vi`` replaces the best so far, ``b`` at ``bi``.

    The CPU's rule, made order-free so that partial results can meet in any order: the larger
    value (smaller unless ``largest``) wins, a nan wins over any number, and among equal values
    or among nans the first index wins. An index below 0 marks "nothing yet".
    """
    if vi < 0:
        return False
    if bi < 0:
        return True
    if v != v:
        return b == b or vi < bi
    if b != b:
        return False
    if v == b:
        return vi < bi
    return v > b if largest else v < b


def _extreme_template(beats, threads, val_type, with_index):
    def extreme_rows(x, xi, vals, idx, largest, tx, chunk):
        """vals[o, k, i], idx[o, k, i] = the max (min unless ``largest``) of x[o, r, i] over
        r in chunk k, and its index: r, or xi[o, r, i] when ``with_index`` (a second pass over
        partial results). Blocks, tiles and the shared-memory tree as ``reduce_rows``; the
        tree carries (value, index) pairs and :func:`_beats` decides, so ties keep the first
        index whatever order partial results meet in. ``x`` must not be empty.
        """
        sv = cuda.shared.array(threads, val_type)
        si = cuda.shared.array(threads, int64)
        outer, n, inner = x.shape
        chunks = vals.shape[1]
        ty = threads // tx
        t = cuda.threadIdx.x
        lx = t % tx
        ly = t // tx
        cols = outer * inner
        tiles = (cols + tx - 1) // tx
        b = cuda.blockIdx.x
        while b < tiles * chunks:  # the same count in every thread: syncthreads is safe
            tile = b // chunks
            k = b - tile * chunks
            c = tile * tx + lx
            o = c // inner
            i = c - o * inner
            bv = x[0, 0, 0]  # a value of the right type; bi = -1 says it is not one yet
            bi = -1
            if c < cols and ly < ty:
                r = k * chunk + ly
                stop = (k + 1) * chunk
                if stop > n:
                    stop = n
                while r < stop:
                    v = x[o, r, i]
                    vi = xi[o, r, i] if with_index else r
                    if beats(v, vi, bv, bi, largest):
                        bv = v
                        bi = vi
                    r += ty
            sv[t] = bv
            si[t] = bi
            cuda.syncthreads()
            h = 1
            while h < ty:
                h *= 2
            h //= 2
            while h > 0:
                if ly < h and ly + h < ty:
                    u = t + h * tx
                    if beats(sv[u], si[u], sv[t], si[t], largest):
                        sv[t] = sv[u]
                        si[t] = si[u]
                cuda.syncthreads()
                h //= 2
            if ly == 0 and c < cols:
                vals[o, k, i] = sv[t]
                idx[o, k, i] = si[t]
            cuda.syncthreads()  # the next tile reuses shared
            b += cuda.gridDim.x

    return extreme_rows


def _extreme_kernel(dtype, with_index: bool):
    threads = _jit.THREADS
    return _jit.once((_extreme_template, threads, dtype, with_index),
                     lambda: _jit.kernel(_extreme_template(
                         _jit.device_function(_beats), threads, from_dtype(dtype), with_index)))


def _extreme(x, axes, keepdims: bool, largest: bool, name: str) -> tuple:
    axes = normalize_axes(x.ndim, axes)
    x3 = as_3d(x, axes)
    outer, n, inner = x3.shape
    if n == 0 and outer * inner:
        raise ValueError(f"{name}: cannot reduce over an empty dimension (shape {x.shape})")
    shape = reduced_shape(x.shape, axes, keepdims)
    vals, idx = _array.empty(shape, x.dtype), _array.empty(shape, np.int64)
    if outer * inner == 0:
        return vals, idx
    threads = _jit.THREADS
    tx = _tile_width(n, inner, threads)
    chunk, chunks = _chunking(outer, n, inner, tx, threads)
    xi = None
    if chunks > 1:
        pv = _array.empty((outer, chunks, inner), x.dtype)
        pi = _array.empty((outer, chunks, inner), np.int64)
        # pi stands in for the unread index input (with_index=False): same type, no allocation.
        _jit.launch(_extreme_kernel(x.dtype, False), 0, x3, pi, pv, pi, largest, tx, chunk,
                    threads=threads, grid=_grid(outer, inner, tx, chunks))
        x3, xi, n = pv, pi, chunks
        tx = _tile_width(n, inner, threads)
    v3 = _array.reshape_contiguous(vals, (outer, 1, inner))
    i3 = _array.reshape_contiguous(idx, (outer, 1, inner))
    _jit.launch(_extreme_kernel(x.dtype, xi is not None), 0, x3, i3 if xi is None else xi,
                v3, i3, largest, tx, n, threads=threads, grid=_grid(outer, inner, tx, 1))
    return vals, idx


def max(x, axes=None, keepdims: bool = False) -> tuple:  # noqa: A001
    """The maximum of ``x`` over ``axes`` and where it is; see ``backends.cpu.reduce.max``.

    Parameters
    ----------
    x : device array
    axes : int, tuple of int or None
        Several axes are reduced as one, in C order (all of them: indices into ``x.ravel()``).
    keepdims : bool

    Returns
    -------
    values : device array
        ``x``'s dtype; nan where a slice holds a nan.
    indices : device array
        int64: the first occurrence of the maximum (or of the first nan) along the reduced axes.

    Raises
    ------
    ValueError
        If a non-empty result would reduce an empty slice.
    """
    return _extreme(x, axes, keepdims, True, "max")


def min(x, axes=None, keepdims: bool = False) -> tuple:  # noqa: A001
    """The minimum of ``x`` over ``axes`` and where it is; see :func:`max`."""
    return _extreme(x, axes, keepdims, False, "min")


def _max_vjp_scatter(g, idx, out):
    """out[o, r, i] = g[o, i] if r == idx[o, i] else 0: one thread per element of ``out``, so
    the zeros need no separate fill and the writes are coalesced."""
    outer, n, inner = out.shape
    total = outer * n * inner
    e = cuda.grid(1)
    while e < total:
        i = e % inner
        orow = e // inner
        r = orow % n
        o = orow // n
        out[o, r, i] = g[o, i] if idx[o, i] == r else 0
        e += cuda.gridsize(1)


def max_vjp(g, indices, shape: tuple, axes):
    """The gradient of :func:`max` or :func:`min` values: ``g`` at the chosen index, 0 elsewhere.

    Parameters
    ----------
    g : device array
        The gradient of the values.
    indices : device array
        The indices the forward returned.
    shape : tuple
        The input's shape.
    axes : tuple of int or None
        The reduced axes.

    Returns
    -------
    device array
        Of ``shape``, in ``g``'s dtype.
    """
    axes = normalize_axes(len(shape), axes)
    outer, n, inner = layout_3d(tuple(shape), axes)
    out = _array.empty((outer, n, inner), g.dtype)
    if out.size:
        _jit.launch(_vjp_kernel(_max_vjp_scatter), out.size, reshape(g, (outer, inner)),
                    reshape(indices, (outer, inner)), out)
    return from_3d(out, tuple(shape), axes)
