"""Batch, layer, group and instance normalisation for the CPU: one fused forward and its vjp.

Every call is brought to one layout, ``x`` as C-contiguous ``(P, G, K, S)``, with the affine
``weight`` and ``bias`` as ``(G, K)`` (broadcast over ``P`` and ``S``):

* ``per_sample=False``: one set of statistics per ``g``, over ``(P, K, S)`` — batch norm with
  ``(N, C, 1, spatial)``;
* ``per_sample=True``: one set per ``(p, g)``, over ``(K, S)`` — layer norm with
  ``(rows, 1, normalized size, 1)``, group norm with ``(N, groups, C / groups, spatial)``,
  instance norm with ``(N, C, 1, spatial)``.

Each statistics group is read once for its mean and variance (float64 sums of ``x - x0``, the
group's first element: one pass, and no cancellation when the mean is large beside the spread)
and once more to write ``y = (x - mean) * rstd * w + b``. The vjp reads each group once for its
sums and once more to write ``dx``; weight and bias gradients come from the same first pass, as
partial sums per statistics group added up at the end (so groups never write the same element).
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from numbagrad.backends.cpu._jit import jit, run_parallel
# By module attribute: a compiled step's recording swaps it for a version that records the
# conversion.
from numbagrad.backends.cpu.memory import astype as astype_

# Inputs at least this large split their statistics groups over threads.
PARALLEL_MIN_SIZE = 65536


def _normalization_kernel(x, w, b, eps, per_sample, y, mean, var, rstd):
    """Statistics of every group and the normalised, scaled and shifted ``y``.

    Iteration ``j`` owns statistics group ``(r, g) = divmod(j, G)`` (``r`` is the sample with
    ``per_sample``, else 0): ``mean[r, g]``, ``var[r, g]`` (biased), ``rstd[r, g]`` (float64)
    and the elements of ``y`` in the group.
    """
    P, G, K, S = x.shape
    rows = mean.shape[0]
    for j in prange(rows * G):
        r = j // G
        g = j - r * G
        p0 = r if per_sample else 0
        p1 = r + 1 if per_sample else P
        shift = np.float64(x[p0, g, 0, 0])
        s1 = 0.0
        s2 = 0.0
        for p in range(p0, p1):
            for k in range(K):
                for s in range(S):
                    d = x[p, g, k, s] - shift
                    s1 += d
                    s2 += d * d
        n = (p1 - p0) * K * S
        m1 = s1 / n
        v = s2 / n - m1 * m1
        if v < 0.0:
            v = 0.0
        mu = shift + m1
        rs = 1.0 / math.sqrt(v + eps)
        mean[r, g] = mu
        var[r, g] = v
        rstd[r, g] = rs
        for p in range(p0, p1):
            for k in range(K):
                a = rs * w[g, k]
                c = np.float64(b[g, k])
                for s in range(S):
                    y[p, g, k, s] = (x[p, g, k, s] - mu) * a + c


def _normalization_vjp_kernel(gy, x, w, mean, rstd, per_sample, need_dx, dx, dwp, dbp):
    """Input gradients, and per-group partial weight and bias gradients.

    With ``xh = (x - mean) * rstd`` and sums over the statistics group of ``n`` elements:
    ``dx = rstd * (gy * w - sum(gy * w) / n - xh * sum(gy * w * xh) / n)``;
    ``dwp[r, g, k] = sum(gy * xh)`` and ``dbp[r, g, k] = sum(gy)`` over the group's ``(p, s)``.
    Iteration ``j`` owns group ``(r, g)``: its rows of ``dwp`` and ``dbp`` and its ``dx``.
    """
    P, G, K, S = x.shape
    rows = mean.shape[0]
    for j in prange(rows * G):
        r = j // G
        g = j - r * G
        p0 = r if per_sample else 0
        p1 = r + 1 if per_sample else P
        mu = mean[r, g]
        rs = rstd[r, g]
        for k in range(K):
            dwp[r, g, k] = 0.0
            dbp[r, g, k] = 0.0
        for p in range(p0, p1):
            for k in range(K):
                sg = 0.0
                sgx = 0.0
                for s in range(S):
                    gv = np.float64(gy[p, g, k, s])
                    sg += gv
                    sgx += gv * (x[p, g, k, s] - mu)
                dbp[r, g, k] += sg
                dwp[r, g, k] += sgx * rs
        if not need_dx:
            continue
        n = (p1 - p0) * K * S
        c1 = 0.0
        c2 = 0.0
        for k in range(K):
            c1 += w[g, k] * dbp[r, g, k]
            c2 += w[g, k] * dwp[r, g, k]
        c1 /= n
        c2 /= n
        for p in range(p0, p1):
            for k in range(K):
                wk = np.float64(w[g, k])
                for s in range(S):
                    xh = (x[p, g, k, s] - mu) * rs
                    dx[p, g, k, s] = rs * (gy[p, g, k, s] * wk - c1 - xh * c2)


def _sum_rows_kernel(a, out):
    """``out[i] = sum(a[:, i])`` in float64, rows added in order (read along rows)."""
    rows, n = a.shape
    for i in range(n):
        out[i] = 0.0
    for r in range(rows):
        for i in range(n):
            out[i] += a[r, i]


_normalization_serial = jit(_normalization_kernel)
_normalization_parallel = jit(_normalization_kernel, parallel=True)
_normalization_vjp_serial = jit(_normalization_vjp_kernel)
_normalization_vjp_parallel = jit(_normalization_vjp_kernel, parallel=True)
_sum_rows = jit(_sum_rows_kernel)


def _run(serial, parallel, groups: int, size: int, *args) -> None:
    if size >= PARALLEL_MIN_SIZE and groups > 1:
        run_parallel(parallel, *args)
    else:
        serial(*args)


def normalization(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, per_sample: bool,
                  eps: float) -> tuple:
    """Normalise ``x`` per statistics group, then scale by ``weight`` and shift by ``bias``.

    Parameters
    ----------
    x : numpy.ndarray
        ``(P, G, K, S)``, floating, every dimension at least 1 (non-contiguous inputs are
        copied once).
    weight, bias : numpy.ndarray
        ``(G, K)`` in ``x``'s dtype.
    per_sample : bool
        Statistics per ``(p, g)`` (True) or per ``g`` over all of ``P`` (False).
    eps : float
        Added to the variance before its square root.

    Returns
    -------
    tuple
        ``(y, mean, var, rstd)``: ``y`` C-contiguous in ``x``'s shape and dtype; ``mean``, the
        biased ``var`` and ``rstd = 1 / sqrt(var + eps)`` float64 of shape ``(P or 1, G)``.
    """
    x = np.ascontiguousarray(x)
    P, G = x.shape[0], x.shape[1]
    rows = P if per_sample else 1
    y = np.empty(x.shape, x.dtype)
    mean = np.empty((rows, G), np.float64)
    var = np.empty((rows, G), np.float64)
    rstd = np.empty((rows, G), np.float64)
    _run(_normalization_serial, _normalization_parallel, rows * G, x.size, x,
         np.ascontiguousarray(weight), np.ascontiguousarray(bias), float(eps), bool(per_sample),
         y, mean, var, rstd)
    return y, mean, var, rstd


def normalization_vjp(g: np.ndarray, x: np.ndarray, weight: np.ndarray, mean: np.ndarray,
                      rstd: np.ndarray, per_sample: bool, need_dx: bool) -> tuple:
    """Gradients of :func:`normalization` with respect to ``x``, ``weight`` and ``bias``.

    Parameters
    ----------
    g : numpy.ndarray
        The output gradient, ``x``'s shape (converted to ``x``'s dtype).
    x, weight : numpy.ndarray
        The forward's inputs, laid out as there.
    mean, rstd : numpy.ndarray
        The forward's statistics.
    per_sample : bool
        As in the forward.
    need_dx : bool
        Whether to compute the input gradient (else it is None).

    Returns
    -------
    tuple
        ``(dx, dweight, dbias)``: ``dx`` in ``x``'s shape and dtype (or None), the others
        ``(G, K)`` in ``x``'s dtype.
    """
    x = np.ascontiguousarray(x)
    g = np.ascontiguousarray(g.astype(x.dtype, copy=False))
    G, K = x.shape[1], x.shape[2]
    rows = mean.shape[0]
    dx = np.empty(x.shape, x.dtype) if need_dx else np.empty((1, 1, 1, 1), x.dtype)
    dwp = np.empty((rows, G, K), np.float64)
    dbp = np.empty((rows, G, K), np.float64)
    _run(_normalization_vjp_serial, _normalization_vjp_parallel, rows * G, x.size, g, x,
         np.ascontiguousarray(weight), mean, rstd, bool(per_sample), bool(need_dx), dx, dwp,
         dbp)
    dw = np.empty(G * K, np.float64)
    db = np.empty(G * K, np.float64)
    _sum_rows(dwp.reshape(rows, G * K), dw)
    _sum_rows(dbp.reshape(rows, G * K), db)
    return (dx if need_dx else None, astype_(dw.reshape(G, K), x.dtype),
            astype_(db.reshape(G, K), x.dtype))
