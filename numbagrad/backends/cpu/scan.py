"""Scans along one axis for the CPU: cumsum, cumprod, cummax/cummin, logcumsumexp and their vjps.

Every scan sees its input as C-contiguous ``(outer, n, inner)`` (``reduce.as_3d`` with the one
scanned axis), walking the middle axis; each (o, i) column is independent and owns its column of
the output. Floating sums and products accumulate in float64, integer ones in int64: the caller
passes the accumulator's zero (or one), whose type picks the kernel's signature.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.backends.cpu._jit import jit
from numbagrad.backends.cpu.reduce import as_3d, from_3d, index_buffer


def _acc_start(dtype, value: int):
    """The accumulator's first value: float64 for floats, int64 otherwise."""
    return np.float64(value) if np.dtype(dtype).kind == "f" else np.int64(value)


@jit
def _cumsum_kernel(x, start, reverse, out):
    """out[o, r, i] = sum of x[o, s, i] over s <= r (s >= r when ``reverse``)."""
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            acc = start
            for k in range(n):
                r = n - 1 - k if reverse else k
                acc += x[o, r, i]
                out[o, r, i] = acc


@jit
def _cumprod_kernel(x, start, out):
    """out[o, r, i] = product of x[o, s, i] over s <= r."""
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            acc = start
            for r in range(n):
                acc *= x[o, r, i]
                out[o, r, i] = acc


@jit
def _cumprod_vjp_kernel(x, g, out):
    """out[o, k, i] = sum over j >= k of g[o, j, i] * product of x[o, s, i] over s <= j, s != k.

    With P_k the product of the elements before k and S_k = g_k + x_{k+1} S_{k+1} (a reversed
    scan), out_k = P_k S_k: no division, so inputs holding zeros get exact gradients.
    """
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            p = 1.0
            for k in range(n):
                out[o, k, i] = p
                p *= x[o, k, i]
            s = 0.0
            for k in range(n - 1, -1, -1):
                s = g[o, k, i] + (x[o, k + 1, i] * s if k + 1 < n else 0.0)
                out[o, k, i] *= s


@jit
def _cumextreme_kernel(x, largest, vals, idx):
    """vals, idx[o, r, i] = the running max (min unless ``largest``) of x[o, :r + 1, i] and where.

    As torch: a later equal element takes the index (``>=``), and a nan wins and stays, each
    later nan taking the index.
    """
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            b = x[o, 0, i]
            k = 0
            for r in range(n):
                v = x[o, r, i]
                if v != v or (b == b and (v >= b if largest else v <= b)):
                    b = v
                    k = r
                vals[o, r, i] = b
                idx[o, r, i] = k


@jit
def _cumextreme_vjp_kernel(g, idx, out):
    """out[o, idx[o, r, i], i] += g[o, r, i]; ``out`` arrives zeroed. A column per (o, i)."""
    outer, n, inner = g.shape
    for o in range(outer):
        for i in range(inner):
            for r in range(n):
                out[o, idx[o, r, i], i] += g[o, r, i]


@jit
def _logcumsumexp_kernel(x, out):
    """out[o, r, i] = log of the sum of exp(x[o, s, i]) over s <= r, with a running maximum."""
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            m = -math.inf
            s = 0.0  # the sum of exp(x - m)
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


@jit
def _logcumsumexp_vjp_kernel(x, y, g, out):
    """out[o, k, i] = sum over j >= k of g_j exp(x_k - y_j), from the reversed scan
    R_k = g_k + exp(y_k - y_{k+1}) R_{k+1} (exponents <= 0: y grows) and out_k = exp(x_k - y_k) R_k.
    """
    outer, n, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            acc = 0.0
            for k in range(n - 1, -1, -1):
                yk = 1.0 * y[o, k, i]
                if k + 1 < n:
                    y1 = y[o, k + 1, i]
                    acc *= math.exp(yk - y1) if y1 != yk else 1.0
                acc += g[o, k, i]
                # exp(-inf - -inf) is nan, as torch's gradient where the running sum is 0.
                out[o, k, i] = math.exp(x[o, k, i] - yk) * acc


def _run(kernel, x, axis: int, *args):
    """Run ``kernel(x3, *args, out3)`` in the scan layout; the result has ``x``'s shape."""
    axes = (axis,)
    x3 = as_3d(x, axes)
    out = np.empty(x3.shape, x.dtype)
    if out.size:
        kernel(x3, *args, out)
    return from_3d(out, x.shape, axes)


def cumsum(x: np.ndarray, axis: int, reverse: bool = False) -> np.ndarray:
    """Running sums of ``x`` along ``axis`` (from the end when ``reverse``), of ``x``'s dtype."""
    return _run(_cumsum_kernel, x, axis, _acc_start(x.dtype, 0), reverse)


def cumprod(x: np.ndarray, axis: int) -> np.ndarray:
    """Running products of ``x`` along ``axis``, of ``x``'s dtype."""
    return _run(_cumprod_kernel, x, axis, _acc_start(x.dtype, 1))


def cumprod_vjp(x: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """The gradient of ``cumprod(x, axis)`` for output gradient ``g`` (both floating)."""
    return _run(_cumprod_vjp_kernel, x, axis, as_3d(g.astype(x.dtype, copy=False), (axis,)))


def cummax(x: np.ndarray, axis: int, largest: bool = True) -> tuple:
    """``(values, indices)``: running max (min unless ``largest``) along ``axis`` and where."""
    axes = (axis,)
    x3 = as_3d(x, axes)
    vals = np.empty(x3.shape, x.dtype)
    idx = index_buffer(x3.shape)
    if vals.size:
        _cumextreme_kernel(x3, largest, vals, idx)
    return from_3d(vals, x.shape, axes), from_3d(idx, x.shape, axes)


def cummax_vjp(g: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """The gradient of cummax/cummin values: each ``g`` added at its index along ``axis``."""
    axes = (axis,)
    g3 = as_3d(g, axes)
    out = np.zeros(g3.shape, g.dtype)
    if out.size:
        _cumextreme_vjp_kernel(g3, as_3d(indices, axes), out)
    return from_3d(out, g.shape, axes)


def logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    """log(cumsum(exp(x))) along ``axis``, computed without overflow (floating ``x``)."""
    return _run(_logcumsumexp_kernel, x, axis)


def logcumsumexp_vjp(x: np.ndarray, y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """The gradient of ``y = logcumsumexp(x, axis)`` for output gradient ``g``."""
    axes = (axis,)
    return _run(_logcumsumexp_vjp_kernel, x, axis, as_3d(y, axes),
                as_3d(g.astype(x.dtype, copy=False), axes))
