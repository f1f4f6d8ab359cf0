"""im2col and col2im for the GPU: the twin of ``backends/cpu/fold.py``.

One thread per output element in both directions: ``im2col`` reads one input pixel (or writes
0 in the padding), ``col2im`` gathers the column entries of the blocks that hold its pixel
through the CPU's own :func:`~numbagrad.backends.cpu.fold.fold_at` (float64, tap order), so no
two threads write one element and nothing is added atomically.
"""
from __future__ import annotations

from numba import cuda

from numbagrad.backends.cpu.fold import fold_at
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import contiguous

_fold_at = cuda.jit(device=True)(fold_at)


def _im2col(x, geom, out):
    """Thread ``t`` (grid-stride) owns ``out[n, row, q]``: tap ``(c, i, j)`` of row
    ``(c*kh + i)*kw + j`` at block position ``q = by*wo + bx``."""
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    nb, rows, length = out.shape
    height, width = x.shape[2], x.shape[3]
    t = cuda.grid(1)
    while t < nb * rows * length:
        q = t % length
        row = (t // length) % rows
        n = t // (length * rows)
        j = row % kw
        i = (row // kw) % kh
        c = row // (kw * kh)
        iy = (q // wo) * sh - ph + i * dh
        ix = (q % wo) * sw - pw + j * dw
        if 0 <= iy < height and 0 <= ix < width:
            out[n, row, q] = x[n, c, iy, ix]
        else:
            out[n, row, q] = 0
        t += cuda.gridsize(1)


def _col2im(cols, geom, out):
    """Thread ``t`` (grid-stride) owns pixel ``out[n, c, y, x]``."""
    nb, nc, height, width = out.shape
    t = cuda.grid(1)
    while t < nb * nc * height * width:
        x = t % width
        y = (t // width) % height
        c = (t // (width * height)) % nc
        n = t // (width * height * nc)
        out[n, c, y, x] = _fold_at(cols, n, c, y, x, geom)
        t += cuda.gridsize(1)


_im2col_kernel = kernel(_im2col)
_col2im_kernel = kernel(_col2im)


def im2col(x, geom: tuple):
    """The sliding blocks of ``x`` (N, C, H, W) as columns (N, C*kh*kw, ho*wo); see the CPU
    twin."""
    kh, kw, ho, wo = geom[0], geom[1], geom[8], geom[9]
    n, c = x.shape[:2]
    out = _array.empty((n, c * kh * kw, ho * wo), x.dtype)
    if out.size:
        launch(_im2col_kernel, out.size, contiguous(x), tuple(int(v) for v in geom), out)
    return out


def col2im(cols, size: tuple, geom: tuple):
    """Columns (N, C*kh*kw, ho*wo) added back into (N, C, H, W) images; see the CPU twin."""
    kh, kw = geom[0], geom[1]
    n = cols.shape[0]
    out = _array.empty((n, cols.shape[1] // (kh * kw)) + tuple(int(v) for v in size),
                       cols.dtype)
    if out.size:
        launch(_col2im_kernel, out.size, contiguous(cols), tuple(int(v) for v in geom), out)
    return out
