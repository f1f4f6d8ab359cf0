"""Pooling layers: max, average, adaptive, power-average (LP) pooling and max unpooling."""
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


def _single(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class _MaxPoolNd(Module):
    """Shared state and repr of ``MaxPool1d/3d``."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) or (C, L) inputs: → (N, C, L_out), ``L_out = (L +
    2*padding - dilation*(kernel-1) - 1) // stride + 1`` (rounded up with ``ceil_mode``).
    Parameters as :class:`MaxPool2d`, with single ints.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MaxPool1d(2)
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W) inputs: → (N, C, D_out, H_out,
    W_out), each size as in :class:`MaxPool1d`. Parameters as :class:`MaxPool2d`, with ints
    or triples.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MaxPool3d(2)
    MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L) or (C, L) inputs: → (N, C, L_out), ``L_out = (L +
    2*padding - kernel) // stride + 1`` (rounded up with ``ceil_mode``).

    Parameters
    ----------
    kernel_size, stride, padding : int or tuple of one int
        ``stride`` defaults to ``kernel_size``; kept as 1-tuples, as torch.
    ceil_mode, count_include_pad : bool

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.AvgPool1d(2)
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(Module):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W) inputs; parameters as
    :class:`AvgPool2d`, with ints or triples.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.AvgPool3d(2)
    AvgPool3d(kernel_size=2, stride=2, padding=0)
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

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptivePool(Module):
    """Shared state and repr of the adaptive poolings: ``output_size`` (``None`` entries keep
    the input's size)."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Adaptive average pooling: (N, C, L) or (C, L) → (..., output_size); output ``o``
    averages ``[floor(o*L/out), ceil((o+1)*L/out))``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.AdaptiveAvgPool1d(3)
    AdaptiveAvgPool1d(output_size=3)
    """

    def __init__(self, output_size) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Adaptive average pooling over the last two dimensions: (N, C, H, W) or (C, H, W) →
    (..., Ho, Wo)."""

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool1d):
    """Adaptive average pooling over the last three dimensions."""

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Adaptive max pooling: (N, C, L) or (C, L) → (..., output_size), windows as
    :class:`AdaptiveAvgPool1d`; ``return_indices`` also returns the positions of the maxima.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.AdaptiveMaxPool1d(2)
    AdaptiveMaxPool1d(output_size=2)
    """

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Adaptive max pooling over the last two dimensions (indices are flat ``h*W + w``)."""

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptivePool):
    """Adaptive max pooling over the last three dimensions."""

    def forward(self, input: Tensor):
        """Pool ``input``; ``(output, indices)`` when ``return_indices``."""
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool1d(Module):
    """The partial inverse of :class:`MaxPool1d`: ``forward(input, indices, output_size=None)``
    puts each value at its index in a zero (N, C, L_out) output, ``L_out = (L - 1)*stride +
    kernel - 2*padding`` unless ``output_size`` is given.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MaxUnpool1d(2)
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        """Unpool ``input``."""
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(MaxUnpool1d):
    """The partial inverse of :class:`MaxPool2d` (indices flat ``h*W + w`` per plane).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MaxUnpool2d(2)
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        Module.__init__(self)
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        """Unpool ``input``."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class LPPool1d(Module):
    """Power-average pooling: ``(sum over each window of x**p) ** (1/p)``, (N, C, L) →
    (N, C, L_out).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.LPPool1d(2, 3)
    LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
    """

    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """2-D power-average pooling: (N, C, H, W) → (N, C, H_out, W_out)."""

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)
