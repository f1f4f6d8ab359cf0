"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d`` and ``ConvTranspose1d/2d/3d``.

Each is a thin shell over its functional form. As in torch, a padding mode other than
``'zeros'`` pads the input with ``F.pad`` in that mode and then convolves without padding.
"""
from __future__ import annotations

import math

from numbagrad.creation import empty
from numbagrad.nn import functional as F
from numbagrad.nn import init
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import Size, Tensor

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int) -> tuple:
    """torch's ``_ntuple``: a sequence as a tuple (its length unchecked), a value repeated."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """What every convolution layer shares: arguments, parameters, initialisation, repr."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, transposed: bool, output_padding, groups: int, bias: bool,
                 padding_mode: str, device=None, dtype=None) -> None:
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _ntuple(stride, nd)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but "
                f"got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = stride
        self.padding = padding
        self.dilation = _ntuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._reversed_padding()
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(empty(*shape, *self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _reversed_padding(self):
        """The padding ``F.pad`` adds for a padding mode: last dimension first, (before,
        after) each; 'same' puts the odd one of an even total after the input."""
        if isinstance(self.padding, str):
            pads = [0, 0] * len(self.kernel_size)
            if self.padding == "same":
                last = len(self.kernel_size) - 1
                for i, (d, k) in enumerate(zip(self.dilation, self.kernel_size)):
                    total = d * (k - 1)
                    pads[2 * (last - i)] = total // 2
                    pads[2 * (last - i) + 1] = total - total // 2
            return pads
        return tuple(p for p in reversed(self.padding) for _ in range(2))

    def reset_parameters(self) -> None:
        """Draw fresh weights as torch does: Kaiming-uniform with a = sqrt(5), and the bias
        from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input: Tensor, weight: Tensor, bias) -> Tensor:
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input`` with the layer's weight and add its bias."""
        return self._conv_forward(input, self.weight, self.bias)


_CONV_DOC = """{nd}-D convolution over (N, C_in, {dims}) or (C_in, {dims}) inputs, as torch's.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output; both divisible by ``groups``.
    kernel_size, stride, dilation : int or tuple of {nd} ints
    padding : int, tuple of {nd} ints, 'valid' or 'same'
        'same' needs stride 1.
    dilation : int or tuple of {nd} ints
    groups : int
        Split the channels into this many independent convolutions.
    bias : bool
        Learn an additive bias per output channel.
    padding_mode : str
        'zeros', 'reflect', 'replicate' or 'circular': how the input is padded.

    Shapes: input (N, C_in, {dims}) → output (N, C_out, {outs}), each
    ``out = (size + 2*padding - dilation*(kernel-1) - 1) // stride + 1``. Weight
    (C_out, C_in / groups, {ks}) and bias (C_out,) are initialised as torch's: Kaiming-uniform
    with a = sqrt(5), and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with ``fan_in = C_in/groups *
    prod(kernel_size)``.

    Raises
    ------
    ValueError
        torch's messages for bad ``groups``, channel counts, padding strings and modes.

    Examples
    --------
    >>> import numbagrad as torch
    >>> conv = torch.nn.{name}(1, 8, 3, padding=1)
    >>> conv
    {name}(1, 8, kernel_size={k3}, stride={s1}, padding={p1})
    >>> conv(torch.randn(2, 1, {example})).shape
    numbagrad.Size([2, 8, {example}])
    """


def _conv_doc(name: str, nd: int) -> str:
    dims = ("L",) if nd == 1 else ("H", "W") if nd == 2 else ("D", "H", "W")
    sizes = ", ".join(["5"] * nd)
    return _CONV_DOC.format(
        nd=nd, name=name, dims=", ".join(dims), outs=", ".join(d + "_out" for d in dims),
        ks=", ".join("k" + d for d in dims), k3=(3,) * nd, s1=(1,) * nd, p1=(1,) * nd,
        example=sizes)


class Conv1d(_ConvNd):
    __doc__ = _conv_doc("Conv1d", 1)
    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class Conv2d(_ConvNd):
    __doc__ = _conv_doc("Conv2d", 2)
    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class Conv3d(_ConvNd):
    __doc__ = _conv_doc("Conv3d", 3)
    _nd = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class _ConvTransposeNd(_ConvNd):
    """What the transposed convolution layers share: ``output_size`` in ``forward``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The output padding that gives ``output_size`` (torch's rules and messages)."""
        nd = self._nd
        if output_size is None:
            return self.output_padding
        non_spatial = 2 if input.dim() == nd + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + nd:
            output_size = output_size[non_spatial:]
        if len(output_size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.dim()}D input, output_size must have {nd} or "
                f"{non_spatial + nd} elements (got {len(output_size)})"
            )
        smallest = [(input.shape[d + non_spatial] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(nd)]
        largest = [s + self.stride[d] - 1 for d, s in enumerate(smallest)]
        for size, low, high in zip(output_size, smallest, largest):
            if size < low or size > high:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{smallest} to {largest} (for an input of {Size(input.shape[non_spatial:])})"
                )
        return tuple(size - low for size, low in zip(output_size, smallest))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """The transposed convolution of ``input``; ``output_size`` (the spatial sizes, or
        the whole shape) picks the output padding."""
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        output_padding = self._output_padding(input, output_size)
        return conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                    self.groups, self.dilation)


_TRANSPOSE_DOC = """{nd}-D transposed convolution over (N, C_in, {dims}) or (C_in, {dims})
    inputs, as torch's: the gradient of a convolution with respect to its input.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output; both divisible by ``groups``.
    kernel_size, stride, dilation : int or tuple of {nd} ints
    padding : int or tuple of {nd} ints
        Removed from both sides of each spatial dimension of the full output.
    output_padding : int or tuple of {nd} ints
        Added after the output; smaller than the stride or the dilation.
    groups : int
    bias : bool
    padding_mode : str
        Only 'zeros', as in torch.

    Shapes: input (N, C_in, {dims}) → output (N, C_out, {outs}), each
    ``out = (size - 1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1``;
    ``forward(input, output_size)`` may ask for a size up to ``stride - 1`` larger instead.
    Weight (C_in, C_out / groups, {ks}) and bias (C_out,) are initialised as torch's, with
    ``fan_in = C_out/groups * prod(kernel_size)``.

    Raises
    ------
    ValueError
        torch's messages for bad ``groups``, channel counts, padding modes and output sizes.

    Examples
    --------
    >>> import numbagrad as torch
    >>> up = torch.nn.{name}(8, 4, 2, stride=2)
    >>> up
    {name}(8, 4, kernel_size={k2}, stride={s2})
    >>> up(torch.randn(2, 8, {example})).shape
    numbagrad.Size([2, 4, {doubled}])
    """


def _transpose_doc(name: str, nd: int) -> str:
    dims = ("L",) if nd == 1 else ("H", "W") if nd == 2 else ("D", "H", "W")
    return _TRANSPOSE_DOC.format(
        nd=nd, name=name, dims=", ".join(dims), outs=", ".join(d + "_out" for d in dims),
        ks=", ".join("k" + d for d in dims), k2=(2,) * nd, s2=(2,) * nd,
        example=", ".join(["3"] * nd), doubled=", ".join(["6"] * nd))


class ConvTranspose1d(_ConvTransposeNd):
    __doc__ = _transpose_doc("ConvTranspose1d", 1)
    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    __doc__ = _transpose_doc("ConvTranspose2d", 2)
    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    __doc__ = _transpose_doc("ConvTranspose3d", 3)
    _nd = 3
