"""Convolution layers: ``Conv2d``."""
from __future__ import annotations

import math

from numbagrad.creation import empty
from numbagrad.nn import functional as F
from numbagrad.nn import init
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import Tensor

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pair(value) -> tuple:
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    return value * 2 if len(value) == 1 else value


class Conv2d(Module):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output; both divisible by ``groups``.
    kernel_size, stride, dilation : int or tuple of two ints
    padding : int, tuple of two ints, 'valid' or 'same'
        'same' needs stride 1.
    groups : int
        Split the channels into this many independent convolutions.
    bias : bool
        Learn an additive bias per output channel.
    padding_mode : str
        Only 'zeros' is implemented; torch's other modes raise NotImplementedError.

    Shapes: input (N, C_in, H, W) → output (N, C_out, H_out, W_out) with
    ``H_out = (H + 2*padding - dilation*(kernel-1) - 1) // stride + 1``. Weight
    (C_out, C_in / groups, kH, kW) and bias (C_out,) are initialised as torch's: Kaiming-uniform
    with a = sqrt(5), and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with ``fan_in = C_in/groups*kH*kW``.

    Raises
    ------
    ValueError
        torch's messages for bad ``groups``, channel counts, padding strings and modes.

    Examples
    --------
    >>> import numbagrad as torch
    >>> conv = torch.nn.Conv2d(1, 8, 3, padding=1)
    >>> conv
    Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(torch.randn(64, 1, 28, 28)).shape
    numbagrad.Size([64, 8, 28, 28])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _pair(stride)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _pair(padding)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but "
                f"got padding_mode='{padding_mode}'"
            )
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"Conv2d: padding_mode='{padding_mode}' is not implemented in numbagrad; "
                "use padding_mode='zeros'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = stride
        self.padding = padding
        self.dilation = _pair(dilation)
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(empty(out_channels, in_channels // groups, *self.kernel_size,
                                      device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights as torch does (Kaiming-uniform with a = sqrt(5))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input`` with the layer's weight and add its bias."""
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
