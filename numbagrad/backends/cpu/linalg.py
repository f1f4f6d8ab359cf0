"""Matrix products for the CPU: BLAS called from inside Numba kernels.

Floating products call ``np.dot(a, b, out)`` inside ``njit`` code, which Numba lowers to SciPy's
BLAS (``sgemm``/``dgemm``). numbagrad never calls NumPy's ``@``, ``np.matmul`` or ``np.dot``
from Python: NumPy links its own BLAS, and two BLAS thread pools alternating in one training
loop were measured 10-35x slower than one.

Layouts. BLAS reads a C- or an F-contiguous matrix equally well (an F-contiguous matrix is a
C-contiguous one with a transpose flag), so a transposed view such as ``x.t()`` or the vjp's
``b^T`` reaches the kernel as an F-contiguous array and is never copied. Batched operands are
brought to a 3-D ``(batch, rows, cols)`` array whose matrices are either all C-contiguous or all
stored transposed, plus, for broadcast batch dimensions, an index array naming which of an
operand's matrices each output matrix reads: broadcasting never copies a matrix.

BLAS has no integer product; integers go through an explicit triple loop.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit
from numbagrad.backends.cpu.elementwise import PARALLEL_MIN_SIZE
from numbagrad.backends.cpu.elementwise import map as map_
from numbagrad.backends.cpu.reduce import sum as sum_
from numbagrad.ops.scalar import add


def _gemm(a, b, out):
    """``out = a @ b`` for one C- or F-contiguous pair ``(m, k) x (k, n)``; ``out`` is C (m, n).

    Numba compiles one version per layout pair, each calling BLAS with the matching transpose
    flags.
    """
    np.dot(a, b, out)


def _gemm_bias(a, b, bias, out):
    """``out = a @ b + bias``, the bias (n,) added to every row right after the product, while
    ``out`` is still in cache: one call where a product and a broadcast add were two."""
    np.dot(a, b, out)
    m, n = out.shape
    for i in range(m):
        for j in range(n):
            out[i, j] += bias[j]


def _linear_backward(g, x, w, grad_x, grad_w, grad_b, need_x, need_w, need_b):
    """The gradients of ``x @ w^T + b`` for the output gradient ``g``, in one call:
    ``grad_x = g w``, ``grad_w = g^T x`` (``g^T`` is a view: BLAS reads it transposed) and
    ``grad_b`` the column sums of ``g``, accumulated in float64. Outputs not needed are not
    written (they come in as empty stand-ins)."""
    if need_x:
        np.dot(g, w, grad_x)
    if need_w:
        np.dot(g.T, x, grad_w)
    if need_b:
        m, n = g.shape
        acc = np.zeros(n, np.float64)
        for i in range(m):
            for j in range(n):
                acc[j] += g[i, j]
        for j in range(n):
            grad_b[j] = acc[j]


def _gemm_batched(a, ta, b, tb, ia, ib, out):
    """``out[i] = op(a[ia[i]]) @ op(b[ib[i]])`` for each output matrix ``i``, in one call.

    ``a`` and ``b`` are C-contiguous 3-D arrays. ``ta`` says ``a`` stores each matrix
    transposed, ``(batch, k, m)``; then ``a[j].T`` is an F-contiguous ``(m, k)`` view and BLAS
    reads it without a copy (likewise ``tb`` for ``b``, stored ``(batch, n, k)``). Each branch
    is a separate ``np.dot`` call so that every operand keeps an exact C or F layout type.
    """
    for i in range(out.shape[0]):
        x = a[ia[i]]
        y = b[ib[i]]
        if ta and tb:
            np.dot(x.T, y.T, out[i])
        elif ta:
            np.dot(x.T, y, out[i])
        elif tb:
            np.dot(x, y.T, out[i])
        else:
            np.dot(x, y, out[i])


def _matmul_int(a, b, ia, ib, out):
    """Integer ``out[i] = a[ia[i]] @ b[ib[i]]``; ``out`` arrives zeroed.

    Each ``(i, r)`` iteration owns output row ``out[i, r]``; the ``p``-then-``c`` order streams
    along rows of ``b`` and ``out``. Integer arithmetic wraps on overflow, as torch's does.
    """
    m, k = a.shape[1], a.shape[2]
    n = b.shape[2]
    for i in range(out.shape[0]):
        x = a[ia[i]]
        y = b[ib[i]]
        for r in range(m):
            for p in range(k):
                v = x[r, p]
                for c in range(n):
                    out[i, r, c] += v * y[p, c]


_gemm_kernel = jit(_gemm)
_gemm_bias_kernel = jit(_gemm_bias)
_linear_backward_kernel = jit(_linear_backward)
_gemm_batched_kernel = jit(_gemm_batched)
_matmul_int_kernel = jit(_matmul_int)


def _blas_ready(x: np.ndarray) -> np.ndarray:
    """``x`` itself when BLAS can read it (C- or F-contiguous), else a C-contiguous copy."""
    if x.flags.c_contiguous or x.flags.f_contiguous:
        return x
    return np.ascontiguousarray(x)


def _stack(x: np.ndarray) -> tuple:
    """``x`` of shape ``batch + (r, c)`` as a C-contiguous ``(prod(batch), ., .)`` array.

    Returns ``(array, transposed)``: when ``x``'s matrices are F-ordered (a transposed view) the
    array holds them as stored, ``(prod(batch), c, r)``, with ``transposed=True``; no copy.
    """
    r, c = x.shape[-2:]
    n = int(np.prod(x.shape[:-2], dtype=np.int64))
    if x.flags.c_contiguous:
        return x.reshape(n, r, c), False
    swapped = x.swapaxes(-1, -2)
    if swapped.flags.c_contiguous:
        return swapped.reshape(n, c, r), True
    return np.ascontiguousarray(x).reshape(n, r, c), False


def _batch_index(batch: tuple, full: tuple) -> np.ndarray:
    """For each matrix of the broadcast batch ``full``, which matrix of ``batch`` it reads."""
    count = int(np.prod(batch, dtype=np.int64))
    return np.broadcast_to(np.arange(count, dtype=np.int64).reshape(batch), full).ravel()


def matmul(a: np.ndarray, b: np.ndarray, transpose_a: bool = False,
           transpose_b: bool = False, bias: np.ndarray | None = None) -> np.ndarray:
    """Matrix product ``op(a) @ op(b)`` with batch dimensions broadcast.

    Parameters
    ----------
    a, b : numpy.ndarray
        At least 2-D, of one dtype (float32, float64, int32 or int64), any strides; the inner
        dimensions agree and the batch dimensions (all but the last two) broadcast. Checked by
        the caller.
    transpose_a, transpose_b : bool
        Use the operand with its last two dimensions swapped (a view: nothing is copied).
    bias : numpy.ndarray, optional
        A C-contiguous vector of ``n`` elements of the same dtype, added to every row of the
        product (``nn.Linear``'s bias), in the same kernel when the product is one GEMM.

    Returns
    -------
    numpy.ndarray
        C-contiguous, shape ``broadcast(batch_a, batch_b) + (m, n)``.
    """
    if a.ndim == 2 and b.ndim == 2 and a.dtype.kind == "f":
        # Two matrices (every nn.Linear, forward and backward): one GEMM, nothing to analyse.
        if transpose_a:
            a = a.T
        if transpose_b:
            b = b.T
        (m, k), n = a.shape, b.shape[1]
        if k and m and n:
            out = np.empty((m, n), a.dtype)
            _one_gemm(a, b, bias, out)
            return out
        transpose_a = transpose_b = False  # done above; the general path handles empty shapes
    if transpose_a:
        a = a.swapaxes(-1, -2)
    if transpose_b:
        b = b.swapaxes(-1, -2)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    floating = a.dtype.kind == "f"
    if a.ndim == 2 and b.ndim == 2:
        batch = ()
    else:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    shape = batch + (m, n)
    if k == 0 or not floating:
        out = np.zeros(shape, a.dtype)
        if k == 0 or out.size == 0:
            return out if bias is None else _add_bias(out, bias)
    else:
        out = np.empty(shape, a.dtype)
        if out.size == 0:
            return out
    if floating and (not batch or _folds(a, b)):
        # One GEMM: a's batch and row dimensions fold into rows when b is a single matrix.
        _one_gemm(a.reshape(-1, k) if a.ndim > 2 else a, b.reshape(k, n) if b.ndim > 2 else b,
                  bias, out.reshape(-1, n))
        return out
    ia = _batch_index(a.shape[:-2], batch)
    ib = _batch_index(b.shape[:-2], batch)
    out3 = out.reshape(-1, m, n)
    if floating:
        a3, ta = _stack(a)
        b3, tb = _stack(b)
        _gemm_batched_kernel(a3, ta, b3, tb, ia, ib, out3)
    else:
        # The loop reads any strides; the copy makes one layout, hence one compiled version.
        _matmul_int_kernel(np.ascontiguousarray(a).reshape(-1, m, k),
                           np.ascontiguousarray(b).reshape(-1, k, n), ia, ib, out3)
    return out if bias is None else _add_bias(out, bias)


_NOT_NEEDED: dict = {}


def _not_needed(dtype, ndim: int) -> np.ndarray:
    """An empty stand-in for a gradient that is not computed (one per dtype and rank)."""
    key = (dtype, ndim)
    array = _NOT_NEEDED.get(key)
    if array is None:
        array = _NOT_NEEDED[key] = np.empty((0,) * ndim, dtype)
    return array


def linear_backward(g: np.ndarray, x: np.ndarray, w: np.ndarray, need_x: bool, need_w: bool,
                    need_b: bool) -> tuple:
    """The gradients of ``x @ w^T + b`` (``nn.Linear`` on a batch of vectors).

    Parameters
    ----------
    g : numpy.ndarray
        The output's gradient, ``(m, n)``.
    x, w : numpy.ndarray
        The input ``(m, k)`` and the weight ``(n, k)``, floating, of ``g``'s dtype, any
        strides. Checked by the caller.
    need_x, need_w, need_b : bool
        Which gradients to compute.

    Returns
    -------
    tuple
        ``(grad_x, grad_w, grad_b)``, C-contiguous, ``None`` where not needed. One kernel
        computes all three (two GEMMs and the bias gradient's column sums); a large ``g`` has
        its column sums taken by the parallel ``sum`` instead.
    """
    (m, n), k = g.shape, x.shape[1]
    dtype = g.dtype
    if not (m and n and k):  # empty products: the general path gives their zeros
        return (matmul(g, w) if need_x else None,
                matmul(g, x, transpose_a=True) if need_w else None,
                sum_(g, 0) if need_b else None)
    grad_x = np.empty((m, k), dtype) if need_x else _not_needed(dtype, 2)
    grad_w = np.empty((n, k), dtype) if need_w else _not_needed(dtype, 2)
    fused_b = need_b and g.size < PARALLEL_MIN_SIZE  # else the parallel sum, after
    grad_b = np.empty(n, dtype) if fused_b else _not_needed(dtype, 1)
    g = _blas_ready(g)
    _linear_backward_kernel(g, _blas_ready(x), _blas_ready(w), grad_x, grad_w, grad_b, need_x,
                            need_w, fused_b)
    if need_b and not fused_b:
        grad_b = sum_(g, 0)
    return grad_x if need_x else None, grad_w if need_w else None, grad_b if need_b else None


def _one_gemm(a: np.ndarray, b: np.ndarray, bias, out: np.ndarray) -> None:
    """``out = a @ b (+ bias)`` for two matrices, by one BLAS call."""
    if bias is None:
        _gemm_kernel(_blas_ready(a), _blas_ready(b), out)
    else:
        _gemm_bias_kernel(_blas_ready(a), _blas_ready(b), bias, out)


def _add_bias(out: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``out += bias`` over the rows, for the products that are not one GEMM."""
    return map_(add, [out, bias], out.dtype, out=out)


def _folds(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a @ b`` is one GEMM: ``b`` is a single matrix and ``a``'s matrices are stacked
    C-contiguously, so ``a`` reads as one ``(batch * m, k)`` matrix without a copy (and the
    output's batch is ``a``'s)."""
    return (b.size == b.shape[-2] * b.shape[-1] and a.flags.c_contiguous
            and a.ndim >= b.ndim)
