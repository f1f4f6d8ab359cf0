"""Sliding blocks: ``unfold`` (im2col) and ``fold`` (col2im), two primitives, each the other's
vjp.

``unfold`` turns every ``kernel_size`` block of a zero-padded ``(N, C, H, W)`` input into a
column of an ``(N, C*kh*kw, L)`` result (L block positions); ``fold`` puts such columns back
into images, adding the entries that land on the same pixel. Unbatched inputs ((C, H, W) for
unfold, (C*kh*kw, L) for fold) are viewed with ``N = 1``. Arguments are checked here with
torch's messages, in its order, before any kernel runs.
"""
from __future__ import annotations

import operator

from numbagrad.ops.registry import OpDef, apply, register

_SCALAR_NAMES = {"int8": "Char", "uint8": "Byte", "int16": "Short", "int32": "Int",
                 "int64": "Long"}


def _im2col_forward(be, x, geom):
    x = be.contiguous(x)
    cols = be.im2col(x.reshape((1,) + x.shape) if x.ndim == 3 else x, geom)
    return cols[0] if x.ndim == 3 else cols


def _im2col_vjp(be, g, node):
    """Each input pixel gets the sum of the column entries read from it (col2im)."""
    shape = node.in_shapes[0]
    g = be.contiguous(g)
    g3 = g.reshape((1,) + g.shape) if len(shape) == 3 else g
    gx = be.col2im(g3, shape[-2:], node.attrs["geom"])
    return (gx.reshape(shape),)


def _col2im_forward(be, cols, size, geom):
    cols = be.contiguous(cols)
    out = be.col2im(cols.reshape((1,) + cols.shape) if cols.ndim == 2 else cols, size, geom)
    return out[0] if cols.ndim == 2 else out


def _col2im_vjp(be, g, node):
    """Each column entry gets the gradient of the pixel it was added to (im2col)."""
    shape = node.in_shapes[0]
    g = be.contiguous(g)
    g4 = g.reshape((1,) + g.shape) if len(shape) == 2 else g
    return (be.im2col(g4, node.attrs["geom"]).reshape(shape),)


IM2COL = register(OpDef("im2col", _im2col_forward, _im2col_vjp,
                        kernels=("im2col", "col2im", "contiguous")))
COL2IM = register(OpDef("col2im", _col2im_forward, _col2im_vjp,
                        kernels=("col2im", "im2col", "contiguous")))


def _pair(op: str, name: str, pos: int, value) -> tuple:
    """``value`` as two ints (an int, or a sequence of two), or torch's errors."""
    if hasattr(value, "__index__") and not isinstance(value, bool):
        v = operator.index(value)
        return (v, v)
    items = value if isinstance(value, (tuple, list)) else (value,)
    for at, v in enumerate(items):
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, "
                            f"but found element of type {type(v).__name__} at pos {at}")
    if len(items) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(items)}")
    return (operator.index(items[0]), operator.index(items[1]))


def _check_geometry(kernel, dilation, padding, stride, fold: bool) -> None:
    """torch's checks of im2col (kernel, dilation, padding, stride) and col2im (kernel,
    stride, dilation, padding), in their orders."""
    checks = {
        "kernel": (min(kernel) > 0, "kernel size should be greater than zero, but got "
                   f"kernel_height: {kernel[0]} kernel_width: {kernel[1]}"),
        "dilation": (min(dilation) > 0, "dilation should be greater than zero, but got "
                     f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}"),
        "padding": (min(padding) >= 0, "padding should be non-negative, but got "
                    f"pad_height: {padding[0]} pad_width: {padding[1]}"),
        "stride": (min(stride) > 0, "stride should be greater than zero, but got "
                   f"stride_height: {stride[0]} stride_width: {stride[1]}"),
    }
    order = (("kernel", "stride", "dilation", "padding") if fold
             else ("kernel", "dilation", "padding", "stride"))
    for name in order:
        ok, message = checks[name]
        if not ok:
            raise RuntimeError(message)


def _blocks(size: int, k: int, pad: int, stride: int, dilation: int) -> int:
    return (size + 2 * pad - (dilation * (k - 1) + 1)) // stride + 1


def _check_tensor(op: str, x) -> None:
    from numbagrad.tensor import Tensor

    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_float(op: str, x) -> None:
    """torch's error for integer tensors; bool, which torch accepts, is refused here."""
    name = x.dtype.name
    if name == "bool":
        raise NotImplementedError(f"{op}: not implemented for 'Bool' tensors in numbagrad; "
                                  "convert the input with .float()")
    if name in _SCALAR_NAMES:
        raise NotImplementedError(f'"{op}_out_cpu" not implemented for '
                                  f"'{_SCALAR_NAMES[name]}'")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding blocks of an image batch as columns (im2col), as
    ``torch.nn.functional.unfold``.

    ``out[n, (c*kh + i)*kw + j, by*wo + bx] = input_padded[n, c, by*sh + i*dh, bx*sw + j*dw]``
    with ``wo`` block positions across.

    Derivative: each input pixel receives the sum of the gradients of the column entries read
    from it (``fold`` of the gradient).

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or unbatched (C, H, W), floating; C, H and W non-zero.
    kernel_size, dilation, stride : int or tuple of two ints
        Positive.
    padding : int or tuple of two ints
        Zeros added on both sides of H and W; non-negative.

    Returns
    -------
    Tensor
        (N, C*kh*kw, L) (or (C*kh*kw, L)), ``L = ho * wo`` with
        ``ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1`` (and the same across), at least 1.

    Raises
    ------
    RuntimeError
        torch's messages: a non-positive kernel size, dilation or stride, negative padding,
        a bad rank or an empty dimension, no block fitting the input, a tuple not of length 2.
    NotImplementedError
        For integer tensors (torch's message) and bool tensors (which torch accepts).

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> torch.nn.functional.unfold(x, 2).shape
    numbagrad.Size([1, 4, 4])
    """
    _check_tensor("im2col", input)
    kernel = _pair("im2col", "kernel_size", 2, kernel_size)
    dilation = _pair("im2col", "dilation", 3, dilation)
    padding = _pair("im2col", "padding", 4, padding)
    stride = _pair("im2col", "stride", 5, stride)
    _check_geometry(kernel, dilation, padding, stride, fold=False)
    shape = tuple(input.shape)
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[-{max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got "
                         f"{input.ndim})")
    if input.ndim > 4 or 0 in shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(shape)}")
    h, w = shape[-2:]
    ho = _blocks(h, kernel[0], padding[0], stride[0], dilation[0])
    wo = _blocks(w, kernel[1], padding[1], stride[1], dilation[1])
    if ho < 1 or wo < 1:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), "
            f"calculated shape of the array of sliding blocks as ({ho}, {wo}), but its "
            "components must be at least one.")
    _check_float("im2col", input)
    geom = kernel + stride + padding + dilation + (ho, wo)
    return apply(IM2COL, (input,), geom=geom)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns of sliding blocks added back into images (col2im), as
    ``torch.nn.functional.fold``: the adjoint of :func:`unfold`.

    ``out[n, c, y, x]`` is the sum of the entries ``input[n, (c*kh + i)*kw + j, by*wo + bx]``
    with ``by*sh - ph + i*dh = y`` and ``bx*sw - pw + j*dw = x``: overlapping blocks add.

    Derivative: each column entry receives the gradient of the pixel it was added to
    (``unfold`` of the gradient).

    Parameters
    ----------
    input : Tensor
        (N, C*kh*kw, L) or unbatched (C*kh*kw, L), floating; L the number of block positions
        that ``output_size`` holds.
    output_size : int or tuple of two ints
        (H, W) of the result.
    kernel_size, dilation, stride : int or tuple of two ints
        Positive.
    padding : int or tuple of two ints
        Non-negative; blocks reaching into it lose those entries.

    Returns
    -------
    Tensor
        (N, C, H, W) (or (C, H, W)).

    Raises
    ------
    RuntimeError
        torch's messages: a non-positive kernel size, stride or dilation, negative padding, a
        bad rank or empty dimension, a channel count not divisible by ``kh*kw``, an ``L`` that
        is not the number of blocks, a tuple not of length 2.
    NotImplementedError
        For integer tensors (torch's message) and bool tensors (which torch accepts).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.fold(torch.ones(1, 4, 4), (3, 3), 2).flatten().tolist()
    [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]
    """
    _check_tensor("col2im", input)
    size = _pair("col2im", "output_size", 2, output_size)
    kernel = _pair("col2im", "kernel_size", 3, kernel_size)
    dilation = _pair("col2im", "dilation", 4, dilation)
    padding = _pair("col2im", "padding", 5, padding)
    stride = _pair("col2im", "stride", 6, stride)
    _check_geometry(kernel, dilation, padding, stride, fold=True)
    shape = tuple(input.shape)
    if input.ndim not in (2, 3) or 0 in shape[-2:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(shape)}")
    planes, length = shape[-2:]
    if planes % (kernel[0] * kernel[1]):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={planes} and kernel_size=({kernel[0]}, "
            f"{kernel[1]}).")
    ho = _blocks(size[0], kernel[0], padding[0], stride[0], dilation[0])
    wo = _blocks(size[1], kernel[1], padding[1], stride[1], dilation[1])
    described = (f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
                 f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, "
                 f"{padding[1]}), stride=({stride[0]}, {stride[1]}), ")
    if length != ho * wo:
        raise RuntimeError(
            f"{described}expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {ho} * {wo} = {ho * wo}, but got input.size(2)={length}.")
    if ho < 1 or wo < 1:
        raise RuntimeError(
            f"{described}calculated shape of the array of sliding blocks as ({ho}, {wo}), "
            "which is too small (non-positive)")
    _check_float("col2im", input)
    geom = kernel + stride + padding + dilation + (ho, wo)
    return apply(COL2IM, (input,), size=size, geom=geom)
