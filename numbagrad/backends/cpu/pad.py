"""Padding for the CPU: ``pad`` (constant, reflect, replicate, circular) and its adjoint.

One pass forward: each output element finds its source through a per-dimension index map
(:func:`source_index`) and copies it, or writes the constant where the map falls outside the
input. Arrays are seen flat with their shapes as tuples, so one kernel serves every rank (the
op's leading unpadded dimensions are merged into one first).

The adjoint of reflect, replicate and circular padding is taken one padded dimension at a time
(the padding is a product of per-dimension maps): :func:`pad_backward` gives each input position
the sum of the gradients of every output position that read it (:func:`grad_at`), a gather in a
fixed order, accumulated in float64, so no two iterations write one element and the CUDA twin
adds in the same order. Constant padding's adjoint is a constant padding itself (the opposite
pads, value 0), which the op runs through :func:`pad`.

The functions :func:`source_index` and :func:`grad_at` are plain Python, compiled here with
``njit`` and in ``backends/cuda/pad.py`` as device functions: the index math exists once.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit

# The kernels' codes of the modes.
MODES = {"constant": 0, "reflect": 1, "replicate": 2, "circular": 3}


def source_index(i, start, stop, mode):
    """The input position read for position ``i`` (before the map; may lie outside the input)
    of a dimension whose kept part is ``[start, stop)``, or -1 for the constant.

    The kept part is the whole dimension except in circular mode, where negative pads crop it
    first and the wrap goes around what is left (torch's order). Reflect and circular padding
    are less than (at most) the kept length (the op checks), so one reflection or one wrap
    brings ``i`` inside.
    """
    if start <= i < stop:
        return i
    if mode == 0:
        return -1
    if mode == 1:
        return -i if i < 0 else 2 * (stop - 1) - i
    if mode == 2:
        return 0 if i < 0 else stop - 1
    return i + (stop - start) if i < start else i - (stop - start)


def grad_at(g, o, i, r, lo, start, stop, mode):
    """The sum of ``g[o, j, r]`` over the output positions ``j`` that read input position ``i``
    of a dimension padded by ``lo`` before it, kept part ``[start, stop)``: itself, then its
    mirror images (reflect), the padding beyond an edge (replicate) or its wrapped copies
    (circular). Positions cropped away get 0."""
    n_out = g.shape[1]
    s = 0.0
    if i < start or i >= stop:
        return s
    j = i + lo
    if 0 <= j < n_out:
        s += g[o, j, r]
    if mode == 1:
        if i > 0:
            j = lo - i
            if 0 <= j < n_out:
                s += g[o, j, r]
        if i < stop - 1:
            j = lo + 2 * (stop - 1) - i
            if 0 <= j < n_out:
                s += g[o, j, r]
    elif mode == 2:
        if i == 0:
            for j in range(0, min(lo, n_out)):
                s += g[o, j, r]
        if i == stop - 1:
            for j in range(max(stop + lo, 0), n_out):
                s += g[o, j, r]
    elif mode == 3:
        m = stop - start
        j = i - m + lo
        if 0 <= j < n_out:
            s += g[o, j, r]
        j = i + m + lo
        if 0 <= j < n_out:
            s += g[o, j, r]
    return s


def _pad(x, in_shape, out_shape, lo, start, stop, mode, value, out):
    """Fill ``out`` (flat, ``out_shape``) from ``x`` (flat, ``in_shape``) through
    :func:`source_index` of each dimension. Iteration ``row`` owns one row of the last
    dimension: its source row is found once, and the last dimension's map is computed once for
    all rows (``cols``), so the inner loop only copies."""
    nd = len(in_shape)
    width = out_shape[nd - 1]
    cols = np.empty(width, np.int64)
    for j in range(width):
        cols[j] = _source_index(j - lo[nd - 1], start[nd - 1], stop[nd - 1], mode)
    for row in range(out.shape[0] // width):
        rem = row
        base = 0
        step = in_shape[nd - 1]
        inside = True
        for d in range(nd - 2, -1, -1):
            m = out_shape[d]
            j = rem % m
            rem //= m
            i = _source_index(j - lo[d], start[d], stop[d], mode)
            if i < 0:
                inside = False
                break
            base += i * step
            step *= in_shape[d]
        at = row * width
        if not inside:
            for j in range(width):
                out[at + j] = value
            continue
        for j in range(width):
            c = cols[j]
            out[at + j] = x[base + c] if c >= 0 else value


def _pad_backward(g, lo, start, stop, mode, out):
    """``out[o, i, r] = grad_at(g, o, i, r, ...)``: iteration ``(o, i, r)`` owns that element.
    ``g`` (outer, n_out, inner), ``out`` (outer, n, inner)."""
    outer, n, inner = out.shape
    for o in range(outer):
        for i in range(n):
            for r in range(inner):
                out[o, i, r] = _grad_at(g, o, i, r, lo, start, stop, mode)


# The plain functions stay importable for the CUDA twin's device functions.
_source_index = jit(source_index)
_grad_at = jit(grad_at)
_KERNELS: dict = {}


def _kernel(name: str):
    if name not in _KERNELS:
        _KERNELS[name] = jit(globals()["_" + name])
    return _KERNELS[name]


def kept(n: int, lo: int, hi: int, mode: str) -> tuple:
    """``(start, stop)``, the part of a dimension of length ``n`` that the index map wraps
    around: all of it, except that circular padding crops negative pads first."""
    if mode != "circular":
        return 0, int(n)
    return max(-lo, 0), int(n) - max(-hi, 0)


def merged_layout(shape: tuple, pads: tuple, mode: str) -> tuple:
    """``(in_shape, out_shape, lo, start, stop)`` with the leading unpadded dimensions merged
    into one: fewer coordinates to compute per element. ``pads`` holds ``(lo, hi)`` per
    dimension."""
    first = 0
    while first < len(shape) and pads[first] == (0, 0):
        first += 1
    lead = int(np.prod(shape[:first], dtype=np.int64))
    dims = [(lead, 0, 0)] + [(int(n), int(lo), int(hi))
                             for n, (lo, hi) in zip(shape[first:], pads[first:])]
    spans = [kept(n, lo, hi, mode) for n, lo, hi in dims]
    return (tuple(n for n, _, _ in dims), tuple(n + lo + hi for n, lo, hi in dims),
            tuple(lo for _, lo, _ in dims), tuple(a for a, _ in spans),
            tuple(b for _, b in spans))


def out_shape(shape: tuple, pads: tuple) -> tuple:
    """The padded shape."""
    return tuple(int(n) + lo + hi for n, (lo, hi) in zip(shape, pads))


def pad(x: np.ndarray, pads: tuple, mode: str, value) -> np.ndarray:
    """``x`` padded by ``pads`` (one ``(before, after)`` per dimension; negative crops).

    ``mode`` is 'constant' (``value`` outside, converted to ``x``'s dtype), 'reflect',
    'replicate' or 'circular'; the op checks that each map stays inside the input. Returns a
    C-contiguous array.
    """
    shape = out_shape(x.shape, pads)
    out = np.empty(shape, x.dtype)
    if out.size == 0:
        return out
    layout = merged_layout(x.shape, pads, mode)
    fill = np.array(0 if value is None else value).astype(x.dtype)[()]
    _kernel("pad")(np.ascontiguousarray(x).reshape(-1), *layout, MODES[mode], fill,
                   out.reshape(-1))
    return out


def pad_backward(g: np.ndarray, axis: int, lo: int, hi: int, n: int, mode: str) -> np.ndarray:
    """The adjoint of padding ``axis`` (length ``n`` before, ``lo`` padded before it and ``hi``
    after) in ``mode`` (not 'constant'): ``g`` with that axis gathered back to length ``n``."""
    shape = tuple(g.shape)
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    out = np.empty(shape[:axis] + (n,) + shape[axis + 1:], g.dtype)
    if out.size == 0:
        return out
    _kernel("pad_backward")(np.ascontiguousarray(g).reshape(outer, shape[axis], inner),
                            int(lo), *kept(n, lo, hi, mode), MODES[mode],
                            out.reshape(outer, n, inner))
    return out
