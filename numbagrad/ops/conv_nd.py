"""Convolutions in one and three dimensions and transposed ones, built on conv2d's kernels.

``conv1d`` and ``conv_transpose1d`` are the 2-d forms of height 1. ``conv3d`` unfolds the depth
taps into channels and runs one conv2d; ``conv_transpose3d`` is its adjoint, built the same way.

A transposed convolution is the adjoint of a convolution with respect to its input, so the
primitive needs no kernel of its own: its forward is conv2d's input-gradient kernel
(``conv2d_backward_input``), the gradient of its input is a conv2d, and the gradient of its
weight is conv2d's weight-gradient kernel with the roles of input and output gradient swapped.
The weight is laid out as torch's, ``(C_in, C_out / groups, kH, kW)``: conv2d's weight for the
convolution whose adjoint this is. Arguments are checked here, in torch's order and with its
messages, before any kernel runs.
"""
from __future__ import annotations

from numbagrad.ops.conv import (_as_2d, _batched, _check_common, _check_conv_dtypes,
                                _check_kernel, _check_weight, _conv2d_padded, _conv_geometry,
                                _like_input, _ntuple)
from numbagrad.ops.registry import OpDef, apply, register


def _conv_transpose2d_forward(be, x, w, *, stride, padding, dilation, groups, out_size):
    x4 = _batched(x)
    out = be.conv2d_backward_input(x4, w, (x4.shape[0], w.shape[1] * groups) + out_size,
                                   stride, padding, dilation, groups)
    return _like_input(out, x.ndim)


def _conv_transpose2d_vjp(be, g, node):
    """``dx = conv2d(g, w)`` (the convolution this is the adjoint of); ``dw`` is conv2d's
    weight gradient with ``x`` as the output gradient and ``g`` as the input."""
    x, w = node.inputs
    a = node.attrs
    x4, g4 = _batched(x), _batched(g)
    gx = gw = None
    if node.needs[0]:
        gx = _like_input(be.conv2d(g4, w, None, a["stride"], a["padding"], a["dilation"],
                                   a["groups"], x4.shape[2:]), x.ndim)
    if node.needs[1]:
        gw = be.conv2d_backward_weight(x4, g4, w.shape, a["stride"], a["padding"],
                                       a["dilation"], a["groups"])[0]
    return gx, gw


CONV_TRANSPOSE2D = register(OpDef(
    "conv_transpose2d", _conv_transpose2d_forward, _conv_transpose2d_vjp, saves_inputs=True,
    kernels=("conv2d_backward_input", "conv2d", "conv2d_backward_weight")))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D cross-correlation, as ``torch.nn.functional.conv1d``: :func:`conv2d` of the input
    and weight given a height of 1 (free reshapes), so it shares conv2d's kernels and
    derivative.

    Parameters
    ----------
    input : Tensor
        (N, C, L) or unbatched (C, L), floating.
    weight : Tensor
        (O, C / groups, k).
    bias : Tensor, optional
        (O,).
    stride, padding, dilation, groups
        As :func:`conv2d`, one value each (padding may be 'valid' or 'same').

    Returns
    -------
    Tensor
        (N, O, Lo) (or (O, Lo)), ``Lo = (L + pads - d*(k-1) - 1) // s + 1``.

    Raises
    ------
    RuntimeError, NotImplementedError
        As :func:`conv2d`, with torch's messages for conv1d.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.conv1d(torch.ones(1, 2, 5), torch.ones(3, 2, 3)).shape
    numbagrad.Size([1, 3, 3])
    """
    stride, pads, dilation, groups, out_size = _conv_geometry(
        "conv1d", 1, input, weight, bias, stride, padding, dilation, groups)
    x = input.reshape(input.shape[:-1] + (1, input.shape[-1]))
    w = weight.reshape(weight.shape[:2] + (1, weight.shape[2]))
    out = _conv2d_padded(x, w, bias, (1,) + stride, ((0, 0),) + pads, (1,) + dilation,
                         groups, (1,) + out_size)
    return out.reshape(out.shape[:-2] + (out.shape[-1],))


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """3-D cross-correlation, as ``torch.nn.functional.conv3d``.

    Composed from :func:`conv2d`: the depth taps are unfolded into channels, ``xd[n*Do + z,
    c*kD + t] = input_padded[n, c, z*sd + t*dd]`` (one strided copy, ``kD`` times the input),
    and one 2-D convolution of ``xd`` with the weight viewed as (O, C/groups*kD, kH, kW)
    sums over ``(c, t)`` and the in-plane taps at once; both devices run conv2d's kernels and
    the gradient comes from the pieces. Measured on the CPU (one thread, forward + backward,
    3x3x3 kernels): 10-20% over that inner conv2d alone, which any im2col form must run; one
    conv2d per depth tap, summed, was as fast or up to 25% slower.

    Parameters
    ----------
    input : Tensor
        (N, C, D, H, W) or unbatched (C, D, H, W), floating.
    weight : Tensor
        (O, C / groups, kD, kH, kW).
    bias : Tensor, optional
        (O,).
    stride, padding, dilation, groups
        As :func:`conv2d`, three values each (padding may be 'valid' or 'same').

    Returns
    -------
    Tensor
        (N, O, Do, Ho, Wo) (or (O, Do, Ho, Wo)).

    Raises
    ------
    RuntimeError, NotImplementedError
        As :func:`conv2d`, with torch's messages for conv3d.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.conv3d(torch.ones(1, 2, 4, 4, 4), torch.ones(3, 2, 3, 3, 3)).shape
    numbagrad.Size([1, 3, 2, 2, 2])
    """
    from numbagrad.ops.pad import pad
    from numbagrad.ops.shape import stack

    stride, pads, dilation, groups, out_size = _conv_geometry(
        "conv3d", 3, input, weight, bias, stride, padding, dilation, groups)
    x = input if input.ndim == 5 else input.reshape((1,) + tuple(input.shape))
    if pads[0] != (0, 0):
        x = pad(x, (0, 0, 0, 0) + pads[0])
    n, c, _, h, w = x.shape
    o, cg, kd = weight.shape[:3]
    depth, sd, dd = out_size[0], stride[0], dilation[0]
    # Each tap's slices, (N, Do, C, H, W), stacked into (N, Do, C, kD, H, W): one copy.
    taps = [x[:, :, t * dd:t * dd + sd * (depth - 1) + 1:sd].permute(0, 2, 1, 3, 4)
            for t in range(kd)]
    xd = stack(taps, 3).reshape((n * depth, c * kd, h, w))
    wd = weight.reshape((o, cg * kd) + tuple(weight.shape[3:]))
    out = _conv2d_padded(xd, wd, bias, stride[1:], pads[1:], dilation[1:], groups,
                         out_size[1:])
    # Contiguous as torch's result, so that a following .view() works as there.
    out = out.reshape((n, depth) + tuple(out.shape[1:])).permute(0, 2, 1, 3, 4).contiguous()
    return out if input.ndim == 5 else out.reshape(tuple(out.shape[1:]))


def _joined(values) -> str:
    return " x ".join(map(str, values))


def _transpose_geometry(op: str, nd: int, input, weight, bias, stride, padding, output_padding,
                        groups, dilation) -> tuple:
    """Every check of an ``nd``-d transposed convolution, in torch's order and with its
    messages; returns ``(stride, padding, output_padding, dilation, groups, out_size)``."""
    stride, dilation, groups = _check_common(op, nd, input, weight, bias, stride, dilation,
                                             groups)
    padding = _ntuple("padding", padding, nd, op)
    output_padding = _ntuple("output_padding", output_padding, nd, op)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(output_padding) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    x_shape = tuple(input.shape) if input.ndim == nd + 2 else (1,) + tuple(input.shape)
    _check_weight(x_shape, weight, bias, groups, True)
    _check_kernel(weight, True)
    names = ("depth", "height", "width")[3 - max(nd, 2):]
    if min(dilation) <= 0:
        got = ", ".join(f"dilation_{n}: {d}" for n, d in zip(names, _as_2d(dilation)))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    if any(p >= s and p >= d for p, s, d in zip(output_padding, stride, dilation)):
        got = " ".join(f"{what}_{n}: {v}" for what, values, fill in (
            ("output_padding", output_padding, 0), ("stride", stride, 1),
            ("dilation", dilation, 1)) for n, v in zip(names, _as_2d(values, fill)))
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got {got}")
    sizes = x_shape[2:]
    out_size = tuple((i - 1) * s - 2 * p + d * (k - 1) + op_ + 1 for i, s, p, d, k, op_ in zip(
        sizes, stride, padding, dilation, weight.shape[2:], output_padding))
    if min(out_size) < 1:
        raise RuntimeError(
            f"Given input size per channel: ({_joined(_as_2d(sizes))}). Calculated output size "
            f"per channel: ({_joined(_as_2d(out_size))}). Output size is too small"
        )
    _check_conv_dtypes(input, weight, bias, op)
    return stride, padding, output_padding, dilation, groups, out_size


def _add_bias(out, bias, nd: int):
    return out if bias is None else out + bias.reshape((-1,) + (1,) * nd)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Each input pixel ``(n, o, y, x)`` adds ``input[n, o, y, x] * weight[o, c, i, j]`` into
    output pixel ``(y*sh + i*dh - ph, x*sw + j*dw - pw)`` of channel ``g*C_out/G + c``; the
    output has ``Ho = (H - 1)*sh - 2*ph + dh*(kH - 1) + output_padding + 1`` rows.

    Derivative: ``d input = conv2d(g, weight)``, ``d weight[o, c, i, j] = sum input[n, o, y,
    x] * g[n, c, y*sh + i*dh - ph, x*sw + j*dw - pw]``, ``d bias = sum of g over n, y, x``.

    Parameters
    ----------
    input : Tensor
        (N, C_in, H, W) or unbatched (C_in, H, W), floating.
    weight : Tensor
        (C_in, C_out / groups, kH, kW), ``input``'s dtype.
    bias : Tensor, optional
        (C_out,).
    stride, dilation : int or tuple of two ints
        Positive.
    padding : int or tuple of two ints
        Rows and columns removed from each side of the full output.
    output_padding : int or tuple of two ints
        Rows and columns added after the output; smaller than the stride or the dilation.
    groups : int
        Divides C_in and C_out.

    Returns
    -------
    Tensor
        (N, C_out, Ho, Wo) (or (C_out, Ho, Wo)).

    Raises
    ------
    RuntimeError
        torch's messages: wrong input rank, channel count, bias size, zero kernel size,
        non-positive stride or dilation, negative padding, output padding too large, an
        output size below 1, dtypes.
    NotImplementedError
        For integer tensors.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(1, 2, 3, 3)
    >>> torch.nn.functional.conv_transpose2d(x, torch.ones(2, 4, 3, 3), stride=2).shape
    numbagrad.Size([1, 4, 7, 7])
    """
    stride, padding, _, dilation, groups, out_size = _transpose_geometry(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
        dilation)
    out = apply(CONV_TRANSPOSE2D, (input, weight), stride=stride, padding=padding,
                dilation=dilation, groups=groups, out_size=out_size)
    return _add_bias(out, bias, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d``:
    :func:`conv_transpose2d` of the input and weight given a height of 1 (free reshapes).

    Parameters
    ----------
    input : Tensor
        (N, C_in, L) or unbatched (C_in, L), floating.
    weight : Tensor
        (C_in, C_out / groups, k).
    bias : Tensor, optional
        (C_out,).
    stride, padding, output_padding, groups, dilation
        As :func:`conv_transpose2d`, one value each.

    Returns
    -------
    Tensor
        (N, C_out, Lo) (or (C_out, Lo)), ``Lo = (L - 1)*s - 2*p + d*(k - 1) +
        output_padding + 1``.

    Raises
    ------
    RuntimeError, NotImplementedError
        As :func:`conv_transpose2d`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.conv_transpose1d(torch.ones(1, 2, 5), torch.ones(2, 3, 3)).shape
    numbagrad.Size([1, 3, 7])
    """
    stride, padding, _, dilation, groups, out_size = _transpose_geometry(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
        dilation)
    x = input.reshape(input.shape[:-1] + (1, input.shape[-1]))
    w = weight.reshape(weight.shape[:2] + (1, weight.shape[2]))
    out = apply(CONV_TRANSPOSE2D, (x, w), stride=(1,) + stride, padding=(0,) + padding,
                dilation=(1,) + dilation, groups=groups, out_size=(1,) + out_size)
    return _add_bias(out.reshape(out.shape[:-2] + (out.shape[-1],)), bias, 1)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """3-D transposed convolution, as ``torch.nn.functional.conv_transpose3d``.

    Composed from :func:`conv_transpose2d` (the adjoint of :func:`conv3d`'s
    composition): each input depth slice is transposed-convolved in the plane with the weight
    viewed as (C_in, C_out/groups*kD, kH, kW), giving one plane per output channel and depth
    tap ``t``; slice ``z``'s tap ``t`` lands on output depth ``z*sd + t*dd - pd``, placed by
    zero interleaving (the stride) and one padding per tap (the shift and the crop). Both
    devices run conv2d's kernels and the gradient comes from the pieces. The placement is
    not free: measured on the CPU (one thread, forward + backward, 3x3x3 kernels), 20% over
    the inner transposed convolution at stride 1, twice its time at stride 2.

    Parameters
    ----------
    input : Tensor
        (N, C_in, D, H, W) or unbatched (C_in, D, H, W), floating.
    weight : Tensor
        (C_in, C_out / groups, kD, kH, kW).
    bias : Tensor, optional
        (C_out,).
    stride, padding, output_padding, groups, dilation
        As :func:`conv_transpose2d`, three values each.

    Returns
    -------
    Tensor
        (N, C_out, Do, Ho, Wo) (or (C_out, Do, Ho, Wo)).

    Raises
    ------
    RuntimeError, NotImplementedError
        As :func:`conv_transpose2d`, with torch's messages for 3-D.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(1, 2, 2, 2, 2)
    >>> torch.nn.functional.conv_transpose3d(x, torch.ones(2, 3, 2, 2, 2), stride=2).shape
    numbagrad.Size([1, 3, 4, 4, 4])
    """
    from numbagrad.ops.pad import pad

    stride, padding, _, dilation, groups, out_size = _transpose_geometry(
        "conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
        dilation)
    x = input if input.ndim == 5 else input.reshape((1,) + tuple(input.shape))
    n, c_in, depth, h, w = x.shape
    cg, kd = weight.shape[1:3]
    c_out = cg * groups
    planes = x.permute(0, 2, 1, 3, 4).reshape((n * depth, c_in, h, w))
    wd = weight.reshape((c_in, cg * kd) + tuple(weight.shape[3:]))
    y = apply(CONV_TRANSPOSE2D, (planes, wd), stride=stride[1:], padding=padding[1:],
              dilation=dilation[1:], groups=groups, out_size=out_size[1:])
    area = c_out * kd * out_size[1] * out_size[2]
    y = y.reshape((n, depth, 1, area))
    sd, pd, dd = stride[0], padding[0], dilation[0]
    if sd > 1:  # zeros between the slices: slice z lands on full depth z*sd
        y = pad(y, (0, 0, 0, sd - 1)).reshape((n, depth * sd, area))[:, :(depth - 1) * sd + 1]
    full = y.reshape((n, y.shape[1], c_out, kd, out_size[1] * out_size[2]))
    size, d_out = full.shape[1], out_size[0]
    out = None
    for t in range(kd):
        lo = t * dd - pd  # where this tap's first slice lands in the output
        start = min(max(0, -lo), size)
        count = max(0, min(size, d_out - lo) - start)
        front = max(lo, 0) if count else 0
        term = pad(full[:, start:start + count, :, t], (0, 0, 0, 0, front,
                                                          d_out - front - count))
        out = term if out is None else out + term
    out = out.reshape((n, d_out, c_out) + out_size[1:]).permute(0, 2, 1, 3, 4).contiguous()
    out = _add_bias(out, bias, 3)
    return out if input.ndim == 5 else out.reshape(tuple(out.shape[1:]))
