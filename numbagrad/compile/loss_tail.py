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
smoothing, reductions ``"mean"`` and ``"sum"`` (:func:`_forward_tail`, :func:`_vjp_tail`); and,
by the general twins (:func:`_class_forward`, :func:`_prob_forward` and their backwards), any
reduction, class weights, label smoothing, ``(C,)`` and ``(N, C, d1, ...)`` inputs (their rows
made and unmade in the step as the CPU loss's ``_rows`` does) and probability targets, for
C-contiguous operands. A target or weight must be an argument of the step or computed in it
(one made from host data inside the step would be a stale constant); any other call gives a
reason.
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
    # Eight scalars, not an array: no allocation to compile or run.
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        k = lo + i
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
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
    # Open ranges (start, length, halves done), at most one per level of the tree.
    s_lo = np.empty(64, np.int64)
    s_n = np.empty(64, np.int64)
    s_st = np.empty(64, np.int64)
    vals = np.empty(65, np.float64)
    s_lo[0], s_n[0], s_st[0] = lo, n, 0
    sp = 1
    vp = 0
    while sp > 0:
        top = sp - 1
        m = s_n[top]
        if m <= 128:
            vals[vp] = _block(a, s_lo[top], m)
            vp += 1
            sp -= 1
            continue
        st = s_st[top]
        if st == 2:  # both halves summed: add them
            vals[vp - 2] = vals[vp - 2] + vals[vp - 1]
            vp -= 1
            sp -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        s_st[top] = st + 1
        s_lo[sp] = s_lo[top] + (0 if st == 0 else n2)
        s_n[sp] = n2 if st == 0 else m - n2
        s_st[sp] = 0
        sp += 1
    return vals[0]


@cached_njit
def _forward_tail(x, target, weight, ignore_index, normalize, lse, nll, smooth, den, mean, out):
    """``be.cross_entropy`` for the captured case: the row kernel, the denominator into
    ``den[0]``, NumPy's sum of the row losses, the mean's division, one rounding into ``out``."""
    # np.bool_/np.int64 rather than literals: a literal argument types as ``Literal[...]``,
    # for which Numba would compile the row kernel a second time (0.2 s each) beside the
    # version eager mode compiled and cached.
    wsum = cpu_loss._class_rows(x, target, weight, ignore_index, normalize, np.bool_(False),
                                lse, nll, smooth)
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
    cpu_loss._class_rows_vjp(x, target, weight, ignore_index, normalize, lse, g1, np.int64(0),
                             c_nll, c_smooth, gx)


@cached_njit
def _to_rows(x3, x2):
    """``x3`` ``(N, C, D)`` as rows ``x2`` ``(N * D, C)`` (the CPU loss's ``_rows``)."""
    n, c, d = x3.shape
    for i in range(n):
        for k in range(d):
            for j in range(c):
                x2[i * d + k, j] = x3[i, j, k]


@cached_njit
def _from_rows(x2, x3):
    """The inverse of :func:`_to_rows` (the CPU loss's ``_unrows``)."""
    n, c, d = x3.shape
    for i in range(n):
        for k in range(d):
            for j in range(c):
                x3[i, j, k] = x2[i * d + k, j]


@cached_njit
def _weights_in(weight, has_weight, w):
    """The class weights as float64 (``w`` stays all ones without weights)."""
    if has_weight:
        for j in range(w.size):
            w[j] = weight[j]


@cached_njit
def _reduce_into(losses, reduction, den, out1):
    """The CPU loss's ``_reduce``: ``reduction`` 0 (none: each row's loss rounded into
    ``out1``), 1 (sum: NumPy's pairwise sum) or 2 (mean: that sum over ``den``)."""
    if reduction == 0:
        for i in range(losses.size):
            out1[i] = losses[i]
        return
    total = pairwise_sum(losses, 0, losses.size)
    if reduction == 2:
        total = _ieee_div(total, den)
    out1[0] = total


@cached_njit
def _class_forward(x3, x2, target, weight, has_weight, w, ignore_index, normalize, smoothing,
                   classes, lse, nll, smooth, losses, den, reduction, out1):
    """``be.cross_entropy`` with class targets, any reduction, weights, smoothing, ``(N, C,
    d...)`` inputs: rows, per-row kernel, the smoothing mix, the reduction."""
    _to_rows(x3, x2)
    _weights_in(weight, has_weight, w)
    smoothing_on = smoothing != 0.0
    wsum = cpu_loss._class_rows(x2, target, w, ignore_index, normalize, smoothing_on, lse, nll,
                                smooth)
    den[0] = wsum
    if smoothing_on:
        a = 1.0 - smoothing
        b = smoothing / classes
        for i in range(losses.size):
            losses[i] = a * nll[i] + b * smooth[i]
    else:
        for i in range(losses.size):
            losses[i] = nll[i]
    _reduce_into(losses, reduction, wsum, out1)


@cached_njit
def _grad_rows(g, g1):
    """The output gradient as float64 in C order (any strides)."""
    k = 0
    for v in g.flat:
        g1[k] = v
        k += 1


@cached_njit
def _class_backward(g, g1, x2, target, w, ignore_index, normalize, smoothing, classes, lse, den,
                    reduction, gx2, gx3, unrows):
    """``be.cross_entropy_vjp`` with class targets, from the forward's rows and weights."""
    _grad_rows(g, g1)
    c_nll = 1.0 - smoothing
    c_smooth = smoothing / classes
    if reduction == 2:
        c_nll = _ieee_div(c_nll, den[0])
        c_smooth = _ieee_div(c_smooth, den[0])
    cpu_loss._class_rows_vjp(x2, target, w, ignore_index, normalize, lse, g1,
                             1 if reduction == 0 else 0, c_nll, c_smooth, gx2)
    if unrows:
        _from_rows(gx2, gx3)


@cached_njit
def _prob_forward(x3, x2, y3, y2, weight, has_weight, w, smoothing, lse, losses, reduction, out1):
    """``be.cross_entropy`` with probability targets (the mean divides by the row count)."""
    _to_rows(x3, x2)
    _to_rows(y3, y2)
    _weights_in(weight, has_weight, w)
    cpu_loss._prob_rows(x2, y2, w, smoothing, lse, losses)
    _reduce_into(losses, reduction, float(losses.size), out1)


@cached_njit
def _prob_backward(g, g1, x2, y2, w, smoothing, lse, reduction, want_gy, gx2, gy2, gx3, gy3,
                   unrows):
    """``be.cross_entropy_vjp`` with probability targets."""
    _grad_rows(g, g1)
    rows = x2.shape[0]
    if reduction == 2:
        for i in range(g1.size):
            g1[i] = g1[i] / max(rows, 1)
    cpu_loss._prob_rows_vjp(x2, y2, w, smoothing, lse, g1, 1 if reduction == 0 else 0, gx2,
                            gy2, want_gy)
    if unrows:
        _from_rows(gx2, gx3)
        if want_gy:
            _from_rows(gy2, gy3)


_REDUCTIONS = {"none": 0, "sum": 1, "mean": 2}


def _as3(a):
    """A C-contiguous ``(C,)``, ``(N, C)`` or ``(N, C, d...)`` array as an ``(N, C, D)`` view."""
    if a.ndim == 1:
        return a.reshape(1, -1, 1)
    return a.reshape(a.shape[0], a.shape[1], -1)


def _general(x, target, weight) -> bool:
    """Whether the general twins take this call: C-contiguous operands, at least one row."""
    return (x.ndim >= 1 and x.size > 0 and x.flags.c_contiguous and target.flags.c_contiguous
            and (weight is None or weight.ndim == 1)
            and (target.dtype == np.int64 or target.shape == x.shape)
            and x.dtype.kind == "f")


def _capturable(x, target, weight, reduction, label_smoothing) -> bool:
    return (target.dtype == np.int64 and x.ndim == 2 and target.ndim == 1 and x.shape[0] > 0
            and x.flags.c_contiguous and target.flags.c_contiguous and weight is None
            and label_smoothing == 0.0 and reduction in ("mean", "sum"))


def _record_general(rec, x, target, weight, reduction, ignore_index, label_smoothing,
                    normalize, out, extra) -> dict:
    """Record the general forward twin of an eager ``be.cross_entropy`` call that gave
    ``(out, extra)``; what its vjp's twin needs, by name."""
    # The twin reads these each call: a target or weight made from host data inside the step
    # would be a stale constant.
    for a in (target,) + ((weight,) if weight is not None else ()):
        rec.read(a, "a loss's target or weight")
    x3 = _as3(x)
    rows, classes = x3.shape[0] * x3.shape[2], x3.shape[1]
    x2 = np.empty((rows, classes), x.dtype)
    w = np.ones(classes, np.float64)
    has_weight = weight is not None
    wt = weight if has_weight else w
    lse = extra[0]
    losses = np.empty(rows, np.float64)
    code = _REDUCTIONS[reduction]
    out1 = out.reshape(-1)
    keep = dict(x=x, x2=x2, w=w, lse=lse, code=code, smoothing=float(label_smoothing),
                classes=classes, shape3=x3.shape)
    if target.dtype == np.int64:
        t = target.reshape(-1)
        nll, smooth = np.empty(rows, np.float64), np.empty(rows, np.float64)
        den = np.empty(1, np.float64)
        rec.add("tail", _class_forward, (x3, x2, t, wt, has_weight, w, int(ignore_index),
                                         bool(normalize), float(label_smoothing), classes, lse,
                                         nll, smooth, losses, den, code, out1))
        keep.update(kind="class", t=t, den=den, ignore_index=int(ignore_index),
                    normalize=bool(normalize))
        for a in (x2, w, lse, nll, smooth, losses, den):
            rec.written(a)
    else:
        y3 = _as3(target)
        y2 = np.empty((rows, classes), target.dtype)
        rec.add("tail", _prob_forward, (x3, x2, y3, y2, wt, has_weight, w,
                                        float(label_smoothing), lse, losses, code, out1))
        keep.update(kind="prob", y2=y2, target=target)
        for a in (x2, y2, w, lse, losses):
            rec.written(a)
    rec.written(out1)
    return keep


def _record_general_vjp(rec, k, g, gx, gt) -> None:
    """Record the general vjp twin; ``gx`` (and ``gt``) are what the eager vjp returned."""
    rec.read(g, "a loss's output gradient")
    n, classes, d = k["shape3"]
    rows = n * d
    unrows = k["x"].ndim > 2 and d > 1
    g1 = np.empty(max(g.size, 1), np.float64)
    gx3 = gx.reshape(n, classes, d)
    gx2 = np.empty((rows, classes), gx.dtype) if unrows else gx.reshape(rows, classes)
    if k["kind"] == "class":
        rec.add("tail", _class_backward, (g, g1, k["x2"], k["t"], k["w"], k["ignore_index"],
                                          k["normalize"], k["smoothing"], classes, k["lse"],
                                          k["den"], k["code"], gx2, gx3, unrows))
    else:
        want = gt is not None
        gt3 = gt.reshape(n, classes, d) if want else gx3
        gy2 = (np.empty((rows, classes), gx.dtype) if unrows else gt.reshape(rows, classes)) \
            if want else gx2
        rec.add("tail", _prob_backward, (g, g1, k["x2"], k["y2"], k["w"], k["smoothing"],
                                         k["lse"], k["code"], want, gx2, gy2, gx3, gt3, unrows))
        if want:
            rec.written(gt)
    rec.written(gx)


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
        if (not _capturable(x, target, weight, reduction, label_smoothing)
                and _general(x, target, weight)):
            out, extra = eager(forward, x, target, weight, reduction, ignore_index,
                               label_smoothing, normalize)
            saved[id(extra[0])] = _record_general(rec, x, target, weight, reduction,
                                                  ignore_index, label_smoothing, normalize,
                                                  out, extra)
            return out, extra
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
        if isinstance(got, dict):
            n, _, d = got["shape3"]
            if g.size != (n * d if reduction == "none" else 1):
                rec.reason("a cross_entropy/nll_loss vjp of an unexpected gradient shape")
                return eager(vjp, *args)
            gx, gt = eager(vjp, *args)
            _record_general_vjp(rec, got, g, gx, gt)
            return gx, gt
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
