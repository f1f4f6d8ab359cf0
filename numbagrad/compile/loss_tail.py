"""Compiled forms of the Python and NumPy parts of the CPU cross-entropy (and ``nll_loss``).

Eager mode runs the per-row kernel ``_class_rows``, which returns the mean's denominator (the
summed weight of the counted rows) to Python, then sums the row losses with NumPy
(``losses.sum()``, pairwise) and divides in Python; the vjp divides its coefficients by that
denominator in Python too. A compiled step cannot keep the denominator as a constant (a target
equal to ``ignore_index`` changes it), so here the whole Python end becomes an ``njit`` twin
computed in the step: the denominator is written into a one-element buffer by the forward's
twin and read by the vjp's. :func:`pairwise_sum` is NumPy's summation order for a contiguous
float64 array, so the loss has eager mode's bits.

Captured: class-index targets, a C-contiguous ``(N, C)`` input, no class weights, no label
smoothing, reductions ``"mean"`` and ``"sum"``; any other call gives a reason.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu import loss as cpu_loss
from numbagrad.compile._njit import cached_njit
from numbagrad.ops.scalar import ieee_div

_ieee_div = cached_njit(ieee_div)


@cached_njit
def _block(a, lo, n):
    """NumPy's pairwise sum of at most 128 elements: plain below 8, else eight interleaved
    partial sums combined as a tree, then the remainder."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r = np.empty(8, np.float64)
    for j in range(8):
        r[j] = a[lo + j]
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@cached_njit
def pairwise_sum(a, lo, n):
    """NumPy's ``a[lo:lo + n].sum()`` for contiguous float64 ``a``: blocks of at most 128
    (:func:`_block`), larger ranges cut in two (the first half a multiple of 8) and the halves'
    sums added. NumPy recurses; this walks the same tree with a stack (a recursive ``njit``
    function does not load from Numba's cache)."""
    seg = np.empty((130, 3), np.int64)  # (lo, n, halves done) per open range
    vals = np.empty(130, np.float64)
    sp = 0
    vp = 0
    seg[0, 0], seg[0, 1], seg[0, 2] = lo, n, 0
    sp = 1
    while sp > 0:
        s_lo, s_n, st = seg[sp - 1, 0], seg[sp - 1, 1], seg[sp - 1, 2]
        if s_n <= 128:
            vals[vp] = _block(a, s_lo, s_n)
            vp += 1
            sp -= 1
            continue
        n2 = s_n // 2
        n2 -= n2 % 8
        if st == 0:
            seg[sp - 1, 2] = 1
            seg[sp, 0], seg[sp, 1], seg[sp, 2] = s_lo, n2, 0
            sp += 1
        elif st == 1:
            seg[sp - 1, 2] = 2
            seg[sp, 0], seg[sp, 1], seg[sp, 2] = s_lo + n2, s_n - n2, 0
            sp += 1
        else:
            vals[vp - 2] = vals[vp - 2] + vals[vp - 1]
            vp -= 1
            sp -= 1
    return vals[0]


@cached_njit
def _forward_tail(x, target, weight, ignore_index, normalize, lse, nll, smooth, den, mean, out):
    """``be.cross_entropy`` for the captured case: the row kernel, the denominator into
    ``den[0]``, NumPy's sum of the row losses, the mean's division, one rounding into ``out``."""
    wsum = cpu_loss._class_rows(x, target, weight, ignore_index, normalize, False, lse, nll,
                                smooth)
    den[0] = wsum
    total = pairwise_sum(nll, 0, nll.size)
    if mean:
        total = _ieee_div(total, wsum)
    out[()] = total


@cached_njit
def _vjp_tail(g, x, target, weight, ignore_index, normalize, lse, den, mean, gx):
    """``be.cross_entropy_vjp`` for the captured case, its coefficients from ``den[0]``."""
    g1 = np.empty(1, np.float64)
    g1[0] = g[()]
    c_nll = 1.0
    c_smooth = 0.0
    if mean:
        c_nll = _ieee_div(1.0, den[0])
        c_smooth = _ieee_div(0.0, den[0])
    cpu_loss._class_rows_vjp(x, target, weight, ignore_index, normalize, lse, g1, 0, c_nll,
                             c_smooth, gx)


def _capturable(x, target, weight, reduction, label_smoothing) -> bool:
    return (target.dtype == np.int64 and x.ndim == 2 and target.ndim == 1 and x.shape[0] > 0
            and x.flags.c_contiguous and target.flags.c_contiguous and weight is None
            and label_smoothing == 0.0 and reduction in ("mean", "sum"))


def loss_wrappers(be, rec) -> dict:
    """Recording versions (into ``rec``) of ``be.cross_entropy`` and its vjp, by name."""
    from threading import get_ident

    from numbagrad.compile import capture

    forward, vjp = be.cross_entropy, be.cross_entropy_vjp
    saved: dict = {}  # id(lse) -> (lse, weights, row buffers, denominator buffer)

    def eager(fn, *args, **kwargs):
        # The eager call's own kernels are replaced by the one recorded twin.
        active = capture._active
        capture._active = None
        try:
            return fn(*args, **kwargs)
        finally:
            capture._active = active

    def r_forward(x, target, weight, reduction, ignore_index, label_smoothing, normalize=True):
        if rec.thread != get_ident():
            return forward(x, target, weight, reduction, ignore_index, label_smoothing, normalize)
        if not _capturable(x, target, weight, reduction, label_smoothing):
            rec.reason("cross_entropy/nll_loss with class weights, label smoothing, probability "
                       "targets, reduction='none' or a non-(N, C) input has no compiled form yet")
            # Named already; its kernels are not examined (poisoning their class indices to
            # see what they write would send them out of bounds).
            return eager(forward, x, target, weight, reduction, ignore_index, label_smoothing,
                         normalize)
        out, extra = eager(forward, x, target, weight, reduction, ignore_index, label_smoothing,
                           normalize)
        rows = x.shape[0]
        lse = extra[0]
        w = np.ones(x.shape[1], np.float64)
        nll, smooth = np.empty(rows, np.float64), np.empty(rows, np.float64)
        den = np.empty(1, np.float64)
        saved[id(lse)] = (lse, w, den)
        rec.add("tail", _forward_tail, (x, target, w, ignore_index, bool(normalize), lse, nll,
                                        smooth, den, reduction == "mean", out))
        rec.written(lse)
        rec.written(den)
        return out, extra

    def r_vjp(g, x, target, weight, extra, reduction, ignore_index, label_smoothing,
              normalize=True, want_target=False):
        args = (g, x, target, weight, extra, reduction, ignore_index, label_smoothing, normalize,
                want_target)
        if rec.thread != get_ident():
            return vjp(*args)
        got = saved.get(id(extra[0]))
        if got is None or not _capturable(x, target, weight, reduction, label_smoothing) \
                or g.shape != ():
            rec.reason("a cross_entropy/nll_loss vjp whose forward was not captured")
            return eager(vjp, *args)
        gx, gt = eager(vjp, *args)
        lse, w, den = got
        rec.add("tail", _vjp_tail, (g, x, target, w, ignore_index, bool(normalize), lse, den,
                                    reduction == "mean", gx.reshape(x.shape)))
        return gx, gt

    return {"cross_entropy": r_forward, "cross_entropy_vjp": r_vjp}
