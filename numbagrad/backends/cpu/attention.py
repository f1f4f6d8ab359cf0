"""Scaled dot-product attention for the CPU, forward and vjp.

Every call arrives normalised by the op: C-contiguous ``q (N, L, E)``, ``k (N, S, E)``,
``v (N, S, Ev)`` of one floating dtype, where ``N`` is every batch and head dimension flattened,
an additive float mask ``(N, L, S)`` and a dropout scale ``(N, L, S)`` (``0`` or
``1 / (1 - p)``), each replaced by an empty ``(0, 0, 0)`` array when absent.

The products go through the one BLAS (``q k^T``, ``p v`` and the three of the vjp, batched);
between them a row kernel turns scores into probabilities (:func:`softmax_row`) and, in the
vjp, output gradients into score gradients (:func:`score_grad_row`). The CUDA twin has no BLAS:
it compiles :func:`attention_row`, :func:`attention_grad_row` and :func:`attention_grad_col`
(the products written as loops, calling the same two row functions) as device functions, so
the softmax and its gradient exist once. Row sums accumulate in float64 (``x + 0.0`` widens a
float32 element on both targets). Each row is made stable by subtracting its maximum score;
a row whose every key is masked out (maximum ``-inf``) gets probabilities 0 and output 0, as
torch's CPU kernel gives, rather than ``nan``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import jit, run_parallel
from numbagrad.backends.cpu.linalg import matmul

# Problems with at least this many score entries split their rows over threads.
PARALLEL_MIN_SIZE = 32768


def softmax_row(p, mask, n, i, scale, causal):
    """Replace the raw scores ``p[n, i, :]`` (``q . k`` per key) by ``softmax(p * scale +
    mask)``, causal keys ``j > i`` left out (probability 0). Returns False when every key is
    masked out: the row is then all zeros."""
    S = p.shape[2]
    has_mask = mask.shape[0] > 0
    stop = S
    if causal and i + 1 < S:
        stop = i + 1
    m = -math.inf
    for j in range(stop):
        x = (p[n, i, j] + 0.0) * scale
        if has_mask:
            x += mask[n, i, j]
        p[n, i, j] = x
        if x > m or x != x:
            m = x
    for j in range(stop, S):
        p[n, i, j] = 0.0
    if m == -math.inf:
        for j in range(stop):
            p[n, i, j] = 0.0
        return False
    total = 0.0
    for j in range(stop):
        w = math.exp((p[n, i, j] + 0.0) - m)
        p[n, i, j] = w
        total += w
    inv = 1.0 / total
    for j in range(stop):
        p[n, i, j] = p[n, i, j] * inv
    return True


def score_grad_row(ds, p, drop, n, i):
    """Replace ``ds[n, i, :]``, holding ``dp = g v^T``, by the scores' gradient
    ``p * (dp * drop - sum(dp * drop * p))`` (also the float mask's)."""
    S = p.shape[2]
    has_drop = drop.shape[0] > 0
    dot = 0.0
    for j in range(S):
        acc = ds[n, i, j] + 0.0
        if has_drop:
            acc *= drop[n, i, j]
        ds[n, i, j] = acc
        dot += acc * p[n, i, j]
    for j in range(S):
        ds[n, i, j] = p[n, i, j] * ((ds[n, i, j] + 0.0) - dot)


# Callable from both targets' compiled code: the CPU kernels below and the CUDA twin's.
register_jitable(softmax_row)
register_jitable(score_grad_row)


def attention_row(q, k, v, mask, drop, n, i, scale, causal, p, out):
    """Row ``i`` of batch ``n`` without BLAS (the CUDA twin's form): the scores ``q k^T``, then
    :func:`softmax_row` into ``p[n, i]`` and ``out[n, i] = (p * drop) v``; the caller owns both
    rows."""
    S = k.shape[1]
    E = q.shape[2]
    has_drop = drop.shape[0] > 0
    stop = S
    if causal and i + 1 < S:
        stop = i + 1
    for j in range(stop):
        acc = 0.0
        for e in range(E):
            acc += (q[n, i, e] + 0.0) * k[n, j, e]
        p[n, i, j] = acc
    if not softmax_row(p, mask, n, i, scale, causal):
        for e in range(v.shape[2]):
            out[n, i, e] = 0.0  # nothing to attend to: a zero row, as torch's CPU kernel
        return
    for e in range(v.shape[2]):
        acc = 0.0
        for j in range(stop):
            w = (p[n, i, j] + 0.0)
            if has_drop:
                w *= drop[n, i, j]
            acc += w * v[n, j, e]
        out[n, i, e] = acc


def attention_grad_row(g, k, v, p, drop, n, i, scale, ds, dq):
    """Row ``i`` of batch ``n`` of the score gradient and of ``dq`` without BLAS: ``dp = g
    v^T``, then :func:`score_grad_row`, then ``dq = ds k * scale``; the caller owns
    ``ds[n, i]`` and ``dq[n, i]``."""
    S = k.shape[1]
    for j in range(S):
        acc = 0.0
        for e in range(g.shape[2]):
            acc += (g[n, i, e] + 0.0) * v[n, j, e]
        ds[n, i, j] = acc
    score_grad_row(ds, p, drop, n, i)
    for e in range(k.shape[2]):
        acc = 0.0
        for j in range(S):
            acc += (ds[n, i, j] + 0.0) * k[n, j, e]
        dq[n, i, e] = acc * scale


def attention_grad_col(g, q, p, drop, ds, n, j, scale, dk, dv):
    """Key ``j`` of batch ``n``: ``dk[n, j] = ds^T q * scale`` and ``dv[n, j] = (p * drop)^T g``
    over the queries; the caller owns ``dk[n, j]`` and ``dv[n, j]``."""
    L = q.shape[1]
    has_drop = drop.shape[0] > 0
    for e in range(q.shape[2]):
        acc = 0.0
        for i in range(L):
            acc += (ds[n, i, j] + 0.0) * q[n, i, e]
        dk[n, j, e] = acc * scale
    for e in range(g.shape[2]):
        acc = 0.0
        for i in range(L):
            w = (p[n, i, j] + 0.0)
            if has_drop:
                w *= drop[n, i, j]
            acc += w * g[n, i, e]
        dv[n, j, e] = acc


def _softmax_kernel(p, mask, scale, causal):
    """Iteration ``r`` owns query row ``r % L`` of batch ``r // L`` of ``p``."""
    L = p.shape[1]
    for r in prange(p.shape[0] * L):
        softmax_row(p, mask, r // L, r % L, scale, causal)


def _score_grad_kernel(ds, p, drop):
    """Iteration ``r`` owns query row ``r % L`` of batch ``r // L`` of ``ds``."""
    L = p.shape[1]
    for r in prange(p.shape[0] * L):
        score_grad_row(ds, p, drop, r // L, r % L)


def _scale_kernel(a, s):
    """``a *= s`` in ``a``'s dtype (``s`` is one of that dtype, as NumPy's weak scalar)."""
    for n in range(a.shape[0]):
        for i in range(a.shape[1]):
            for e in range(a.shape[2]):
                a[n, i, e] = a[n, i, e] * s


def _scale(a: np.ndarray, scale: float) -> None:
    """``np.multiply(a, scale, out=a)``, in a kernel where Numba computes ``a``'s dtype as
    NumPy does (a compiled step replays kernels, not NumPy)."""
    if a.dtype in (np.float32, np.float64):
        _scale_serial(a, a.dtype.type(scale))
    else:
        np.multiply(a, scale, out=a)


_scale_serial = jit(_scale_kernel)
_softmax_serial = jit(_softmax_kernel)
_softmax_parallel = jit(_softmax_kernel, parallel=True)
_score_grad_serial = jit(_score_grad_kernel)
_score_grad_parallel = jit(_score_grad_kernel, parallel=True)


def _run(serial, parallel, size: int, *args) -> None:
    if size >= PARALLEL_MIN_SIZE:
        run_parallel(parallel, *args)
    else:
        serial(*args)


def scaled_dot_product_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray,
                                 mask: np.ndarray, drop: np.ndarray, scale: float,
                                 causal: bool):
    """``softmax(q k^T * scale + mask) v`` per batch, with dropout scale ``drop``.

    Parameters
    ----------
    q, k, v : numpy.ndarray
        ``(N, L, E)``, ``(N, S, E)``, ``(N, S, Ev)``, one floating dtype.
    mask, drop : numpy.ndarray
        ``(N, L, S)`` in that dtype (additive mask; dropout scale), or ``(0, 0, 0)`` if absent.
    scale : float
    causal : bool
        Leave out keys ``j > i`` for query ``i``.

    Returns
    -------
    tuple of numpy.ndarray
        The output ``(N, L, Ev)`` and the probabilities ``p`` ``(N, L, S)`` before dropout
        (kept for the vjp).
    """
    N, L, _ = q.shape
    S, Ev = k.shape[1], v.shape[2]
    if N * L * S == 0:
        return np.zeros((N, L, Ev), q.dtype), np.empty((N, L, S), q.dtype)
    p = matmul(q, k, transpose_b=True)  # the raw scores, made probabilities in place
    _run(_softmax_serial, _softmax_parallel, N * L * S, p, np.ascontiguousarray(mask),
         float(scale), bool(causal))
    out = matmul(p * drop if drop.shape[0] else p, v)
    return out, p


def scaled_dot_product_attention_vjp(g: np.ndarray, q: np.ndarray, k: np.ndarray,
                                     v: np.ndarray, p: np.ndarray, drop: np.ndarray,
                                     scale: float):
    """The gradients ``(dq, dk, dv, dscores)`` from the output gradient ``g`` ``(N, L, Ev)``
    and the saved probabilities ``p``; ``dscores`` ``(N, L, S)`` is the float mask's."""
    N, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    if N * L * S == 0:
        return (np.zeros((N, L, E), q.dtype), np.zeros((N, S, E), q.dtype),
                np.zeros((N, S, Ev), q.dtype), np.empty((N, L, S), q.dtype))
    g = g.astype(q.dtype, copy=False)
    ds = matmul(g, v, transpose_b=True)  # dp, made the scores' gradient in place
    _run(_score_grad_serial, _score_grad_parallel, N * L * S, ds, p, np.ascontiguousarray(drop))
    dq = matmul(ds, k)
    dk = matmul(ds, q, transpose_a=True)
    _scale(dq, scale)
    _scale(dk, scale)
    dv = matmul(p * drop if drop.shape[0] else p, g, transpose_a=True)
    return dq, dk, dv, ds
