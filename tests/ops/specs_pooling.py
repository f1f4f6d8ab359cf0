"""Specs of ``numbagrad/ops/pooling.py`` (max, average and adaptive pooling over three spatial
dimensions, and the 1-D forms on the same primitives) and ``numbagrad/ops/interpolate.py``
(the per-axis resampling), against NumPy references written as plain window loops and
``np.interp``."""
import itertools

import numpy as np
from hypothesis import strategies as st

import numbagrad.nn.functional as F
from tests.ops.spec import Spec


def _windows(n, k, s, p, d, out):
    """The taps of each output position along one axis (maybe outside ``[0, n)``)."""
    return [[o * s - p + t * d for t in range(k)] for o in range(out)]


def _out(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def max_pool_ref(x, nd, k, s, p, d):
    """Windowed maxima over the last ``nd`` axes, the padding never chosen."""
    spatial = x.shape[-nd:]
    outs = [_out(n, k, s, p, d) for n in spatial]
    wins = [_windows(n, k, s, p, d, o) for n, o in zip(spatial, outs)]
    out = np.empty(x.shape[:-nd] + tuple(outs))
    for pos in itertools.product(*[range(o) for o in outs]):
        taps = [[i for i in w[o] if 0 <= i < n] for w, o, n in zip(wins, pos, spatial)]
        block = x[(Ellipsis,) + np.ix_(*taps)]
        out[(Ellipsis,) + pos] = block.reshape(block.shape[:-nd] + (-1,)).max(-1)
    return out


def avg_pool_ref(x, nd, k, s, p, include_pad, divisor=None):
    """Windowed means over the last ``nd`` axes (zero padding, torch's divisors)."""
    spatial = x.shape[-nd:]
    outs = [_out(n, k, s, p, 1) for n in spatial]
    out = np.empty(x.shape[:-nd] + tuple(outs))
    for pos in itertools.product(*[range(o) for o in outs]):
        lo = [o * s - p for o in pos]
        taps = [list(range(max(a, 0), min(a + k, n))) for a, n in zip(lo, spatial)]
        block = x[(Ellipsis,) + np.ix_(*taps)]
        total = block.reshape(block.shape[:-nd] + (-1,)).sum(-1)
        if divisor:
            div = divisor
        elif include_pad:
            div = np.prod([min(a + k, n + p) - a for a, n in zip(lo, spatial)])
        else:
            div = np.prod([len(t) for t in taps])
        out[(Ellipsis,) + pos] = total / div
    return out


def adaptive_ref(x, sizes, reduce):
    """Adaptive pooling over the last ``len(sizes)`` axes: window ``[floor(o*n/m),
    ceil((o+1)*n/m))``."""
    nd = len(sizes)
    spatial = x.shape[-nd:]
    out = np.empty(x.shape[:-nd] + tuple(sizes))
    for pos in itertools.product(*[range(m) for m in sizes]):
        taps = [list(range(o * n // m, -(-(o + 1) * n // m))) for o, n, m in
                zip(pos, spatial, sizes)]
        block = x[(Ellipsis,) + np.ix_(*taps)]
        out[(Ellipsis,) + pos] = reduce(block.reshape(block.shape[:-nd] + (-1,)), -1)
    return out


def linear_ref(x, sizes, align_corners):
    """Separable linear resampling with ``np.interp``, one axis at a time."""
    out = x
    for axis, m in zip(range(x.ndim - len(sizes), x.ndim), sizes):
        n = out.shape[axis]
        j = np.arange(m, dtype=np.float64)
        if align_corners:
            src = j * (n - 1) / (m - 1) if m > 1 else np.zeros(m)
        else:
            src = np.maximum((j + 0.5) * n / m - 0.5, 0)
        out = np.apply_along_axis(lambda row: np.interp(src, np.arange(n), row), axis, out)
    return out


def _shapes(nd, least, batch=True):
    """One shape: channels (and, sometimes or with ``batch=False`` always, a batch) then
    ``nd`` spatial sizes from ``least`` up."""
    def draw_shape(draw):
        lead = 2 if not batch else 1 + draw(st.integers(0, 1))
        head = tuple(draw(st.integers(1, 2)) for _ in range(lead))
        return [head + tuple(draw(st.integers(m, m + 2)) for m in least[:nd])]
    return draw_shape


SPECS = [
    Spec("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, 1, 1),
         lambda x: max_pool_ref(x, 3, 2, 1, 1, 1), shapes=_shapes(3, (2, 2, 3))),
    Spec("max_pool3d_dilated", lambda x: F.max_pool3d(x, 2, 2, 1, 2),
         lambda x: max_pool_ref(x, 3, 2, 2, 1, 2), covers=("max_pool3d",),
         shapes=_shapes(3, (3, 3, 4))),
    Spec("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1, 1),
         lambda x: max_pool_ref(x, 1, 3, 2, 1, 1), covers=("max_pool3d",),
         shapes=_shapes(1, (4,))),
    Spec("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 1, 1),
         lambda x: avg_pool_ref(x, 3, 2, 1, 1, True), shapes=_shapes(3, (2, 2, 3))),
    Spec("avg_pool3d_divisor", lambda x: F.avg_pool3d(x, 3, 2, 1, divisor_override=5),
         lambda x: avg_pool_ref(x, 3, 3, 2, 1, True, 5), covers=("avg_pool3d",),
         shapes=_shapes(3, (3, 3, 3))),
    Spec("avg_pool1d_exclude_pad", lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False),
         lambda x: avg_pool_ref(x, 1, 3, 2, 1, False), covers=("avg_pool3d",),
         shapes=_shapes(1, (4,))),
    Spec("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 1)),
         lambda x: adaptive_ref(x, (2, 3, 1), np.mean), shapes=_shapes(3, (2, 2, 2))),
    Spec("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
         lambda x: adaptive_ref(x, (3, 2), np.mean), covers=("adaptive_avg_pool3d",),
         shapes=_shapes(2, (2, 3))),
    Spec("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, (2, 1, 3)),
         lambda x: adaptive_ref(x, (2, 1, 3), np.max), shapes=_shapes(3, (2, 2, 2))),
    Spec("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 3),
         lambda x: adaptive_ref(x, (3,), np.max), covers=("adaptive_max_pool3d",),
         shapes=_shapes(1, (3,))),
    Spec("interpolate", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"),
         lambda x: linear_ref(x, (5, 3), False), shapes=_shapes(2, (2, 2), batch=False)),
    Spec("interpolate_linear_align_corners",
         lambda x: F.interpolate(x, size=4, mode="linear", align_corners=True),
         lambda x: linear_ref(x, (4,), True), covers=("interpolate",),
         shapes=_shapes(1, (2,), batch=False)),
    Spec("interpolate_nearest", lambda x: F.interpolate(x, scale_factor=(2, 3)),
         lambda x: x.repeat(2, -2).repeat(3, -1), covers=("interpolate",),
         shapes=_shapes(2, (1, 1), batch=False)),
]
