"""Singular values: ``linalg.svdvals``, the primitive under the matrix norms of order ``2``,
``-2`` and ``'nuc'``.

The forward is the one-sided Jacobi SVD of the backends (``be.svd``, float64, one matrix per
loop iteration or GPU thread; for small matrices). The singular vectors stay on the node: the
vjp of the singular values is ``U diag(g) V^T`` (d sigma_i / dA = u_i v_i^T), exact where the
singular values are distinct and not 0. At a zero singular value the vectors are not unique:
``U`` is completed with the unit vectors furthest from the other columns (a zero matrix gets
torch's identity factors), so the gradient is a subgradient, as torch's, though for other
rank-deficient matrices not necessarily the one LAPACK's vectors give.
"""
from __future__ import annotations

import numpy as np

from numbagrad.ops import scalar as F
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.registry import OpDef, apply, register


def _svdvals_forward(be, x):
    *batch, m, n = x.shape
    count = int(np.prod(batch, dtype=np.int64))
    a = be.reshape(be.contiguous(x), (count, m, n))
    wide = m < n
    if wide:  # decompose A^T = V S U^T, whose columns are the fewer
        a = be.permute(a, (0, 2, 1))
    a = be.astype(be.contiguous(a), np.float64)
    u, s, v = be.svd(a)
    values = be.reshape(be.astype(s, x.dtype), (*batch, min(m, n)))
    return values, (u, v, wide)


def _svdvals_vjp(be, g, node):
    """d/dA sum_i g_i sigma_i = U diag(g) V^T (with U and V swapped for a wide A)."""
    u, v, wide = node.extra
    shape = node.in_shapes[0]
    count, k = u.shape[0], u.shape[2]
    g = be.astype(be.reshape(be.contiguous(g), (count, 1, k)), np.float64)
    scaled = be.map(F.mul, [u, g], np.float64)
    grad = be.matmul(v, scaled, False, True) if wide else be.matmul(scaled, v, False, True)
    return (be.reshape(be.astype(grad, node.in_dtypes[0]), shape),)


SVDVALS = register(OpDef("svdvals", _svdvals_forward, _svdvals_vjp,
                         kernels=("svd", "map", "matmul", "astype", "reshape", "permute",
                                  "contiguous")))


def svdvals(A, *, driver=None, out=None):
    """The singular values of ``A`` (batched over its leading dims), in descending order.

    d sigma_i / dA = u_i v_i^T (exact for distinct nonzero singular values).

    Parameters
    ----------
    A : Tensor
        Floating point, at least 2-D, ``(..., m, n)``.
    driver : None
        Accepted for torch's signature (a CUDA solver choice there).
    out : Tensor, optional

    Returns
    -------
    Tensor
        ``(..., min(m, n))``, ``A``'s dtype.

    Raises
    ------
    RuntimeError
        If ``A`` has fewer than 2 dims or is not floating point.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.linalg.svdvals(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    from numbagrad import dtypes

    check_tensor("linalg_svdvals", A)
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.svd: Expected a floating point or complex tensor as input. "
                           f"Got {dtypes.scalar_name(A.dtype)}")
    return write_out("linalg.svdvals", apply(SVDVALS, (A,)), out)
