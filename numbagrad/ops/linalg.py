"""Matrix products through BLAS from inside Numba kernels."""
from __future__ import annotations


def matmul(input, other):
    """Matrix product with torch.matmul's rules for 1-D, 2-D and batched operands."""
    raise NotImplementedError("matmul")


def mm(input, mat2):
    """Product of two matrices."""
    raise NotImplementedError("mm")
