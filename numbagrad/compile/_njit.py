"""``njit`` for the compiled step's own helpers: cached on disk where Numba can write its cache,
in memory where it cannot (a read-only install), as the backends' kernels are.

The helpers repeat NumPy's arithmetic (its pairwise sums, its division), so they take Numba's
default floating-point options, not the kernels' contraction of ``a * b + c``.
"""
from __future__ import annotations

from numba import njit


def cached_njit(fn):
    """``numba.njit(cache=True)(fn)``, or ``njit(fn)`` when no cache location can be written."""
    try:
        return njit(cache=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return njit(fn)
