"""Pooling and interpolation for the GPU: the twin of ``backends/cpu/pooling.py`` (same
functions, same numbers: each thread runs the CPU module's window, plane or column function).

Forward kernels give one thread each output element. Adjoints give one thread a whole plane
(pooling) or a whole column (interpolation) of the float64 gradient buffer and walk the outputs
in the CPU's order: overlapping windows then never have two threads adding to one element, so
nothing is added atomically and the sums are the CPU's.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.pooling import (avg_backward_plane, avg_window, interp_backward_column,
                                            interp_point, interp_table, max_backward_plane,
                                            max_window, precision, tables)
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import astype, contiguous, zeros


def _pool_max(x, first, count, step, lowest, out, idx):
    """Thread ``e`` (grid-stride) owns ``out[p, i, j, k]`` and ``idx[p, i, j, k]``."""
    planes = x.shape[0]
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    e = cuda.grid(1)
    while e < planes * od * oh * ow:
        k = e % ow
        j = (e // ow) % oh
        i = (e // (ow * oh)) % od
        p = e // (ow * oh * od)
        out[p, i, j, k], idx[p, i, j, k] = max_window(x, p, i, j, k, first, count, step, lowest)
        e += cuda.gridsize(1)


def _pool_max_backward(g, idx, gx):
    """Thread ``p`` (grid-stride) owns plane ``p`` of ``gx``."""
    p = cuda.grid(1)
    while p < g.shape[0]:
        max_backward_plane(g, idx, gx, p)
        p += cuda.gridsize(1)


def _pool_avg(x, first, count, divisor, override, out):
    """Thread ``e`` (grid-stride) owns ``out[p, i, j, k]``."""
    planes = x.shape[0]
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    e = cuda.grid(1)
    while e < planes * od * oh * ow:
        k = e % ow
        j = (e // ow) % oh
        i = (e // (ow * oh)) % od
        p = e // (ow * oh * od)
        out[p, i, j, k] = avg_window(x, p, i, j, k, first, count, divisor, override)
        e += cuda.gridsize(1)


def _pool_avg_backward(g, first, count, divisor, override, gx):
    """Thread ``p`` (grid-stride) owns plane ``p`` of ``gx``."""
    p = cuda.grid(1)
    while p < gx.shape[0]:
        avg_backward_plane(g, first, count, divisor, override, gx, p)
        p += cuda.gridsize(1)


def _interp(x, src, weight, out):
    """Thread ``e`` (grid-stride) owns ``out[o, j, r]``."""
    outer, n_out, inner = out.shape
    e = cuda.grid(1)
    while e < outer * n_out * inner:
        r = e % inner
        j = (e // inner) % n_out
        o = e // (inner * n_out)
        out[o, j, r] = interp_point(x, src, weight, o, j, r)
        e += cuda.gridsize(1)


def _interp_backward(g, src, weight, gx):
    """Thread ``c`` (grid-stride) owns column ``(o, r)`` of ``gx``."""
    outer, inner = g.shape[0], g.shape[2]
    c = cuda.grid(1)
    while c < outer * inner:
        interp_backward_column(g, src, weight, gx, c // inner, c % inner)
        c += cuda.gridsize(1)


_KERNELS: dict = {}


def _kernel(name: str):
    if name not in _KERNELS:
        _KERNELS[name] = kernel(globals()["_" + name])
    return _KERNELS[name]


def _view(x, shape: tuple):
    return _array.reshape_contiguous(contiguous(x), tuple(shape))


def _device_tables(windows: tuple) -> tuple:
    return tuple(_array.to_device(t) for t in tables(windows))


def _out_shape(planes: int, windows: tuple) -> tuple:
    return (planes,) + tuple(len(w[0]) for w in windows)


def pool_max(x, shape: tuple, windows: tuple) -> tuple:
    """The windowed maxima and their flat positions; see the CPU twin."""
    oshape = _out_shape(shape[0], windows)
    out = _array.empty(oshape, x.dtype)
    idx = _array.empty(oshape, np.int64)
    if out.size == 0:
        return out, idx
    first, count, step, _ = _device_tables(windows)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    launch(_kernel("pool_max"), out.size, _view(x, shape), first, count, step,
           np.array(lowest).astype(x.dtype)[()], out, idx)
    return out, idx


def pool_max_backward(g, idx, shape: tuple):
    """The adjoint of :func:`pool_max`; see the CPU twin."""
    planes = shape[0]
    gx = zeros((planes, int(np.prod(shape[1:], dtype=np.int64))), np.float64)
    if g.size:
        launch(_kernel("pool_max_backward"), planes, _view(g, (planes, g.size // planes)),
               _view(idx, (planes, idx.size // planes)), gx)
    return _array.reshape_contiguous(astype(gx, g.dtype), tuple(shape))


def pool_avg(x, shape: tuple, windows: tuple, override: int):
    """The windowed means; see the CPU twin."""
    out = _array.empty(_out_shape(shape[0], windows), x.dtype)
    if out.size == 0:
        return out
    first, count, _, divisor = _device_tables(windows)
    launch(_kernel("pool_avg"), out.size, _view(x, shape), first, count, divisor,
           int(override), out)
    return out


def pool_avg_backward(g, shape: tuple, windows: tuple, override: int):
    """The adjoint of :func:`pool_avg`; see the CPU twin."""
    gx = zeros(tuple(shape), np.float64)
    if g.size and gx.size:
        first, count, _, divisor = _device_tables(windows)
        launch(_kernel("pool_avg_backward"), shape[0], contiguous(g), first, count, divisor,
               int(override), gx)
    return astype(gx, g.dtype)


def interp(x, shape: tuple, n_out: int, mode: str, align_corners: bool, scale):
    """One axis resampled through the CPU's :func:`interp_table`; see the CPU twin."""
    src, weight = interp_table(mode, shape[1], n_out, align_corners, scale, precision(x.dtype))
    out = _array.empty((shape[0], n_out, shape[2]), x.dtype)
    if out.size:
        launch(_kernel("interp"), out.size, _view(x, shape), _array.to_device(src),
               _array.to_device(weight), out)
    return out


def interp_backward(g, shape: tuple, mode: str, align_corners: bool, scale):
    """The adjoint of :func:`interp`; see the CPU twin."""
    src, weight = interp_table(mode, shape[1], g.shape[1], align_corners, scale,
                               precision(g.dtype))
    gx = zeros(tuple(shape), np.float64)
    if g.size and gx.size:
        launch(_kernel("interp_backward"), g.shape[0] * g.shape[2], contiguous(g),
               _array.to_device(src), _array.to_device(weight), gx)
    return astype(gx, g.dtype)
