"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d``."""
from __future__ import annotations

from numbagrad.nn import functional as F
from numbagrad.nn.module import Module
from numbagrad.tensor import Tensor


class MaxPool2d(Module):
    """2-D max pooling over (N, C, H, W) or (C, H, W) inputs.

    Parameters
    ----------
    kernel_size : int or tuple of two ints
    stride : int or tuple of two ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of two ints
        Implicit -inf padding, at most half the effective kernel size.
    dilation : int or tuple of two ints
    return_indices : bool
        Also return the positions of the maxima (for ``MaxUnpool2d``).
    ceil_mode : bool
        Round the output size up.

    Shapes: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2*padding -
    dilation*(kernel-1) - 1) // stride + 1`` (rounded up with ``ceil_mode``).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> torch.nn.MaxPool2d(2)(torch.randn(64, 8, 28, 28)).shape
    numbagrad.Size([64, 8, 14, 14])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2-D average pooling over (N, C, H, W) or (C, H, W) inputs.

    Parameters
    ----------
    kernel_size : int or tuple of two ints
    stride : int or tuple of two ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of two ints
        Implicit zero padding, at most half the kernel size.
    ceil_mode : bool
        Round the output size up.
    count_include_pad : bool
        Count the padding in each window's divisor.
    divisor_override : int, optional
        Divide every window's sum by this instead.

    Shapes: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2*padding - kernel) //
    stride + 1`` (rounded up with ``ceil_mode``).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.AvgPool2d(2)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
