"""``interpolate`` (upsampling and resampling) as torch computes it, and ``pixel_shuffle`` /
``pixel_unshuffle``.

Every mode but 'area' is separable: each output position along an axis reads a few input
positions with fixed weights (1 tap for the nearest modes, 2 for linear, 4 for cubic). The
primitive ``interpolate`` gathers one axis of an ``(outer, n, inner)`` view through such a table
(source positions and weights, built by the backend with torch's formulas in the input's
precision, so the nearest source is torch's own); its vjp is the transposed scatter-add. An N-D resampling applies
it once per spatial axis, last axis first as torch's bicubic does. 'area' is adaptive average
pooling.
"""
from __future__ import annotations

import math
import operator

from numbagrad import dtypes
from numbagrad.ops.registry import OpDef, apply, register

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _interp_forward(be, x, shape, n_out, mode, align_corners, scale, out_shape):
    return be.interp(x, shape, n_out, mode, align_corners, scale).reshape(out_shape)


def _interp_vjp(be, g, node):
    """The transpose of the gather: each output's gradient times its weights, added back at
    its source positions."""
    a = node.attrs
    g3 = be.contiguous(g).reshape((a["shape"][0], a["n_out"], a["shape"][2]))
    gx = be.interp_backward(g3, a["shape"], a["mode"], a["align_corners"], a["scale"])
    return (gx.reshape(node.in_shapes[0]),)


INTERPOLATE = register(OpDef("interpolate", _interp_forward, _interp_vjp,
                             kernels=("interp", "interp_backward", "contiguous")))


def _resample_axis(x, axis: int, n_out: int, mode: str, align_corners: bool, scale):
    """``x`` resampled along ``axis`` to ``n_out`` positions (one application of the
    primitive)."""
    shape = tuple(x.shape)
    outer = inner = 1
    for n in shape[:axis]:
        outer *= n
    for n in shape[axis + 1:]:
        inner *= n
    return apply(INTERPOLATE, (x,), shape=(outer, shape[axis], inner), n_out=n_out, mode=mode,
                 align_corners=align_corners, scale=scale,
                 out_shape=shape[:axis] + (n_out,) + shape[axis + 1:])


def _sizes_and_scales(input, size, scale_factor, recompute_scale_factor, dim: int) -> tuple:
    """torch's handling of ``size`` and ``scale_factor``: the output sizes, and the scales the
    kernels use (None where they use ``in / out``)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            if not all(hasattr(s, "__index__") and not isinstance(s, bool) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    "Tuple[int, int, int], but got size with types "
                    f"{[type(s) for s in size]}")
            sizes = [operator.index(s) for s in size]
        else:
            sizes = [operator.index(size)] * dim
        scales = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        sizes = [int(math.floor(float(n) * s)) for n, s in zip(input.shape[2:], scales)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor:
        scales = [None] * dim
    if min(sizes, default=1) <= 0 or 0 in input.shape[2:]:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({', '.join(map(str, input.shape[2:]))}) and output "
            f"({', '.join(map(str, sizes))})")
    return sizes, scales


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None, antialias: bool = False):
    """Resample the spatial dimensions of ``input``, as ``torch.nn.functional.interpolate``.

    Modes: 'nearest' (torch's legacy rule ``floor(j * scale)``), 'nearest-exact'
    (``floor((j + 0.5) * scale)``), 'linear' (3-D input), 'bilinear' (4-D), 'bicubic' (4-D,
    ``A = -0.75``, edges replicated), 'trilinear' (5-D) and 'area' (adaptive average pooling).
    ``scale`` is ``1 / scale_factor`` when a scale factor is given (and not recomputed), else
    ``in / out``; with ``align_corners`` the corner pixels' centres line up instead.

    Derivative: the transpose of each per-axis gather (a scatter-add of the weighted
    gradients).

    Parameters
    ----------
    input : Tensor
        (N, C, L), (N, C, H, W) or (N, C, D, H, W), floating.
    size : int or sequence of ints, optional
    scale_factor : float or sequence of floats, optional
        Exactly one of ``size`` and ``scale_factor``; the output size is
        ``floor(in * scale_factor)``.
    mode : str
    align_corners : bool, optional
        Only for the interpolating modes (linear, bilinear, bicubic, trilinear).
    recompute_scale_factor : bool, optional
        Use ``in / out`` instead of the given scale factor in the formulas.
    antialias : bool
        Not supported (NotImplementedError when True).

    Raises
    ------
    ValueError
        torch's messages for both or neither of ``size`` and ``scale_factor``, lengths that
        do not match, ``align_corners`` with a non-interpolating mode.
    NotImplementedError
        A mode that does not fit the input's rank, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[[1.0, 2.0]]])
    >>> torch.nn.functional.interpolate(x, scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> torch.nn.functional.interpolate(x, size=3, mode="linear", align_corners=True).tolist()
    [[[1.0, 1.5, 2.0]]]
    """
    from numbagrad.ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d,
                                       adaptive_avg_pool3d)

    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    sizes, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor, dim)
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported in numbagrad")
    wrong = _LINEAR.get(mode)
    if wrong is not None and wrong != input.ndim and input.ndim in (3, 4, 5):
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {wrong}D "
                                  "input")
    if mode not in _MODES or input.ndim not in (3, 4, 5) or (mode == "bicubic"
                                                            and input.ndim != 4):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, sizes)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"upsample_{mode}\" not implemented for '{dtypes.scalar_name(input.dtype)}'")
    kind = "cubic" if mode == "bicubic" else ("linear" if mode in _LINEAR else mode)
    out = input
    for axis in range(input.ndim - 1, 1, -1):
        d = axis - 2
        out = _resample_axis(out, axis, sizes[d], kind, bool(align_corners), scales[d])
    return out


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """``interpolate`` under its older name, as ``torch.nn.functional.upsample``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor: int):
    """(*, C*r*r, H, W) → (*, C, H*r, W*r), as ``torch.nn.functional.pixel_shuffle``: a
    reshape and a permutation.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.pixel_shuffle(torch.zeros(1, 8, 2, 3), 2).shape
    numbagrad.Size([1, 2, 4, 6])
    """
    r = operator.index(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H*r, W*r) → (*, C*r*r, H, W), the inverse of :func:`pixel_shuffle`."""
    r = operator.index(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
