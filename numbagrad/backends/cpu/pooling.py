"""Pooling and interpolation for the CPU: windowed max and mean over up to three spatial
dimensions, and the per-axis gather of ``interpolate``, each with its adjoint.

Windows are described per spatial axis by tables, so one kernel serves max pooling, average
pooling and their adaptive forms: output position ``o`` of axis ``a`` reads the taps
``first[a, o] + t * step[a]`` for ``t < count[a, o]``, skipping taps outside the input (the
implicit padding). Input arrays are ``(planes, D, H, W)`` with batch and channels merged into
``planes``; 1-D and 2-D poolings use unit ``D`` (and ``H``).

Interpolation is separable: :func:`interp` gathers one axis of an ``(outer, n_in, inner)``
array through a table of source positions and weights (``taps`` per output position, built on
the host by :func:`interp_table` with torch's formulas; the CUDA twin uses the same tables), and
the op applies it once per spatial axis.

Adjoints scatter into a float64 buffer in a fixed order (plane by plane, output by output), so
the CUDA twin, whose threads own whole planes or columns, adds in the same order.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import jit
# By module attribute: a compiled step's recording swaps it for a version that records the
# conversion.
from numbagrad.backends.cpu.memory import astype as astype_


def max_window(x, p, i, j, k, first, count, step, lowest):
    """The maximum of window ``(i, j, k)`` of plane ``p`` over its in-bounds taps (ties to the
    first, a nan wins) and its flat position ``(d*H + h)*W + w`` in the plane; a window with no
    tap inside gives ``lowest`` and -1. Shared by the CPU kernels and the CUDA twin's."""
    nd, nh, nw = x.shape[1], x.shape[2], x.shape[3]
    best = lowest
    at = -1
    for a in range(count[0, i]):
        d = first[0, i] + a * step[0]
        if d < 0 or d >= nd:
            continue
        for b in range(count[1, j]):
            h = first[1, j] + b * step[1]
            if h < 0 or h >= nh:
                continue
            for c in range(count[2, k]):
                w = first[2, k] + c * step[2]
                if w < 0 or w >= nw:
                    continue
                v = x[p, d, h, w]
                if at < 0 or v > best or v != v:
                    best = v
                    at = (d * nh + h) * nw + w
    return best, at


def max_backward_plane(g, idx, gx, p):
    """``gx[p, idx[p, o]] += g[p, o]`` for every output ``o`` of plane ``p``, in order."""
    for o in range(g.shape[1]):
        at = idx[p, o]
        if at >= 0:
            gx[p, at] += g[p, o]


def avg_divisor(i, j, k, divisor, override):
    """The divisor of window ``(i, j, k)``: ``override`` when nonzero, else the table's."""
    if override != 0:
        return override
    return divisor[0, i] * divisor[1, j] * divisor[2, k]


def avg_window(x, p, i, j, k, first, count, divisor, override):
    """The float64 sum of window ``(i, j, k)``'s in-bounds taps of plane ``p`` over its divisor."""
    nd, nh, nw = x.shape[1], x.shape[2], x.shape[3]
    s = 0.0
    for d in range(max(first[0, i], 0), min(first[0, i] + count[0, i], nd)):
        for h in range(max(first[1, j], 0), min(first[1, j] + count[1, j], nh)):
            for w in range(max(first[2, k], 0), min(first[2, k] + count[2, k], nw)):
                s += x[p, d, h, w]
    return s / avg_divisor(i, j, k, divisor, override)


def avg_backward_plane(g, first, count, divisor, override, gx, p):
    """Each output of plane ``p``'s ``g / divisor`` added to its window's in-bounds taps of
    ``gx[p]`` (float64), outputs in order."""
    nd, nh, nw = gx.shape[1], gx.shape[2], gx.shape[3]
    od, oh, ow = g.shape[1], g.shape[2], g.shape[3]
    for i in range(od):
        for j in range(oh):
            for k in range(ow):
                v = g[p, i, j, k] / avg_divisor(i, j, k, divisor, override)
                for d in range(max(first[0, i], 0), min(first[0, i] + count[0, i], nd)):
                    for h in range(max(first[1, j], 0), min(first[1, j] + count[1, j], nh)):
                        for w in range(max(first[2, k], 0), min(first[2, k] + count[2, k], nw)):
                            gx[p, d, h, w] += v


def interp_point(x, src, weight, o, j, r):
    """``sum_t weight[j, t] * x[o, src[j, t], r]`` in float64."""
    s = 0.0
    for t in range(src.shape[1]):
        s += weight[j, t] * x[o, src[j, t], r]
    return s


def interp_backward_column(g, src, weight, gx, o, r):
    """``gx[o, src[j, t], r] += weight[j, t] * g[o, j, r]`` (float64) for column ``(o, r)``,
    outputs in order."""
    for j in range(g.shape[1]):
        for t in range(src.shape[1]):
            gx[o, src[j, t], r] += weight[j, t] * g[o, j, r]


# Callable from compiled code on both targets: these kernels and the CUDA twin's.
for _shared in (max_window, max_backward_plane, avg_divisor, avg_window, avg_backward_plane,
                interp_point, interp_backward_column):
    register_jitable(_shared)


def _pool_max(x, first, count, step, lowest, out, idx):
    """``out[p, i, j, k]`` and ``idx[p, i, j, k]`` from :func:`max_window`."""
    planes = x.shape[0]
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for p in range(planes):
        for i in range(od):
            for j in range(oh):
                for k in range(ow):
                    out[p, i, j, k], idx[p, i, j, k] = max_window(x, p, i, j, k, first, count,
                                                                  step, lowest)


def _pool_max_backward(g, idx, gx):
    """The adjoint of :func:`_pool_max`, plane by plane (``g`` and ``idx`` (planes, outputs),
    ``gx`` (planes, inputs), float64)."""
    for p in range(g.shape[0]):
        max_backward_plane(g, idx, gx, p)


def _pool_avg(x, first, count, divisor, override, out):
    """``out[p, i, j, k]`` from :func:`avg_window`."""
    planes = x.shape[0]
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for p in range(planes):
        for i in range(od):
            for j in range(oh):
                for k in range(ow):
                    out[p, i, j, k] = avg_window(x, p, i, j, k, first, count, divisor, override)


def _pool_avg_backward(g, first, count, divisor, override, gx):
    """The adjoint of :func:`_pool_avg`, plane by plane (``gx`` float64)."""
    for p in range(gx.shape[0]):
        avg_backward_plane(g, first, count, divisor, override, gx, p)


def _interp(x, src, weight, out):
    """``out[o, j, r]`` from :func:`interp_point`."""
    outer, n_out, inner = out.shape
    for o in range(outer):
        for j in range(n_out):
            for r in range(inner):
                out[o, j, r] = interp_point(x, src, weight, o, j, r)


def _interp_backward(g, src, weight, gx):
    """The adjoint of :func:`_interp`, column ``(o, r)`` by column."""
    outer, inner = g.shape[0], g.shape[2]
    for o in range(outer):
        for r in range(inner):
            interp_backward_column(g, src, weight, gx, o, r)


_KERNELS: dict = {}


def _kernel(name: str):
    if name not in _KERNELS:
        _KERNELS[name] = jit(globals()["_" + name])
    return _KERNELS[name]


def tables(windows: tuple) -> tuple:
    """``(first, count, step, divisor)`` arrays from one ``(firsts, counts, step, divisors)``
    per spatial axis (three axes): ``first``, ``count`` and ``divisor`` (3, longest) int64,
    ``step`` (3,) int64."""
    longest = max(1, max(len(w[0]) for w in windows))
    first = np.zeros((3, longest), np.int64)
    count = np.zeros((3, longest), np.int64)
    divisor = np.ones((3, longest), np.int64)
    for a, (firsts, counts, _, divisors) in enumerate(windows):
        first[a, :len(firsts)] = firsts
        count[a, :len(counts)] = counts
        divisor[a, :len(divisors)] = divisors
    return first, count, np.array([w[2] for w in windows], np.int64), divisor


def _out_shape(planes: int, windows: tuple) -> tuple:
    return (planes,) + tuple(len(w[0]) for w in windows)


def pool_max(x: np.ndarray, shape: tuple, windows: tuple) -> tuple:
    """The windowed maxima of ``x`` seen as ``shape`` = (planes, D, H, W) and their int64 flat
    positions in each plane: two (planes, oD, oH, oW) arrays. ``windows`` holds
    ``(firsts, counts, step, divisors)`` per spatial axis (see :func:`tables`)."""
    x4 = np.ascontiguousarray(x).reshape(shape)
    oshape = _out_shape(shape[0], windows)
    out = np.empty(oshape, x.dtype)
    idx = np.empty(oshape, np.int64)
    if out.size == 0:
        return out, idx
    first, count, step, _ = tables(windows)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    _kernel("pool_max")(x4, first, count, step, np.array(lowest).astype(x.dtype)[()], out, idx)
    return out, idx


def pool_max_backward(g: np.ndarray, idx: np.ndarray, shape: tuple) -> np.ndarray:
    """The adjoint of :func:`pool_max`: each output's gradient added at its index, into an
    array of ``shape`` (planes, D, H, W) and ``g``'s dtype."""
    planes = shape[0]
    gx = np.zeros((planes, int(np.prod(shape[1:], dtype=np.int64))), np.float64)
    if g.size:
        _kernel("pool_max_backward")(np.ascontiguousarray(g).reshape(planes, -1),
                                     np.ascontiguousarray(idx).reshape(planes, -1), gx)
    return astype_(gx, g.dtype).reshape(shape)


def pool_avg(x: np.ndarray, shape: tuple, windows: tuple, override: int) -> np.ndarray:
    """The windowed means of ``x`` seen as ``shape`` (planes, D, H, W): (planes, oD, oH, oW).
    Each sum is divided by ``override`` when nonzero, else by the product of the axes'
    divisors."""
    x4 = np.ascontiguousarray(x).reshape(shape)
    out = np.empty(_out_shape(shape[0], windows), x.dtype)
    if out.size == 0:
        return out
    first, count, _, divisor = tables(windows)
    _kernel("pool_avg")(x4, first, count, divisor, int(override), out)
    return out


def pool_avg_backward(g: np.ndarray, shape: tuple, windows: tuple, override: int) -> np.ndarray:
    """The adjoint of :func:`pool_avg`, an array of ``shape`` and ``g``'s dtype."""
    gx = np.zeros(shape, np.float64)
    if g.size and gx.size:
        first, count, _, divisor = tables(windows)
        _kernel("pool_avg_backward")(np.ascontiguousarray(g), first, count, divisor,
                                     int(override), gx)
    return astype_(gx, g.dtype)


def _scale(ft, n_in: int, n_out: int, align_corners: bool, scale) -> object:
    """torch's ``area_pixel_compute_scale`` in precision ``ft``."""
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


@functools.lru_cache(maxsize=256)
def interp_table(mode: str, n_in: int, n_out: int, align_corners: bool, scale,
                 ft) -> tuple:
    """``(src, weight)``, (n_out, taps) int64 and float64 host arrays: the input positions
    each output position of one axis reads and their weights, by torch's formulas in
    precision ``ft`` (float32 or float64, the input's). ``mode`` is 'nearest',
    'nearest-exact', 'linear' or 'cubic'; ``scale`` the user's scale factor or None. Cached:
    the forward and the backward of one resampling use one table."""
    taps = {"nearest": 1, "nearest-exact": 1, "cubic": 4}.get(mode, 2)
    src = np.zeros((n_out, taps), np.int64)
    weight = np.zeros((n_out, taps), np.float64)
    if mode in ("nearest", "nearest-exact"):
        s = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
            np.float32(n_in) / np.float32(n_out)
        for j in range(n_out):
            if mode == "nearest":
                i = j if n_out == n_in else (j >> 1 if n_out == 2 * n_in else
                                             int(math.floor(np.float32(j) * s)))
            else:
                i = int(math.floor(np.float32((j + 0.5) * float(s))))
            src[j, 0] = min(i, n_in - 1)
        weight[:, 0] = 1.0
        return src, weight
    s = _scale(ft, n_in, n_out, align_corners, scale)
    for j in range(n_out):
        real = s * ft(j) if align_corners else s * (ft(j) + ft(0.5)) - ft(0.5)
        if mode == "cubic":
            i0 = int(math.floor(real))
            t = float(real - ft(i0))
            a = -0.75  # torch's cubic convolution constant
            coeffs = (((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                      ((a + 2) * t - (a + 3)) * t * t + 1,
                      ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                      ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a)
            for k in range(4):
                src[j, k] = min(max(i0 - 1 + k, 0), n_in - 1)
                weight[j, k] = coeffs[k]
            continue
        if n_out == n_in and not align_corners:
            src[j] = j
            weight[j] = (1.0, 0.0)
            continue
        real = max(real, ft(0))
        i0 = min(int(real), n_in - 1)
        lam = min(max(float(real - ft(i0)), 0.0), 1.0)
        src[j] = (i0, i0 + (1 if i0 < n_in - 1 else 0))
        weight[j] = (1.0 - lam, lam)
    return src, weight


def precision(dtype) -> type:
    """The precision torch computes interpolation positions in for ``dtype``."""
    return np.float64 if np.dtype(dtype).itemsize == 8 else np.float32


def interp(x: np.ndarray, shape: tuple, n_out: int, mode: str, align_corners: bool,
           scale) -> np.ndarray:
    """``x`` seen as ``shape`` = (outer, n_in, inner), its middle axis resampled to ``n_out``
    positions through :func:`interp_table`: (outer, n_out, inner) in ``x``'s dtype."""
    src, weight = interp_table(mode, shape[1], n_out, align_corners, scale, precision(x.dtype))
    out = np.empty((shape[0], n_out, shape[2]), x.dtype)
    if out.size:
        _kernel("interp")(np.ascontiguousarray(x).reshape(shape), src, weight, out)
    return out


def interp_backward(g: np.ndarray, shape: tuple, mode: str, align_corners: bool,
                    scale) -> np.ndarray:
    """The adjoint of :func:`interp`: (outer, n_in, inner) = ``shape`` from ``g`` (outer,
    n_out, inner)."""
    src, weight = interp_table(mode, shape[1], g.shape[1], align_corners, scale,
                               precision(g.dtype))
    gx = np.zeros(shape, np.float64)
    if g.size and gx.size:
        _kernel("interp_backward")(np.ascontiguousarray(g), src, weight, gx)
    return astype_(gx, g.dtype)
