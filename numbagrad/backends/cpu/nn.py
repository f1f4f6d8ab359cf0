"""Softmax and log-softmax along one axis for the CPU, forward and vjp.

Every call is brought to the reductions' layout, ``(outer, n, inner)`` C-contiguous with the
softmax axis in the middle (:func:`numbagrad.backends.cpu.reduce.as_3d`); for a contiguous input
that is a view. Each ``(o, i)`` pair is one independent row of ``n`` elements. Rows are made
stable by subtracting their maximum before ``exp``, and their sums accumulate in float64.

Rows holding ``nan`` or ``+inf``, and rows that are all ``-inf``, come out ``nan``, as torch's:
the maximum is then ``inf`` or ``-inf`` and ``x - max`` is ``nan``. A ``-inf`` beside finite
values gives probability 0 (log-probability ``-inf``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from numbagrad.backends.cpu._jit import jit, run_parallel
from numbagrad.backends.cpu.reduce import as_3d

# Inputs at least this large split their outer rows over threads.
PARALLEL_MIN_SIZE = 32768


def _softmax_kernel(x, out, mx, acc, log):
    """Softmax (``log=False``) or log-softmax of every row ``x[o, :, i]`` into ``out``.

    Each outer iteration ``o`` owns ``out[o]``; for ``inner > 1`` also the scratch rows
    ``mx[o]`` (row maxima) and ``acc[o]`` (float64 sums of ``exp(x - max)``), so that the
    loops run along ``i`` innermost and read memory in order. ``exp`` is computed once per
    element, in the input's type; softmax keeps it in ``out`` and scales it by ``1 / sum``.
    """
    outer, n, inner = x.shape
    for o in prange(outer):
        if inner == 1:
            # Starting from the first element (not -inf) lets a leading nan stay the maximum.
            m = x[o, 0, 0]
            for r in range(1, n):
                if x[o, r, 0] > m:
                    m = x[o, r, 0]
            s = 0.0
            for r in range(n):
                e = math.exp(x[o, r, 0] - m)
                s += e
                if not log:
                    out[o, r, 0] = e
            if log:
                # (x - max) - log(sum), not x - (max + log(sum)): near a large max the
                # latter loses log(sum) to rounding (torch's order).
                lse = math.log(s)
                for r in range(n):
                    out[o, r, 0] = (x[o, r, 0] - m) - lse
            else:
                scale = 1.0 / s
                for r in range(n):
                    out[o, r, 0] *= scale
            continue
        for i in range(inner):
            mx[o, i] = x[o, 0, i]
            acc[o, i] = 0.0
        for r in range(1, n):
            for i in range(inner):
                if x[o, r, i] > mx[o, i]:
                    mx[o, i] = x[o, r, i]
        for r in range(n):
            for i in range(inner):
                e = math.exp(x[o, r, i] - mx[o, i])
                acc[o, i] += e
                if not log:
                    out[o, r, i] = e
        for i in range(inner):
            acc[o, i] = math.log(acc[o, i]) if log else 1.0 / acc[o, i]
        for r in range(n):
            for i in range(inner):
                if log:
                    out[o, r, i] = (x[o, r, i] - mx[o, i]) - acc[o, i]
                else:
                    out[o, r, i] *= acc[o, i]


def _softmax_vjp_kernel(g, y, out, acc, log):
    """The input gradient of every row, from the output gradient ``g`` and the output ``y``.

    softmax: ``out = y * (g - sum(g * y))``; log-softmax: ``out = g - exp(y) * sum(g)``, the
    sums taken along the row in float64 (``acc[o]``, one per ``i``). Each outer iteration ``o``
    owns ``out[o]`` and ``acc[o]``.
    """
    outer, n, inner = g.shape
    for o in prange(outer):
        if inner == 1:
            s = 0.0
            for r in range(n):
                s += g[o, r, 0] if log else np.float64(g[o, r, 0]) * y[o, r, 0]
            for r in range(n):
                if log:
                    out[o, r, 0] = g[o, r, 0] - math.exp(y[o, r, 0]) * s
                else:
                    out[o, r, 0] = y[o, r, 0] * (g[o, r, 0] - s)
            continue
        for i in range(inner):
            acc[o, i] = 0.0
        for r in range(n):
            for i in range(inner):
                if log:
                    acc[o, i] += g[o, r, i]
                else:
                    acc[o, i] += np.float64(g[o, r, i]) * y[o, r, i]
        for r in range(n):
            for i in range(inner):
                if log:
                    out[o, r, i] = g[o, r, i] - math.exp(y[o, r, i]) * acc[o, i]
                else:
                    out[o, r, i] = y[o, r, i] * (g[o, r, i] - acc[o, i])


_softmax_serial = jit(_softmax_kernel)
_softmax_parallel = jit(_softmax_kernel, parallel=True)
_softmax_vjp_serial = jit(_softmax_vjp_kernel)
_softmax_vjp_parallel = jit(_softmax_vjp_kernel, parallel=True)


def _rows(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` as C-contiguous ``(outer, n, inner)`` with axis ``dim`` in the middle."""
    if x.ndim == 0:
        return x.reshape(1, 1, 1)
    return as_3d(np.ascontiguousarray(x), (dim,))


def _run(serial, parallel, *arrays) -> None:
    x3 = arrays[0]
    if x3.size >= PARALLEL_MIN_SIZE and x3.shape[0] > 1:
        run_parallel(parallel, *arrays)
    else:
        serial(*arrays)


def _forward(x: np.ndarray, dim: int, log: bool) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    if x.size == 0:
        return out
    x3 = _rows(x, dim)
    scratch = (x3.shape[0], x3.shape[2])
    _run(_softmax_serial, _softmax_parallel, x3, out.reshape(x3.shape),
         np.empty(scratch, x.dtype), np.empty(scratch, np.float64), log)
    return out


def _vjp(g: np.ndarray, y: np.ndarray, dim: int, log: bool) -> np.ndarray:
    out = np.empty(y.shape, y.dtype)
    if y.size == 0:
        return out
    g3 = _rows(g.astype(y.dtype, copy=False), dim)
    y3 = _rows(y, dim)
    _run(_softmax_vjp_serial, _softmax_vjp_parallel, g3, y3, out.reshape(y3.shape),
         np.empty((g3.shape[0], g3.shape[2]), np.float64), log)
    return out


def softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """``exp(x) / sum(exp(x))`` along axis ``dim``, stable for large ``|x|``.

    Parameters
    ----------
    x : numpy.ndarray
        Floating, any strides (non-contiguous inputs are copied once).
    dim : int
        A valid non-negative axis (0 for a 0-d ``x``).

    Returns
    -------
    numpy.ndarray
        C-contiguous, ``x``'s shape and dtype.
    """
    return _forward(x, dim, False)


def log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """``x - max - log(sum(exp(x - max)))`` along axis ``dim``; arguments as :func:`softmax`."""
    return _forward(x, dim, True)


def softmax_vjp(g: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    """Input gradient of softmax: ``y * (g - sum(g * y))`` along ``dim``; ``y`` is the output."""
    return _vjp(g, y, dim, False)


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    """Input gradient of log-softmax: ``g - exp(y) * sum(g)`` along ``dim``; ``y`` is the output."""
    return _vjp(g, y, dim, True)
