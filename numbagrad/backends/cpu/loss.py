"""Cross-entropy and negative log-likelihood for the CPU, forward and vjp, fused.

Every call is brought to one layout in Python: rows of ``C`` class scores, C-contiguous
``(R, C)``. An input ``(N, C)`` is that already (a view); a spatial input ``(N, C, d1, ...)`` is
copied once to ``(N * d1 * ..., C)`` so that each row's classes lie side by side; a 1-D input
``(C,)`` is one row. Targets are ``(R,)`` int64 class indices or ``(R, C)`` probabilities, and
the class weights are always a float64 ``(C,)`` array (ones when the caller gives none), so each
kernel has one signature per input type.

Each row is normalised with the log-sum-exp of its scores, ``m + log(sum(exp(x - m)))`` with
``m`` the row maximum, so logits like 1000 neither overflow nor lose the small ones; sums
accumulate in float64. ``m`` and the log of the sum are kept apart (``lse[r] = (m, log(sum))``)
and a log-probability is ``(x - m) - log(sum)``: adding ``log(sum)`` to a large ``m`` first would
round it away (at ``m = 1e12`` a float64 keeps 4 of its digits, at ``1e16`` none). The row's
probabilities are recomputed in the vjp rather than saved, which keeps the memory of a step at
two float64 per row.

Labels are range-checked by the caller (``numbagrad.ops.loss``) before any kernel runs: the
kernels index ``x[r, t]`` and ``weight[t]`` without bounds checks.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.backends.cpu._jit import jit
from numbagrad.ops.scalar import ieee_div


@jit
def _class_rows(x, target, weight, ignore_index, normalize, smoothing, lse, nll, smooth):
    """Per-row losses for class-index targets; returns the summed weight of counted rows.

    Iteration ``r`` owns ``lse[r] = (m, log(sum))`` (zeros for ``normalize=False``, where ``x``
    already holds log-probabilities), ``nll[r] = w[t] * ((m - x[r, t]) + log(sum))`` and, when
    ``smoothing``, ``smooth[r] = sum_c w[c] * ((m - x[r, c]) + log(sum))``. Rows whose target is
    ``ignore_index`` write zeros and add no weight.
    """
    rows, classes = x.shape
    wsum = 0.0
    for r in range(rows):
        t = target[r]
        if t == ignore_index:
            lse[r, 0] = 0.0
            lse[r, 1] = 0.0
            nll[r] = 0.0
            smooth[r] = 0.0
            continue
        m = 0.0
        ls = 0.0
        if normalize:
            m = np.float64(x[r, 0])
            for c in range(1, classes):
                if x[r, c] > m:
                    m = np.float64(x[r, c])
            s = 0.0
            for c in range(classes):
                s += math.exp(np.float64(x[r, c]) - m)
            ls = math.log(s)
        lse[r, 0] = m
        lse[r, 1] = ls
        wsum += weight[t]
        nll[r] = weight[t] * ((m - x[r, t]) + ls)
        if smoothing:
            acc = 0.0
            for c in range(classes):
                acc += weight[c] * ((m - x[r, c]) + ls)
            smooth[r] = acc
    return wsum


@jit
def _class_rows_vjp(x, target, weight, ignore_index, normalize, lse, g, g_step, c_nll, c_smooth,
                    out):
    """Input gradient of the class-index loss, one row per iteration ``r`` (owns ``out[r]``).

    Row ``r``'s output gradient is ``g[r * g_step]`` (``g_step = 0``: one for all rows). With
    ``p = exp((x - m) - log(sum))``, ``a = g[r] * c_nll * w[t]`` and ``b = g[r] * c_smooth``:
    ``out[r, c] = (a + b * sum(w)) * p[c] - a * [c == t] - b * w[c]``; without normalisation
    (``nll_loss``) ``p`` is 0. Ignored rows get zeros.
    """
    rows, classes = x.shape
    wtotal = 0.0
    for c in range(classes):
        wtotal += weight[c]
    for r in range(rows):
        t = target[r]
        if t == ignore_index:
            for c in range(classes):
                out[r, c] = 0.0
            continue
        a = g[r * g_step] * c_nll * weight[t]
        b = g[r * g_step] * c_smooth
        scale = a + b * wtotal
        for c in range(classes):
            p = math.exp((np.float64(x[r, c]) - lse[r, 0]) - lse[r, 1]) if normalize else 0.0
            out[r, c] = scale * p - b * weight[c]
        out[r, t] -= a


@jit
def _prob_rows(x, y, weight, smoothing, lse, loss):
    """Per-row losses for probability targets:
    ``loss[r] = sum_c w[c] y'[c] ((m - x[c]) + log(sum))``.

    ``y' = y (1 - smoothing) + smoothing / C``. Iteration ``r`` owns ``lse[r] = (m, log(sum))``
    and ``loss[r]``.
    """
    rows, classes = x.shape
    for r in range(rows):
        m = np.float64(x[r, 0])
        for c in range(1, classes):
            if x[r, c] > m:
                m = np.float64(x[r, c])
        s = 0.0
        for c in range(classes):
            s += math.exp(np.float64(x[r, c]) - m)
        ls = math.log(s)
        lse[r, 0] = m
        lse[r, 1] = ls
        acc = 0.0
        for c in range(classes):
            acc += (weight[c] * (y[r, c] * (1.0 - smoothing) + smoothing / classes)
                    * ((m - x[r, c]) + ls))
        loss[r] = acc


@jit
def _prob_rows_vjp(x, y, weight, smoothing, lse, g, g_step, gx, gy, want_gy):
    """Gradients of the probability-target loss, one row per iteration ``r``.

    Row ``r``'s output gradient is ``g[r * g_step]`` (``g_step = 0``: one for all rows).
    ``gx[r, c] = g[r] * (S p[c] - w[c] y'[c])`` with ``S = sum_k w[k] y'[k]``, and, when
    ``want_gy``, ``gy[r, c] = g[r] (1 - smoothing) w[c] ((m - x[c]) + log(sum))``.
    """
    rows, classes = x.shape
    for r in range(rows):
        gr = g[r * g_step]
        total = 0.0
        for c in range(classes):
            total += weight[c] * (y[r, c] * (1.0 - smoothing) + smoothing / classes)
        for c in range(classes):
            yc = y[r, c] * (1.0 - smoothing) + smoothing / classes
            p = math.exp((np.float64(x[r, c]) - lse[r, 0]) - lse[r, 1])
            gx[r, c] = gr * (total * p - weight[c] * yc)
            if want_gy:
                gy[r, c] = gr * (1.0 - smoothing) * weight[c] * ((lse[r, 0] - x[r, c]) + lse[r, 1])


def _rows(x: np.ndarray) -> np.ndarray:
    """``x`` of shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` as C-contiguous ``(R, C)``."""
    if x.ndim == 1:
        return np.ascontiguousarray(x).reshape(1, -1)
    n, c = x.shape[0], x.shape[1]
    inner = math.prod(x.shape[2:])
    x3 = np.ascontiguousarray(x).reshape(n, c, inner)
    if inner == 1:
        return x3.reshape(n, c)
    return np.ascontiguousarray(x3.transpose(0, 2, 1)).reshape(n * inner, c)


def _unrows(g2: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of :func:`_rows`: ``(R, C)`` back to ``shape``."""
    if len(shape) <= 2:
        return g2.reshape(shape)
    n, c = shape[0], shape[1]
    inner = math.prod(shape[2:])
    return np.ascontiguousarray(g2.reshape(n, inner, c).transpose(0, 2, 1)).reshape(shape)


def _weights(weight, classes: int) -> np.ndarray:
    if weight is None:
        return np.ones(classes, np.float64)
    return np.ascontiguousarray(weight, np.float64)


def _reduce(losses: np.ndarray, reduction: str, denominator, shape: tuple, dtype):
    """``losses`` (float64, one per row) as the requested reduction, in ``dtype``."""
    if reduction == "none":
        return losses.astype(dtype).reshape(shape)
    total = float(losses.sum())
    if reduction == "mean":
        total = ieee_div(total, denominator)
    return np.asarray(total, dtype)


def cross_entropy(x: np.ndarray, target: np.ndarray, weight, reduction: str, ignore_index: int,
                  label_smoothing: float, normalize: bool = True) -> tuple:
    """Cross-entropy of scores ``x`` (or ``nll_loss`` of log-probabilities, ``normalize=False``).

    Parameters
    ----------
    x : numpy.ndarray
        Floating ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``, any strides.
    target : numpy.ndarray
        int64 class indices shaped as ``x`` without its class axis (checked to lie in
        ``[0, C)`` or equal ``ignore_index``), or probabilities of ``x``'s shape and dtype.
    weight : numpy.ndarray or None
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
    (numpy.ndarray, tuple)
        The loss in ``x``'s dtype (target's shape for ``"none"``, else 0-d), and what the vjp
        needs: each row's float64 maximum and log-sum-exp after it, and the mean's denominator.
    """
    x2 = _rows(x)
    rows, classes = x2.shape
    w = _weights(weight, classes)
    lse = np.empty((rows, 2), np.float64)
    out_shape = target.shape if target.dtype == np.int64 else x.shape[:1] + x.shape[2:]
    if x.ndim == 1:
        out_shape = ()
    if target.dtype != np.int64:
        losses = np.empty(rows, np.float64)
        if rows:
            _prob_rows(x2, _rows(target), w, label_smoothing, lse, losses)
        # torch divides by the number of rows whatever the weights.
        return _reduce(losses, reduction, rows, out_shape, x.dtype), (lse, rows)
    nll = np.empty(rows, np.float64)
    smooth = np.empty(rows, np.float64)
    smoothing = label_smoothing != 0.0
    t = np.ascontiguousarray(target).reshape(rows)
    wsum = 0.0
    if rows:
        wsum = _class_rows(x2, t, w, ignore_index, normalize, smoothing, lse, nll, smooth)
    if not smoothing:
        return _reduce(nll, reduction, wsum, out_shape, x.dtype), (lse, wsum)
    # torch's label smoothing: (1 - s) * nll + s / C * smooth, both parts of the mean divided by
    # the summed weights of the counted rows (their number when no weights are given).
    losses = (1.0 - label_smoothing) * nll + label_smoothing / classes * smooth
    return _reduce(losses, reduction, wsum, out_shape, x.dtype), (lse, wsum)


def cross_entropy_vjp(g: np.ndarray, x: np.ndarray, target: np.ndarray, weight, extra: tuple,
                      reduction: str, ignore_index: int, label_smoothing: float,
                      normalize: bool = True, want_target: bool = False) -> tuple:
    """Gradients of :func:`cross_entropy` for the output gradient ``g``.

    Parameters
    ----------
    g : numpy.ndarray
        The loss's gradient: 0-d, or the target's shape for ``reduction="none"``.
    x, target, weight, reduction, ignore_index, label_smoothing, normalize
        As given to :func:`cross_entropy`.
    extra : tuple
        :func:`cross_entropy`'s second result.
    want_target : bool
        Also compute the gradient of probability targets.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None)
        The gradients of ``x`` and of ``target`` (None for class indices or when not wanted),
        C-contiguous, in their shapes and ``x``'s dtype.
    """
    lse, denominator = extra
    x2 = _rows(x)
    rows, classes = x2.shape
    w = _weights(weight, classes)
    g1 = np.ascontiguousarray(g, np.float64).reshape(-1)
    g_step = 1 if reduction == "none" else 0
    gx = np.empty(x2.shape, x.dtype)
    if target.dtype != np.int64:
        if reduction == "mean":
            g1 = g1 / max(rows, 1)
        gy = np.empty(x2.shape, x.dtype) if want_target else gx
        if rows:
            _prob_rows_vjp(x2, _rows(target), w, label_smoothing, lse, g1, g_step, gx, gy,
                           want_target)
        return _unrows(gx, x.shape), (_unrows(gy, x.shape) if want_target else None)
    c_nll, c_smooth = 1.0 - label_smoothing, label_smoothing / classes
    if reduction == "mean":
        c_nll, c_smooth = ieee_div(c_nll, denominator), ieee_div(c_smooth, denominator)
    if rows:
        t = np.ascontiguousarray(target).reshape(rows)
        _class_rows_vjp(x2, t, w, ignore_index, normalize, lse, g1, g_step, c_nll, c_smooth, gx)
    return _unrows(gx, x.shape), None


@jit
def _unit_range_kernel(x, which):
    """Raise torch's error where a value of ``x`` lies outside ``[0, 1]`` (nan included);
    ``which`` names the argument: 0 the input, 1 the target."""
    for v in x.flat:
        if not (v >= 0.0 and v <= 1.0):  # written so that nan fails too
            if which == 0:
                raise RuntimeError("all elements of input should be between 0 and 1")
            raise RuntimeError("all elements of target should be between 0 and 1")


def unit_range_check(x: np.ndarray, which: int) -> None:
    """Raise ``RuntimeError`` (torch's message) for a value of ``x`` outside ``[0, 1]`` or nan;
    ``which``: 0 for ``binary_cross_entropy``'s input, 1 for its target. A kernel, so that a
    compiled step checks each call's values (eager mode checks first, with the values found)."""
    if x.size:
        _unit_range_kernel(x, int(which))
