"""Cross-entropy and negative log-likelihood on the GPU, forward and vjp, fused.

The twin of ``backends/cpu/loss.py``, with the same functions, arguments and numerics. Every
input is seen as C-contiguous ``(N, C, inner)`` (a view for a contiguous input): ``(C,)`` is
``(1, C, 1)``, ``(N, C)`` is ``(N, C, 1)`` and ``(N, C, d1, ...)`` keeps its spatial elements
last. Row ``r = n * inner + i`` holds the ``C`` scores ``x[n, :, i]``, which is the order of the
target's elements, so no transposing copy is made (the CPU makes one to put classes side by
side; here a block reads them at stride ``inner``). The class weights are a float64 ``(C,)``
array, ones when the caller gives none, as on the CPU.

Kernels, each with a docstring saying what a block or thread owns:

* forward, class indices and probabilities: **one block per row** (grid-stride over rows). The
  block finds the row's maximum and ``sum(exp(x - max))`` in float64 with tree reductions in
  shared memory, and writes the row's maximum and log-sum-exp after it (kept apart, as on the
  CPU, so that a large maximum does not round the log away) and float64 loss (and, for class
  indices, the weight the row adds to the mean's denominator);
* ``'mean'`` and ``'sum'`` reduce those per-row values with two launches, a fixed-shape tree
  per block and then one block over the blocks' partial sums: deterministic, no atomics;
* vjp, class indices: **one thread per element** of ``x`` in memory order (every read and write
  coalesced): each element needs only its row's saved maximum and log-sum-exp;
* vjp, probabilities: one block per row, which sums ``w * y'`` over the row first.

Labels are range-checked by the caller (``numbagrad.ops.loss``) before any kernel runs; rows
whose label is ``ignore_index`` are never used as an index.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda, float64

from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import astype, contiguous, full
from numbagrad.backends.cuda.nn import (
    TREE_DIGEST,
    block_size,
    half_block,
    tree_max,
    tree_sum,
)
from numbagrad.ops import scalar as F

# IEEE division with the CPU's answers for a zero denominator: the same function, compiled here.
divide = _jit.device_function(F.ieee_div)
_KEY = TREE_DIGEST + _jit.digest(F.ieee_div)


# ----------------------------------------------------------------------------- forward kernels


def _class_rows_factory(threads: int, key: str):
    half = half_block(threads)

    def class_rows(x, target, weight, ignore_index, normalize, smoothing, label_smoothing, lse,
                   loss, wrow):
        """Per-row losses for class-index targets; one block per row ``r`` of ``x`` (N, C, inner).

        Block ``b`` owns rows ``b, b + grid, ...``: their ``lse[r] = (m, log(sum))`` (the
        row's maximum and log-sum-exp after it, zeros when ``normalize`` is False and ``x``
        holds log-probabilities), ``loss[r]`` (``w[t] ((m - x[t]) + log(sum))``, mixed with
        ``sum_c w[c] ((m - x[c]) + log(sum))`` when ``smoothing``) and ``wrow[r]``
        (``w[t]``, the row's share of the mean's denominator). Thread ``tid`` reads classes
        ``tid, tid + threads, ...``. Ignored rows write zeros; their label is never an index.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        smax = cuda.shared.array(threads, float64)
        ssum = cuda.shared.array(threads, float64)
        _, classes, inner = x.shape
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < target.size:
            n = row // inner
            i = row - n * inner
            t = target[row]
            # The whole block takes the same branch, so no syncthreads is skipped by some.
            if t == ignore_index:
                if tid == 0:
                    lse[row, 0] = 0.0
                    lse[row, 1] = 0.0
                    loss[row] = 0.0
                    wrow[row] = 0.0
                row += cuda.gridDim.x
                continue
            mr = 0.0
            ls = 0.0
            if normalize:
                m = x[n, 0, i]
                for c in range(tid, classes, threads):
                    if x[n, c, i] > m:
                        m = x[n, c, i]
                smax[tid] = m  # exact in float64, so max and x - max are the CPU's
                mr = tree_max(smax, tid, threads, half)
                s = 0.0
                for c in range(tid, classes, threads):
                    s += math.exp(float64(x[n, c, i]) - mr)
                ssum[tid] = s
                ls = math.log(tree_sum(ssum, tid, threads, half))
            smooth = 0.0
            if smoothing:
                acc = 0.0
                for c in range(tid, classes, threads):
                    acc += weight[c] * ((mr - x[n, c, i]) + ls)
                ssum[tid] = acc
                smooth = tree_sum(ssum, tid, threads, half)
            if tid == 0:
                nll = weight[t] * ((mr - x[n, t, i]) + ls)
                lse[row, 0] = mr
                lse[row, 1] = ls
                wrow[row] = weight[t]
                if smoothing:
                    # torch's label smoothing: (1 - s) * nll + s / C * smooth.
                    loss[row] = (1.0 - label_smoothing) * nll + label_smoothing / classes * smooth
                else:
                    loss[row] = nll
            row += cuda.gridDim.x

    return class_rows


def _prob_rows_factory(threads: int, key: str):
    half = half_block(threads)

    def prob_rows(x, y, weight, label_smoothing, lse, loss):
        """Per-row losses for probability targets ``y`` (``x``'s shape), one block per row:
        ``loss[r] = sum_c w[c] y'[c] ((m - x[c]) + log(sum))`` with ``y' = y (1 - s) + s / C``.

        Block ``b`` owns ``lse[r] = (m, log(sum))`` and ``loss[r]`` for rows
        ``r = b, b + grid, ...``; thread ``tid`` reads classes ``tid, tid + threads, ...``.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        smax = cuda.shared.array(threads, float64)
        ssum = cuda.shared.array(threads, float64)
        rows_n, classes, inner = x.shape
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < rows_n * inner:
            n = row // inner
            i = row - n * inner
            m = x[n, 0, i]
            for c in range(tid, classes, threads):
                if x[n, c, i] > m:
                    m = x[n, c, i]
            smax[tid] = m
            mr = tree_max(smax, tid, threads, half)
            s = 0.0
            for c in range(tid, classes, threads):
                s += math.exp(float64(x[n, c, i]) - mr)
            ssum[tid] = s
            ls = math.log(tree_sum(ssum, tid, threads, half))
            acc = 0.0
            for c in range(tid, classes, threads):
                acc += (weight[c] * (y[n, c, i] * (1.0 - label_smoothing)
                                     + label_smoothing / classes) * ((mr - x[n, c, i]) + ls))
            ssum[tid] = acc
            acc = tree_sum(ssum, tid, threads, half)
            if tid == 0:
                lse[row, 0] = mr
                lse[row, 1] = ls
                loss[row] = acc
            row += cuda.gridDim.x

    return prob_rows


# ----------------------------------------------------------------------------- reduction kernels


def _partial_sums_factory(threads: int, key: str):
    half = half_block(threads)

    def partial_sums(a, b, pa, pb):
        """Block ``k`` sums its grid-stride share of ``a`` and of ``b`` (1-D, one length) in
        float64 and writes ``pa[k]``, ``pb[k]``: the first of two deterministic passes."""
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        sa = cuda.shared.array(threads, float64)
        sb = cuda.shared.array(threads, float64)
        tid = cuda.threadIdx.x
        acc_a = 0.0
        acc_b = 0.0
        e = cuda.grid(1)
        while e < a.size:
            acc_a += a[e]
            acc_b += b[e]
            e += cuda.gridsize(1)
        sa[tid] = acc_a
        sb[tid] = acc_b
        total_a = tree_sum(sa, tid, threads, half)
        total_b = tree_sum(sb, tid, threads, half)
        if tid == 0:
            pa[cuda.blockIdx.x] = total_a
            pb[cuda.blockIdx.x] = total_b

    return partial_sums


def _final_sums_factory(threads: int, key: str):
    half = half_block(threads)

    def final_sums(pa, pb, mode, count, out, den):
        """One block: ``out[0] = sum(pa)``, divided for a mean, and ``den[0] = sum(pb)``.

        ``mode`` 0 is ``'sum'``; 1 is the mean over the summed weights ``sum(pb)``; 2 is the
        mean over ``count`` rows. ``out`` has the loss's dtype, ``den`` is float64.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        sa = cuda.shared.array(threads, float64)
        sb = cuda.shared.array(threads, float64)
        tid = cuda.threadIdx.x
        acc_a = 0.0
        acc_b = 0.0
        for k in range(tid, pa.size, threads):
            acc_a += pa[k]
            acc_b += pb[k]
        sa[tid] = acc_a
        sb[tid] = acc_b
        total = tree_sum(sa, tid, threads, half)
        weights = tree_sum(sb, tid, threads, half)
        if tid == 0:
            den[0] = weights
            if mode == 1:
                total = divide(total, weights)
            elif mode == 2:
                total = divide(total, float64(count))
            out[0] = total

    return final_sums


# ----------------------------------------------------------------------------- vjp kernels


def _class_vjp_factory(threads: int, key: str):
    half = half_block(threads)

    def class_vjp(x, target, weight, ignore_index, normalize, lse, g, g_step, c_nll, c_smooth,
                  den, mean, out):
        """Input gradient of the class-index loss; one thread per element of ``x`` (N, C, inner).

        Thread ``t`` owns ``out[e]`` for flat indices ``e = t, t + gridsize, ...`` in memory
        order, row ``r = n * inner + i``. With ``p = exp((x - m) - log(sum))`` (0 without
        normalisation), ``a = g[r] c_nll w[t]`` and ``b = g[r] c_smooth``:
        ``out = (a + b sum(w)) p - b w[c] - a [c == t]``; ignored rows get zeros. For a mean
        (``mean``), ``c_nll`` and ``c_smooth`` are first divided by ``den[0]``, the summed
        weights that the forward left on the device. Each block sums ``w`` once, in shared
        memory.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        sw = cuda.shared.array(threads, float64)
        _, classes, inner = x.shape
        tid = cuda.threadIdx.x
        acc = 0.0
        for c in range(tid, classes, threads):
            acc += weight[c]
        sw[tid] = acc
        wtotal = tree_sum(sw, tid, threads, half)
        if mean:
            c_nll = divide(c_nll, den[0])
            c_smooth = divide(c_smooth, den[0])
        e = cuda.grid(1)
        while e < x.size:
            r = e // inner  # n * classes + c
            i = e - r * inner
            n = r // classes
            c = r - n * classes
            row = n * inner + i
            t = target[row]
            if t == ignore_index:
                out[n, c, i] = 0.0
            else:
                a = g[row * g_step] * c_nll * weight[t]
                b = g[row * g_step] * c_smooth
                p = (math.exp((float64(x[n, c, i]) - lse[row, 0]) - lse[row, 1]) if normalize
                     else 0.0)
                out[n, c, i] = (a + b * wtotal) * p - b * weight[c]
                if c == t:
                    # Subtracted from the stored value, as the CPU does.
                    out[n, c, i] -= a
            e += cuda.gridsize(1)

    return class_vjp


def _prob_vjp_factory(threads: int, key: str):
    half = half_block(threads)

    def prob_vjp(x, y, weight, label_smoothing, lse, g, g_step, g_div, want_gy, gx, gy):
        """Gradients of the probability-target loss, one block per row (as :func:`prob_rows`).

        Row ``r``'s output gradient is ``g[r * g_step] / g_div`` (``g_step = 0``: one for all
        rows; ``g_div``: the mean's row count). ``gx[c] = g (S p[c] - w[c] y'[c])`` with
        ``S = sum_k w[k] y'[k]`` summed by the block, and, when ``want_gy``,
        ``gy[c] = g (1 - s) w[c] ((m - x[c]) + log(sum))``.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        ssum = cuda.shared.array(threads, float64)
        rows_n, classes, inner = x.shape
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < rows_n * inner:
            n = row // inner
            i = row - n * inner
            gr = g[row * g_step] / g_div
            acc = 0.0
            for c in range(tid, classes, threads):
                acc += weight[c] * (y[n, c, i] * (1.0 - label_smoothing)
                                    + label_smoothing / classes)
            ssum[tid] = acc
            total = tree_sum(ssum, tid, threads, half)
            mr = lse[row, 0]
            ls = lse[row, 1]
            for c in range(tid, classes, threads):
                yc = y[n, c, i] * (1.0 - label_smoothing) + label_smoothing / classes
                p = math.exp((float64(x[n, c, i]) - mr) - ls)
                gx[n, c, i] = gr * (total * p - weight[c] * yc)
                if want_gy:
                    gy[n, c, i] = (gr * (1.0 - label_smoothing) * weight[c]
                                   * ((mr - x[n, c, i]) + ls))
            row += cuda.gridDim.x

    return prob_vjp


_FACTORIES = {"class_rows": _class_rows_factory, "prob_rows": _prob_rows_factory,
              "partial_sums": _partial_sums_factory, "final_sums": _final_sums_factory,
              "class_vjp": _class_vjp_factory, "prob_vjp": _prob_vjp_factory}


def _launch(name: str, n: int, *args, threads: int, per_block: bool) -> None:
    """Launch kernel ``name`` built for ``threads``: ``per_block`` gives a block to each of
    ``n`` rows (grid-stride past MAX_BLOCKS), else a grid-stride launch over ``n`` items."""
    factory = _FACTORIES[name]
    compiled = _jit.once((factory, threads), lambda: _jit.kernel(factory(threads, _KEY)))
    _jit.launch(compiled, n, *args, threads=threads,
                grid=_jit.blocks(n, 1 if per_block else threads))


# ----------------------------------------------------------------------------- the twins


def _rows_3d(x):
    """``x`` of shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` as C-contiguous
    ``(N, C, inner)`` (a view when ``x`` is contiguous)."""
    x = contiguous(x)
    if x.ndim == 1:
        return _array.reshape_contiguous(x, (1, x.shape[0], 1))
    return _array.reshape_contiguous(x, (x.shape[0], x.shape[1], math.prod(x.shape[2:])))


def _flat(a):
    """``a`` as a C-contiguous 1-D array (0-d gives one element)."""
    return _array.reshape_contiguous(contiguous(a), (a.size,))


def _weights(weight, classes: int):
    """The class weights as a float64 ``(C,)`` device array (ones when ``weight`` is None)."""
    if weight is None:
        return full((classes,), 1.0, np.float64)
    return contiguous(weight) if weight.dtype == np.float64 else astype(weight, np.float64)


def _reduce(losses, wrow, mode: int, rows: int, dtype):
    """The sum (``mode`` 0) or mean (see ``final_sums``) of per-row ``losses`` as a 0-d
    ``dtype`` array, and the (1,) float64 sum of ``wrow``; two launches with a fixed pairing,
    so the same every run."""
    if rows == 0:
        # Nothing to launch over: the sum of nothing is 0, its mean nan (0 / 0), as on the CPU.
        out = full((1,), math.nan if mode else 0.0, dtype)
        return _array.reshape_contiguous(out, ()), full((1,), 0.0, np.float64)
    out = _array.empty((1,), dtype)
    den = _array.empty((1,), np.float64)
    threads = _jit.THREADS
    grid = _jit.blocks(rows, threads)
    pa = _array.empty((grid,), np.float64)
    pb = _array.empty((grid,), np.float64)
    _launch("partial_sums", rows, losses, wrow, pa, pb, threads=threads, per_block=False)
    _launch("final_sums", 1, pa, pb, mode, rows, out, den, threads=threads, per_block=True)
    return _array.reshape_contiguous(out, ()), den


def cross_entropy(x, target, weight, reduction: str, ignore_index: int, label_smoothing: float,
                  normalize: bool = True) -> tuple:
    """Cross-entropy of scores ``x`` (or ``nll_loss`` of log-probabilities, ``normalize=False``).

    Parameters
    ----------
    x : device array
        Floating ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``, any strides.
    target : device array
        int64 class indices shaped as ``x`` without its class axis (checked by the caller to lie
        in ``[0, C)`` or equal ``ignore_index``), or probabilities of ``x``'s shape and dtype.
    weight : device array or None
        ``(C,)`` class weights.
    reduction : {"none", "mean", "sum"}
    ignore_index : int
        Class-index targets equal to it add nothing, to the sum or to the mean's denominator.
    label_smoothing : float
        Mixes each target with the uniform distribution over the ``C`` classes.
    normalize : bool
        False: ``x`` holds log-probabilities already (``nll_loss``, no smoothing).

    Returns
    -------
    (device array, tuple)
        The loss in ``x``'s dtype (target's shape for ``"none"``, else 0-d), and what the vjp
        needs: each row's float64 maximum and log-sum-exp after it, and the mean's denominator,
        which for class indices is a float64 ``(1,)`` device array (the summed weights of the
        counted rows, never copied to the host) and for probabilities the number of rows.
    """
    x3 = _rows_3d(x)
    n, classes, inner = x3.shape
    rows = n * inner
    w = _weights(weight, classes)
    lse = _array.empty((rows, 2), np.float64)
    by_class = target.dtype == np.int64
    out_shape = () if x.ndim == 1 else target.shape if by_class else x.shape[:1] + x.shape[2:]
    # "none" stores each row's float64 loss in x's dtype at once; a reduction keeps float64.
    loss_dtype = x.dtype if reduction == "none" else np.float64
    losses = _array.empty((rows,), loss_dtype)
    threads = block_size(classes)
    if not by_class:
        if rows:
            _launch("prob_rows", rows, x3, _rows_3d(target), w, label_smoothing, lse, losses,
                    threads=threads, per_block=True)
        if reduction == "none":
            return _array.reshape_contiguous(losses, out_shape), (lse, rows)
        # torch divides by the number of rows whatever the weights.
        total, _ = _reduce(losses, losses, 2 if reduction == "mean" else 0, rows, x.dtype)
        return total, (lse, rows)
    wrow = _array.empty((rows,), np.float64)
    if rows:
        _launch("class_rows", rows, x3, _flat(target), w, ignore_index, normalize,
                label_smoothing != 0.0, label_smoothing, lse, losses, wrow, threads=threads,
                per_block=True)
    # The summed weights of the counted rows stay on the device for the vjp's mean.
    total, den = _reduce(wrow if reduction == "none" else losses, wrow,
                         1 if reduction == "mean" else 0, rows, x.dtype)
    if reduction == "none":
        return _array.reshape_contiguous(losses, out_shape), (lse, den)
    return total, (lse, den)


def cross_entropy_vjp(g, x, target, weight, extra: tuple, reduction: str, ignore_index: int,
                      label_smoothing: float, normalize: bool = True,
                      want_target: bool = False) -> tuple:
    """Gradients of :func:`cross_entropy` for the output gradient ``g``.

    Parameters
    ----------
    g : device array
        The loss's gradient: 0-d, or the target's shape for ``reduction="none"``.
    x, target, weight, reduction, ignore_index, label_smoothing, normalize
        As given to :func:`cross_entropy`.
    extra : tuple
        :func:`cross_entropy`'s second result.
    want_target : bool
        Also compute the gradient of probability targets.

    Returns
    -------
    (device array, device array or None)
        The gradients of ``x`` and of ``target`` (None for class indices or when not wanted),
        C-contiguous, in their shapes and ``x``'s dtype.
    """
    lse, denominator = extra
    x3 = _rows_3d(x)
    n, classes, inner = x3.shape
    rows = n * inner
    gx = _array.empty(x.shape, x.dtype)
    gx3 = _array.reshape_contiguous(gx, x3.shape)
    if rows == 0:
        gy = _array.empty(x.shape, x.dtype) if want_target and target.dtype != np.int64 else None
        return gx, gy
    w = _weights(weight, classes)
    g1 = _flat(g)
    g_step = 1 if reduction == "none" else 0
    if target.dtype != np.int64:
        gy = _array.empty(x.shape, x.dtype) if want_target else gx
        _launch("prob_vjp", rows, x3, _rows_3d(target), w, label_smoothing, lse, g1, g_step,
                float(max(rows, 1)) if reduction == "mean" else 1.0, want_target, gx3,
                _array.reshape_contiguous(gy, x3.shape), threads=block_size(classes),
                per_block=True)
        return gx, (gy if want_target else None)
    _launch("class_vjp", x3.size, x3, _flat(target), w, ignore_index, normalize, lse, g1, g_step,
            1.0 - label_smoothing, label_smoothing / classes, denominator, reduction == "mean",
            gx3, threads=_jit.THREADS, per_block=False)
    return gx, None


def unit_range_check(x, which: int) -> None:
    """Raise ``RuntimeError`` (torch's message) for a value of ``x`` outside ``[0, 1]`` or nan;
    ``which``: 0 for ``binary_cross_entropy``'s input, 1 for its target. Read on the host."""
    from numbagrad.backends.cuda.memory import to_host

    if x.size:
        v = to_host(x)
        if not ((v >= 0.0) & (v <= 1.0)).all():
            raise RuntimeError(f"all elements of {('input', 'target')[which]} should be between "
                               "0 and 1")
