"""2-D convolution and pooling for the CPU, forward and backward.

Layouts. Every function takes C-contiguous ``(N, C, H, W)`` arrays (the op brings unbatched
inputs to ``N = 1``) and ``geom``, one tuple of ints describing the window, so that each kernel
has one signature per dtype. Geometry is checked by the op before anything here runs.

Convolution is im2col + GEMM. For one sample, ``cols[(c*kh + i)*kw + j, y*wo + x]`` holds the
input pixel that kernel tap ``(i, j)`` of channel ``c`` sees at output pixel ``(y, x)`` (0 in the
padding); then each group's output is one ``np.dot`` (SciPy's BLAS inside the kernel):
``out[n, group] = w[group] (og, cg*kh*kw) @ cols[group rows] (cg*kh*kw, ho*wo)``. The input
gradient is the transposed product followed by col2im (a scatter-add back to pixels); the weight
gradient is ``g[n] @ cols^T`` summed over the batch.

Threads. The batch is cut into ``T`` contiguous chunks; each ``prange`` iteration owns one
chunk, its own scratch ``cols[t]`` and its own partial weight gradient, so no two threads write
the same memory. ``T = 1`` (the serial kernel) below ``PARALLEL_MIN_WORK`` multiply-adds, or
when each sample's GEMM is big enough for BLAS to use threads of its own.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import jit, run_parallel
# By module attribute: a compiled step's recording swaps it for a version that records the
# conversion.
from numbagrad.backends.cpu.memory import astype as astype_

# Convolutions of at least this many multiply-adds split the batch over threads, unless each
# sample's GEMM exceeds PARALLEL_MAX_GEMM multiply-adds: there SciPy's BLAS already runs on
# several threads, and threads inside threads measured 2x slower than the serial kernel
# (64 x 16->32 x 14x14, 3x3, 2 cores). The tutorial layer (64 x 1->8 x 28x28, 3x3: 3.6M
# multiply-adds, 56K per sample) runs forward + backward 1.6x faster in parallel.
PARALLEL_MIN_WORK = 1 << 20
PARALLEL_MAX_GEMM = 1 << 18
# Pooling over at least this many input elements splits the planes over threads: measured
# 1.7x faster at 6.4M elements (64 x 32 x 56 x 56), 20x slower at the tutorial's 401K.
POOL_PARALLEL_MIN_SIZE = 1 << 22


# ----------------------------------------------------------------------------- im2col


def _inside(offset, stride, size, n_out):
    """Output positions ``[lo, hi)`` whose input position ``o * stride + offset`` is in
    ``[0, size)``: the loops over them need no bounds test."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = (size - offset + stride - 1) // stride if size > offset else 0
    hi = min(max(hi, lo), n_out)
    return min(lo, n_out), hi


def _im2col(x, geom, cols):
    """Fill ``cols`` (C*kh*kw, ho*wo) from one sample ``x`` (C, H, W).

    Each ``(c, i, j)`` iteration owns row ``(c*kh + i)*kw + j``; positions in the padding get 0.
    """
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    nc, height, width = x.shape
    for c in range(nc):
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                ox = j * dw - pw
                lo, hi = _inside(ox, sw, width, wo)
                for y in range(ho):
                    iy = y * sh - ph + i * dh
                    base = y * wo
                    if iy < 0 or iy >= height:
                        for xo in range(wo):
                            cols[row, base + xo] = 0
                        continue
                    for xo in range(lo):
                        cols[row, base + xo] = 0
                    for xo in range(lo, hi):
                        cols[row, base + xo] = x[c, iy, xo * sw + ox]
                    for xo in range(hi, wo):
                        cols[row, base + xo] = 0


def _col2im(cols, geom, gx):
    """Add every column entry of ``cols`` (C*kh*kw, ho*wo) into the pixel of ``gx`` (C, H, W)
    it was read from: the adjoint of :func:`_im2col`. Entries in the padding are dropped."""
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    nc, height, width = gx.shape
    for c in range(nc):
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                ox = j * dw - pw
                lo, hi = _inside(ox, sw, width, wo)
                for y in range(ho):
                    iy = y * sh - ph + i * dh
                    if iy < 0 or iy >= height:
                        continue
                    base = y * wo
                    for xo in range(lo, hi):
                        gx[c, iy, xo * sw + ox] += cols[row, base + xo]


# ----------------------------------------------------------------------------- conv kernels


def _conv2d_forward(x, w3, b, geom, out, cols):
    """``out[n] = w (O, C/G*kh*kw) @ im2col(x[n]) + b`` for each sample, group by group.

    ``x`` (N, C, H, W); ``w3`` (G, O/G, C/G*kh*kw); ``b`` (O,) or empty for no bias;
    ``out`` (N, O, ho*wo); ``cols`` (T, C*kh*kw, ho*wo) scratch. Iteration ``t`` owns samples
    ``[t*N//T, (t+1)*N//T)`` and ``cols[t]``.
    """
    n_total = x.shape[0]
    chunks = cols.shape[0]
    groups, og, kg = w3.shape
    for t in prange(chunks):
        scratch = cols[t]
        for n in range(t * n_total // chunks, (t + 1) * n_total // chunks):
            _im2col(x[n], geom, scratch)
            for gi in range(groups):
                np.dot(w3[gi], scratch[gi * kg:(gi + 1) * kg], out[n, gi * og:(gi + 1) * og])
            if b.shape[0] > 0:
                for o in range(out.shape[1]):
                    bo = b[o]
                    for q in range(out.shape[2]):
                        out[n, o, q] += bo


def _conv2d_backward_input(g, w3, geom, gx, cols):
    """``gx[n] = col2im(w^T @ g[n])``, group by group; ``gx`` (N, C, H, W) arrives zeroed.

    ``g`` (N, O, ho*wo); ``w3`` (G, O/G, C/G*kh*kw); ``cols`` (T, C*kh*kw, ho*wo) scratch.
    Iteration ``t`` owns samples ``[t*N//T, (t+1)*N//T)``, hence their rows of ``gx``, and
    ``cols[t]``.
    """
    n_total = g.shape[0]
    chunks = cols.shape[0]
    groups, og, kg = w3.shape
    for t in prange(chunks):
        scratch = cols[t]
        for n in range(t * n_total // chunks, (t + 1) * n_total // chunks):
            for gi in range(groups):
                np.dot(w3[gi].T, g[n, gi * og:(gi + 1) * og], scratch[gi * kg:(gi + 1) * kg])
            _col2im(scratch, geom, gx[n])


def _conv2d_backward_weight(g, x, geom, gw, gb, cols, part, bpart, tmp):
    """``gw = sum_n g[n] @ im2col(x[n])^T`` per group and ``gb = sum over n, pixels of g``.

    ``g`` (N, O, ho*wo); ``x`` (N, C, H, W); ``gw`` (G, O/G, C/G*kh*kw) and ``gb`` (O,) are
    written. Iteration ``t`` owns samples ``[t*N//T, (t+1)*N//T)`` and the scratch ``cols[t]``,
    ``tmp[t]`` and the float64 partial sums ``part[t]`` (G, O/G, C/G*kh*kw) and ``bpart[t]``
    (O,), which are added up after the parallel loop: float32 gradients summed over a large
    batch keep their digits, and no two threads add into the same element.
    """
    n_total = g.shape[0]
    chunks = cols.shape[0]
    groups, og, kg = gw.shape
    n_out = g.shape[1]
    for t in prange(chunks):
        scratch = cols[t]
        prod = tmp[t]
        for n in range(t * n_total // chunks, (t + 1) * n_total // chunks):
            _im2col(x[n], geom, scratch)
            for gi in range(groups):
                np.dot(g[n, gi * og:(gi + 1) * og], scratch[gi * kg:(gi + 1) * kg].T, prod)
                for o in range(og):
                    for k in range(kg):
                        part[t, gi, o, k] += prod[o, k]
            for o in range(n_out):
                s = 0.0
                for p in range(g.shape[2]):
                    s += g[n, o, p]
                bpart[t, o] += s
    for gi in range(groups):
        for o in range(og):
            for k in range(kg):
                s = 0.0
                for t in range(chunks):
                    s += part[t, gi, o, k]
                gw[gi, o, k] = s
    for o in range(n_out):
        s = 0.0
        for t in range(chunks):
            s += bpart[t, o]
        gb[o] = s


def _bias_grad(g, gb):
    """``gb[o] = sum over n, p of g[n, o, p]``, accumulated in float64; each ``o`` owns
    ``gb[o]``. ``g`` is (N, O, ho*wo)."""
    for o in range(g.shape[1]):
        s = 0.0
        for n in range(g.shape[0]):
            for p in range(g.shape[2]):
                s += g[n, o, p]
        gb[o] = s


_KERNELS: dict = {}


def _kernel(name: str, parallel: bool):
    """The compiled kernel ``name``, serial or parallel, built on first use."""
    key = (name, parallel)
    if key not in _KERNELS:
        _KERNELS[key] = jit(globals()["_" + name], parallel=parallel)
    return _KERNELS[key]


# Helpers called from the kernels must be compiled too: they are njit functions by the same
# names, so that the kernels' Python source also runs unchanged under NUMBA_DISABLE_JIT=1.
_inside = jit(_inside)
_im2col = jit(_im2col)
_col2im = jit(_col2im)


def _chunks(n: int, work: int) -> int:
    """How many batch chunks a convolution of ``work`` multiply-adds over ``n`` samples is cut
    into."""
    if work < PARALLEL_MIN_WORK or n < 2 or work // n > PARALLEL_MAX_GEMM:
        return 1
    return min(n, numba.get_num_threads())


def _run(name: str, parallel: bool, *args) -> None:
    if parallel:
        run_parallel(_kernel(name, True), *args)
    else:
        _kernel(name, False)(*args)


def _geom(w_shape, stride, padding, dilation, out_size) -> tuple:
    kh, kw = w_shape[2], w_shape[3]
    return (int(kh), int(kw), int(stride[0]), int(stride[1]), int(padding[0]), int(padding[1]),
            int(dilation[0]), int(dilation[1]), int(out_size[0]), int(out_size[1]))


def conv2d(x: np.ndarray, w: np.ndarray, b, stride: tuple, padding: tuple, dilation: tuple,
           groups: int, out_size: tuple) -> np.ndarray:
    """Cross-correlation of ``x`` with ``w`` (torch's conv2d), plus ``b``.

    Parameters
    ----------
    x : numpy.ndarray
        (N, C, H, W), floating.
    w : numpy.ndarray
        (O, C / groups, kh, kw), ``x``'s dtype.
    b : numpy.ndarray or None
        (O,).
    stride, dilation : tuple of int
        (vertical, horizontal), positive.
    padding : tuple of int
        Zeros added before the first row and column, (top, left); the padding after them is
        implied by ``out_size``.
    groups : int
        Channels are split into ``groups`` independent convolutions.
    out_size : tuple of int
        (ho, wo), computed and checked by the op.

    Returns
    -------
    numpy.ndarray
        (N, O, ho, wo), C-contiguous.
    """
    n, c = x.shape[:2]
    o = w.shape[0]
    ho, wo = out_size
    kg = w.shape[1] * w.shape[2] * w.shape[3]
    out = np.zeros((n, o, ho * wo), x.dtype)
    bias = np.zeros(0, x.dtype) if b is None else np.ascontiguousarray(b)
    if out.size == 0:
        return out.reshape(n, o, ho, wo)
    if kg == 0:  # no input channels: BLAS is not asked for an empty product
        out += bias.reshape(-1, 1) if bias.size else 0
        return out.reshape(n, o, ho, wo)
    chunks = _chunks(n, n * o * ho * wo * kg)
    cols = np.empty((chunks, c * w.shape[2] * w.shape[3], ho * wo), x.dtype)
    _run("conv2d_forward", chunks > 1, np.ascontiguousarray(x),
         np.ascontiguousarray(w).reshape(groups, o // groups, kg), bias,
         _geom(w.shape, stride, padding, dilation, out_size), out, cols)
    return out.reshape(n, o, ho, wo)


def conv2d_backward_input(g: np.ndarray, w: np.ndarray, x_shape: tuple, stride: tuple,
                          padding: tuple, dilation: tuple, groups: int) -> np.ndarray:
    """The gradient of :func:`conv2d` with respect to its input.

    Parameters
    ----------
    g : numpy.ndarray
        (N, O, ho, wo), the output's gradient.
    w : numpy.ndarray
        (O, C / groups, kh, kw).
    x_shape : tuple
        (N, C, H, W).
    stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    numpy.ndarray
        ``x_shape``, ``g``'s dtype.
    """
    n, c = x_shape[:2]
    o, ho, wo = g.shape[1:]
    kg = w.shape[1] * w.shape[2] * w.shape[3]
    gx = np.zeros(x_shape, g.dtype)
    if gx.size == 0 or g.size == 0:
        return gx
    chunks = _chunks(n, g.size * kg)
    cols = np.empty((chunks, c * w.shape[2] * w.shape[3], ho * wo), g.dtype)
    _run("conv2d_backward_input", chunks > 1, np.ascontiguousarray(g).reshape(n, o, ho * wo),
         np.ascontiguousarray(w).reshape(groups, o // groups, kg),
         _geom(w.shape, stride, padding, dilation, (ho, wo)), gx, cols)
    return gx


def conv2d_backward_weight(g: np.ndarray, x: np.ndarray, w_shape: tuple, stride: tuple,
                           padding: tuple, dilation: tuple, groups: int) -> tuple:
    """The gradients of :func:`conv2d` with respect to its weight and its bias.

    Parameters
    ----------
    g : numpy.ndarray
        (N, O, ho, wo), the output's gradient.
    x : numpy.ndarray
        (N, C, H, W), the input.
    w_shape : tuple
        (O, C / groups, kh, kw).
    stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The weight's gradient (``w_shape``) and the bias's (O,), in ``g``'s dtype, both
        accumulated in float64.
    """
    n, c = x.shape[:2]
    o, ho, wo = g.shape[1:]
    kg = w_shape[1] * w_shape[2] * w_shape[3]
    gw = np.zeros((groups, o // groups, kg), g.dtype)
    gb = np.zeros(o, g.dtype)
    if g.size == 0 or kg == 0:
        if kg == 0:
            gb = conv2d_backward_bias(g)
        return gw.reshape(w_shape), gb
    chunks = _chunks(n, g.size * kg)
    cols = np.empty((chunks, c * w_shape[2] * w_shape[3], ho * wo), g.dtype)
    part = np.zeros((chunks, groups, o // groups, kg))
    bpart = np.zeros((chunks, o))
    tmp = np.empty((chunks, o // groups, kg), g.dtype)
    _run("conv2d_backward_weight", chunks > 1, np.ascontiguousarray(g).reshape(n, o, ho * wo),
         np.ascontiguousarray(x), _geom(w_shape, stride, padding, dilation, (ho, wo)), gw, gb,
         cols, part, bpart, tmp)
    return gw.reshape(w_shape), gb


def conv2d_backward_bias(g: np.ndarray) -> np.ndarray:
    """The gradient of :func:`conv2d`'s bias: ``g`` (N, O, ho, wo) summed to (O,), in float64
    then ``g``'s dtype."""
    n, o = g.shape[:2]
    gb = np.zeros(o)
    # The length is spelled out: reshape cannot infer -1 for an empty batch.
    _kernel("bias_grad", False)(np.ascontiguousarray(g).reshape(n, o, g.shape[2] * g.shape[3]),
                                gb)
    return astype_(gb, g.dtype)


# ----------------------------------------------------------------------------- pooling


def _max_pool2d_forward(x, geom, out, idx):
    """The maximum of each window of every plane, and where it is.

    ``x`` (P, H, W) planes (P = N*C); ``out`` and ``idx`` (P, ho, wo). Iteration ``p`` owns
    plane ``p`` of ``out`` and ``idx``. Positions in the padding are skipped, as if they held
    -inf. As in torch, the first element of the window wins ties, a nan wins over numbers (the
    last nan, as torch's ``val > max || isnan(val)`` test), and ``idx`` is the flat position
    ``iy * W + ix`` in the plane. A window wholly in the padding (possible with dilation) gives
    -inf at index -1; torch gives -inf too but an index outside the window, and sends that
    window's gradient to it.
    """
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    planes, height, width = x.shape
    if kh == 2 and kw == 2 and dh == 1 and dw == 1 and ph == 0 and pw == 0 \
            and (ho - 1) * sh + 2 <= height and (wo - 1) * sw + 2 <= width:
        # The common case, every window a whole 2x2 block of the input: no per-window tests
        # (they took 40% of the time of this loop).
        for p in prange(planes):
            for y in range(ho):
                for xo in range(wo):
                    out[p, y, xo], idx[p, y, xo] = _max_2x2(x, p, y * sh, xo * sw)
        return
    # The taps of each window row and column that fall inside the input, computed once for
    # all planes: the loops below need no bounds test (and no integer division).
    rows = np.empty((ho, 2), np.int64)
    for y in range(ho):
        rows[y, 0], rows[y, 1] = _inside(y * sh - ph, dh, height, kh)
    cols = np.empty((wo, 2), np.int64)
    for xo in range(wo):
        cols[xo, 0], cols[xo, 1] = _inside(xo * sw - pw, dw, width, kw)
    for p in prange(planes):
        for y in range(ho):
            y0 = y * sh - ph
            i_lo, i_hi = rows[y, 0], rows[y, 1]
            for xo in range(wo):
                x0 = xo * sw - pw
                j_lo, j_hi = cols[xo, 0], cols[xo, 1]
                if i_lo >= i_hi or j_lo >= j_hi:
                    # A dilated window can fall wholly in the padding: -inf, and no position.
                    out[p, y, xo] = -np.inf
                    idx[p, y, xo] = -1
                    continue
                iy, ix = y0 + i_lo * dh, x0 + j_lo * dw
                best = x[p, iy, ix]
                arg = iy * width + ix
                if kh == 2 and kw == 2 and dh == 1 and dw == 1 and i_hi - i_lo == 2 \
                        and j_hi - j_lo == 2:
                    out[p, y, xo], idx[p, y, xo] = _max_2x2(x, p, iy, ix)
                    continue
                for i in range(i_lo, i_hi):
                    iy = y0 + i * dh
                    for j in range(j_lo, j_hi):
                        ix = x0 + j * dw
                        v = x[p, iy, ix]
                        if v > best or math.isnan(v):
                            best = v
                            arg = iy * width + ix
                out[p, y, xo] = best
                idx[p, y, xo] = arg


@register_jitable(inline="always")
def _max_2x2(x, p, iy, ix):
    """The maximum of the 2x2 window of plane ``p`` of ``x`` whose first pixel is ``(iy, ix)``,
    and its flat position in the plane, by torch's rule (see :func:`_max_pool2d_forward`).

    Unrolled: loops of two iterations with a data-dependent branch inside ran 4x slower.
    """
    width = x.shape[2]
    a, b = x[p, iy, ix], x[p, iy, ix + 1]
    c, d = x[p, iy + 1, ix], x[p, iy + 1, ix + 1]
    # The window's position (0 to 3, row-major) is found by arithmetic, without a branch:
    # which pixel wins depends on the data, and branches on it, mispredicted half the time,
    # made the pooling loop 4x slower. Without a nan: the first position that holds the
    # maximum (torch's strict ">" keeps the first of equal values).
    m = max(max(a, b), max(c, d))
    later = np.int64(a != m)
    second_row = later * np.int64(b != m)
    first = 2 * second_row + later - second_row + second_row * np.int64(c != m)
    # With a nan: the last nan (torch's "val > max || isnan(val)" lets each nan replace).
    nan_b, nan_c, nan_d = np.int64(math.isnan(b)), np.int64(math.isnan(c)), np.int64(math.isnan(d))
    last_nan = 3 * nan_d + (1 - nan_d) * (2 * nan_c + (1 - nan_c) * nan_b)
    any_nan = np.int64(math.isnan(a)) | nan_b | nan_c | nan_d
    pos = first + any_nan * (last_nan - first)
    row, col = pos >> 1, pos & 1
    return x[p, iy + row, ix + col], (iy + row) * width + ix + col


def _max_pool2d_backward(g, idx, gx):
    """``gx[p, idx[p, y, x]] += g[p, y, x]``: each window's gradient goes to its maximum
    (nowhere for index -1, a window with no input pixel).

    ``g`` and ``idx`` (P, ho*wo); ``gx`` (P, H*W) arrives zeroed. Iteration ``p`` owns plane
    ``p`` of ``gx`` (windows overlap only within a plane).
    """
    for p in prange(g.shape[0]):
        for q in range(g.shape[1]):
            if idx[p, q] >= 0:
                gx[p, idx[p, q]] += g[p, q]


def _avg_window(y, size, k, s, pad):
    """Window ``y`` along one axis: ``(start, end, extent)``, clipped to the input, where
    ``extent`` counts the padding inside the window (torch's pool size with padding)."""
    start = y * s - pad
    end = min(start + k, size + pad)
    extent = end - start
    return max(start, 0), min(end, size), extent


def _avg_pool2d_forward(x, geom, count_include_pad, divisor, out):
    """The mean of each window of every plane, summed in float64.

    ``x`` (P, H, W); ``out`` (P, ho, wo); ``geom`` ``(kh, kw, sh, sw, ph, pw, ho, wo)``.
    Iteration ``p`` owns plane ``p`` of ``out``. The divisor is ``divisor`` unless it is 0, else
    the window's size counting the padding (``count_include_pad``) or not.
    """
    kh, kw, sh, sw, ph, pw, ho, wo = geom
    planes, height, width = x.shape
    for p in prange(planes):
        for y in range(ho):
            hs, he, hext = _avg_window(y, height, kh, sh, ph)
            for xo in range(wo):
                ws, we, wext = _avg_window(xo, width, kw, sw, pw)
                if hs >= he or ws >= we:
                    out[p, y, xo] = 0
                    continue
                s = 0.0
                for iy in range(hs, he):
                    for ix in range(ws, we):
                        s += x[p, iy, ix]
                if divisor != 0:
                    d = divisor
                elif count_include_pad:
                    d = hext * wext
                else:
                    d = (he - hs) * (we - ws)
                out[p, y, xo] = s / d


def _avg_pool2d_backward(g, geom, count_include_pad, divisor, gx):
    """Spread each window's gradient evenly (divided by the forward's divisor) over its input
    pixels. ``g`` (P, ho, wo); ``gx`` (P, H, W) arrives zeroed; iteration ``p`` owns plane
    ``p`` of ``gx``."""
    kh, kw, sh, sw, ph, pw, ho, wo = geom
    planes, height, width = gx.shape
    for p in prange(planes):
        for y in range(ho):
            hs, he, hext = _avg_window(y, height, kh, sh, ph)
            for xo in range(wo):
                ws, we, wext = _avg_window(xo, width, kw, sw, pw)
                if hs >= he or ws >= we:
                    continue
                if divisor != 0:
                    d = divisor
                elif count_include_pad:
                    d = hext * wext
                else:
                    d = (he - hs) * (we - ws)
                v = g[p, y, xo] / d
                for iy in range(hs, he):
                    for ix in range(ws, we):
                        gx[p, iy, ix] += v


_avg_window = jit(_avg_window)


def _pool_run(name: str, size: int, *args) -> None:
    _run(name, size >= POOL_PARALLEL_MIN_SIZE, *args)


def _planes(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return np.ascontiguousarray(x).reshape(n * c, h, w)


def max_pool2d(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple,
               dilation: tuple, out_size: tuple) -> tuple:
    """Max pooling of ``x`` (N, C, H, W) over windows of ``kernel_size``.

    Parameters
    ----------
    x : numpy.ndarray
        (N, C, H, W), floating.
    kernel_size, stride, padding, dilation : tuple of int
        (vertical, horizontal); checked by the op (every window holds an input pixel).
    out_size : tuple of int
        (ho, wo), computed by the op (it depends on ``ceil_mode``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The maxima (N, C, ho, wo) and their int64 flat positions ``iy * W + ix`` in each plane.
    """
    n, c = x.shape[:2]
    ho, wo = out_size
    out = np.empty((n * c, ho, wo), x.dtype)
    idx = np.empty((n * c, ho, wo), np.int64)
    if out.size:
        geom = (kernel_size[0], kernel_size[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], ho, wo)
        _pool_run("max_pool2d_forward", x.size, _planes(x), tuple(int(v) for v in geom), out,
                  idx)
    return out.reshape(n, c, ho, wo), idx.reshape(n, c, ho, wo)


def max_pool2d_backward(g: np.ndarray, idx: np.ndarray, x_shape: tuple) -> np.ndarray:
    """The gradient of :func:`max_pool2d`: ``g`` (N, C, ho, wo) scattered to the positions
    ``idx`` (same shape) in a zero array of ``x_shape`` (N, C, H, W)."""
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h * w), g.dtype)
    if g.size:
        _pool_run("max_pool2d_backward", gx.size, np.ascontiguousarray(g).reshape(n * c, -1),
                  np.ascontiguousarray(idx).reshape(n * c, -1), gx)
    return gx.reshape(x_shape)


def _avg_geom(kernel_size, stride, padding, out_size) -> tuple:
    return tuple(int(v) for v in (kernel_size[0], kernel_size[1], stride[0], stride[1],
                                  padding[0], padding[1], out_size[0], out_size[1]))


def avg_pool2d(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple,
               count_include_pad: bool, divisor_override, out_size: tuple) -> np.ndarray:
    """Average pooling of ``x`` (N, C, H, W); returns (N, C, ho, wo).

    ``divisor_override`` (a non-zero int or None) replaces the window size as divisor;
    ``count_include_pad`` counts the zero padding in the window size. The other arguments are
    as in :func:`max_pool2d`.
    """
    n, c = x.shape[:2]
    out = np.empty((n * c,) + tuple(out_size), x.dtype)
    if out.size:
        _pool_run("avg_pool2d_forward", x.size, _planes(x),
                  _avg_geom(kernel_size, stride, padding, out_size), bool(count_include_pad),
                  int(divisor_override or 0), out)
    return out.reshape((n, c) + tuple(out_size))


def avg_pool2d_backward(g: np.ndarray, x_shape: tuple, kernel_size: tuple, stride: tuple,
                        padding: tuple, count_include_pad: bool, divisor_override) -> np.ndarray:
    """The gradient of :func:`avg_pool2d`: (N, C, ho, wo) → ``x_shape`` (N, C, H, W)."""
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h, w), g.dtype)
    if g.size and gx.size:
        _pool_run("avg_pool2d_backward", gx.size, _planes(g),
                  _avg_geom(kernel_size, stride, padding, g.shape[2:]), bool(count_include_pad),
                  int(divisor_override or 0), gx)
    return gx.reshape(x_shape)
