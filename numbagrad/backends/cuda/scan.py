"""Scans along one axis for the GPU: cumsum, cumprod, cummax/cummin, logcumsumexp and their vjps.

The twin of ``backends/cpu/scan.py``: same functions, same ``(outer, n, inner)`` layout
(``reduce.as_3d``, a strided view when one exists), same numerics (float64 or int64
accumulators). One thread owns one (o, i) column and walks it serially, in a grid-stride loop
over the ``outer * inner`` columns with ``i`` fastest, so neighbouring threads read neighbouring
memory; no two threads write the same element, so no atomics.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.scan import _acc_start
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import astype, zeros
from numbagrad.backends.cuda.reduce import as_3d, from_3d


def _cumsum_cols(x, start, reverse, out):
    """out[o, r, i] = sum of x[o, s, i] over s <= r (s >= r when ``reverse``)."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        acc = start
        for k in range(n):
            r = n - 1 - k if reverse else k
            acc += x[o, r, i]
            out[o, r, i] = acc
        c += cuda.gridsize(1)


def _cumprod_cols(x, start, out):
    """out[o, r, i] = product of x[o, s, i] over s <= r."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        acc = start
        for r in range(n):
            acc *= x[o, r, i]
            out[o, r, i] = acc
        c += cuda.gridsize(1)


def _cumprod_vjp_cols(x, g, out):
    """out_k = P_k S_k with P_k the product before k and S_k = g_k + x_{k+1} S_{k+1}: no
    division, as on the CPU."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        p = 1.0
        for k in range(n):
            out[o, k, i] = p
            p *= x[o, k, i]
        s = 0.0
        for k in range(n - 1, -1, -1):
            s = g[o, k, i] + (x[o, k + 1, i] * s if k + 1 < n else 0.0)
            out[o, k, i] *= s
        c += cuda.gridsize(1)


def _cumextreme_cols(x, largest, vals, idx):
    """Running max (min unless ``largest``) and its index; ties and nans as on the CPU."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        b = x[o, 0, i]
        k = 0
        for r in range(n):
            v = x[o, r, i]
            if v != v or (b == b and (v >= b if largest else v <= b)):
                b = v
                k = r
            vals[o, r, i] = b
            idx[o, r, i] = k
        c += cuda.gridsize(1)


def _cumextreme_vjp_cols(g, idx, out):
    """out[o, idx[o, r, i], i] += g[o, r, i]; ``out`` arrives zeroed. One column per thread."""
    outer, n, inner = g.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        for r in range(n):
            out[o, idx[o, r, i], i] += g[o, r, i]
        c += cuda.gridsize(1)


def _logcumsumexp_cols(x, out):
    """Running log-sum-exp with a running maximum, as on the CPU."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        m = -math.inf
        s = 0.0
        for r in range(n):
            v = 1.0 * x[o, r, i]
            if v != v:
                m = v
            elif v > m:
                s = s * math.exp(m - v) + 1.0 if m > -math.inf else 1.0
                m = v
            elif v > -math.inf:
                s += math.exp(v - m)
            out[o, r, i] = m + math.log(s) if m > -math.inf else m
        c += cuda.gridsize(1)


def _logcumsumexp_vjp_cols(x, y, g, out):
    """out_k = exp(x_k - y_k) R_k with R_k = g_k + exp(y_k - y_{k+1}) R_{k+1}, as on the CPU."""
    outer, n, inner = x.shape
    c = cuda.grid(1)
    while c < outer * inner:
        o, i = c // inner, c % inner
        acc = 0.0
        for k in range(n - 1, -1, -1):
            yk = 1.0 * y[o, k, i]
            if k + 1 < n:
                y1 = y[o, k + 1, i]
                acc *= math.exp(yk - y1) if y1 != yk else 1.0
            acc += g[o, k, i]
            # exp(-inf - -inf) is nan, as torch's gradient where the running sum is 0.
            out[o, k, i] = math.exp(x[o, k, i] - yk) * acc
        c += cuda.gridsize(1)


def _kernel(fn):
    return _jit.once((fn,), lambda: _jit.kernel(fn))


def _run(fn, x, axis: int, *args):
    """Launch ``fn(x3, *args, out3)`` in the scan layout; the result has ``x``'s shape."""
    axes = (axis,)
    x3 = as_3d(x, axes)
    outer, n, inner = x3.shape
    out = _array.empty((outer, n, inner), x.dtype)
    if out.size:
        _jit.launch(_kernel(fn), outer * inner, x3, *args, out)
    return from_3d(out, x.shape, axes)


def cumsum(x, axis: int, reverse: bool = False):
    """Running sums of ``x`` along ``axis`` (from the end when ``reverse``), of ``x``'s dtype."""
    return _run(_cumsum_cols, x, axis, _acc_start(x.dtype, 0), reverse)


def cumprod(x, axis: int):
    """Running products of ``x`` along ``axis``, of ``x``'s dtype."""
    return _run(_cumprod_cols, x, axis, _acc_start(x.dtype, 1))


def cumprod_vjp(x, g, axis: int):
    """The gradient of ``cumprod(x, axis)`` for output gradient ``g`` (both floating)."""
    g = g if g.dtype == x.dtype else astype(g, x.dtype)
    return _run(_cumprod_vjp_cols, x, axis, as_3d(g, (axis,)))


def cummax(x, axis: int, largest: bool = True) -> tuple:
    """``(values, indices)``: running max (min unless ``largest``) along ``axis`` and where."""
    axes = (axis,)
    x3 = as_3d(x, axes)
    outer, n, inner = x3.shape
    vals = _array.empty((outer, n, inner), x.dtype)
    idx = _array.empty((outer, n, inner), np.dtype(np.int64))
    if vals.size:
        _jit.launch(_kernel(_cumextreme_cols), outer * inner, x3, largest, vals, idx)
    return from_3d(vals, x.shape, axes), from_3d(idx, x.shape, axes)


def cummax_vjp(g, indices, axis: int):
    """The gradient of cummax/cummin values: each ``g`` added at its index along ``axis``."""
    axes = (axis,)
    g3 = as_3d(g, axes)
    outer, n, inner = g3.shape
    out = zeros((outer, n, inner), g.dtype)
    if out.size:
        _jit.launch(_kernel(_cumextreme_vjp_cols), outer * inner, g3, as_3d(indices, axes), out)
    return from_3d(out, g.shape, axes)


def logcumsumexp(x, axis: int):
    """log(cumsum(exp(x))) along ``axis``, computed without overflow (floating ``x``)."""
    return _run(_logcumsumexp_cols, x, axis)


def logcumsumexp_vjp(x, y, g, axis: int):
    """The gradient of ``y = logcumsumexp(x, axis)`` for output gradient ``g``."""
    axes = (axis,)
    g = g if g.dtype == x.dtype else astype(g, x.dtype)
    return _run(_logcumsumexp_vjp_cols, x, axis, as_3d(y, axes), as_3d(g, axes))
