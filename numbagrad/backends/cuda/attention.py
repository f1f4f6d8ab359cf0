"""Scaled dot-product attention on the GPU: the twin of ``backends/cpu/attention.py``.

Same functions, arguments and arithmetic: the per-row and per-column functions of the CPU
module (:func:`~numbagrad.backends.cpu.attention.attention_row` and its gradient twins) are
compiled here as device functions, so the math exists once. **One thread per query row**
(grid-stride over ``N * L``) computes the row's scores, its stable softmax and its output; the
vjp runs one thread per query row (``ds`` and ``dq``), then one per key (``dk`` and ``dv``),
reading the finished ``ds``. Each thread writes only its own row or column: no atomics, and
every sum is formed in one fixed order (float64 accumulators, as on the CPU). This is the
simple, exact kernel, not a tiled flash-attention one: long rows are walked serially.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.attention import (attention_grad_col, attention_grad_row,
                                              attention_row)
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import astype, contiguous, zeros

_row = cuda.jit(device=True)(attention_row)
_grad_row = cuda.jit(device=True)(attention_grad_row)
_grad_col = cuda.jit(device=True)(attention_grad_col)


def _forward(q, k, v, mask, drop, scale, causal, p, out):
    """Thread ``r`` (grid-stride over ``N * L``) owns ``p`` and ``out`` of query row ``r``."""
    L = q.shape[1]
    r = cuda.grid(1)
    while r < q.shape[0] * L:
        _row(q, k, v, mask, drop, r // L, r % L, scale, causal, p, out)
        r += cuda.gridsize(1)


def _vjp_rows(g, k, v, p, drop, scale, ds, dq):
    """Thread ``r`` (grid-stride over ``N * L``) owns ``ds`` and ``dq`` of query row ``r``."""
    L = p.shape[1]
    r = cuda.grid(1)
    while r < p.shape[0] * L:
        _grad_row(g, k, v, p, drop, r // L, r % L, scale, ds, dq)
        r += cuda.gridsize(1)


def _vjp_cols(g, q, p, drop, ds, scale, dk, dv):
    """Thread ``c`` (grid-stride over ``N * S``) owns ``dk`` and ``dv`` of key ``c``."""
    S = p.shape[2]
    c = cuda.grid(1)
    while c < p.shape[0] * S:
        _grad_col(g, q, p, drop, ds, c // S, c % S, scale, dk, dv)
        c += cuda.gridsize(1)


_forward_kernel = kernel(_forward)
_vjp_rows_kernel = kernel(_vjp_rows)
_vjp_cols_kernel = kernel(_vjp_cols)


def scaled_dot_product_attention(q, k, v, mask, drop, scale: float, causal: bool):
    """The output ``(N, L, Ev)`` and the probabilities ``(N, L, S)``; see the CPU twin."""
    N, L, _ = q.shape
    S, Ev = k.shape[1], v.shape[2]
    out = _array.empty((N, L, Ev), q.dtype)
    p = _array.empty((N, L, S), q.dtype)
    if N * L:
        q, k, v, mask, drop = (contiguous(a) for a in (q, k, v, mask, drop))
        launch(_forward_kernel, N * L, q, k, v, mask, drop, float(scale), bool(causal), p, out)
    return out, p


def scaled_dot_product_attention_vjp(g, q, k, v, p, drop, scale: float):
    """The gradients ``(dq, dk, dv, dscores)``; see the CPU twin."""
    N, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    if N * L * S == 0:
        return (zeros((N, L, E), q.dtype), zeros((N, S, E), q.dtype),
                zeros((N, S, Ev), q.dtype), _array.empty((N, L, S), q.dtype))
    dq = _array.empty((N, L, E), q.dtype)
    dk = _array.empty((N, S, E), q.dtype)
    dv = _array.empty((N, S, Ev), q.dtype)
    ds = _array.empty((N, L, S), q.dtype)
    if np.dtype(g.dtype) != np.dtype(q.dtype):
        g = astype(g, q.dtype)
    g, q, k, v, p, drop = (contiguous(a) for a in (g, q, k, v, p, drop))
    launch(_vjp_rows_kernel, N * L, g, k, v, p, drop, float(scale), ds, dq)
    launch(_vjp_cols_kernel, N * S, g, q, p, drop, ds, float(scale), dk, dv)
    return dq, dk, dv, ds
