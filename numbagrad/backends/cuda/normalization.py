"""Batch, layer, group and instance normalisation on the GPU: one fused forward and its vjp.

The twin of ``backends/cpu/normalization.py``: same functions, same layout (``x`` as
C-contiguous ``(P, G, K, S)``, ``weight`` and ``bias`` as ``(G, K)``, statistics per ``g`` or
per ``(p, g)``), same numerics (float64 sums of ``x - x0`` from the group's first element).

* forward and input gradient: **one block per statistics group**, grid-stride over groups; the
  block's threads stride over the group's elements, combine their float64 partial sums with a
  tree in shared memory (``nn.tree_sum``) and then each writes the elements it read;
* weight and bias gradients: **one thread per (g, k)**, summing over ``P`` and ``S`` serially,
  so neighbouring threads read neighbouring ``k``.

No atomics: every sum has one fixed order for a given launch shape.
"""
from __future__ import annotations

import math

from numba import cuda, float64

from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import astype, contiguous
from numbagrad.backends.cuda.nn import TREE_DIGEST, block_size, half_block, tree_sum


def _normalization_factory(threads: int, key: str):
    half = half_block(threads)

    def normalization_groups(x, w, b, eps, per_sample, y, mean, var, rstd):
        """Statistics of every group and ``y = (x - mean) * rstd * w + b``.

        Block ``j`` owns groups ``j, j + grid, ...`` (group ``(r, g) = divmod(j, G)``); its
        thread ``tid`` reads and writes the group's elements ``tid, tid + threads, ...`` in
        ``(p, k, s)`` order; thread 0 writes the statistics.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        buf1 = cuda.shared.array(threads, float64)
        buf2 = cuda.shared.array(threads, float64)
        P, G, K, S = x.shape
        rows = mean.shape[0]
        tid = cuda.threadIdx.x
        j = cuda.blockIdx.x
        while j < rows * G:
            r = j // G
            g = j - r * G
            p0 = r if per_sample else 0
            ks = K * S
            count = (1 if per_sample else P) * ks
            shift = float64(x[p0, g, 0, 0])
            a1 = 0.0
            a2 = 0.0
            for e in range(tid, count, threads):
                q = e // ks
                k = (e - q * ks) // S
                s = e - q * ks - k * S
                d = x[p0 + q, g, k, s] - shift
                a1 += d
                a2 += d * d
            buf1[tid] = a1
            buf2[tid] = a2
            a1 = tree_sum(buf1, tid, threads, half)
            a2 = tree_sum(buf2, tid, threads, half)
            m1 = a1 / count
            v = a2 / count - m1 * m1
            if v < 0.0:
                v = 0.0
            mu = shift + m1
            rs = 1.0 / math.sqrt(v + eps)
            if tid == 0:
                mean[r, g] = mu
                var[r, g] = v
                rstd[r, g] = rs
            for e in range(tid, count, threads):
                q = e // ks
                k = (e - q * ks) // S
                s = e - q * ks - k * S
                y[p0 + q, g, k, s] = (x[p0 + q, g, k, s] - mu) * (rs * w[g, k]) + float64(b[g, k])
            j += cuda.gridDim.x

    return normalization_groups


def _normalization_dx_factory(threads: int, key: str):
    half = half_block(threads)

    def normalization_dx_groups(gy, x, w, mean, rstd, per_sample, dx):
        """``dx = rstd * (gy * w - sum(gy * w) / n - xh * sum(gy * w * xh) / n)`` per group,
        ``xh = (x - mean) * rstd``; blocks and threads own groups and elements as in the
        forward."""
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        buf1 = cuda.shared.array(threads, float64)
        buf2 = cuda.shared.array(threads, float64)
        P, G, K, S = x.shape
        rows = mean.shape[0]
        tid = cuda.threadIdx.x
        j = cuda.blockIdx.x
        while j < rows * G:
            r = j // G
            g = j - r * G
            p0 = r if per_sample else 0
            ks = K * S
            count = (1 if per_sample else P) * ks
            mu = mean[r, g]
            rs = rstd[r, g]
            a1 = 0.0
            a2 = 0.0
            for e in range(tid, count, threads):
                q = e // ks
                k = (e - q * ks) // S
                s = e - q * ks - k * S
                gw = float64(gy[p0 + q, g, k, s]) * w[g, k]
                a1 += gw
                a2 += gw * (x[p0 + q, g, k, s] - mu)
            buf1[tid] = a1
            buf2[tid] = a2
            c1 = tree_sum(buf1, tid, threads, half) / count
            c2 = tree_sum(buf2, tid, threads, half) * rs / count
            for e in range(tid, count, threads):
                q = e // ks
                k = (e - q * ks) // S
                s = e - q * ks - k * S
                xh = (x[p0 + q, g, k, s] - mu) * rs
                dx[p0 + q, g, k, s] = rs * (float64(gy[p0 + q, g, k, s]) * w[g, k] - c1 - xh * c2)
            j += cuda.gridDim.x

    return normalization_dx_groups


def _normalization_params_cols(gy, x, mean, rstd, per_sample, dw, db):
    """``dw[g, k] = sum(gy * xh)`` and ``db[g, k] = sum(gy)`` over ``p`` and ``s``; thread
    ``t`` owns ``(g, k) = divmod(t, K)`` (grid-stride)."""
    P, G, K, S = x.shape
    t = cuda.grid(1)
    while t < G * K:
        g = t // K
        k = t - g * K
        sw = 0.0
        sb = 0.0
        for p in range(P):
            r = p if per_sample else 0
            mu = mean[r, g]
            rs = rstd[r, g]
            for s in range(S):
                gv = float64(gy[p, g, k, s])
                sb += gv
                sw += gv * (x[p, g, k, s] - mu) * rs
        dw[g, k] = sw
        db[g, k] = sb
        t += cuda.gridsize(1)


_FACTORIES = {"normalization": _normalization_factory,
              "normalization_dx": _normalization_dx_factory}


def _compiled(name: str, *sizes):
    """The kernel ``name``, built for closure values ``sizes``, compiled once per process."""
    def build():
        if name in _FACTORIES:
            return _jit.kernel(_FACTORIES[name](*sizes, TREE_DIGEST))
        return _jit.kernel(_normalization_params_cols)

    return _jit.once((_compiled, name, *sizes), build)


def _group_launch(name: str, x, rows: int, *args) -> None:
    """Run block kernel ``name``: one block per statistics group, sized to the group."""
    G = x.shape[1]
    count = x.size // (rows * G)
    threads = block_size(count)
    _jit.launch(_compiled(name, threads), rows * G, *args, threads=threads,
                grid=_jit.blocks(rows * G, 1))


def normalization(x, weight, bias, per_sample: bool, eps: float) -> tuple:
    """Normalise ``x`` (``(P, G, K, S)``) per statistics group, scale by ``weight`` and shift
    by ``bias`` (``(G, K)``); arguments and results as the CPU twin's, on device arrays."""
    x = contiguous(x)
    P, G = x.shape[0], x.shape[1]
    rows = P if per_sample else 1
    y = _array.empty(x.shape, x.dtype)
    mean = _array.empty((rows, G), "float64")
    var = _array.empty((rows, G), "float64")
    rstd = _array.empty((rows, G), "float64")
    _group_launch("normalization", x, rows, x, contiguous(weight), contiguous(bias), float(eps),
                  bool(per_sample), y, mean, var, rstd)
    return y, mean, var, rstd


def normalization_vjp(g, x, weight, mean, rstd, per_sample: bool, need_dx: bool) -> tuple:
    """Gradients of :func:`normalization` for ``x`` (None unless ``need_dx``), ``weight`` and
    ``bias``; arguments and results as the CPU twin's, on device arrays."""
    x = contiguous(x)
    if g.dtype != x.dtype:
        g = astype(g, x.dtype)
    g = contiguous(g)
    G, K = x.shape[1], x.shape[2]
    rows = mean.shape[0]
    dx = None
    if need_dx:
        dx = _array.empty(x.shape, x.dtype)
        _group_launch("normalization_dx", x, rows, g, x, contiguous(weight), mean, rstd,
                      bool(per_sample), dx)
    dw = _array.empty((G, K), x.dtype)
    db = _array.empty((G, K), x.dtype)
    _jit.launch(_compiled("normalization_params"), G * K, g, x, mean, rstd, bool(per_sample),
                dw, db)
    return dx, dw, db
