"""Convolution and pooling primitives: ``conv2d``, ``max_pool2d``, ``avg_pool2d``.

Each takes a batched ``(N, C, H, W)`` or an unbatched ``(C, H, W)`` input; the forward and the
vjp view an unbatched array as ``N = 1`` (a free reshape), so the kernels see one layout.
Arguments are checked here, in torch's order and with torch's messages, before any kernel
runs: the kernels index without bounds checks and rely on every window touching the input.
"""
from __future__ import annotations

import operator

from numbagrad.ops.registry import OpDef, apply, register

_CPP_NAMES = {"float32": "float", "float64": "double"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "int32": "Int", "int64": "Long",
                 "bool": "Bool"}


def _batched(x):
    """``x`` as (N, C, H, W): an unbatched (C, H, W) array gets ``N = 1`` (a view)."""
    return x.reshape((1,) + x.shape) if x.ndim == 3 else x


def _like_input(out, ndim: int):
    """Drop the added batch dimension again when the input had ``ndim == 3``."""
    return out[0] if ndim == 3 else out


# ----------------------------------------------------------------------------- conv2d


def _conv2d_forward(be, x, w, *bias, stride, padding, dilation, groups, out_size):
    out = be.conv2d(_batched(x), w, bias[0] if bias else None, stride, padding, dilation,
                    groups, out_size)
    return _like_input(out, x.ndim)


def _conv2d_vjp(be, g, node):
    """``dx = col2im(w^T g)``, ``dw = sum_n g[n] im2col(x[n])^T``, ``db = sum of g over
    n, h, w``."""
    x, w = node.inputs[:2]
    a = node.attrs
    x4, g4 = _batched(x), _batched(g)
    gx = gw = gb = None
    if node.needs[0]:
        gx = _like_input(be.conv2d_backward_input(
            g4, w, x4.shape, a["stride"], a["padding"], a["dilation"], a["groups"]), x.ndim)
    if node.needs[1]:
        gw, gb = be.conv2d_backward_weight(g4, x4, w.shape, a["stride"], a["padding"],
                                           a["dilation"], a["groups"])
    elif len(node.inputs) == 3 and node.needs[2]:
        gb = be.conv2d_backward_bias(g4)
    grads = (gx, gw, gb)
    return grads[:len(node.inputs)]


CONV2D = register(OpDef("conv2d", _conv2d_forward, _conv2d_vjp, saves_inputs=True,
                        kernels=("conv2d", "conv2d_backward_input", "conv2d_backward_weight",
                                 "conv2d_backward_bias")))


def _pair(name: str, value, op: str = "conv2d") -> tuple:
    """``value`` (an int or a sequence of 1 or 2 ints) as two ints, or torch's RuntimeError."""
    if isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not bool")
    if hasattr(value, "__index__"):
        v = operator.index(value)
        return (v, v)
    values = [operator.index(v) for v in value]
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the "
            f"convolution dimensions, but got {name}={values}"
        )
    return tuple(values)


def _check_tensor(op: str, name: str, pos: int, x) -> None:
    from numbagrad.tensor import Tensor

    if not isinstance(x, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}"
        )


def _conv_padding(padding, stride: tuple, dilation: tuple, kernel: tuple) -> tuple:
    """Padding as ``(top, bottom, left, right)``; ``'same'`` may be one larger after."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # torch puts the odd one of an even kernel's padding after the input.
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = _pair("padding", padding)
    return (ph, ph, pw, pw)


def _check_conv_shapes(x, w, bias, groups: int, pads: tuple, dilation: tuple) -> tuple:
    """torch's shape checks for conv2d, in its order; returns the output size (ho, wo)."""
    if w.ndim != 4:
        raise RuntimeError(
            f"conv2d: expected weight to be 4-dimensional (out_channels, in_channels / groups, "
            f"kH, kW), but got weight of size {list(w.shape)}"
        )
    o, cg, kh, kw = w.shape
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    x_shape = tuple(x.shape) if x.ndim == 4 else (1,) + tuple(x.shape)
    if x_shape[1] != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input"
            f"{list(x_shape)} to have {cg * groups} channels, but got {x_shape[1]} channels "
            "instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(
            f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with {o} "
            f"elements, but got bias of size {list(bias.shape)} instead"
        )
    padded = (x_shape[2] + pads[0] + pads[1], x_shape[3] + pads[2] + pads[3])
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < span[0] or padded[1] < span[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel "
            f"size: ({span[0]} x {span[1]}). Kernel size can't be greater than actual input size"
        )
    return padded, span


def _check_conv_dtypes(x, w, bias) -> None:
    if x.dtype is not w.dtype:
        raise RuntimeError(
            f"expected scalar type {_SCALAR_NAMES[x.dtype.name]} but found "
            f"{_SCALAR_NAMES[w.dtype.name]}"
        )
    if bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(
            f"Input type ({_CPP_NAMES.get(x.dtype.name, x.dtype.name)}) and bias type "
            f"({_CPP_NAMES.get(bias.dtype.name, bias.dtype.name)}) should be the same"
        )
    if not x.dtype.is_floating_point:
        raise NotImplementedError(
            f"conv2d: not implemented for '{_SCALAR_NAMES[x.dtype.name]}' tensors in numbagrad; "
            "convert the input and weight with .float()"
        )


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    ``out[n, o, y, x] = bias[o] + sum_{c, i, j} weight[o, c, i, j] *
    input_padded[n, g*C/G + c, y*sh + i*dh, x*sw + j*dw]`` for ``o`` in group ``g``.

    Derivative: ``d input = col2im(weight^T g)`` (a transposed convolution), ``d weight =
    sum_n g[n] im2col(input[n])^T``, ``d bias = sum of g over n, y, x``.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or unbatched (C, H, W), floating.
    weight : Tensor
        (O, C / groups, kH, kW), ``input``'s dtype.
    bias : Tensor, optional
        (O,).
    stride, dilation : int or tuple of two ints
        Positive.
    padding : int, tuple of two ints, 'valid' or 'same'
        Zeros added on both sides of each spatial dimension; 'same' (stride 1 only) keeps the
        input's size, padding one more after the input when the total is odd, as torch.
    groups : int
        Split channels into this many independent convolutions; divides C and O.

    Returns
    -------
    Tensor
        (N, O, Ho, Wo) (or (O, Ho, Wo)), ``Ho = (H + pads - dh*(kH-1) - 1) // sh + 1``.

    Raises
    ------
    RuntimeError
        torch's messages: wrong input rank, channel count, bias size, kernel larger than the
        padded input, non-positive stride, negative padding, bad padding string, dtypes.
    NotImplementedError
        For integer tensors.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(1, 1, 4, 4)
    >>> torch.nn.functional.conv2d(x, torch.ones(2, 1, 3, 3), padding=1).shape
    numbagrad.Size([1, 2, 4, 4])
    """
    _check_tensor("conv2d", "input", 1, input)
    _check_tensor("conv2d", "weight", 2, weight)
    if bias is not None:
        _check_tensor("conv2d", "bias", 3, bias)
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            f"{list(input.shape)}"
        )
    stride, dilation = _pair("stride", stride), _pair("dilation", dilation)
    groups = operator.index(groups)
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    kernel = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)
    pads = _conv_padding(padding, stride, dilation, kernel)
    if min(pads) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    padded, span = _check_conv_shapes(input, weight, bias, groups, pads, dilation)
    _check_conv_dtypes(input, weight, bias)
    out_size = tuple((p - s) // st + 1 for p, s, st in zip(padded, span, stride))
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return apply(CONV2D, inputs, stride=stride, padding=(pads[0], pads[2]), dilation=dilation,
                 groups=groups, out_size=out_size)


# ----------------------------------------------------------------------------- pooling


def _max_pool2d_forward(be, x, kernel_size, stride, padding, dilation, out_size):
    out, idx = be.max_pool2d(_batched(x), kernel_size, stride, padding, dilation, out_size)
    return _like_input(out, x.ndim), _like_input(idx, x.ndim)


def _max_pool2d_vjp(be, g, node):
    """The gradient of each window goes to the position of its maximum (saved by the
    forward)."""
    shape = node.in_shapes[0]
    shape4 = (1,) + shape if len(shape) == 3 else shape
    gx = be.max_pool2d_backward(_batched(g), _batched(node.extra), shape4)
    return (gx.reshape(shape),)


def _avg_pool2d_forward(be, x, kernel_size, stride, padding, count_include_pad,
                        divisor_override, out_size):
    out = be.avg_pool2d(_batched(x), kernel_size, stride, padding, count_include_pad,
                        divisor_override, out_size)
    return _like_input(out, x.ndim)


def _avg_pool2d_vjp(be, g, node):
    """Each window's gradient, divided by the forward's divisor, spread over its pixels."""
    a = node.attrs
    shape = node.in_shapes[0]
    shape4 = (1,) + shape if len(shape) == 3 else shape
    gx = be.avg_pool2d_backward(_batched(g), shape4, a["kernel_size"], a["stride"],
                                a["padding"], a["count_include_pad"], a["divisor_override"])
    return (gx.reshape(shape),)


MAX_POOL2D = register(OpDef("max_pool2d", _max_pool2d_forward, _max_pool2d_vjp,
                            kernels=("max_pool2d", "max_pool2d_backward")))
AVG_POOL2D = register(OpDef("avg_pool2d", _avg_pool2d_forward, _avg_pool2d_vjp,
                            kernels=("avg_pool2d", "avg_pool2d_backward")))


def _pool_pair(op: str, name: str, value, default=None) -> tuple:
    """torch's pooling argument rules: an int or a tuple of one or two ints (stride may be
    omitted: None or an empty tuple means ``default``)."""
    if name == "stride" and (value is None or (isinstance(value, (tuple, list)) and not value)):
        return default
    if hasattr(value, "__index__") and not isinstance(value, bool):
        v = operator.index(value)
        return (v, v)
    values = list(value) if isinstance(value, (tuple, list)) else []
    if len(values) not in (1, 2):
        what = {"kernel_size": "kernel_size must either be a single int",
                "stride": "stride must either be omitted, a single int",
                "padding": "padding must either be a single int",
                "dilation": "dilation must be either a single int"}[name]
        raise RuntimeError(f"{op}: {what}, or a tuple of two ints")
    values = [operator.index(v) for v in values]
    return (values[0], values[-1])


def _pool_out(size: int, k: int, pad: int, stride: int, dilation: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape``: with ``ceil_mode`` the last window must start inside
    the input or its left padding."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > ((k - 1) * dilation + 1) // 2:
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={pad}, "
            f"kernel_size={k} and dilation={dilation}"
        )
    span = size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_geometry(op: str, input, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """Checked ``(kernel, stride, padding, dilation, out_size)`` of a pooling, in torch's order
    and with its messages."""
    _check_tensor(op, "input", 1, input)
    kernel = _pool_pair(op, "kernel_size", kernel_size)
    stride = _pool_pair(op, "stride", stride, kernel)
    padding = _pool_pair(op, "padding", padding)
    dilation = _pool_pair(op, "dilation", dilation)
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        if op == "avg_pool2d" and input.ndim < 3:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [-{input.ndim}, "
                f"{input.ndim - 1}], but got -3)"
            )
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(input.shape)}" if input.ndim in (3, 4)
            else "non-empty 3D or 4D (batch mode) tensor expected for input"
        )
    h, w = input.shape[-2:]
    out_h = _pool_out(h, kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
    out_w = _pool_out(w, kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
    if min(kernel) <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}"
        )
    if min(stride) <= 0:
        raise RuntimeError(
            f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}"
        )
    if min(dilation) <= 0:
        raise RuntimeError(
            "dilation should be greater than zero, but got dilationH: "
            f"{dilation[0]} dilationW: {dilation[1]}"
        )
    if out_h < 1 or out_w < 1:
        c = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out_h}x{out_w}). "
            "Output size is too small"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for '{_SCALAR_NAMES[input.dtype.name]}' tensors in "
            "numbagrad; convert the input with .float()"
        )
    return kernel, stride, padding, dilation, (out_h, out_w)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Each output is the maximum of a ``kernel_size`` window (taps ``dilation`` apart) of
    ``input`` padded with -inf; ties go to the window's first maximum, a nan wins.

    Derivative: the gradient of each output goes to its window's maximum; 0 elsewhere.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W), floating.
    kernel_size : int or tuple of two ints
    stride : int or tuple of two ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of two ints
        At most half the effective kernel size.
    dilation : int or tuple of two ints
    ceil_mode : bool
        Round the output size up (a last, partial window that starts inside the input).
    return_indices : bool
        Also return the int64 flat positions ``iy * W + ix`` of the maxima in each plane.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        (N, C, Ho, Wo) (or (C, Ho, Wo)); with ``return_indices``, the indices of that shape.

    Raises
    ------
    RuntimeError
        torch's messages for a bad rank, zero stride, padding larger than half the kernel, an
        output size below 1.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> torch.nn.functional.max_pool2d(x, 2).flatten().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    from numbagrad.tensor import Tensor, grad_enabled

    kernel, stride, padding, dilation, out_size = _pool_geometry(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    attrs = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                 out_size=out_size)
    if not return_indices:
        return apply(MAX_POOL2D, (input,), **attrs)
    if grad_enabled() and input.requires_grad:
        out = apply(MAX_POOL2D, (input,), **attrs)
        indices = out.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the indices with the node: run the forward.
        array, indices = _max_pool2d_forward(input._backend(), input._data, **attrs)
        out = Tensor._make(array, input._device)
    return out, Tensor._make(indices, input._device)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Each output is the sum of a ``kernel_size`` window of ``input`` (zero-padded) divided by
    ``divisor_override``, or by the window's size counting the padding
    (``count_include_pad``) or not.

    Derivative: each input pixel receives ``g / divisor`` from every window that holds it.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W), floating.
    kernel_size : int or tuple of two ints
    stride : int or tuple of two ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of two ints
        At most half the kernel size.
    ceil_mode : bool
        Round the output size up.
    count_include_pad : bool
        Count the padding in the divisor.
    divisor_override : int, optional
        A fixed divisor, not 0.

    Returns
    -------
    Tensor
        (N, C, Ho, Wo) (or (C, Ho, Wo)).

    Raises
    ------
    RuntimeError
        As :func:`max_pool2d`, and for ``divisor_override=0``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> torch.nn.functional.avg_pool2d(x, 2).flatten().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """
    kernel, stride, padding, _, out_size = _pool_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = operator.index(divisor_override)
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    return apply(AVG_POOL2D, (input,), kernel_size=kernel, stride=stride, padding=padding,
                 count_include_pad=bool(count_include_pad), divisor_override=divisor_override,
                 out_size=out_size)
