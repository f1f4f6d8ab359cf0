"""``numbagrad.linalg``: torch's ``torch.linalg`` names that numbagrad has.

Norms (``vector_norm``, ``matrix_norm``, ``norm``, from ``numbagrad/ops/norm.py``),
``svdvals`` (singular values, for small matrices) and ``matmul`` (the same function as
``numbagrad.matmul``). Decompositions with their factors and solvers (``svd``, ``inv``,
``solve``, ...) are not here.
"""
from numbagrad.ops.linalg import matmul
from numbagrad.ops.norm import linalg_norm as norm
from numbagrad.ops.norm import matrix_norm, vector_norm
from numbagrad.ops.svdvals import svdvals

__all__ = ["matmul", "matrix_norm", "norm", "svdvals", "vector_norm"]
