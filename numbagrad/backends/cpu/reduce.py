"""Reductions along any axes for the CPU: sum, prod (and its vjp), max/min with indices.

Every reduction is brought to one layout in Python, ``(outer, n, inner)`` C-contiguous, reducing
the middle axis: axes that are adjacent need no transpose (``x.sum(0)`` of a contiguous
``(batch, features)`` gradient is ``(1, batch, features)``, no copy at all), any other set of
axes is moved last with one copy. :func:`from_3d` undoes the layout for gradients, which have the
input's shape. Floating sums and products accumulate in float64 whatever the input type, as a
float32 accumulator loses digits over long rows.

Threads. Above ``PARALLEL_MIN_SIZE`` elements the outer rows are shared among threads. A single
row (``outer == 1``, as in ``x.sum()`` of a big tensor) is cut into ``CHUNKS`` pieces that are
reduced in parallel as if they were rows, then combined: the same kernels, no atomics.
"""
from __future__ import annotations

import builtins

import numpy as np
from numba import prange
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import formulas, jit, run_parallel
from numbagrad.backends.cpu.elementwise import map as map_
from numbagrad.ops.scalar import ieee_div

# Reductions reading at least this many elements run in parallel. Measured on the 2-core dev
# machine (float32, contiguous, best of interleaved runs, other processes busy): parallel is
# 0.6-0.8x of serial up to 128K elements, 0.95-1.1x at 1M. Sums are memory-bound there (1e7
# floats in 2.5 ms, the bandwidth one core already reaches); max (compute-bound) gained 1.2x
# from a second thread. Re-measure on an idle machine with more cores before lowering it.
PARALLEL_MIN_SIZE = 1 << 20
# Pieces a single long row is cut into: several per thread for balance, few enough that
# combining the partial results costs nothing. A row is cut only if n >= 16 * CHUNKS, so the
# partial results (CHUNKS x inner) stay small beside the input (n x inner).
CHUNKS = 64


def normalize_axes(ndim: int, axes) -> tuple:
    """Sorted, non-negative axes; ``None`` means all of them."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        axes = (axes,)
    return tuple(sorted(a % ndim if ndim else a for a in axes))


def _adjacent(axes: tuple) -> bool:
    return not axes or axes[-1] - axes[0] + 1 == len(axes)


def _prod(sizes) -> int:
    n = 1
    for s in sizes:
        n *= int(s)
    return n


def layout_3d(shape: tuple, axes: tuple) -> tuple:
    """``(outer, n, inner)`` of :func:`as_3d` for an array of ``shape`` reduced over ``axes``."""
    if not axes:
        return _prod(shape), 1, 1
    shape = shape or (1,)
    if _adjacent(axes):
        first, last = axes[0], axes[-1]
        return _prod(shape[:first]), _prod(shape[first:last + 1]), _prod(shape[last + 1:])
    kept = [d for d in range(len(shape)) if d not in axes]
    return _prod(shape[d] for d in kept), _prod(shape[d] for d in axes), 1


def as_3d(x: np.ndarray, axes: tuple) -> np.ndarray:
    """``x`` viewed (or copied) as C-contiguous ``(outer, n, inner)``, reduced axes in the middle.

    Adjacent axes keep ``x``'s element order (a copy only if ``x`` is not contiguous); other
    axes are moved last, after the kept ones, in one transposing copy. An empty ``axes`` reduces
    nothing: ``(size, 1, 1)``.
    """
    shape3 = layout_3d(x.shape, axes)
    if not _adjacent(axes):
        kept = [d for d in range(x.ndim) if d not in axes]
        x = x.transpose(kept + list(axes))
    return np.ascontiguousarray(x).reshape(shape3)


def from_3d(y3: np.ndarray, shape: tuple, axes: tuple) -> np.ndarray:
    """The inverse of :func:`as_3d`: ``y3`` in ``as_3d``'s layout, back in ``shape`` (a view)."""
    axes = normalize_axes(len(shape), axes)
    if _adjacent(axes):
        return y3.reshape(shape)
    kept = [d for d in range(len(shape)) if d not in axes]
    order = kept + list(axes)
    return y3.reshape([shape[d] for d in order]).transpose(np.argsort(order))


def reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    """The shape a reduction over ``axes`` leaves."""
    if keepdims:
        return tuple(1 if d in axes else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in axes)


def _long_row(x3: np.ndarray) -> tuple:
    """One row ``(1, n, inner)`` as ``(chunks, q, inner)`` rows (a view) and the remainder.

    Returns ``(main, rest, q)``: ``rest`` is ``(1, n - chunks * q, inner)``, possibly empty.
    """
    _, n, inner = x3.shape
    chunks = builtins.min(CHUNKS, n)
    q = n // chunks
    return x3[0, :chunks * q].reshape(chunks, q, inner), x3[:, chunks * q:], q


# ----------------------------------------------------------------------------- sum and prod


def _sum_kernel(x, acc):
    """acc[o, i] += sum over r of x[o, r, i]; each outer iteration owns row o of ``acc``.

    ``acc`` arrives zeroed in the accumulator type (float64 for floats, int64 for integers).
    """
    outer, n, inner = x.shape
    for o in prange(outer):
        if inner == 1:
            s = acc[o, 0]
            for r in range(n):
                s += x[o, r, 0]
            acc[o, 0] = s
        else:
            for r in range(n):
                for i in range(inner):
                    acc[o, i] += x[o, r, i]


def _prod_kernel(x, acc):
    """acc[o, i] *= product over r of x[o, r, i]; each outer iteration owns row o of ``acc``.

    ``acc`` arrives filled with ones in the accumulator type.
    """
    outer, n, inner = x.shape
    for o in prange(outer):
        if inner == 1:
            p = acc[o, 0]
            for r in range(n):
                p *= x[o, r, 0]
            acc[o, 0] = p
        else:
            for r in range(n):
                for i in range(inner):
                    acc[o, i] *= x[o, r, i]


_sum_serial = jit(_sum_kernel, reassoc=True)
_sum_parallel = jit(_sum_kernel, parallel=True, reassoc=True)
_prod_serial = jit(_prod_kernel, reassoc=True)
_prod_parallel = jit(_prod_kernel, parallel=True, reassoc=True)


def _accumulate(serial, parallel, x3: np.ndarray, start: int) -> np.ndarray:
    """Run an accumulating kernel over ``x3`` into a fresh ``(outer, inner)`` accumulator.

    The accumulator starts at ``start`` (the identity: 0 for sums, 1 for products).
    """
    outer, n, inner = x3.shape
    floating = x3.dtype.kind == "f"
    acc = (np.zeros if start == 0 else np.ones)((outer, inner),
                                                 np.float64 if floating else np.int64)
    if x3.size == 0:
        return acc
    if x3.size < PARALLEL_MIN_SIZE or (outer == 1 and n < 16 * CHUNKS):
        serial(x3, acc)
    elif outer > 1:
        run_parallel(parallel, x3, acc)
    else:
        main, rest, _ = _long_row(x3)
        partial = np.full((main.shape[0] + 1, inner), start, acc.dtype)
        run_parallel(parallel, main, partial[:-1])
        serial(rest, partial[-1:])
        serial(partial.reshape(1, -1, inner), acc)
    return acc


def _result_dtype(x: np.ndarray, dtype):
    if dtype is not None:
        return dtype
    return np.int64 if x.dtype == np.bool_ or np.issubdtype(x.dtype, np.integer) else x.dtype


def sum(x: np.ndarray, axes=None, keepdims: bool = False, dtype=None) -> np.ndarray:  # noqa: A001
    """Sum ``x`` over ``axes`` (all when None).

    Parameters
    ----------
    x : numpy.ndarray
    axes : int, tuple of int or None
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : numpy.dtype, optional
        Result type; defaults to ``x``'s (int64 for bool, as torch).

    Returns
    -------
    numpy.ndarray
    """
    if dtype is None:
        dtype = np.int64 if x.dtype == np.bool_ else x.dtype
    memo = axes is None or type(axes) in _HASHABLE_AXES
    layout = _sum_layouts.get((x.shape, axes, keepdims)) if memo else None
    if layout is None:
        layout = _sum_layout(x.shape, axes, keepdims, memo)
    axes, shape3, out_shape, adjacent = layout
    # A contiguous input reduced over adjacent axes is viewed as (outer, n, inner) as it is.
    x3 = x.reshape(shape3) if adjacent and x.flags.c_contiguous else as_3d(x, axes)
    acc = _accumulate(_sum_serial, _sum_parallel, x3, 0)
    return acc.astype(dtype, copy=False).reshape(out_shape)


_sum_layouts: dict = {}
_HASHABLE_AXES = (int, tuple)


def _sum_layout(shape: tuple, axes, keepdims: bool, memo: bool) -> tuple:
    """Normalised axes, ``(outer, n, inner)``, the result's shape and whether the axes are
    adjacent, for a sum of ``shape`` over ``axes``: remembered per call signature, since a
    training loop sums the same shapes every step and working this out cost more than the sum
    of a bias gradient."""
    norm = normalize_axes(len(shape), axes)
    layout = (norm, layout_3d(shape, norm), reduced_shape(shape, norm, keepdims), _adjacent(norm))
    if memo:
        if len(_sum_layouts) > 4096:
            _sum_layouts.clear()
        _sum_layouts[shape, axes, keepdims] = layout
    return layout


# ------------------------------------------------------------------------ sum of a formula


@register_jitable(inline="always")
def _piece(p, pieces, n):
    """The range of elements of piece ``p`` when ``n`` are cut into ``pieces``."""
    step = (n + pieces - 1) // pieces
    stop = (p + 1) * step
    return np.uint64(p * step), np.uint64(stop if stop < n else n)


def _map_sum_1(f, digest, parallel):
    @jit(parallel=parallel, reassoc=True)
    def map_sum_1(x, partial):
        """partial[p] = the float64 sum of f(x[m]) over piece p."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for p in prange(partial.size):
            s = 0.0
            for m in range(*_piece(p, partial.size, x.size)):
                s += f(x[m])
            partial[p] = s

    return map_sum_1


def _map_sum_2(f, digest, parallel):
    @jit(parallel=parallel, reassoc=True)
    def map_sum_2(a, b, partial):
        """partial[p] = the float64 sum of f(a[m], b[m]) over piece p."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for p in prange(partial.size):
            s = 0.0
            for m in range(*_piece(p, partial.size, a.size)):
                s += f(a[m], b[m])
            partial[p] = s

    return map_sum_2


_MAP_SUM_TEMPLATES = {1: _map_sum_1, 2: _map_sum_2}
_map_sum_kernels: dict = {}


def map_sum(fn, inputs: list, out_dtype, divisor=1) -> np.ndarray:
    """``sum(map(fn, inputs)) / divisor`` in one pass, nothing stored per element.

    Parameters
    ----------
    fn : callable
        A plain scalar formula of one or two arguments (as for ``map``).
    inputs : list of numpy.ndarray
        One or two floating operands of one shape and dtype.
    out_dtype : numpy.dtype
        Floating type of the result.
    divisor : int or float
        The total is divided by it (the element count for a mean).

    Returns
    -------
    numpy.ndarray
        0-d. The values of ``fn`` are rounded to ``out_dtype`` as ``map`` would store them, then
        summed in float64 and divided before the one final rounding.
    """
    n_in = len(inputs)
    if n_in not in _MAP_SUM_TEMPLATES:
        raise NotImplementedError(f"map_sum: no loop template for {n_in} inputs")
    shape = inputs[0].shape
    flat = []
    for x in inputs:
        if x.shape != shape or not x.flags.c_contiguous:
            # views and broadcasts: the general map, then the sum (rare on this path)
            total = float(sum(map_(fn, inputs, out_dtype), None, False, np.float64))
            break
        flat.append(x.ravel())
    else:
        total = _map_sum_dense(fn, flat)
    return np.array(ieee_div(total, divisor), out_dtype)


def _map_sum_dense(fn, flat: list) -> float:
    """The float64 sum of ``fn`` over flat operands of one size, by the compiled loop."""
    parallel = flat[0].size >= PARALLEL_MIN_SIZE
    key = (fn, len(flat), parallel)
    kernel = _map_sum_kernels.get(key)
    if kernel is None:
        kernel = _map_sum_kernels[key] = _MAP_SUM_TEMPLATES[len(flat)](fn, formulas(fn), parallel)
    # Every piece writes its entry, an empty input included (a sum of 0).
    partial = np.empty(CHUNKS if parallel else 1, np.float64)
    if parallel:
        run_parallel(kernel, *flat, partial)
    else:
        kernel(*flat, partial)
    return builtins.sum(partial.tolist())


def prod(x: np.ndarray, axes=None, keepdims: bool = False, dtype=None) -> np.ndarray:
    """Multiply the elements of ``x`` over ``axes`` (all when None); an empty product is 1.

    Parameters
    ----------
    x : numpy.ndarray
    axes : int, tuple of int or None
    keepdims : bool
        Keep reduced axes with length 1.
    dtype : numpy.dtype, optional
        Result type; defaults to ``x``'s for floats, int64 for integers and bool (as torch).

    Returns
    -------
    numpy.ndarray
    """
    axes = normalize_axes(x.ndim, axes)
    acc = _accumulate(_prod_serial, _prod_parallel, as_3d(x, axes), 1)
    return acc.astype(_result_dtype(x, dtype), copy=False).reshape(
        reduced_shape(x.shape, axes, keepdims))


@jit
def _prod_vjp_kernel(x, g, out):
    """out[o, r, i] = g[o, i] * product of x[o, s, i] over s != r.

    A forward pass writes the product of the elements before r, a backward pass multiplies in
    ``g`` times those after r: no division, so slices holding zeros get exact gradients. Each
    (o, i) owns one column of ``out``.
    """
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            p = 1.0
            for r in range(n):
                out[o, r, i] = p
                p *= x[o, r, i]
            p = 1.0 * g[o, i]
            for r in range(n - 1, -1, -1):
                out[o, r, i] *= p
                p *= x[o, r, i]


def prod_vjp(x: np.ndarray, g: np.ndarray, axes) -> np.ndarray:
    """The gradient of ``prod(x, axes)``: each element gets ``g`` times the product of the others.

    Parameters
    ----------
    x : numpy.ndarray
        The product's input (floating).
    g : numpy.ndarray
        The gradient of the product, of its shape with reduced axes kept (length 1).
    axes : tuple of int or None

    Returns
    -------
    numpy.ndarray
        Of ``x``'s shape and dtype.
    """
    axes = normalize_axes(x.ndim, axes)
    x3 = as_3d(x, axes)
    out = np.empty(x3.shape, x.dtype)
    if out.size:
        _prod_vjp_kernel(x3, np.ascontiguousarray(g, x.dtype).reshape(x3.shape[0], x3.shape[2]),
                         out)
    return from_3d(out, x.shape, axes)


# ----------------------------------------------------------------------------- max and min


def _extreme_kernel(x, largest, vals, idx):
    """vals[o, i], idx[o, i] = the max (min unless ``largest``) of x[o, :, i] and its index.

    Ties keep the first occurrence; a nan wins over any number and the first nan stays (nan
    compares false with everything, so later elements never replace it). Needs ``n >= 1``.
    Each outer iteration owns row o of ``vals`` and ``idx``.
    """
    outer, n, inner = x.shape
    for o in prange(outer):
        if inner == 1:
            b = x[o, 0, 0]
            k = 0
            for r in range(1, n):
                v = x[o, r, 0]
                if (v > b if largest else v < b) or (v != v and b == b):
                    b = v
                    k = r
            vals[o, 0] = b
            idx[o, 0] = k
        else:
            for i in range(inner):
                vals[o, i] = x[o, 0, i]
                idx[o, i] = 0
            for r in range(1, n):
                for i in range(inner):
                    v = x[o, r, i]
                    b = vals[o, i]
                    if (v > b if largest else v < b) or (v != v and b == b):
                        vals[o, i] = v
                        idx[o, i] = r


_extreme_serial = jit(_extreme_kernel)
_extreme_parallel = jit(_extreme_kernel, parallel=True)


def index_buffer(shape: tuple) -> np.ndarray:
    """An int64 array for a kernel to write indices into, filled with -1 rather than left
    uninitialised: a compiled step's capture tells the arrays a kernel writes from those it
    only reads by their bytes changing, and index 0 written over memory that held zeros would
    look unwritten (the capture would then refuse the step)."""
    return np.full(shape, -1, np.int64)


def _extreme_rows(x3: np.ndarray, largest: bool) -> tuple:
    """``(vals, idx)`` of shape ``(outer, inner)`` for ``x3`` with ``n >= 1``."""
    outer, n, inner = x3.shape
    vals = np.empty((outer, inner), x3.dtype)
    idx = index_buffer((outer, inner))
    if vals.size == 0:
        return vals, idx
    if x3.size < PARALLEL_MIN_SIZE or (outer == 1 and n < 16 * CHUNKS):
        _extreme_serial(x3, largest, vals, idx)
    elif outer > 1:
        run_parallel(_extreme_parallel, x3, largest, vals, idx)
    else:
        main, rest, q = _long_row(x3)
        pieces = [(main, 0)] + ([(rest, main.shape[0] * q)] if rest.shape[1] else [])
        part_vals, part_idx = [], []
        for block, offset in pieces:
            v = np.empty((block.shape[0], inner), x3.dtype)
            k = np.empty((block.shape[0], inner), np.int64)
            run_parallel(_extreme_parallel, block, largest, v, k)
            part_vals.append(v)
            part_idx.append(k + offset + q * np.arange(block.shape[0])[:, None])
        part_vals, part_idx = np.concatenate(part_vals), np.concatenate(part_idx)
        # The winning piece is the first holding the extreme (or the first nan); its index is
        # then the first occurrence overall.
        best = np.empty((1, inner), np.int64)
        _extreme_serial(part_vals.reshape(1, -1, inner), largest, vals, best)
        idx[0] = part_idx[best[0], np.arange(inner)]
    return vals, idx


def _extreme(x: np.ndarray, axes, keepdims: bool, largest: bool, name: str) -> tuple:
    axes = normalize_axes(x.ndim, axes)
    x3 = as_3d(x, axes)
    if x3.shape[1] == 0 and x3.shape[0] * x3.shape[2]:
        raise ValueError(f"{name}: cannot reduce over an empty dimension (shape {x.shape})")
    vals, idx = _extreme_rows(x3, largest)
    shape = reduced_shape(x.shape, axes, keepdims)
    return vals.reshape(shape), idx.reshape(shape)


def max(x: np.ndarray, axes=None, keepdims: bool = False) -> tuple:  # noqa: A001
    """The maximum of ``x`` over ``axes`` and where it is.

    Parameters
    ----------
    x : numpy.ndarray
    axes : int, tuple of int or None
        Several axes are reduced as one, in C order (all of them: indices into ``x.ravel()``).
    keepdims : bool

    Returns
    -------
    values : numpy.ndarray
        ``x``'s dtype; nan where a slice holds a nan.
    indices : numpy.ndarray
        int64: the first occurrence of the maximum (or of the first nan) along the reduced axes.

    Raises
    ------
    ValueError
        If a non-empty result would reduce an empty slice.
    """
    return _extreme(x, axes, keepdims, True, "max")


def min(x: np.ndarray, axes=None, keepdims: bool = False) -> tuple:  # noqa: A001
    """The minimum of ``x`` over ``axes`` and where it is; see :func:`max`."""
    return _extreme(x, axes, keepdims, False, "min")


@jit
def _max_vjp_kernel(g, idx, out):
    """out[o, idx[o, i], i] = g[o, i]; ``out`` arrives zeroed. Each (o, i) writes one element."""
    outer, n, inner = out.shape
    for o in range(outer):
        for i in range(inner):
            out[o, idx[o, i], i] = g[o, i]


def max_vjp(g: np.ndarray, indices: np.ndarray, shape: tuple, axes) -> np.ndarray:
    """The gradient of :func:`max` or :func:`min` values: ``g`` at the chosen index, 0 elsewhere.

    Parameters
    ----------
    g : numpy.ndarray
        The gradient of the values.
    indices : numpy.ndarray
        The indices the forward returned (in range: checked by construction).
    shape : tuple
        The input's shape.
    axes : tuple of int or None
        The reduced axes.

    Returns
    -------
    numpy.ndarray
        Of ``shape``, in ``g``'s dtype.
    """
    axes = normalize_axes(len(shape), axes)
    outer, n, inner = layout_3d(shape, axes)
    out = np.zeros((outer, n, inner), g.dtype)
    if out.size:
        _max_vjp_kernel(np.ascontiguousarray(g).reshape(outer, inner),
                        np.ascontiguousarray(indices).reshape(outer, inner), out)
    return from_3d(out, shape, axes)
