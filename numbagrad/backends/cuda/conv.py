"""2-D convolution and pooling for the GPU, forward and backward.

The twin of ``backends/cpu/conv.py``: the same functions, arguments and results. Arrays are
``(N, C, H, W)`` device arrays (the op brings unbatched inputs to ``N = 1``); inputs may be
strided views, which the kernels index at their own strides, and results are C-contiguous.

Convolution is an implicit GEMM, one tiled kernel template (:func:`_gemm_template`) with three
pairs of loaders, so no im2col matrix is ever written to memory:

=================  ===================  =====================  ==========================
product            rows ``m``           columns ``q``          reduction ``k``
=================  ===================  =====================  ==========================
forward            out channel ``o``    pixel ``(n, y, x)``    tap ``(c, i, j)``
input gradient     in channel ``c``     pixel ``(n, iy, ix)``  ``(o, i, j)``
weight gradient    out channel ``o``    tap ``(c, i, j)``      position ``(n, y, x)``
=================  ===================  =====================  ==========================

each within one group. The input gradient is a gather, not col2im's scatter: an input pixel
sums the output positions whose window touches it (``(iy + ph - i*dh) / sh`` an integer in
range), so every thread owns the element it writes and nothing is added atomically. The weight
gradient's long reduction over positions is cut into ``S`` fixed slices (split-K) written to a
float64 buffer and summed in slice order by a second kernel: enough blocks to fill the GPU, and
the same bits on every run. As on the CPU, the forward and input gradient accumulate in the
input's dtype (the CPU's BLAS does) and the weight and bias gradients in float64.

Pooling is one thread per output element forward and, for average pooling, one thread per
input element backward (a gather over the windows that hold it). Max pooling's backward gets
only the saved indices, not the window geometry, so it cannot gather: one block owns each plane
and scatters its gradient in chunks; inside a chunk, the first thread of each target sums the
others' values in output order (see :func:`_max_pool2d_backward_template`), again without
atomics.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import cuda

from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import contiguous, zeros

# The weight gradient's reduction over positions is split until about this many blocks run:
# two per SM of a 132-SM H100. Each slice keeps at least SPLIT_MIN_TILES tiles of the
# reduction, so that the float64 partial buffer and the second pass stay small.
WEIGHT_GRAD_BLOCKS = 264
SPLIT_MIN_TILES = 4
# Threads per block of max pooling's backward: each thread compares its target with every
# other thread's of the chunk, so chunks are kept short.
POOL_SCATTER_THREADS = 64



# ----------------------------------------------------------------------------- tiled GEMM


def _tile_shape(threads: int) -> tuple:
    """``(bm, bn, bk)`` for a block of about ``threads`` threads, one output each.

    ``bn`` (pixels or taps: the columns) is a warp wide, so a warp's loads and stores along it
    touch consecutive addresses; ``bm = threads // bn`` rows share each loaded column; ``bk``
    divides ``bn`` (both powers of two) so that the tile loaders below cover their tiles.
    """
    bn = 1
    while bn * 2 <= min(threads, 32):
        bn *= 2
    return max(1, threads // bn), bn, min(16, bn)


def _gemm_template(load_a, load_b, store, acc_type, b_k_fast, bm, bn, bk):
    threads = bm * bn
    # Shared-memory shapes must be compile-time constants: computed here, closure values.
    a_shape, b_shape = (bm, bk + 1), (bk, bn + 1)

    def gemm(a_src, b_src, dst, extra, geom, dims):
        """``dst = A @ B`` per group, tile by tile; A and B are read through the loaders.

        ``dims = (groups, M, N, K, S)``. Block ``b`` (grid-stride) owns output tiles ``b, b +
        gridDim, ...`` of ``bm x bn`` elements, enumerated column tile fastest (neighbouring
        blocks share their A tile in L2), then row tile, then reduction slice ``s`` of ``S``
        (``k`` in ``[s*K//S, (s+1)*K//S)``), then group. Thread ``(tm, tn)`` owns element
        ``(m0 + tm, n0 + tn)`` of its tile: it accumulates over ``bk``-deep slabs of A and B
        staged in shared memory, which every thread of the block helps fill (a loader writes
        one element of a slab), and hands the sum to ``store``. Consecutive threads fill A
        along ``k`` (weights, and the gradient's positions, are contiguous there) and B along
        ``k`` or along its columns (``b_k_fast``), whichever is contiguous in B's source; the
        ``+ 1`` column avoids bank conflicts when a slab is written down a column. Elements
        out of range are staged as 0. In the product loop a warp reads one row of ``a_sh``
        (a broadcast) and consecutive columns of ``b_sh``.
        """
        a_sh = cuda.shared.array(a_shape, acc_type)
        b_sh = cuda.shared.array(b_shape, acc_type)
        groups, m_size, n_size, k_size, splits = dims
        tid = cuda.threadIdx.x
        tm = tid // bn
        tn = tid - tm * bn
        tiles_m = (m_size + bm - 1) // bm
        tiles_n = (n_size + bn - 1) // bn
        tile = cuda.blockIdx.x
        while tile < groups * splits * tiles_m * tiles_n:  # the same trip count for the block
            r = tile // tiles_n
            n0 = (tile - r * tiles_n) * bn
            m0 = (r % tiles_m) * bm
            r //= tiles_m
            s = r % splits
            gi = r // splits
            k_lo = s * k_size // splits
            k_hi = (s + 1) * k_size // splits
            acc = acc_type(0)
            for k0 in range(k_lo, k_hi, bk):
                kk = tid % bk
                for mm in range(tid // bk, bm, threads // bk):
                    m, k = m0 + mm, k0 + kk
                    if m < m_size and k < k_hi:
                        load_a(a_src, geom, dims, gi, m, k, a_sh, mm, kk)
                    else:
                        a_sh[mm, kk] = 0
                if b_k_fast:
                    kk = tid % bk
                    for nn in range(tid // bk, bn, threads // bk):
                        k, q = k0 + kk, n0 + nn
                        if k < k_hi and q < n_size:
                            load_b(b_src, geom, dims, gi, k, q, b_sh, kk, nn)
                        else:
                            b_sh[kk, nn] = 0
                else:
                    nn = tid % bn
                    for kk in range(tid // bn, bk, threads // bn):
                        k, q = k0 + kk, n0 + nn
                        if k < k_hi and q < n_size:
                            load_b(b_src, geom, dims, gi, k, q, b_sh, kk, nn)
                        else:
                            b_sh[kk, nn] = 0
                cuda.syncthreads()
                for kk in range(bk):
                    acc += a_sh[tm, kk] * b_sh[kk, tn]
                cuda.syncthreads()  # the slabs are refilled next
            if m0 + tm < m_size and n0 + tn < n_size:
                store(dst, extra, geom, dims, gi, s, m0 + tm, n0 + tn, acc)
            tile += cuda.gridDim.x

    return gemm


def _gemm(name: str, loaders: tuple, acc_dtype, b_k_fast: bool):
    """The compiled GEMM ``name`` for accumulator ``acc_dtype`` and the current launch shape,
    and its tile shape ``(bm, bn, bk)``."""
    tiles = _tile_shape(_jit.THREADS)

    def build():
        load_a, load_b, store = (_jit.device_function(f) for f in loaders)
        return _jit.kernel(_gemm_template(
            load_a, load_b, store, numba.from_dtype(np.dtype(acc_dtype)), b_k_fast, *tiles))

    return _jit.once((_gemm_template, name, np.dtype(acc_dtype), tiles), build), tiles


def _run_gemm(compiled, tiles: tuple, a_src, b_src, dst, extra, geom: tuple, dims: tuple):
    bm, bn, _ = tiles
    groups, m_size, n_size, _, splits = dims
    n_tiles = groups * splits * -(-m_size // bm) * -(-n_size // bn)
    _jit.launch(compiled, n_tiles, a_src, b_src, dst, extra, geom, dims, threads=bm * bn,
                grid=_jit.blocks(n_tiles, 1))


# ----------------------------------------------------------------------------- conv loaders
# A loader writes element ``(r, c)`` of group ``gi``'s A or B into ``tile[tr, tc]`` (writing,
# not returning, keeps a float32 value float32: a returned literal 0 would make it float64);
# a store writes one result (``extra``: the forward's bias, unused by the others). ``geom`` is
# ``(kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, H, W)``, ``dims`` the GEMM's ``(groups, M, N, K,
# S)``. A thread's loop over its slab keeps one of ``r``, ``c`` fixed, so the compiler hoists
# that coordinate's decoding out of the loop.


def _pixel(x, geom, groups, gi, tap, pos, tile, tr, tc):
    """The pixel of ``x`` that tap ``(c, i, j)`` of output position ``(n, y, xo)`` of group
    ``gi`` reads (both flat), 0 in the padding."""
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, height, width = geom
    n = pos // (ho * wo)
    r = pos - n * ho * wo
    y = r // wo
    c = tap // (kh * kw)
    t = tap - c * kh * kw
    i = t // kw
    iy = y * sh - ph + i * dh
    ix = (r - y * wo) * sw - pw + (t - i * kw) * dw
    if iy < 0 or iy >= height or ix < 0 or ix >= width:
        tile[tr, tc] = 0
    else:
        tile[tr, tc] = x[n, gi * (x.shape[1] // groups) + c, iy, ix]


_pixel = cuda.jit(device=True)(_pixel)


def _weight_row(w2, geom, dims, gi, m, k, tile, tr, tc):
    """Forward A: tap ``k`` of output channel ``gi*og + m``; ``w2`` is (O, C/G*kh*kw)."""
    tile[tr, tc] = w2[gi * dims[1] + m, k]


def _input_tap(x, geom, dims, gi, k, q, tile, tr, tc):
    """Forward B: what tap ``k`` of output pixel ``q`` reads."""
    _pixel(x, geom, dims[0], gi, k, q, tile, tr, tc)


def _conv_out(out, b, geom, dims, gi, s, m, q, acc):
    """Forward store: ``out[n, o, y, x] = acc + b[o]`` (no bias when ``b`` is empty)."""
    ho, wo = geom[8], geom[9]
    n = q // (ho * wo)
    r = q - n * ho * wo
    y = r // wo
    o = gi * dims[1] + m
    if b.shape[0] > 0:
        acc += b[o]
    out[n, o, y, r - y * wo] = acc


def _weight_col(w2, geom, dims, gi, m, k, tile, tr, tc):
    """Input-gradient A: ``w[gi*og + o, m, i, j]`` for ``k = (o, i, j)``; ``w2`` is (O,
    C/G*kh*kw)."""
    taps = geom[0] * geom[1]
    o = k // taps
    tile[tr, tc] = w2[gi * (w2.shape[0] // dims[0]) + o, m * taps + k - o * taps]


def _grad_tap(g, geom, dims, gi, k, q, tile, tr, tc):
    """Input-gradient B: ``g[n, gi*og + o, y, xo]`` for ``k = (o, i, j)`` when window
    ``(y, xo)`` reads input pixel ``q = (n, iy, ix)`` at tap ``(i, j)``, else 0.

    Window ``y`` reads row ``y*sh - ph + i*dh``: it reads ``iy`` when ``iy + ph - i*dh`` is a
    multiple of ``sh`` in ``[0, ho*sh)`` (and the same along columns).
    """
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, height, width = geom
    o = k // (kh * kw)
    t = k - o * kh * kw
    i = t // kw
    n = q // (height * width)
    r = q - n * height * width
    iy = r // width
    ty = iy + ph - i * dh
    tx = r - iy * width + pw - (t - i * kw) * dw
    y = ty // sh
    xo = tx // sw
    if ty < 0 or tx < 0 or y * sh != ty or xo * sw != tx or y >= ho or xo >= wo:
        tile[tr, tc] = 0
    else:
        tile[tr, tc] = g[n, gi * (g.shape[1] // dims[0]) + o, y, xo]


def _input_grad_out(gx, extra, geom, dims, gi, s, m, q, acc):
    """Input-gradient store: ``gx[n, gi*cg + m, iy, ix] = acc``."""
    height, width = geom[10], geom[11]
    n = q // (height * width)
    r = q - n * height * width
    iy = r // width
    gx[n, gi * dims[1] + m, iy, r - iy * width] = acc


def _grad_pos(g, geom, dims, gi, m, k, tile, tr, tc):
    """Weight-gradient A: ``g[n, gi*og + m, y, xo]`` at position ``k = (n, y, xo)``."""
    ho, wo = geom[8], geom[9]
    n = k // (ho * wo)
    r = k - n * ho * wo
    y = r // wo
    tile[tr, tc] = g[n, gi * dims[1] + m, y, r - y * wo]


def _input_pos(x, geom, dims, gi, k, q, tile, tr, tc):
    """Weight-gradient B: what tap ``q`` reads at output position ``k``."""
    _pixel(x, geom, dims[0], gi, q, k, tile, tr, tc)


def _weight_grad_part(part, extra, geom, dims, gi, s, m, q, acc):
    """Weight-gradient store: slice ``s``'s float64 partial sum for ``w[gi*og + m]``, tap
    ``q``; ``part`` is (S, O, C/G*kh*kw)."""
    part[s, gi * dims[1] + m, q] = acc


def _sum_splits(part, out):
    """``out[e] = sum over s of part[s, e]``, in slice order, in float64, then ``out``'s dtype.

    ``part`` (S, E) float64, ``out`` (E,). Thread ``e`` (grid-stride) owns ``out[e]``;
    consecutive threads read consecutive addresses of each slice.
    """
    e = cuda.grid(1)
    while e < out.shape[0]:
        s = 0.0
        for t in range(part.shape[0]):
            s += part[t, e]
        out[e] = s
        e += cuda.gridsize(1)


def _bias_template(threads):
    def conv2d_backward_bias(g, gb):
        """``gb[o] = sum over n, y, x of g[n, o, y, x]`` in float64.

        Block ``b`` (grid-stride) owns ``gb[o]`` for ``o = b, b + gridDim, ...``: its threads
        stride over the ``(n, y, x)`` positions (consecutive threads, consecutive addresses),
        then halve their partial sums in shared memory. The order of additions is fixed by
        the shapes, so the sum is the same on every run; no atomics.
        """
        part = cuda.shared.array(threads, numba.float64)
        tid = cuda.threadIdx.x
        n_img, n_out, ho, wo = g.shape
        per = ho * wo
        o = cuda.blockIdx.x
        while o < n_out:
            s = 0.0
            for e in range(tid, n_img * per, threads):
                n = e // per
                r = e - n * per
                y = r // wo
                s += g[n, o, y, r - y * wo]
            part[tid] = s
            cuda.syncthreads()
            width = threads
            while width > 1:
                half = (width + 1) // 2
                if tid < width - half:
                    part[tid] += part[tid + half]
                cuda.syncthreads()
                width = half
            if tid == 0:
                gb[o] = part[0]
            cuda.syncthreads()  # part is refilled for the next channel
            o += cuda.gridDim.x

    return conv2d_backward_bias


def _cached(name: str, build, *sizes):
    """The kernel ``name`` built by ``build(*sizes)`` (compile-time sizes), compiled once."""
    return _jit.once((build, name) + sizes, lambda: _jit.kernel(build(*sizes)))


def _geom(w_shape, stride, padding, dilation, out_size, in_size) -> tuple:
    return tuple(int(v) for v in (w_shape[2], w_shape[3], stride[0], stride[1], padding[0],
                                  padding[1], dilation[0], dilation[1], out_size[0],
                                  out_size[1], in_size[0], in_size[1]))


def _weights_2d(w):
    """``w`` (O, C/G, kh, kw) as a C-contiguous (O, C/G*kh*kw) array (a copy only when ``w``
    is a strided view; weights are small)."""
    return _array.reshape_contiguous(contiguous(w),
                                     (w.shape[0], w.shape[1] * w.shape[2] * w.shape[3]))


def conv2d(x, w, b, stride: tuple, padding: tuple, dilation: tuple, groups: int,
           out_size: tuple):
    """Cross-correlation of ``x`` with ``w`` (torch's conv2d), plus ``b``.

    Parameters
    ----------
    x : device array
        (N, C, H, W), floating.
    w : device array
        (O, C / groups, kh, kw), ``x``'s dtype.
    b : device array or None
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
    device array
        (N, O, ho, wo), C-contiguous, summed in ``x``'s dtype.
    """
    n, _, height, width = x.shape
    o = w.shape[0]
    ho, wo = out_size
    out = _array.empty((n, o, ho, wo), x.dtype)
    if out.size == 0:
        return out
    kg = w.shape[1] * w.shape[2] * w.shape[3]
    bias = _array.empty((0,), x.dtype) if b is None else b
    compiled, tiles = _gemm("conv2d", (_weight_row, _input_tap, _conv_out), x.dtype, False)
    _run_gemm(compiled, tiles, _weights_2d(w), x, out, bias,
              _geom(w.shape, stride, padding, dilation, out_size, (height, width)),
              (groups, o // groups, n * ho * wo, kg, 1))
    return out


def conv2d_backward_input(g, w, x_shape: tuple, stride: tuple, padding: tuple,
                          dilation: tuple, groups: int):
    """The gradient of :func:`conv2d` with respect to its input.

    Parameters
    ----------
    g : device array
        (N, O, ho, wo), the output's gradient.
    w : device array
        (O, C / groups, kh, kw).
    x_shape : tuple
        (N, C, H, W).
    stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    device array
        ``x_shape``, ``g``'s dtype, summed in that dtype.
    """
    n, c, height, width = (int(v) for v in x_shape)
    o, ho, wo = g.shape[1:]
    if g.size == 0 or n * c * height * width == 0:
        return zeros((n, c, height, width), g.dtype)
    gx = _array.empty((n, c, height, width), g.dtype)
    compiled, tiles = _gemm("conv2d_backward_input", (_weight_col, _grad_tap, _input_grad_out),
                            g.dtype, False)
    _run_gemm(compiled, tiles, _weights_2d(w), g, gx, gx,
              _geom(w.shape, stride, padding, dilation, (ho, wo), (height, width)),
              (groups, c // groups, n * height * width, o // groups * w.shape[2] * w.shape[3],
               1))
    return gx


def _splits(k_size: int, tiles: int, bk: int) -> int:
    """Slices of the weight gradient's reduction (length ``k_size``) for ``tiles`` output
    tiles: about WEIGHT_GRAD_BLOCKS blocks in all, at least SPLIT_MIN_TILES slabs a slice."""
    most = max(1, k_size // (SPLIT_MIN_TILES * bk))
    return max(1, min(most, WEIGHT_GRAD_BLOCKS // tiles))


def conv2d_backward_weight(g, x, w_shape: tuple, stride: tuple, padding: tuple,
                           dilation: tuple, groups: int) -> tuple:
    """The gradients of :func:`conv2d` with respect to its weight and its bias.

    Parameters
    ----------
    g : device array
        (N, O, ho, wo), the output's gradient.
    x : device array
        (N, C, H, W), the input.
    w_shape : tuple
        (O, C / groups, kh, kw).
    stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    (device array, device array)
        The weight's gradient (``w_shape``) and the bias's (O,), in ``g``'s dtype, both
        accumulated in float64.
    """
    o, cg, kh, kw = (int(v) for v in w_shape)
    n, _, height, width = x.shape
    ho, wo = g.shape[2:]
    gb = conv2d_backward_bias(g)
    taps = cg * kh * kw
    if g.size == 0 or taps == 0:
        return zeros((o, cg, kh, kw), g.dtype), gb
    compiled, tiles = _gemm("conv2d_backward_weight", (_grad_pos, _input_pos, _weight_grad_part),
                            np.float64, True)
    bm, bn, bk = tiles
    splits = _splits(n * ho * wo, groups * -(-(o // groups) // bm) * -(-taps // bn), bk)
    part = _array.empty((splits, o, taps), np.float64)
    _run_gemm(compiled, tiles, g, x, part, part,
              _geom(w_shape, stride, padding, dilation, (ho, wo), (height, width)),
              (groups, o // groups, taps, n * ho * wo, splits))
    gw = _array.empty((o, cg, kh, kw), g.dtype)
    _jit.launch(_cached("sum_splits", lambda: _sum_splits), gw.size,
                _array.reshape_contiguous(part, (splits, gw.size)), _array.flat(gw))
    return gw, gb


def conv2d_backward_bias(g):
    """The gradient of :func:`conv2d`'s bias: ``g`` (N, O, ho, wo) summed to (O,), in float64
    then ``g``'s dtype."""
    o = g.shape[1]
    gb = _array.empty((o,), g.dtype)
    if o:
        threads = _jit.THREADS
        _jit.launch(_cached("conv2d_backward_bias", _bias_template, threads), o, g, gb,
                    threads=threads, grid=_jit.blocks(o, 1))
    return gb


# ----------------------------------------------------------------------------- pooling


def _max_pool2d_forward(x, geom, out, idx):
    """The maximum of each window, and where it is; thread ``e`` (grid-stride) owns output
    element ``e`` of ``out`` and ``idx`` (N, C, ho, wo), consecutive threads along a row.

    Positions in the padding are skipped, as if they held -inf. As on the CPU (and in torch),
    the first element of the window wins ties, a nan wins over numbers (the last nan), ``idx``
    is the flat position ``iy * W + ix`` in the plane, and a window wholly in the padding gives
    -inf at index -1. The maximum is kept in ``x``'s dtype: no float64 compare for float32.
    """
    kh, kw, sh, sw, ph, pw, dh, dw, ho, wo = geom
    n_img, n_ch, height, width = x.shape
    e = cuda.grid(1)
    while e < n_img * n_ch * ho * wo:
        r = e // wo
        xo = e - r * wo
        p = r // ho
        y = r - p * ho
        n = p // n_ch
        c = p - n * n_ch
        best = x[n, c, 0, 0]  # only gives ``best`` x's dtype: the window's first pixel
        arg = -1              # replaces it (arg < 0), whatever either holds
        for i in range(kh):
            iy = y * sh - ph + i * dh
            if 0 <= iy < height:
                for j in range(kw):
                    ix = xo * sw - pw + j * dw
                    if 0 <= ix < width:
                        v = x[n, c, iy, ix]
                        if arg < 0 or v > best or math.isnan(v):
                            best = v
                            arg = iy * width + ix
        out[n, c, y, xo] = best if arg >= 0 else -math.inf
        idx[n, c, y, xo] = arg
        e += cuda.gridsize(1)


def _max_pool2d_backward_template(threads):
    def max_pool2d_backward(g, idx, gx):
        """``gx[n, c, idx[n, c, y, x]] += g[n, c, y, x]``; ``gx`` (N, C, H, W) arrives zeroed.

        Windows may overlap, so several outputs can send their gradient to one pixel; which
        ones is known only from ``idx``. Block ``b`` (grid-stride) owns plane ``p`` (all of
        ``gx[n, c]``) and walks its outputs in chunks of ``threads``: each thread stages one
        output's target and value in shared memory, then the first thread of each target
        (index -1: none) adds the values of its chunk for that target, in output order, to
        ``gx``. No two threads write one element, and the order of additions is fixed: no
        atomics, the same bits on every run.
        """
        target = cuda.shared.array(threads, numba.int64)
        value = cuda.shared.array(threads, numba.float64)
        tid = cuda.threadIdx.x
        n_img, n_ch, ho, wo = g.shape
        width = gx.shape[3]
        p = cuda.blockIdx.x
        while p < n_img * n_ch:
            n = p // n_ch
            c = p - n * n_ch
            for base in range(0, ho * wo, threads):
                q = base + tid
                t = -1
                v = 0.0
                if q < ho * wo:
                    y = q // wo
                    t = idx[n, c, y, q - y * wo]
                    v = g[n, c, y, q - y * wo]
                target[tid] = t
                value[tid] = v
                cuda.syncthreads()
                first = t >= 0
                for lane in range(tid):
                    if target[lane] == t:
                        first = False
                        break
                if first:
                    for lane in range(tid + 1, threads):
                        if target[lane] == t:
                            v += value[lane]
                    iy = t // width
                    gx[n, c, iy, t - iy * width] += v
                cuda.syncthreads()  # target and value are refilled next
            p += cuda.gridDim.x

    return max_pool2d_backward


def _avg_window(y, size, k, s, pad):
    """Window ``y`` along one axis: ``(start, end, extent)``, clipped to the input, where
    ``extent`` counts the padding inside the window (torch's pool size with padding)."""
    start = y * s - pad
    end = min(start + k, size + pad)
    return max(start, 0), min(end, size), end - start


def _avg_divisor(hs, he, hext, ws, we, wext, count_include_pad, divisor):
    """``divisor`` unless it is 0, else the window's size with the padding or without."""
    if divisor != 0:
        return divisor
    if count_include_pad:
        return hext * wext
    return (he - hs) * (we - ws)


_avg_window = cuda.jit(device=True)(_avg_window)
_avg_divisor = cuda.jit(device=True)(_avg_divisor)


def _avg_pool2d_forward(x, geom, count_include_pad, divisor, out):
    """The mean of each window, summed in float64; thread ``e`` (grid-stride) owns output
    element ``e`` of ``out`` (N, C, ho, wo). ``geom`` is ``(kh, kw, sh, sw, ph, pw, ho,
    wo)``."""
    kh, kw, sh, sw, ph, pw, ho, wo = geom
    n_img, n_ch, height, width = x.shape
    e = cuda.grid(1)
    while e < n_img * n_ch * ho * wo:
        r = e // wo
        xo = e - r * wo
        p = r // ho
        y = r - p * ho
        n = p // n_ch
        c = p - n * n_ch
        hs, he, hext = _avg_window(y, height, kh, sh, ph)
        ws, we, wext = _avg_window(xo, width, kw, sw, pw)
        s = 0.0
        for iy in range(hs, he):
            for ix in range(ws, we):
                s += x[n, c, iy, ix]
        if hs >= he or ws >= we:
            out[n, c, y, xo] = 0
        else:
            out[n, c, y, xo] = s / _avg_divisor(hs, he, hext, ws, we, wext,
                                                count_include_pad, divisor)
        e += cuda.gridsize(1)


def _avg_pool2d_backward(g, geom, count_include_pad, divisor, gx):
    """Each input pixel gathers ``g / divisor`` from every window that holds it, in float64.

    Thread ``e`` (grid-stride) owns element ``e`` of ``gx`` (N, C, H, W): no two threads write
    one element, no atomics. Window ``y`` starts at row ``y*sh - ph`` and holds ``kh`` rows, so
    row ``iy`` lies in windows ``(iy + ph - kh) // sh + 1`` to ``(iy + ph) // sh`` (the same
    along columns); clipping a window to the input never drops an input pixel.
    """
    kh, kw, sh, sw, ph, pw, ho, wo = geom
    n_img, n_ch, height, width = gx.shape
    e = cuda.grid(1)
    while e < n_img * n_ch * height * width:
        r = e // width
        ix = e - r * width
        p = r // height
        iy = r - p * height
        n = p // n_ch
        c = p - n * n_ch
        s = 0.0
        for y in range(max((iy + ph - kh) // sh + 1, 0), min((iy + ph) // sh + 1, ho)):
            hs, he, hext = _avg_window(y, height, kh, sh, ph)
            for xo in range(max((ix + pw - kw) // sw + 1, 0), min((ix + pw) // sw + 1, wo)):
                ws, we, wext = _avg_window(xo, width, kw, sw, pw)
                s += g[n, c, y, xo] / _avg_divisor(hs, he, hext, ws, we, wext,
                                                   count_include_pad, divisor)
        gx[n, c, iy, ix] = s
        e += cuda.gridsize(1)


def max_pool2d(x, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
               out_size: tuple) -> tuple:
    """Max pooling of ``x`` (N, C, H, W) over windows of ``kernel_size``.

    Parameters
    ----------
    x : device array
        (N, C, H, W), floating.
    kernel_size, stride, padding, dilation : tuple of int
        (vertical, horizontal); checked by the op (every window holds an input pixel).
    out_size : tuple of int
        (ho, wo), computed by the op (it depends on ``ceil_mode``).

    Returns
    -------
    (device array, device array)
        The maxima (N, C, ho, wo) and their int64 flat positions ``iy * W + ix`` in each plane.
    """
    n, c = x.shape[:2]
    ho, wo = (int(v) for v in out_size)
    out = _array.empty((n, c, ho, wo), x.dtype)
    idx = _array.empty((n, c, ho, wo), np.int64)
    if out.size:
        geom = tuple(int(v) for v in (kernel_size[0], kernel_size[1], stride[0], stride[1],
                                      padding[0], padding[1], dilation[0], dilation[1], ho, wo))
        _jit.launch(_cached("max_pool2d", lambda: _max_pool2d_forward), out.size, x, geom,
                    out, idx)
    return out, idx


def max_pool2d_backward(g, idx, x_shape: tuple):
    """The gradient of :func:`max_pool2d`: ``g`` (N, C, ho, wo) scattered to the positions
    ``idx`` (same shape) in a zero array of ``x_shape`` (N, C, H, W)."""
    x_shape = tuple(int(v) for v in x_shape)
    gx = zeros(x_shape, g.dtype)
    if g.size and gx.size:
        threads = min(_jit.THREADS, POOL_SCATTER_THREADS)
        planes = x_shape[0] * x_shape[1]
        _jit.launch(_cached("max_pool2d_backward", _max_pool2d_backward_template, threads),
                    planes, g, idx, gx, threads=threads, grid=_jit.blocks(planes, 1))
    return gx


def _avg_geom(kernel_size, stride, padding, out_size) -> tuple:
    return tuple(int(v) for v in (kernel_size[0], kernel_size[1], stride[0], stride[1],
                                  padding[0], padding[1], out_size[0], out_size[1]))


def avg_pool2d(x, kernel_size: tuple, stride: tuple, padding: tuple, count_include_pad: bool,
               divisor_override, out_size: tuple):
    """Average pooling of ``x`` (N, C, H, W); returns (N, C, ho, wo).

    ``divisor_override`` (a non-zero int or None) replaces the window size as divisor;
    ``count_include_pad`` counts the zero padding in the window size. The other arguments are
    as in :func:`max_pool2d`.
    """
    n, c = x.shape[:2]
    out = _array.empty((n, c) + tuple(int(v) for v in out_size), x.dtype)
    if out.size:
        _jit.launch(_cached("avg_pool2d", lambda: _avg_pool2d_forward), out.size, x,
                    _avg_geom(kernel_size, stride, padding, out_size), bool(count_include_pad),
                    int(divisor_override or 0), out)
    return out


def avg_pool2d_backward(g, x_shape: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
                        count_include_pad: bool, divisor_override):
    """The gradient of :func:`avg_pool2d`: (N, C, ho, wo) → ``x_shape`` (N, C, H, W)."""
    x_shape = tuple(int(v) for v in x_shape)
    if g.size == 0 or 0 in x_shape:
        return zeros(x_shape, g.dtype)
    gx = _array.empty(x_shape, g.dtype)
    _jit.launch(_cached("avg_pool2d_backward", lambda: _avg_pool2d_backward), gx.size, g,
                _avg_geom(kernel_size, stride, padding, g.shape[2:]), bool(count_include_pad),
                int(divisor_override or 0), gx)
    return gx
