"""Padding layers: constant (and zero), reflection, replication and circular padding of the
last one, two or three dimensions, each a thin shell over ``F.pad``."""
from __future__ import annotations

from numbagrad.nn.module import Module
from numbagrad.ops.pad import pad as _pad
from numbagrad.tensor import Tensor


def _ntuple(padding, n: int) -> tuple:
    """An int as ``n`` copies; a sequence as a tuple (``F.pad`` checks its length)."""
    return tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n


class _PadNd(Module):
    """Pads the last ``len(padding) // 2`` dimensions with ``F.pad(input, padding, mode)``;
    ``padding`` is ``(left, right[, top, bottom[, front, back]])``, last dimension first, as
    torch."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._dims)

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input``."""
        return _pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads with ``value``."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input`` with ``value``."""
        return _pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with ``value``: (N, C, W) → (N, C, W + left + right).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.ConstantPad1d(1, 2.0)
    ConstantPad1d(padding=(1, 1), value=2.0)
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with ``value``; ``padding`` is an int or ``(left, right,
    top, bottom)``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with ``value``; ``padding`` is an int or a 6-tuple."""

    _dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dimension with zeros.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.ZeroPad1d(1)
    ZeroPad1d((1, 1))
    """

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last two dimensions with zeros; ``padding`` is an int or ``(left, right,
    top, bottom)``."""

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last three dimensions with zeros."""

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dimension with its reflection (the edge not repeated); each pad less
    than the dimension.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.ReflectionPad1d(2)(torch.arange(4.0).reshape(1, 1, 4)).tolist()
    [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    """

    _mode, _dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pads the last two dimensions with their reflection."""

    _mode, _dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pads the last three dimensions with their reflection."""

    _mode, _dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pads the last dimension by repeating its edge values."""

    _mode, _dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pads the last two dimensions by repeating their edge values."""

    _mode, _dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pads the last three dimensions by repeating their edge values."""

    _mode, _dims = "replicate", 3


class CircularPad1d(_PadNd):
    """Pads the last dimension by wrapping around (the start follows the end)."""

    _mode, _dims = "circular", 1


class CircularPad2d(_PadNd):
    """Pads the last two dimensions by wrapping around."""

    _mode, _dims = "circular", 2


class CircularPad3d(_PadNd):
    """Pads the last three dimensions by wrapping around."""

    _mode, _dims = "circular", 3
