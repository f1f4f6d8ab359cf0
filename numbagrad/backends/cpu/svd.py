"""Singular value decomposition of small matrices for the CPU: one-sided Jacobi (Hestenes).

The op brings the input to ``(batch, m, n)`` float64, C-contiguous, with ``m >= n``
(transposing wide matrices). :func:`jacobi_svd` orthogonalises the columns of a copy of each
matrix by plane rotations, also applied to ``V`` (starting from the identity), until every pair
of columns is orthogonal to rounding; the column norms are then the singular values and the
normalised columns ``U``. Jacobi is accurate (it finds small singular values to high relative
accuracy) and needs only plain loops, so the CUDA twin compiles the same source as a device
function, one thread per matrix. It costs O(sweeps m n**2) per matrix: meant for the small
matrices of matrix norms, not for large factorizations.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.backends.cpu._jit import jit

MAX_SWEEPS = 60


def jacobi_svd(a, b, u, s, v):
    """The thin SVD of matrix ``a[b]`` (m x n, m >= n): ``a[b] = u[b] diag(s[b]) v[b]^T``.

    Writes ``u[b]`` (m x n, orthonormal columns; those of zero singular values complete the
    others, see below), ``s[b]`` (n, descending) and ``v[b]`` (n x n, orthogonal). Plain loops and
    ``math`` only: the CUDA backend compiles this function as a device function.
    """
    m = a.shape[1]
    n = a.shape[2]
    for i in range(m):
        for j in range(n):
            u[b, i, j] = a[b, i, j]
    for i in range(n):
        for j in range(n):
            v[b, i, j] = 1.0 if i == j else 0.0
    for _ in range(MAX_SWEEPS):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = 0.0
                beta = 0.0
                gamma = 0.0
                for i in range(m):
                    alpha += u[b, i, p] * u[b, i, p]
                    beta += u[b, i, q] * u[b, i, q]
                    gamma += u[b, i, p] * u[b, i, q]
                if gamma == 0.0 or abs(gamma) <= 1e-15 * math.sqrt(alpha * beta):
                    continue
                rotated = True
                # The rotation that zeroes the (p, q) entry of u^T u (Rutishauser's formulas).
                zeta = (beta - alpha) / (2.0 * gamma)
                t = 1.0 / (abs(zeta) + math.sqrt(1.0 + zeta * zeta))
                if zeta < 0.0:
                    t = -t
                c = 1.0 / math.sqrt(1.0 + t * t)
                sn = c * t
                for i in range(m):
                    up = u[b, i, p]
                    uq = u[b, i, q]
                    u[b, i, p] = c * up - sn * uq
                    u[b, i, q] = sn * up + c * uq
                for i in range(n):
                    vp = v[b, i, p]
                    vq = v[b, i, q]
                    v[b, i, p] = c * vp - sn * vq
                    v[b, i, q] = sn * vp + c * vq
        if not rotated:
            break
    for j in range(n):
        norm = 0.0
        for i in range(m):
            norm += u[b, i, j] * u[b, i, j]
        norm = math.sqrt(norm)
        s[b, j] = norm
        for i in range(m):
            u[b, i, j] = u[b, i, j] / norm if norm > 0.0 else 0.0
    for j in range(n - 1):  # selection sort, largest first, moving the columns along
        best = j
        for k in range(j + 1, n):
            if s[b, k] > s[b, best]:
                best = k
        if best != j:
            tmp = s[b, j]
            s[b, j] = s[b, best]
            s[b, best] = tmp
            for i in range(m):
                tmp = u[b, i, j]
                u[b, i, j] = u[b, i, best]
                u[b, i, best] = tmp
            for i in range(n):
                tmp = v[b, i, j]
                v[b, i, j] = v[b, i, best]
                v[b, i, best] = tmp
    # Zero singular values (last; within rounding of the largest): their normalised columns
    # would be rounding noise, so U is completed to orthonormal columns instead.
    tiny = 1e-13 * s[b, 0] if n else 0.0
    for j in range(n):
        if s[b, j] > tiny:
            continue
        # The unit vector e_c furthest from the span of the columns before j (the first
        # such for ties: e_1, e_2, ... for a zero matrix, as LAPACK), orthogonalised.
        best = 0
        best_r = -1.0
        for c in range(m):
            r = 1.0
            for k in range(j):
                r -= u[b, c, k] * u[b, c, k]
            if r > best_r + 1e-12:
                best = c
                best_r = r
        for i in range(m):
            u[b, i, j] = 1.0 if i == best else 0.0
        for k in range(j):
            dot = u[b, best, k]
            for i in range(m):
                u[b, i, j] -= dot * u[b, i, k]
        norm = 0.0
        for i in range(m):
            norm += u[b, i, j] * u[b, i, j]
        norm = math.sqrt(norm)
        for i in range(m):
            u[b, i, j] /= norm


_jacobi_svd = jit(jacobi_svd)


@jit
def _svd_kernel(a, u, s, v):
    """Each iteration decomposes one matrix ``a[b]`` into ``u[b]``, ``s[b]``, ``v[b]``."""
    for b in range(a.shape[0]):
        _jacobi_svd(a, b, u, s, v)


def svd(a: np.ndarray) -> tuple:
    """``(u, s, v)``: the thin SVD of each matrix of a ``(batch, m, n)`` float64 C-contiguous
    array with ``m >= n``; ``u`` is ``(batch, m, n)``, ``s`` ``(batch, n)`` descending, ``v``
    ``(batch, n, n)``, all float64."""
    batch, m, n = a.shape
    u = np.empty((batch, m, n), np.float64)
    s = np.empty((batch, n), np.float64)
    v = np.empty((batch, n, n), np.float64)
    if a.size:
        _svd_kernel(a, u, s, v)
    return u, s, v
