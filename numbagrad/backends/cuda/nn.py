"""Softmax and log-softmax along one axis on the GPU, forward and vjp.

The twin of ``backends/cpu/nn.py``, with the same functions and numerics: every call is brought
to the layout ``(outer, n, inner)``, C-contiguous with the softmax axis in the middle (a view for
a contiguous input, one copy otherwise); each ``(o, i)`` pair is one row of ``n`` elements. Rows
are made stable by subtracting their maximum before ``exp``, which is taken in the input's type,
and their sums accumulate in float64. ``nan``, ``+inf`` and all ``-inf`` rows come out ``nan`` as
on the CPU.

Two kernels per direction, picked by the layout:

* **one block per row** (``inner < WARP``, softmax over the last axis above all): the block's
  threads stride along the row, so a warp reads consecutive elements when ``inner == 1``; they
  combine their maxima and float64 partial sums with a tree in shared memory
  (:func:`tree_max`, :func:`tree_sum`) and each thread writes the elements it read. Blocks
  grid-stride over rows. The block is a power of two from one warp up to ``THREADS``, just
  large enough for the row, so a 10-class row is one warp, not 256 idle threads.
* **one thread per row** (``inner >= WARP``, e.g. the class axis of ``(N, C, H, W)``): the
  thread walks its row serially, exactly as the CPU loop does; neighbouring threads own
  neighbouring ``i``, so every step of the walk reads one contiguous segment per warp. A long row
  with few columns under-fills the GPU on this path; that layout is rare.

Neither kernel uses atomics: each sum is formed in one fixed order for a given launch shape, so
results are deterministic run to run.
"""
from __future__ import annotations

import math

from numba import cuda, float64, from_dtype

from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda.memory import astype, contiguous

# Threads of a warp: the smallest block a row gets, and the ``inner`` from which neighbouring
# rows are read together (one thread per row) rather than one row per block.
WARP = 32


# ----------------------------------------------------------------------------- block reductions


def _tree_max(buf, tid, threads, half):
    """The maximum of ``buf[:threads]`` (shared memory), returned to every thread of the block:
    a tree in shared memory, ``log2(threads)`` steps, no atomics.

    Every thread of the block calls it after writing ``buf[tid]``. ``half`` is half the power of
    two at or above ``threads``: the first step folds ``buf[half:threads]`` onto the front, so
    any block size works. The comparison is ``>``, as on the CPU, so a ``nan`` already in front
    stays. ``buf`` may be written again when it returns.
    """
    cuda.syncthreads()
    while half > 0:
        if tid < half and tid + half < threads and buf[tid + half] > buf[tid]:
            buf[tid] = buf[tid + half]
        cuda.syncthreads()
        half //= 2
    result = buf[0]
    # Nobody may overwrite buf[0] before every thread has read it.
    cuda.syncthreads()
    return result


def _tree_sum(buf, tid, threads, half):
    """The sum of ``buf[:threads]`` (shared memory), returned to every thread; called as the
    maximum above. The pairing is fixed by ``threads``, so the sum is the same every run."""
    cuda.syncthreads()
    while half > 0:
        if tid < half and tid + half < threads:
            buf[tid] += buf[tid + half]
        cuda.syncthreads()
        half //= 2
    result = buf[0]
    cuda.syncthreads()
    return result


tree_max = cuda.jit(device=True)(_tree_max)
tree_sum = cuda.jit(device=True)(_tree_sum)
# The reductions' source, for the factories' closures: editing them recompiles cached kernels.
TREE_DIGEST = _jit.digest(_tree_max, _tree_sum)


def half_block(threads: int) -> int:
    """Half the power of two at or above ``threads``: the first stride of the trees above."""
    p = 1
    while p < threads:
        p *= 2
    return p // 2


def block_size(n: int) -> int:
    """Threads per block for rows of ``n`` elements: a power of two from one warp up to
    ``THREADS`` (``THREADS`` itself when smaller than a warp), at least ``n`` where it can."""
    t = WARP
    while t < n and t < _jit.THREADS:
        t *= 2
    return min(t, _jit.THREADS)


# ----------------------------------------------------------------------------- kernels


def _softmax_rows_factory(threads: int, dtype, key: str):
    half = half_block(threads)

    def softmax_rows(x, out, log):
        """Softmax (``log=False``) or log-softmax of rows ``x[o, :, i]``, one block per row.

        ``x`` and ``out`` are ``(outer, n, inner)``. Block ``b`` owns rows ``b, b + grid, ...``
        (row ``o * inner + i``); its thread ``tid`` reads and writes elements ``tid,
        tid + threads, ...`` of the row. Softmax keeps ``exp(x - max)`` in ``out`` and scales it
        by ``1 / sum`` in a second pass over the same elements, as the CPU does.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        # The maximum is kept in x's type so that x - max is computed as on the CPU.
        smax = cuda.shared.array(threads, dtype)
        ssum = cuda.shared.array(threads, float64)
        outer, n, inner = x.shape
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < outer * inner:
            o = row // inner
            i = row - o * inner
            # Every thread starts from the row's first element (not -inf), so that a leading
            # nan stays the maximum, as on the CPU.
            m = x[o, 0, i]
            for r in range(tid, n, threads):
                if x[o, r, i] > m:
                    m = x[o, r, i]
            smax[tid] = m
            m = tree_max(smax, tid, threads, half)
            s = 0.0
            for r in range(tid, n, threads):
                e = math.exp(x[o, r, i] - m)
                s += e
                if not log:
                    out[o, r, i] = e
            ssum[tid] = s
            s = tree_sum(ssum, tid, threads, half)
            if log:
                # (x - max) - log(sum), as the CPU: exact near a large max.
                lse = math.log(s)
                for r in range(tid, n, threads):
                    out[o, r, i] = (x[o, r, i] - m) - lse
            else:
                scale = 1.0 / s
                for r in range(tid, n, threads):
                    out[o, r, i] *= scale
            row += cuda.gridDim.x

    return softmax_rows


def _softmax_cols(x, out, log):
    """Softmax or log-softmax of rows ``x[o, :, i]``, one thread per row, grid-stride.

    Thread ``t`` owns rows ``t, t + gridsize, ...`` (row ``o * inner + i``) and walks each
    serially as the CPU loop does, so the sums are the CPU's, in its order.
    """
    outer, n, inner = x.shape
    row = cuda.grid(1)
    while row < outer * inner:
        o = row // inner
        i = row - o * inner
        m = x[o, 0, i]
        for r in range(1, n):
            if x[o, r, i] > m:
                m = x[o, r, i]
        s = 0.0
        for r in range(n):
            e = math.exp(x[o, r, i] - m)
            s += e
            if not log:
                out[o, r, i] = e
        if log:
            lse = math.log(s)  # (x - max) - log(sum), as the CPU
            for r in range(n):
                out[o, r, i] = (x[o, r, i] - m) - lse
        else:
            scale = 1.0 / s
            for r in range(n):
                out[o, r, i] *= scale
        row += cuda.gridsize(1)


def _softmax_vjp_rows_factory(threads: int, key: str):
    half = half_block(threads)

    def softmax_vjp_rows(g, y, out, log):
        """Input gradients of rows, one block per row, from output gradients ``g`` and outputs
        ``y`` (all ``(outer, n, inner)``).

        softmax: ``out = y * (g - sum(g * y))``; log-softmax: ``out = g - exp(y) * sum(g)``, the
        sum in float64 over the row, combined in shared memory. Threads own elements as in
        :func:`softmax_rows`.
        """
        key  # noqa: B018 - the reductions' source hash, in Numba's cache key
        ssum = cuda.shared.array(threads, float64)
        outer, n, inner = g.shape
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < outer * inner:
            o = row // inner
            i = row - o * inner
            s = 0.0
            for r in range(tid, n, threads):
                if log:
                    s += g[o, r, i]
                else:
                    s += float64(g[o, r, i]) * y[o, r, i]
            ssum[tid] = s
            s = tree_sum(ssum, tid, threads, half)
            for r in range(tid, n, threads):
                if log:
                    out[o, r, i] = g[o, r, i] - math.exp(y[o, r, i]) * s
                else:
                    out[o, r, i] = y[o, r, i] * (g[o, r, i] - s)
            row += cuda.gridDim.x

    return softmax_vjp_rows


def _softmax_vjp_cols(g, y, out, log):
    """Input gradients of rows, one thread per row, grid-stride, serial as on the CPU; formulas
    as :func:`softmax_vjp_rows`."""
    outer, n, inner = g.shape
    row = cuda.grid(1)
    while row < outer * inner:
        o = row // inner
        i = row - o * inner
        s = 0.0
        for r in range(n):
            if log:
                s += g[o, r, i]
            else:
                s += float64(g[o, r, i]) * y[o, r, i]
        for r in range(n):
            if log:
                out[o, r, i] = g[o, r, i] - math.exp(y[o, r, i]) * s
            else:
                out[o, r, i] = y[o, r, i] * (g[o, r, i] - s)
        row += cuda.gridsize(1)


_FACTORIES = {"softmax_rows": _softmax_rows_factory,
              "softmax_vjp_rows": _softmax_vjp_rows_factory}
_PLAIN = {"softmax_cols": _softmax_cols, "softmax_vjp_cols": _softmax_vjp_cols}


def _compiled(name: str, *sizes):
    """The kernel ``name``, built for closure values ``sizes``, compiled once per process."""
    def build():
        fn = _FACTORIES[name](*sizes, TREE_DIGEST) if name in _FACTORIES else _PLAIN[name]
        return _jit.kernel(fn)

    return _jit.once((_compiled, name, *sizes), build)


# ----------------------------------------------------------------------------- the twins


def _rows(x, dim: int):
    """``x`` as C-contiguous ``(outer, n, inner)`` with axis ``dim`` in the middle (a view for a
    contiguous ``x``, else of one copy)."""
    x = contiguous(x)
    if x.ndim == 0:
        return _array.reshape_contiguous(x, (1, 1, 1))
    outer = math.prod(x.shape[:dim])
    inner = math.prod(x.shape[dim + 1:])
    return _array.reshape_contiguous(x, (outer, x.shape[dim], inner))


def _launch(name: str, x3, *args) -> None:
    """Run kernel ``name`` over the rows of ``x3``: its ``_cols`` form, one thread per row, when
    neighbouring rows lie side by side (``inner >= WARP``); else its ``_rows`` form, one block
    per row, the block sized to the row."""
    outer, n, inner = x3.shape
    rows = outer * inner
    if inner >= WARP:
        _jit.launch(_compiled(name + "_cols"), rows, x3, *args)
        return
    threads = block_size(n)
    # The forward keeps the row maximum in shared memory of x's type: one kernel per dtype.
    sizes = (threads, from_dtype(x3.dtype)) if name == "softmax" else (threads,)
    _jit.launch(_compiled(name + "_rows", *sizes), rows, x3, *args, threads=threads,
                grid=_jit.blocks(rows, 1))


def _forward(x, dim: int, log: bool):
    out = _array.empty(x.shape, x.dtype)
    if x.size == 0:
        return out
    x3 = _rows(x, dim)
    _launch("softmax", x3, _array.reshape_contiguous(out, x3.shape), log)
    return out


def _vjp(g, y, dim: int, log: bool):
    out = _array.empty(y.shape, y.dtype)
    if y.size == 0:
        return out
    if g.dtype != y.dtype:
        g = astype(g, y.dtype)
    y3 = _rows(y, dim)
    _launch("softmax_vjp", _rows(g, dim), y3, _array.reshape_contiguous(out, y3.shape), log)
    return out


def softmax(x, dim: int):
    """``exp(x) / sum(exp(x))`` along axis ``dim``, stable for large ``|x|``.

    Parameters
    ----------
    x : device array
        Floating, any strides (non-contiguous inputs are copied once).
    dim : int
        A valid non-negative axis (0 for a 0-d ``x``).

    Returns
    -------
    device array
        C-contiguous, ``x``'s shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from numbagrad.backends.cuda import _array
    >>> y = softmax(_array.to_device(np.array([[0.0, np.log(3.0)]])), 1)
    >>> np.round(_array.to_host(y), 6).tolist()
    [[0.25, 0.75]]
    """
    return _forward(x, dim, False)


def log_softmax(x, dim: int):
    """``x - max - log(sum(exp(x - max)))`` along axis ``dim``; arguments as :func:`softmax`."""
    return _forward(x, dim, True)


def softmax_vjp(g, y, dim: int):
    """Input gradient of softmax: ``y * (g - sum(g * y))`` along ``dim``; ``y`` is the output.

    ``g`` (any strides, converted to ``y``'s dtype) and ``y`` share a shape; the result is
    C-contiguous in ``y``'s shape and dtype.
    """
    return _vjp(g, y, dim, False)


def log_softmax_vjp(g, y, dim: int):
    """Input gradient of log-softmax: ``g - exp(y) * sum(g)`` along ``dim``; ``y`` is the output.

    Arguments as :func:`softmax_vjp`.
    """
    return _vjp(g, y, dim, True)
