"""Indexing with gradients: ``x[...]`` (ints, slices, None, Ellipsis, masks, index arrays),
``x[...] = v`` and ``gather``."""
from __future__ import annotations


def getitem(input, index):
    """``input[index]`` with NumPy/torch indexing rules."""
    raise NotImplementedError("getitem")


def setitem(input, index, value):
    """``input[index] = value`` in place."""
    raise NotImplementedError("setitem")


def gather(input, dim: int, index):
    """``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``), as torch.gather."""
    raise NotImplementedError("gather")
