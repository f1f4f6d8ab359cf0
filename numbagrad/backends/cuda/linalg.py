"""Matrix products on the GPU: a tiled, register-blocked GEMM written with ``numba.cuda``.

The twin of ``backends/cpu/linalg.py``, with the same :func:`matmul`. The CPU hands its
products to BLAS; here the kernel is ours, the classic shared-memory SGEMM:

* Each block owns a ``BM x BN`` tile of one output matrix. It walks the inner dimension in
  steps of ``BK``: its threads copy an ``BM x BK`` panel of ``a`` and a ``BK x BN`` panel of
  ``b`` into shared memory, then each thread multiplies its own ``TM x TN`` micro-tile out of
  shared memory into registers. One value read from shared memory feeds ``TN`` (or ``TM``)
  multiply-adds, which is what makes the kernel bound by arithmetic rather than by loads.
* A thread's micro-tile is strided, not packed: thread ``(ty, tx)`` owns rows
  ``ty + i * BM/TM`` and columns ``tx + j * BN/TN``. Neighbouring threads of a warp then read
  neighbouring shared-memory words (no bank conflicts) and write neighbouring output elements
  (coalesced stores).
* Layouts. Operands are read through their element strides: a transposed view (``x.t()``, the
  vjp's ``b^T``, ``linear``'s ``w^T``), a slice or a broadcast batch is never copied. The panel
  copy picks, per operand, the thread order that walks global memory contiguously (along ``k``
  for a row-major ``a``, along rows for a transposed one).
* Batches. Blocks take tiles from one flat list (output matrix, tile row, tile column) in a
  grid-stride loop, so any batch and any size runs with a bounded grid. Broadcast batch
  dimensions have stride 0. As on the CPU, when ``b`` is a single matrix and ``a``'s batch and
  row dimensions merge into one, the batch folds into rows: one taller product, fuller tiles.
* Numerics. Sums accumulate in the operands' dtype with fused multiply-adds, as cuBLAS (and the
  CPU's BLAS) do for float32; integer products wrap on overflow, as on the CPU.

Edges: panels are zero-filled past the matrix edges (a product of two padded zeros adds an exact
zero, so no NaN leaks in), and only in-range outputs are written.
"""
from __future__ import annotations

import numpy as np
from numba import cuda, from_dtype

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import MAX_BLOCKS, digest, kernel, launch, once
from numbagrad.backends.cuda.elementwise import map as map_
from numbagrad.backends.cuda.memory import zeros
from numbagrad.backends.cuda.reduce import sum as sum_
from numbagrad.backends.cuda.shape import basic_index
from numbagrad.backends.layout import broadcast_strides, collapse
from numbagrad.ops.scalar import add

# (BM, BN, BK, TM, TN): a 64x64 output tile per block, 4x4 outputs per thread, 256 threads.
# Under the simulator every CUDA thread is a Python thread: an 8x8 tile of 16 threads keeps the
# tests fast while small matrices still span several tiles (and several grid-stride turns).
TILES = (8, 8, 4, 2, 2) if _array.SIMULATED else (64, 64, 8, 4, 4)


@cuda.jit(device=True)
def _fma(x, y, acc):
    """``x * y + acc`` rounded once (a float multiply-add, as BLAS does it)."""
    return cuda.fma(x, y, acc)


@cuda.jit(device=True)
def _mul_add(x, y, acc):
    """``x * y + acc`` for integers (wrapping on overflow)."""
    return x * y + acc


def _gemm_template(dtype, mac, key, bm: int, bn: int, bk: int, tm: int, tn: int):
    """The GEMM kernel for element type ``dtype`` and tile sizes, as closure constants (shared
    and local array sizes must be known at compile time); ``key`` hashes ``mac``'s source."""
    rx, ry = bn // tn, bm // tm       # threads along a tile's columns and rows
    nthreads = rx * ry
    # Padding each shared panel row by 32 / BK words puts the BK threads that store one row's
    # k-values (row-major ``a``, transposed ``b``) in distinct banks.
    pad = max(1, 32 // bk)
    # Array sizes must be literals when the kernel is typed: computed here, not in the kernel.
    a_rows, b_rows = bm + pad, bn + pad

    def gemm(dims, batch, a, sa, sab, b, sb, sbb, out):
        """``out[z] = a[z] @ b[z]`` for every output matrix ``z``.

        ``dims`` is ``(m, n, k)``. ``a``, ``b`` and ``out`` are flat buffers starting at each
        operand's first element; ``a``'s element ``(z, r, p)`` lies at
        ``offset(z) + r * sa[0] + p * sa[1]``, with ``offset(z)`` from the (collapsed, padded)
        batch shape ``batch`` and batch strides ``sab`` (likewise ``b`` with ``sb``, ``sbb``).
        ``out`` is C-contiguous ``(matrices, m, n)``. Each block computes whole BM x BN tiles,
        taken from the flat list of tiles in a grid-stride loop; each thread owns a strided
        TM x TN micro-tile of the block's tile and writes it once.
        """
        key  # noqa: B018 - the multiply-add's source hash, in Numba's cache key
        m, n, k = dims
        a_panel = cuda.shared.array((bk, a_rows), dtype)   # a's panel, stored k-major
        b_panel = cuda.shared.array((bk, b_rows), dtype)
        acc = cuda.local.array((tm, tn), dtype)
        ra = cuda.local.array(tm, dtype)
        rb = cuda.local.array(tn, dtype)
        tid = cuda.threadIdx.x
        tx, ty = tid % rx, tid // rx
        tiles_m, tiles_n = (m + bm - 1) // bm, (n + bn - 1) // bn
        matrices = 1
        for d in range(len(batch)):
            matrices *= batch[d]
        tile = cuda.blockIdx.x
        while tile < matrices * tiles_m * tiles_n:   # the same trip count for the whole block
            col0 = (tile % tiles_n) * bn
            row0 = (tile // tiles_n % tiles_m) * bm
            z = tile // (tiles_n * tiles_m)
            r, pa, pb = z, 0, 0
            for d in range(len(batch) - 1, -1, -1):
                c = r % batch[d]
                r //= batch[d]
                pa += c * sab[d]
                pb += c * sbb[d]
            for i in range(tm):
                for j in range(tn):
                    acc[i, j] = 0
            for k0 in range(0, k, bk):
                # Copy the panels; consecutive threads walk the operand's contiguous direction.
                for e in range(tid, bm * bk, nthreads):
                    if sa[1] == 1:
                        row, p = e // bk, e % bk
                    else:
                        row, p = e % bm, e // bm
                    if row0 + row < m and k0 + p < k:
                        a_panel[p, row] = a[pa + (row0 + row) * sa[0] + (k0 + p) * sa[1]]
                    else:
                        a_panel[p, row] = 0
                for e in range(tid, bk * bn, nthreads):
                    if sb[1] == 1:
                        col, p = e % bn, e // bn
                    else:
                        col, p = e // bk, e % bk
                    if k0 + p < k and col0 + col < n:
                        b_panel[p, col] = b[pb + (k0 + p) * sb[0] + (col0 + col) * sb[1]]
                    else:
                        b_panel[p, col] = 0
                cuda.syncthreads()
                for p in range(bk):
                    for i in range(tm):
                        ra[i] = a_panel[p, ty + i * ry]
                    for j in range(tn):
                        rb[j] = b_panel[p, tx + j * rx]
                    for i in range(tm):
                        for j in range(tn):
                            acc[i, j] = mac(ra[i], rb[j], acc[i, j])
                cuda.syncthreads()   # the panels are overwritten next turn
            for i in range(tm):
                row = row0 + ty + i * ry
                if row < m:
                    for j in range(tn):
                        col = col0 + tx + j * rx
                        if col < n:
                            out[(z * m + row) * n + col] = acc[i, j]
            tile += cuda.gridDim.x

    return gemm, nthreads




def _gemm_kernel(dtype: np.dtype, tiles: tuple) -> tuple:
    """The compiled GEMM for ``dtype`` and ``tiles`` (built once), and its threads per block."""
    dtype = np.dtype(dtype)

    def build():
        mac = _fma if dtype.kind == "f" else _mul_add
        fn, nthreads = _gemm_template(from_dtype(dtype), mac, digest(mac.py_func), *tiles)
        return kernel(fn), nthreads

    return once((_gemm_template, dtype, tiles), build)


def _flat(x) -> object:
    """A 1-D view of the memory ``x`` spans, from its first element (no copy)."""
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, _array.element_strides(x)))
    return _array.view(x, (span,), (1,), 0)


def _fold_rows(a) -> tuple | None:
    """``(rows, row_stride)`` when ``a``'s batch and row dimensions merge into one dimension of
    rows (a C-contiguous stack, for instance); else None."""
    shape, strides = collapse(a.shape[:-1], [_array.element_strides(a)[:-1]], 1)
    if shape is None:
        return None
    return shape[0], strides[0][0]


def _swap_last(x):
    """A view of ``x`` with its last two dimensions swapped (no data moves)."""
    shape, strides = list(x.shape), list(_array.element_strides(x))
    shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    return _array.view(x, tuple(shape), tuple(strides), 0)


def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False, bias=None):
    """Matrix product ``op(a) @ op(b)`` with batch dimensions broadcast.

    Parameters
    ----------
    a, b : device arrays
        At least 2-D, of one dtype (float32, float64, int32 or int64), any (non-negative)
        strides; the inner dimensions agree and the batch dimensions (all but the last two)
        broadcast. Checked by the caller.
    transpose_a, transpose_b : bool
        Use the operand with its last two dimensions swapped (read through swapped strides:
        nothing is copied).
    bias : device array, optional
        A contiguous vector of ``n`` elements of the same dtype, added to every row.

    Returns
    -------
    device array
        C-contiguous, shape ``broadcast(batch_a, batch_b) + (m, n)``.
    """
    if transpose_a:
        a = _swap_last(a)
    if transpose_b:
        b = _swap_last(b)
    m, k = a.shape[-2:]
    n = tuple(b.shape)[-1]   # a device array's shape refuses negative integer indices
    batch = () if a.ndim == 2 and b.ndim == 2 else tuple(
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    shape = batch + (m, n)
    if k == 0:
        out = zeros(shape, a.dtype)
    else:
        out = _array.empty(shape, a.dtype)
        if out.size:
            _product(a, b, out)
    if bias is not None and out.size:
        # A second launch; an epilogue in the GEMM kernel would save it.
        map_(add, [out, bias], out.dtype, out=out)
    return out


def linear_backward(g, x, w, need_x: bool, need_w: bool, need_b: bool) -> tuple:
    """The gradients of ``x @ w^T + b`` for the output gradient ``g`` ``(m, n)``: ``grad_x = g w``,
    ``grad_w = g^T x`` (``g^T`` read through swapped strides) and ``grad_b`` the column sums of
    ``g``; ``None`` where not needed. Three launches (two products and a sum), where the CPU
    makes one call."""
    return (matmul(g, w) if need_x else None,
            matmul(g, x, transpose_a=True) if need_w else None,
            sum_(g, 0) if need_b else None)


def _product(a, b, out) -> None:
    """``out = a @ b`` for ``out`` C-contiguous of the broadcast shape, non-empty, k > 0."""
    batch = tuple(out.shape[:-2])
    (m, k), n = a.shape[-2:], tuple(b.shape)[-1]
    sa, sb = _array.element_strides(a)[-2:], _array.element_strides(b)[-2:]
    folded = _fold_rows(a) if batch and b.size == k * n else None
    if folded is not None:
        # b is one matrix shared by the batch, and a's batch and rows are one column of rows:
        # one taller product (out's batch is a's, so out folds the same way).
        m, sa, batch_n, strides = folded[0], (folded[1], sa[1]), (1,), [(0,), (0,)]
    else:
        walks = [broadcast_strides(x.shape[:-2], _array.element_strides(x)[:-2], batch)
                 for x in (a, b)]
        batch_n, strides = collapse(batch, walks, 4)
        if batch_n is None:
            batch_n, strides = collapse(batch, walks, 8)
    if batch_n is None:
        # Over 8 batch dimensions that a and b walk differently (rare): one product per index
        # of the leading dimension.
        for i in range(batch[0]):
            _product(_leading(a, out.ndim, i), _leading(b, out.ndim, i), basic_index(out, (i,)))
        return
    compiled, nthreads = _gemm_kernel(a.dtype, TILES)
    bm, bn = TILES[0], TILES[1]
    tiles = int(np.prod(batch_n, dtype=np.int64)) * ((m + bm - 1) // bm) * ((n + bn - 1) // bn)
    launch(compiled, tiles, (m, n, k), tuple(batch_n), _flat(a), tuple(sa), tuple(strides[0]),
           _flat(b), tuple(sb), tuple(strides[1]), _array.view(out, (out.size,), (1,), 0),
           threads=nthreads, grid=min(tiles, MAX_BLOCKS))


def _leading(x, ndim: int, i: int):
    """Operand ``x`` (broadcast to ``ndim`` dimensions) at index ``i`` of the first one."""
    if x.ndim < ndim:
        return x
    return basic_index(x, (0 if x.shape[0] == 1 else i,))
