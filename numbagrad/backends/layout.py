"""Operand layouts shared by the backends' loop templates (plain Python over shapes and strides).

An elementwise kernel sees each operand as a flat buffer plus one element stride per dimension of
the output: a broadcast dimension has stride 0, a transposed or sliced view keeps its own strides.
:func:`collapse` merges the dimensions that every operand walks contiguously, so that a kernel
with a fixed number of dimensions serves every rank.
"""
from __future__ import annotations


def is_c_contiguous(shape: tuple, strides: tuple) -> bool:
    """Whether element ``strides`` lay out ``shape`` in row-major order without gaps
    (dimensions of length 1 may have any stride, as in NumPy and torch)."""
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1 and s != expected:
            return False
        expected *= n
    return True


def broadcast_strides(shape: tuple, strides: tuple, out_shape: tuple) -> tuple:
    """Element strides of an operand of ``shape`` and element ``strides`` broadcast to
    ``out_shape``: 0 along the dimensions it is broadcast over."""
    lead = len(out_shape) - len(shape)
    result = [0] * len(out_shape)
    for d, (n, s) in enumerate(zip(shape, strides)):
        if n != 1:
            result[lead + d] = s
    return tuple(result)


def collapse(shape: tuple, all_strides: list, ndim: int = 4) -> tuple[tuple, list]:
    """Merge neighbouring dimensions that every operand walks contiguously; pad to ``ndim``.

    Returns ``(None, None)`` when more than ``ndim`` dimensions remain.
    """
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    out_shape: list = []
    out_strides: list = [[] for _ in all_strides]
    for d in dims:
        if out_shape and all(s[d] * shape[d] == o[-1] for s, o in zip(all_strides, out_strides)):
            out_shape[-1] *= shape[d]
            for s, o in zip(all_strides, out_strides):
                o[-1] = s[d]
        else:
            out_shape.append(shape[d])
            for s, o in zip(all_strides, out_strides):
                o.append(s[d])
    pad = ndim - len(out_shape)
    if pad < 0:
        return None, None
    return (1,) * pad + tuple(out_shape), [(0,) * pad + tuple(o) for o in out_strides]
