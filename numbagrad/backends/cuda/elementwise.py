"""Elementwise loop templates for the GPU: a scalar formula in, a broadcasting kernel out.

The twin of ``backends/cpu/elementwise.py``, with the same :func:`map`. The formulas are the
same plain Python functions from :mod:`numbagrad.ops.scalar`, compiled here with
``cuda.jit(device=True)`` instead of ``njit``.

Layout. As on the CPU, each operand reaches a kernel as a flat buffer plus one element stride per
dimension of the output, collapsed (:func:`numbagrad.backends.layout.collapse`) to 4 dimensions,
or 8 when the operands do not collapse that far; past 8 the operands are first copied.

Threads. One thread per output element in a grid-stride loop: thread ``t`` handles elements
``t, t + gridsize, ...``, so any size runs with a bounded grid. The thread turns its flat index
into coordinates with one division per dimension; operands are read at their own strides.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import device_function, digest, kernel, launch, once
from numbagrad.backends.layout import broadcast_strides, collapse


@cuda.jit(device=True)
def _offsets(e, shape, sa, sb, sc, sd, so):
    """Element ``e``'s offsets in up to four operands and the output: the index walk of every
    template (one division per dimension). Templates with fewer operands pass an operand's
    strides again for the missing ones; the compiler folds the repeated arithmetic."""
    r, pa, pb, pc, pd, po = e, 0, 0, 0, 0, 0
    for d in range(len(shape) - 1, -1, -1):
        c = r % shape[d]
        r //= shape[d]
        pa += c * sa[d]
        pb += c * sb[d]
        pc += c * sc[d]
        pd += c * sd[d]
        po += c * so[d]
    return pa, pb, pc, pd, po


def _template_1(f, key):
    def map_1(n, shape, x, sx, out, so):
        """out = f(x), broadcast: one thread per output element, grid-stride."""
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        e = cuda.grid(1)
        while e < n:
            px, _, _, _, po = _offsets(e, shape, sx, sx, sx, sx, so)
            out[po] = f(x[px])
            e += cuda.gridsize(1)

    return map_1


def _template_2(f, key):
    def map_2(n, shape, a, sa, b, sb, out, so):
        """out = f(a, b), broadcast: one thread per output element, grid-stride."""
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        e = cuda.grid(1)
        while e < n:
            pa, pb, _, _, po = _offsets(e, shape, sa, sb, sb, sb, so)
            out[po] = f(a[pa], b[pb])
            e += cuda.gridsize(1)

    return map_2


def _template_3(f, key):
    def map_3(n, shape, a, sa, b, sb, c3, sc, out, so):
        """out = f(a, b, c), broadcast: one thread per output element, grid-stride."""
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        e = cuda.grid(1)
        while e < n:
            pa, pb, pc, _, po = _offsets(e, shape, sa, sb, sc, sc, so)
            out[po] = f(a[pa], b[pb], c3[pc])
            e += cuda.gridsize(1)

    return map_3


def _template_4(f, key):
    def map_4(n, shape, a, sa, b, sb, c3, sc, d4, sd, out, so):
        """out = f(a, b, c, d), broadcast: one thread per output element, grid-stride."""
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        e = cuda.grid(1)
        while e < n:
            pa, pb, pc, pd, po = _offsets(e, shape, sa, sb, sc, sd, so)
            out[po] = f(a[pa], b[pb], c3[pc], d4[pd])
            e += cuda.gridsize(1)

    return map_4


def _template_4x2(f, key):
    def map_4x2(n, shape, a, sa, b, sb, c3, sc, d4, sd, out0, out1, so):
        """(out0, out1) = f(a, b, c, d): a binary op's vector-Jacobian product in one pass."""
        key  # noqa: B018 - the formula's source hash, in Numba's cache key
        e = cuda.grid(1)
        while e < n:
            pa, pb, pc, pd, po = _offsets(e, shape, sa, sb, sc, sd, so)
            r0, r1 = f(a[pa], b[pb], c3[pc], d4[pd])
            out0[po] = r0
            out1[po] = r1
            e += cuda.gridsize(1)

    return map_4x2


_TEMPLATES = {(1, 1): _template_1, (2, 1): _template_2, (3, 1): _template_3, (4, 1): _template_4,
              (4, 2): _template_4x2}


def _kernel(fn, n_in: int, n_out: int):
    if (n_in, n_out) not in _TEMPLATES:
        raise NotImplementedError(f"map: no loop template for {n_in} inputs and {n_out} outputs")
    template = _TEMPLATES[n_in, n_out]
    return once((template, fn), lambda: kernel(template(device_function(fn), digest(fn))))


def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape that ``shapes`` broadcast to (NumPy's rules); ValueError if they don't."""
    return np.broadcast_shapes(*shapes)


def _operand(x, shape: tuple) -> tuple:
    """``x`` as a 1-D view from its first element, and its element strides broadcast to
    ``shape``."""
    return _array.spanned(x), broadcast_strides(x.shape, _array.element_strides(x), shape)


def map(fn, inputs: list, out_dtype, n_out: int = 1, out=None):  # noqa: A001
    """Apply the scalar formula ``fn`` elementwise over broadcast ``inputs`` (device arrays).

    Parameters and results as ``backends.cpu.elementwise.map``: ``out`` is an optional buffer
    of the broadcast shape, which may alias an input (each element is read before it is
    written, by the same thread).
    """
    if out is not None:
        shape = tuple(out.shape)
        outs = [out]
    else:
        shape = tuple(inputs[0].shape)
        for x in inputs:
            if tuple(x.shape) != shape:
                shape = np.broadcast_shapes(*(tuple(x.shape) for x in inputs))
                break
        outs = [_array.empty(shape, out_dtype) for _ in range(n_out)]
    _run(fn, inputs, outs, shape)
    return outs[0] if n_out == 1 else tuple(outs)


def _run(fn, inputs: list, outs: list, shape: tuple) -> None:
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:
        return
    operands = [_operand(x, shape) for x in inputs]
    outputs = [_operand(o, shape) for o in outs]
    all_strides = [s for _, s in operands] + [outputs[0][1]]
    shape_n, strides_n = collapse(shape, all_strides, 4)
    if shape_n is None:
        shape_n, strides_n = collapse(shape, all_strides, 8)
    if shape_n is None:
        # Over 8 dimensions that the operands walk differently (rare): one launch per index of
        # the first dimension, each over views one dimension smaller.
        from numbagrad.backends.cuda.shape import basic_index

        for i in range(shape[0]):
            _run(fn, [_leading(x, len(shape), i, basic_index) for x in inputs],
                 [basic_index(o, (i,)) for o in outs], shape[1:])
        return
    args: list = [size, shape_n]
    for (base, _), s in zip(operands, strides_n):
        args += [base, s]
    args += [base for base, _ in outputs]
    args.append(strides_n[-1])
    launch(_kernel(fn, len(inputs), len(outs)), size, *args)


def _leading(x, ndim: int, i: int, basic_index):
    """Operand ``x`` (broadcast to ``ndim`` dimensions) at index ``i`` of the first one."""
    if x.ndim < ndim:
        return x
    return basic_index(x, (0 if x.shape[0] == 1 else i,))
