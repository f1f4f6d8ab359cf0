"""Pooling written from other ops: power-average pooling (``lp_pool1d/2d``, from average
pooling of powers, as torch writes it) and max unpooling (``max_unpool1d/2d``, a scatter of the
pooled values into zeros), with torch's checks and messages."""
from __future__ import annotations

from numbagrad.ops.pooling import _tuple, avg_pool1d


def lp_pool1d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """Power-average pooling, as torch's: ``(sum over the window of x**p) ** (1/p)``, written
    as torch writes it (``sign(a) * relu(|a|) * kernel) ** (1/p)`` with ``a`` the average
    pooling of ``x**p``)."""

    k = _tuple("lp_pool1d", "kernel_size", kernel_size, 1)[0]
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """2-D power-average pooling, as torch's (see :func:`lp_pool1d`)."""
    from numbagrad.ops.conv import avg_pool2d

    kh, kw = _tuple("lp_pool2d", "kernel_size", kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def _unpool_size(op: str, input, nd: int, kernel, stride, padding, output_size) -> tuple:
    spatial = tuple(input.shape[-nd:])
    default = tuple((n - 1) * s + k - 2 * p for n, k, s, p in zip(spatial, kernel, stride,
                                                                    padding))
    if output_size is None:
        return default
    sizes = tuple(output_size)
    if len(sizes) == input.ndim:
        sizes = sizes[-nd:]
    if len(sizes) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(sizes)}'")
    for d, (size, n) in enumerate(zip(sizes, default)):
        s = stride[d]
        if not n - s < size < n + s:
            raise ValueError(f'invalid output_size "{list(sizes)}" (dim {d} must be between '
                             f"{n - s} and {n + s})")
    return sizes


def _max_unpool(op: str, input, indices, nd: int, kernel_size, stride, padding, output_size):
    from numbagrad import zeros

    kernel = _tuple(op, "kernel_size", kernel_size, nd)
    stride = _tuple(op, "stride", stride, nd, kernel)
    padding = _tuple(op, "padding", padding, nd)
    sizes = _unpool_size(op, input, nd, kernel, stride, padding, output_size)
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    lead = tuple(input.shape[:-nd])
    total = 1
    for n in sizes:
        total *= n
    flat_idx = indices.reshape(lead + (-1,))
    if flat_idx.numel() and (int(flat_idx.min()) < 0 or int(flat_idx.max()) >= total):
        bad = int(flat_idx.max()) if int(flat_idx.max()) >= total else int(flat_idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, sizes))}")
    out = zeros(*(lead + (total,)), dtype=input.dtype, device=input.device)
    out = out.scatter(len(lead), flat_idx, input.reshape(lead + (-1,)))
    return out.reshape(lead + sizes)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of :func:`max_pool1d`: ``input``'s values put at ``indices`` in a
    zero output of length ``(L - 1)*stride + kernel - 2*padding`` (or ``output_size``)."""
    return _max_unpool("max_unpool1d", input, indices, 1, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: values put at the flat plane positions
    ``indices`` of a zero (..., Ho, Wo) output."""
    return _max_unpool("max_unpool2d", input, indices, 2, kernel_size, stride, padding,
                       output_size)
