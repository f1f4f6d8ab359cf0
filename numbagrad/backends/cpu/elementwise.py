"""Elementwise loop templates for the CPU: a scalar formula in, a broadcasting kernel out.

The formulas live in :mod:`numbagrad.ops.elementwise` as plain Python scalar functions (``math.*``
only). :func:`map` compiles one into a kernel the first time it is used, for the arity it has
(1 to 4 inputs, 1 output; or 4 inputs, 2 outputs), and runs it.

Layout. In the common case every operand is a C-contiguous array of the output's shape or a
single element (a scalar, a 0-d gradient): the dense kernels walk flat buffers with unit strides
and read each single element once, which one closure flag per operand fixes at compile time.
Otherwise every operand reaches a strided kernel as a flat 1-D buffer plus four element strides:
the operand broadcast to the output's shape, collapsed to at most four dimensions. A broadcast
dimension has stride 0, a transposed or sliced view keeps its own strides, so nothing is copied
and each kernel has one signature per dtype whatever the rank. Shapes that cannot be collapsed to
four dimensions (rare) are copied contiguous first.

Threads. Work is cut into blocks of ``BLOCK`` elements along the last dimension; large outputs
run the blocks in parallel (``prange``), small ones serially, where a parallel region would cost
more than it saves.
"""
from __future__ import annotations

import numpy as np
from numba import prange
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import formulas, jit, run_parallel
from numbagrad.backends.layout import collapse

BLOCK = 4096
_HALF = np.dtype(np.float16)
# Outputs at least this large run in parallel. Measured on 2 cores (float32 product): 4.2 us
# either way at 32K elements, 17 us serial against 10 us parallel at 128K, 2x from there on.
PARALLEL_MIN_SIZE = 1 << 17


@register_jitable(inline="always")
def _block(blk, shape):
    """Block ``blk`` of the 4-D ``shape``: the index (i, j, k) of its row and its column range.

    Offsets are unsigned: Numba then drops its negative-index wraparound test, which otherwise
    keeps LLVM from vectorising the inner loops (8x slower on float32 products).
    """
    n0, n1, n2, n3 = shape
    per_row = (n3 + BLOCK - 1) // BLOCK
    # prange hands out an unsigned index; mixing it with signed ints would give floats.
    row, part = divmod(np.int64(blk), per_row)
    i, rest = divmod(row, n1 * n2)
    j, k = divmod(rest, n2)
    start = part * BLOCK
    return i, j, k, np.uint64(start), np.uint64(min(start + BLOCK, n3))


@register_jitable(inline="always")
def _n_blocks(shape):
    n0, n1, n2, n3 = shape
    return n0 * n1 * n2 * ((n3 + BLOCK - 1) // BLOCK)


@register_jitable(inline="always")
def _at(s, i, j, k):
    """Offset of row (i, j, k) in an operand with element strides ``s``, and its step."""
    return np.uint64(i * s[0] + j * s[1] + k * s[2]), np.uint64(s[3])


def _template_1(f, digest, parallel):
    @jit(parallel=parallel)
    def map_1(x, sx, out, so, shape):
        """out = f(x): each block owns up to BLOCK consecutive elements of one output row."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for blk in prange(_n_blocks(shape)):
            i, j, k, start, stop = _block(blk, shape)
            (px, dx), (po, do) = _at(sx, i, j, k), _at(so, i, j, k)
            for m in range(start, stop):
                out[po + m * do] = f(x[px + m * dx])

    return map_1


def _template_2(f, digest, parallel):
    @jit(parallel=parallel)
    def map_2(a, sa, b, sb, out, so, shape):
        """out = f(a, b), broadcast: each block owns up to BLOCK elements of one output row."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for blk in prange(_n_blocks(shape)):
            i, j, k, start, stop = _block(blk, shape)
            (pa, da), (pb, db), (po, do) = _at(sa, i, j, k), _at(sb, i, j, k), _at(so, i, j, k)
            for m in range(start, stop):
                out[po + m * do] = f(a[pa + m * da], b[pb + m * db])

    return map_2


def _template_3(f, digest, parallel):
    @jit(parallel=parallel)
    def map_3(a, sa, b, sb, c, sc, out, so, shape):
        """out = f(a, b, c), broadcast: each block owns up to BLOCK elements of one output row."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for blk in prange(_n_blocks(shape)):
            i, j, k, start, stop = _block(blk, shape)
            (pa, da), (pb, db), (pc, dc) = _at(sa, i, j, k), _at(sb, i, j, k), _at(sc, i, j, k)
            po, do = _at(so, i, j, k)
            for m in range(start, stop):
                out[po + m * do] = f(a[pa + m * da], b[pb + m * db], c[pc + m * dc])

    return map_3


def _template_4(f, digest, parallel):
    @jit(parallel=parallel)
    def map_4(a, sa, b, sb, c, sc, d, sd, out, so, shape):
        """out = f(a, b, c, d), broadcast: each block owns up to BLOCK elements of one row.

        The offsets are five plain ``_at`` calls: a helper inlined with ``inline="always"``
        returning them as one tuple made Numba's parallel array analysis fail (IndexError)."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for blk in prange(_n_blocks(shape)):
            i, j, k, start, stop = _block(blk, shape)
            (pa, da), (pb, db), (pc, dc) = _at(sa, i, j, k), _at(sb, i, j, k), _at(sc, i, j, k)
            (pd, dd), (po, do) = _at(sd, i, j, k), _at(so, i, j, k)
            for m in range(start, stop):
                out[po + m * do] = f(a[pa + m * da], b[pb + m * db], c[pc + m * dc],
                                     d[pd + m * dd])

    return map_4


def _template_4x2(f, digest, parallel):
    @jit(parallel=parallel)
    def map_4x2(a, sa, b, sb, c, sc, d, sd, out0, out1, so, shape):
        """(out0, out1) = f(a, b, c, d): a binary op's vector-Jacobian product in one pass."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        for blk in prange(_n_blocks(shape)):
            i, j, k, start, stop = _block(blk, shape)
            (pa, da), (pb, db), (pc, dc) = _at(sa, i, j, k), _at(sb, i, j, k), _at(sc, i, j, k)
            (pd, dd), (po, do) = _at(sd, i, j, k), _at(so, i, j, k)
            for m in range(start, stop):
                r0, r1 = f(a[pa + m * da], b[pb + m * db], c[pc + m * dc], d[pd + m * dd])
                out0[po + m * do] = r0
                out1[po + m * do] = r1

    return map_4x2


_TEMPLATES = {(1, 1): _template_1, (2, 1): _template_2, (3, 1): _template_3, (4, 1): _template_4,
              (4, 2): _template_4x2}


# Dense kernels: every operand a flat C-contiguous buffer of the output's size, or one element
# (``scalars[i]`` is True) read once before the loop. Which operands are scalars is fixed when
# the kernel is compiled, so the loop has unit strides only and LLVM vectorises it; in the strided
# kernels a stride-0 operand keeps the loop scalar (x * 0.5 ran 2.2x slower than x - y). Reading
# a scalar once is also torch's meaning of ``x.mul_(x[0])``: the value from before the op.


@register_jitable(inline="always")
def _span(blk, n):
    start = np.uint64(blk) * np.uint64(BLOCK)
    return start, min(start + np.uint64(BLOCK), np.uint64(n))


def _dense_1(f, digest, parallel, scalars):
    (sx,) = scalars

    @jit(parallel=parallel)
    def dense_1(x, out):
        """out = f(x), flat; a scalar ``x`` (closure flag: a fill) is read once."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        n = out.size
        x0 = x[0]
        for blk in prange((n + BLOCK - 1) // BLOCK):
            start, stop = _span(blk, n)
            for m in range(start, stop):
                out[m] = f(x0 if sx else x[m])

    return dense_1


def _dense_2(f, digest, parallel, scalars):
    sa, sb = scalars

    @jit(parallel=parallel)
    def dense_2(a, b, out):
        """out = f(a, b), flat; a scalar operand (closure flag) is read once."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        n = out.size
        a0, b0 = a[0], b[0]
        for blk in prange((n + BLOCK - 1) // BLOCK):
            start, stop = _span(blk, n)
            for m in range(start, stop):
                out[m] = f(a0 if sa else a[m], b0 if sb else b[m])

    return dense_2


def _dense_3(f, digest, parallel, scalars):
    sa, sb, sc = scalars

    @jit(parallel=parallel)
    def dense_3(a, b, c, out):
        """out = f(a, b, c), flat; a scalar operand (closure flag) is read once."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        n = out.size
        a0, b0, c0 = a[0], b[0], c[0]
        for blk in prange((n + BLOCK - 1) // BLOCK):
            start, stop = _span(blk, n)
            for m in range(start, stop):
                out[m] = f(a0 if sa else a[m], b0 if sb else b[m], c0 if sc else c[m])

    return dense_3


def _dense_4(f, digest, parallel, scalars):
    sa, sb, sc, sd = scalars

    @jit(parallel=parallel)
    def dense_4(a, b, c, d, out):
        """out = f(a, b, c, d), flat; a scalar operand (closure flag) is read once."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        n = out.size
        a0, b0, c0, d0 = a[0], b[0], c[0], d[0]
        for blk in prange((n + BLOCK - 1) // BLOCK):
            start, stop = _span(blk, n)
            for m in range(start, stop):
                out[m] = f(a0 if sa else a[m], b0 if sb else b[m], c0 if sc else c[m],
                           d0 if sd else d[m])

    return dense_4


def _dense_4x2(f, digest, parallel, scalars):
    sa, sb, sc, sd = scalars

    @jit(parallel=parallel)
    def dense_4x2(a, b, c, d, out0, out1):
        """(out0, out1) = f(a, b, c, d), flat; a scalar operand (closure flag) is read once."""
        digest  # noqa: B018 - puts the formula's source hash into Numba's cache key
        n = out0.size
        a0, b0, c0, d0 = a[0], b[0], c[0], d[0]
        for blk in prange((n + BLOCK - 1) // BLOCK):
            start, stop = _span(blk, n)
            for m in range(start, stop):
                r0, r1 = f(a0 if sa else a[m], b0 if sb else b[m], c0 if sc else c[m],
                           d0 if sd else d[m])
                out0[m] = r0
                out1[m] = r1

    return dense_4x2


_DENSE_TEMPLATES = {(1, 1): _dense_1, (2, 1): _dense_2, (3, 1): _dense_3, (4, 1): _dense_4,
                    (4, 2): _dense_4x2}
_kernels: dict = {}


def _kernel(fn, n_in: int, n_out: int, parallel: bool, scalars: tuple | None = None):
    """The compiled loop for formula ``fn``: strided, or dense with ``scalars`` flags."""
    key = (fn, n_in, n_out, parallel, scalars)
    kernel = _kernels.get(key)
    if kernel is None:
        if (n_in, n_out) not in _TEMPLATES:
            raise NotImplementedError(f"map: no loop template for {n_in} inputs and {n_out} outputs")
        if scalars is None:
            kernel = _TEMPLATES[n_in, n_out](fn, formulas(fn), parallel)
        else:
            kernel = _DENSE_TEMPLATES[n_in, n_out](fn, formulas(fn), parallel, scalars)
        _kernels[key] = kernel
    return kernel


def _flat(x: np.ndarray, shape: tuple) -> tuple[np.ndarray, tuple]:
    """``x`` as a flat buffer and its element strides once broadcast to ``shape``."""
    ndim = len(shape)
    if x.shape == shape and x.flags.c_contiguous:
        strides, acc = [0] * ndim, 1
        for d in range(ndim - 1, -1, -1):
            strides[d] = acc if shape[d] != 1 else 0
            acc *= shape[d]
        return x.ravel(), tuple(strides)
    if x.size == 1:
        return x.ravel(), (0,) * ndim
    item = x.itemsize
    if any(s < 0 or s % item for s in x.strides):
        x = np.ascontiguousarray(x)
    lead = ndim - x.ndim
    strides = [0] * ndim
    for d in range(x.ndim):
        if x.shape[d] != 1:
            strides[lead + d] = x.strides[d] // item
    if x.flags.c_contiguous:
        return x.ravel(), tuple(strides)  # broadcast only (a bias): its own buffer serves
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, (s // item for s in x.strides)))
    base = np.lib.stride_tricks.as_strided(x, shape=(span,), strides=(item,))
    return base, tuple(strides)


def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape that ``shapes`` broadcast to (NumPy's rules); ValueError if they don't."""
    return np.broadcast_shapes(*shapes)


def map(fn, inputs: list, out_dtype, n_out: int = 1, out: np.ndarray | None = None):  # noqa: A001
    """Apply the scalar formula ``fn`` elementwise over broadcast ``inputs``.

    Parameters
    ----------
    fn : callable
        A plain scalar function of ``len(inputs)`` arguments returning one value, or a tuple of
        ``n_out`` values.
    inputs : list of numpy.ndarray
        Operands of one dtype, broadcastable together.
    out_dtype : numpy.dtype
        Element type of the result(s).
    n_out : int
        Number of results ``fn`` returns.
    out : numpy.ndarray, optional
        A buffer of the broadcast shape to write into (in-place ops); it may alias an input,
        since each element is read before it is written.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
    """
    for x in inputs:
        if x.dtype is _HALF:
            return _map_in_float32(fn, inputs, out_dtype, n_out, out)
    if out is not None:
        shape = out.shape  # inputs broadcast to the buffer (checked by the caller)
        outs = [out]
    else:
        shape = inputs[0].shape
        for x in inputs:
            if x.shape != shape and x.ndim:  # a 0-d operand broadcasts to any shape
                shape = np.broadcast_shapes(*(x.shape for x in inputs))
                break
        outs = [np.empty(shape, out_dtype)] if n_out == 1 else [
            np.empty(shape, out_dtype) for _ in range(n_out)]
    result = outs[0] if n_out == 1 else tuple(outs)
    size = outs[0].size
    if size == 0:
        return result
    if _dense(fn, inputs, outs, shape, size):
        return result
    flats = [_flat(x, shape) for x in inputs]
    out_flats = [_flat(o, shape) for o in outs]
    shape4, strides4 = collapse(shape, [s for _, s in flats] + [out_flats[0][1]])
    if shape4 is None:  # over four dimensions that the operands do not walk alike: copy them flat
        flat_inputs = [np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1) for x in inputs]
        flat = map(fn, flat_inputs, out_dtype, n_out)
        if out is not None:
            out[...] = flat.reshape(shape)
            return out
        return flat.reshape(shape) if n_out == 1 else tuple(r.reshape(shape) for r in flat)
    args: list = []
    for (base, _), s in zip(flats, strides4):
        args += [base, s]
    args += [base for base, _ in out_flats]
    args += [strides4[-1], shape4]
    _launch(fn, len(inputs), n_out, size, args)
    return result


def _map_in_float32(fn, inputs: list, out_dtype, n_out: int, out):
    """:func:`map` with float16 operands computed in float32, each result rounded back to
    ``out_dtype``: Numba's CPU target has no float16 arithmetic (the engine adds float16
    gradients here; ops reach float32 kernels through ``registry.apply``)."""
    wide = [x.astype(np.float32) if x.dtype is _HALF else x for x in inputs]
    inner = np.float32 if np.dtype(out_dtype) == _HALF else out_dtype
    results = map(fn, wide, inner, n_out)
    results = [r.astype(out_dtype) for r in ([results] if n_out == 1 else results)]
    if out is not None:
        out[...] = results[0]
        return out
    return results[0] if n_out == 1 else tuple(results)


def _dense(fn, inputs: list, outs: list, shape: tuple, size: int) -> bool:
    """Run the dense kernel when every operand is a same-shape C-contiguous array or a single
    element, the common case, which needs no stride analysis; False (nothing run) otherwise."""
    args = []
    scalars = []
    for x in inputs:
        if x.size == 1:
            scalars.append(True)
        elif x.shape == shape and x.flags.c_contiguous:
            scalars.append(False)
        else:
            return False
        args.append(x.ravel())
    for o in outs:
        if not o.flags.c_contiguous:
            return False
        args.append(o.ravel())
    parallel = size >= PARALLEL_MIN_SIZE
    scalars = tuple(scalars)
    key = (fn, len(inputs), len(outs), parallel, scalars)
    kernel = _kernels.get(key) or _kernel(*key)
    if parallel:
        run_parallel(kernel, *args)
    else:
        kernel(*args)
    return True


def _launch(fn, n_in: int, n_out: int, size: int, args: list) -> None:
    parallel = size >= PARALLEL_MIN_SIZE
    key = (fn, n_in, n_out, parallel, None)
    kernel = _kernels.get(key) or _kernel(*key)
    if parallel:
        run_parallel(kernel, *args)
    else:
        kernel(*args)
