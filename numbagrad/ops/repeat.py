"""``repeat_interleave``: each slice along a dimension repeated in place.

A composite: the repeat counts are read on the host (the result's size depends on them, as in
torch) and become one gather index, so the result is one ``getitem`` and its gradient sums the
copies of each slice back (``index``'s vjp).
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad.ops.elementwise import check_tensor, not_implemented
from numbagrad.ops.index import getitem
from numbagrad.ops.shape import reshape
from numbagrad.tensor import Tensor, wrap_dim


def _counts(repeats: Tensor, kernel: str) -> np.ndarray:
    """The repeat counts of an int32/int64 tensor, on the host, checked non-negative."""
    if repeats.dtype.name not in ("int32", "int64"):
        raise not_implemented(kernel, repeats.dtype)
    counts = np.asarray(repeats).astype(np.int64).reshape(-1)
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    return counts


def _check_output_size(output_size, total: int, message: str) -> None:
    if output_size is not None and int(output_size) != total:
        raise RuntimeError(message.format(expected=total, got=int(output_size)))


def _index_of_counts(counts: Tensor, output_size) -> Tensor:
    """``repeat_interleave(counts)``: ``i`` repeated ``counts[i]`` times, in counts' dtype."""
    if counts.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    host = _counts(counts, "repeat_interleave_cpu")
    index = np.repeat(np.arange(host.size), host)
    _check_output_size(output_size, index.size, "allocated size does not match required size")
    array = counts._backend().from_host(index.astype(counts._data.dtype))
    return Tensor._make(array, counts._device)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each slice of ``input`` along ``dim`` repeated ``repeats`` times in place (an int, or a
    tensor of one count per slice); ``dim=None`` works on the flattened input.

    ``repeat_interleave(counts)`` with one 1-D integer tensor gives ``i`` repeated
    ``counts[i]`` times. ``output_size``, if given, must be the result's length along ``dim``.
    d/dx = the gradient summed over each slice's copies.

    Raises
    ------
    RuntimeError
        For negative repeats, a repeats tensor of more than one dimension or of another length
        than ``input`` along ``dim``, or a wrong ``output_size``.
    NotImplementedError
        For a floating repeats tensor, as torch.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 2]).repeat_interleave(2).tolist()
    [1, 1, 2, 2]
    """
    check_tensor("repeat_interleave", input)
    if repeats is None:
        return _index_of_counts(input, output_size)
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        counts = _counts(repeats, "repeat_interleave_cpu")
    elif isinstance(repeats, (numbers.Integral, np.integer)) and not isinstance(repeats, bool):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        counts = None
    else:
        raise TypeError("repeat_interleave(): argument 'repeats' (position 2) must be Tensor or "
                        f"int, not {type(repeats).__name__}")
    if dim is None:
        x, axis = reshape(input, (-1,)), 0
    elif input.ndim == 0:
        # torch's own messages for a dim of a 0-d input
        if counts is None:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                             "got 1)")
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    else:
        if not isinstance(dim, (numbers.Integral, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"repeat_interleave(): argument 'dim' must be int, not "
                            f"{type(dim).__name__}")
        x, axis = input, wrap_dim(int(dim), input.ndim, "repeat_interleave")
    n = x.shape[axis]
    if counts is None:
        _check_output_size(output_size, n * int(repeats),
                           "repeat_interleave: Invalid output_size, expected {expected} but got "
                           "{got}")
        index = np.repeat(np.arange(n), int(repeats))
    else:
        if counts.size == 1:
            counts = np.full(n, counts[0])
        elif counts.size != n:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({axis}) = {n}")
        index = np.repeat(np.arange(n), counts)
        _check_output_size(output_size, index.size, "allocated size does not match required "
                           "size")
    return getitem(x, (slice(None),) * axis + (index,))


def _repeat_interleave_method(self, repeats=None, dim=None, *, output_size=None):
    """``Tensor.repeat_interleave``: as :func:`repeat_interleave`, ``repeats`` required."""
    if repeats is None:
        raise TypeError("repeat_interleave() received an invalid combination of arguments - "
                        "got (), but expected one of:\n * (Tensor repeats, int dim = None, *, "
                        "int output_size = None)\n * (int repeats, int dim = None, *, int "
                        "output_size = None)")
    return repeat_interleave(self, repeats, dim, output_size=output_size)


_repeat_interleave_method.__name__ = "repeat_interleave"

METHODS: dict = {"repeat_interleave": _repeat_interleave_method}
