"""Convolution and pooling primitives: ``conv2d``, ``max_pool2d``, ``avg_pool2d``, and the
argument checks every convolution shares (``conv_nd.py`` builds the other ones from these).

Each primitive takes a batched ``(N, C, H, W)`` or an unbatched ``(C, H, W)`` input; the
forward and the vjp view an unbatched array as ``N = 1`` (a free reshape), so the kernels see one layout.
Arguments are checked here, in torch's order and with torch's messages, before any kernel
runs: the kernels index without bounds checks and rely on every window touching the input.
"""
from __future__ import annotations

import operator

from numbagrad import dtypes
from numbagrad.ops.registry import OpDef, apply, register

_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double"}


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


def _ntuple(name: str, value, nd: int, op: str = "") -> tuple:
    """``value`` (an int or a sequence of 1 or ``nd`` ints) as ``nd`` ints, or torch's
    RuntimeError."""
    if isinstance(value, (bool, str)):
        raise TypeError(f"{op or f'conv{nd}d'}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}")
    if hasattr(value, "__index__"):
        return (operator.index(value),) * nd
    values = [operator.index(v) for v in value]
    if len(values) == 1:
        values = values * nd
    if len(values) != nd:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {nd} values to match "
            f"the convolution dimensions, but got {name}={values}"
        )
    return tuple(values)


def _pair(name: str, value, op: str = "conv2d") -> tuple:
    """``value`` (an int or a sequence of 1 or 2 ints) as two ints, or torch's RuntimeError."""
    return _ntuple(name, value, 2)


def _check_tensor(op: str, name: str, pos: int, x) -> None:
    from numbagrad.tensor import Tensor

    if not isinstance(x, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}"
        )


def _conv_padding(padding, stride: tuple, dilation: tuple, kernel: tuple) -> tuple:
    """Padding as ``((before, after), ...)`` per spatial dimension; with ``'same'`` the odd
    one of an even total goes after the input, as in torch."""
    nd = len(stride)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _ntuple("padding", padding, nd))


def _as_2d(values: tuple, fill: int = 1) -> list:
    """A 1-d convolution's per-dimension values as torch reports them (it runs conv1d as a
    2-d convolution of height 1, ``fill`` in the added dimension)."""
    return [fill] + list(values) if len(values) == 1 else list(values)


def _check_weight(x_shape: tuple, w, bias, groups: int, transposed: bool) -> None:
    """torch's checks of the weight and bias against the (batched) input shape, in its
    order."""
    nd = len(x_shape) - 2
    if w.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if w.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional weight "
            f"{list(w.shape)}, but got {len(x_shape)}-dimensional input of size "
            f"{list(x_shape)} instead"
        )
    if w.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
            f"but got weight of size {list(w.shape)} instead"
        )
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    given = f"Given transposed=1, weight of size {list(w.shape)}" if transposed else \
        f"Given groups={groups}, weight of size {list(w.shape)}"
    channels = w.shape[0] if transposed else w.shape[1] * groups
    if x_shape[1] != channels:
        raise RuntimeError(
            f"{given}, expected input{list(x_shape)} to have {channels} channels, but got "
            f"{x_shape[1]} channels instead"
        )
    out_channels = w.shape[1] * groups if transposed else w.shape[0]
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        given = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(
            f"{given} of size {list(w.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )


def _check_kernel(w, transposed: bool) -> None:
    """torch's message for a weight with a zero spatial size."""
    kernel = tuple(w.shape[2:])
    if min(kernel) > 0:
        return
    if len(kernel) == 3 and transposed:
        raise RuntimeError(
            "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x "
            f"kernel_width) tensor expected for weight, but got: {list(w.shape)}"
        )
    if len(kernel) == 3:
        raise RuntimeError(
            "kernel size should be greater than zero, but got: "
            f"{kernel[0]} x {kernel[1]} x {kernel[2]} (TxHxW)"
        )
    kh, kw = _as_2d(kernel)
    raise RuntimeError(
        f"kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}"
    )


def _check_conv_dtypes(x, w, bias, op: str = "conv2d") -> None:
    if x.dtype is not w.dtype:
        raise RuntimeError(
            f"expected scalar type {dtypes.scalar_name(x.dtype)} but found "
            f"{dtypes.scalar_name(w.dtype)}"
        )
    if bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(
            f"Input type ({_CPP_NAMES.get(x.dtype.name, x.dtype.name)}) and bias type "
            f"({_CPP_NAMES.get(bias.dtype.name, bias.dtype.name)}) should be the same"
        )
    if not x.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for '{dtypes.scalar_name(x.dtype)}' tensors in numbagrad; "
            "convert the input and weight with .float()"
        )


def _check_common(op: str, nd: int, input, weight, bias, stride, dilation, groups) -> tuple:
    """The checks every convolution starts with: types, the input's rank, stride, dilation
    and groups as ``nd``-tuples; returns ``(stride, dilation, groups)``."""
    _check_tensor(op, "input", 1, input)
    _check_tensor(op, "weight", 2, weight)
    if bias is not None:
        _check_tensor(op, "bias", 3, bias)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got "
            f"input of size: {list(input.shape)}"
        )
    stride, dilation = _ntuple("stride", stride, nd), _ntuple("dilation", dilation, nd)
    return stride, dilation, operator.index(groups)


def _conv_geometry(op: str, nd: int, input, weight, bias, stride, padding, dilation,
                   groups) -> tuple:
    """Every check of an ``nd``-d convolution, in torch's order and with its messages.

    Returns ``(stride, pads, dilation, groups, out_size)`` with ``pads`` one ``(before,
    after)`` pair per spatial dimension.
    """
    stride, dilation, groups = _check_common(op, nd, input, weight, bias, stride, dilation,
                                             groups)
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {_as_2d(dilation)}")
    kernel = tuple(weight.shape[2:]) if weight.ndim == nd + 2 else (1,) * nd
    pads = _conv_padding(padding, stride, dilation, kernel)
    if min(min(p) for p in pads) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    x_shape = tuple(input.shape) if input.ndim == nd + 2 else (1,) + tuple(input.shape)
    _check_weight(x_shape, weight, bias, groups, False)
    padded = [s + lo + hi for s, (lo, hi) in zip(x_shape[2:], pads)]
    span = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[2:])]
    if any(p < s for p, s in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater than "
            "actual input size"
        )
    _check_kernel(weight, False)
    _check_conv_dtypes(input, weight, bias, op)
    out_size = tuple((p - s) // st + 1 for p, s, st in zip(padded, span, stride))
    return stride, pads, dilation, groups, out_size


def _conv2d_padded(input, weight, bias, stride: tuple, pads: tuple, dilation: tuple,
                   groups: int, out_size: tuple):
    """The conv2d primitive on checked arguments; ``pads`` is ``((top, bottom), (left,
    right))``."""
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return apply(CONV2D, inputs, stride=stride, padding=(pads[0][0], pads[1][0]),
                 dilation=dilation, groups=groups, out_size=out_size)


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
        (O, C / groups, kH, kW), ``input``'s dtype, no zero size.
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
        padded input or of zero size, non-positive stride or dilation, negative padding, bad
        padding string, dtypes.
    NotImplementedError
        For integer tensors.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(1, 1, 4, 4)
    >>> torch.nn.functional.conv2d(x, torch.ones(2, 1, 3, 3), padding=1).shape
    numbagrad.Size([1, 2, 4, 4])
    """
    stride, pads, dilation, groups, out_size = _conv_geometry(
        "conv2d", 2, input, weight, bias, stride, padding, dilation, groups)
    return _conv2d_padded(input, weight, bias, stride, pads, dilation, groups, out_size)


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
    if op == "max_pool2d" and input.dtype.name == "bool":
        raise NotImplementedError('"max_pool2d" not implemented for \'Bool\'')  # torch's
    if not input.dtype.is_floating_point and op != "max_pool2d":
        raise NotImplementedError(
            f"{op}: not implemented for '{dtypes.scalar_name(input.dtype)}' tensors in "
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
    if not input.dtype.is_floating_point:
        # Integers (as torch allows) through the 3-D pooling kernels, which take them, over a
        # unit depth: the flat indices over (1, H, W) are those over (H, W).
        from numbagrad.ops.pooling import max_pool3d

        result = max_pool3d(input.unsqueeze(-3), (1,) + kernel, (1,) + stride, (0,) + padding,
                            (1,) + dilation, ceil_mode, return_indices)
        if return_indices:
            return result[0].squeeze(-3), result[1].squeeze(-3)
        return result.squeeze(-3)
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
