"""im2col and col2im for the CPU: ``F.unfold`` and ``F.fold``, each the other's adjoint.

``geom = (kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)`` as in ``backends/cpu/conv.py`` (``ho, wo``
the numbers of block positions), checked by the op. ``im2col`` runs the convolution's own
per-sample loop (:func:`~numbagrad.backends.cpu.conv._im2col`). ``col2im`` is a gather: each
output pixel sums, in float64 and in tap order, the column entries of the blocks that hold it
(:func:`fold_at`), so the CUDA twin, which calls the same function, adds in the same order.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit
from numbagrad.backends.cpu.conv import _im2col


def fold_at(cols, n, c, y, x, geom):
    """The sum over the kernel taps ``(i, j)`` whose block position ``(by, bx)`` reads pixel
    ``(y, x)``: ``y + ph - i*dh = by*sh`` with ``0 <= by < ho`` (and the same across);
    ``cols`` is (N, C*kh*kw, ho*wo)."""
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    s = 0.0
    for i in range(kh):
        ty = y + ph - i * dh
        if ty < 0 or ty % sh != 0 or ty // sh >= ho:
            continue
        by = ty // sh
        for j in range(kw):
            tx = x + pw - j * dw
            if tx < 0 or tx % sw != 0 or tx // sw >= wo:
                continue
            s += cols[n, (c * kh + i) * kw + j, by * wo + tx // sw]
    return s


_fold_at = jit(fold_at)


def _im2col_batch(x, geom, out):
    """``out[n] = im2col(x[n])``: iteration ``n`` owns ``out[n]`` (C*kh*kw, ho*wo)."""
    for n in range(x.shape[0]):
        _im2col(x[n], geom, out[n])


def _col2im_gather(cols, geom, out):
    """``out[n, c, y, x] = fold_at(...)``: iteration ``(n, c, y, x)`` owns that pixel."""
    nb, nc, height, width = out.shape
    for n in range(nb):
        for c in range(nc):
            for y in range(height):
                for x in range(width):
                    out[n, c, y, x] = _fold_at(cols, n, c, y, x, geom)


_KERNELS: dict = {}


def _kernel(name: str):
    if name not in _KERNELS:
        _KERNELS[name] = jit(globals()["_" + name])
    return _KERNELS[name]


def im2col(x: np.ndarray, geom: tuple) -> np.ndarray:
    """The sliding blocks of ``x`` (N, C, H, W) as columns: (N, C*kh*kw, ho*wo), C-contiguous,
    zeros where a block reaches into the padding."""
    kh, kw, ho, wo = geom[0], geom[1], geom[8], geom[9]
    n, c = x.shape[:2]
    out = np.empty((n, c * kh * kw, ho * wo), x.dtype)
    if out.size:
        _kernel("im2col_batch")(np.ascontiguousarray(x), tuple(int(v) for v in geom), out)
    return out


def col2im(cols: np.ndarray, size: tuple, geom: tuple) -> np.ndarray:
    """Columns (N, C*kh*kw, ho*wo) added back into (N, C, H, W) images, ``size = (H, W)``:
    overlapping entries add up."""
    kh, kw = geom[0], geom[1]
    n = cols.shape[0]
    out = np.empty((n, cols.shape[1] // (kh * kw)) + tuple(size), cols.dtype)
    if out.size:
        _kernel("col2im_gather")(np.ascontiguousarray(cols), tuple(int(v) for v in geom), out)
    return out
