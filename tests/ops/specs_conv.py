"""Specs of ``numbagrad/ops/conv.py`` and ``conv_nd.py``: conv1d/2d/3d, conv_transpose1d/2d/3d,
max_pool2d and avg_pool2d, each under several geometries (stride, padding, dilation, groups,
output padding, ceil mode, unbatched inputs), against plain NumPy references written as sums
over kernel taps."""
import itertools

import numpy as np
from hypothesis import strategies as st

import numbagrad.nn.functional as F
from tests.ops.spec import Spec


def _out_size(size: int, k: int, pad_total: int, stride: int, dilation: int) -> int:
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def conv2d_ref(x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """Cross-correlation as a sum over kernel taps of strided slices of the padded input;
    ``pads`` is (top, bottom, left, right)."""
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:]))
    ho = _out_size(x.shape[2], kh, pads[0] + pads[1], stride[0], dilation[0])
    wo = _out_size(x.shape[3], kw, pads[2] + pads[3], stride[1], dilation[1])
    out = np.zeros((x.shape[0], o, ho, wo))
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                y0, x0 = i * dilation[0], j * dilation[1]
                patch = xp[:, g * cg:(g + 1) * cg, y0:y0 + stride[0] * (ho - 1) + 1:stride[0],
                           x0:x0 + stride[1] * (wo - 1) + 1:stride[1]]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch,
                                                         w[g * og:(g + 1) * og, :, i, j])
    if b is not None:
        out += b[:, None, None]
    return out[0] if unbatched else out


def _pool_size(size, k, pad, stride, dilation, ceil_mode):
    """torch's pooling output size (the last window starts inside the input or left pad)."""
    span = size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _windows(x, fill, kernel, stride, padding, dilation, ceil_mode):
    """Every window tap of ``x`` (N, C, H, W) padded with ``fill``: a list of (N, C, ho, wo).

    With ``ceil_mode`` the last windows may reach past the padding: those cells hold ``fill``
    too (for the divisor of average pooling the caller passes cells that count nothing).
    """
    sizes = [_pool_size(x.shape[2 + a], kernel[a], padding[a], stride[a], dilation[a],
                        ceil_mode) for a in range(2)]
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2),
                    constant_values=fill)
    return _taps(padded, fill, kernel, stride, dilation, sizes)


def _taps(padded, fill, kernel, stride, dilation, sizes):
    """The window taps of an already padded array on an output grid of ``sizes``."""
    extra = [max(0, (sizes[a] - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1
                 - padded.shape[2 + a]) for a in range(2)]
    padded = np.pad(padded, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])),
                    constant_values=fill)
    taps = []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            y0, x0 = i * dilation[0], j * dilation[1]
            taps.append(padded[:, :, y0:y0 + stride[0] * (sizes[0] - 1) + 1:stride[0],
                               x0:x0 + stride[1] * (sizes[1] - 1) + 1:stride[1]])
    return taps


def max_pool2d_ref(x, kernel, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """The maximum over window taps of the input padded with -inf."""
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    out = np.max(_windows(x, -np.inf, kernel, stride, padding, dilation, ceil_mode), axis=0)
    return out[0] if unbatched else out


def avg_pool2d_ref(x, kernel, stride, padding=(0, 0), ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
    """The sum over window taps of the zero-padded input, over a divisor counted the same way
    on an array marking the cells that count: the input and, with ``count_include_pad``, the
    padding (never ceil mode's cells past the padding)."""
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    total = np.sum(_windows(x, 0.0, kernel, stride, padding, (1, 1), ceil_mode), axis=0)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        ph, pw = padding
        counted = np.ones(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw))
        if not count_include_pad:
            counted[:] = 0
            counted[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = 1
        sizes = [_pool_size(x.shape[2 + a], kernel[a], padding[a], stride[a], 1, ceil_mode)
                 for a in range(2)]
        out = total / np.sum(_taps(counted, 0.0, kernel, stride, (1, 1), sizes), axis=0)
    return out[0] if unbatched else out


def _conv_shapes(stride, pad, dilation, groups, bias=True, batched=True, same=False):
    """Shapes ``x, w[, b]`` for a convolution of this geometry whose output is not empty."""
    def shapes(draw) -> list:
        n = draw(st.integers(1, 2))
        cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        sides = []
        for k, p, d in zip((kh, kw), pad, dilation):
            span = d * (k - 1) + 1
            sides.append(draw(st.integers(max(1, span - (0 if same else 2 * p)), span + 3)))
        x = (n, cg * groups, *sides) if batched else (cg * groups, *sides)
        result = [x, (og * groups, cg, kh, kw)]
        return result + [(og * groups,)] if bias else result

    return shapes


def _conv(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
          batched=True):
    """The op and its reference for one geometry; ``padding`` may be 'same'."""
    same = padding == "same"

    def fn(x, w, b=None):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)

    def ref(x, w, b=None):
        if same:
            total = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
            pads = (total[0] // 2, total[0] - total[0] // 2, total[1] // 2,
                    total[1] - total[1] // 2)
        else:
            pads = (padding[0], padding[0], padding[1], padding[1])
        return conv2d_ref(x, w, b, stride, pads, dilation, groups)

    shapes = _conv_shapes(stride, (0, 0) if same else padding, dilation, groups, bias, batched,
                          same)
    return dict(fn=fn, ref=ref, n_inputs=3 if bias else 2, shapes=shapes, covers=("conv2d",))


def _distinct(arrays):
    """Values spread evenly and shuffled, so that no window of max pooling has a near tie:
    the finite-difference step never changes which element is the maximum."""
    x = arrays[0]
    ranks = np.argsort(np.argsort(x.ravel(), kind="stable"), kind="stable")
    return [(ranks * (6.0 / max(x.size, 1)) - 3.0).reshape(x.shape)]


def _pool_shapes(kernel, padding, dilation=(1, 1), batched=True):
    """One input shape with a non-empty pooled output."""
    def shapes(draw) -> list:
        # A dilated window may fall wholly in the padding (an output of -inf, which finite
        # differences cannot check): with dilation, inputs are at least one window wide.
        sides = [draw(st.integers(d * (k - 1) + 1 if d > 1 else max(1, k - 2 * p), k + d * 4))
                 for k, p, d in zip(kernel, padding, dilation)]
        lead = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) if batched else (
            draw(st.integers(1, 3)),)
        return [lead + tuple(sides)]

    return shapes


def _max_pool(kernel, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False, batched=True):
    return dict(
        fn=lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode),
        ref=lambda x: max_pool2d_ref(x, kernel, stride or kernel, padding, dilation, ceil_mode),
        shapes=_pool_shapes(kernel, padding, dilation, batched), fix=_distinct,
        covers=("max_pool2d",))


def _avg_pool(kernel, stride, padding=(0, 0), ceil_mode=False, count_include_pad=True,
              divisor_override=None, batched=True):
    return dict(
        fn=lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override),
        ref=lambda x: avg_pool2d_ref(x, kernel, stride or kernel, padding, ceil_mode,
                                     count_include_pad, divisor_override),
        shapes=_pool_shapes(kernel, padding, batched=batched), covers=("avg_pool2d",))


def conv_nd_ref(x, w, b, stride, pads, dilation, groups):
    """An ``nd``-d cross-correlation as a sum over kernel taps of strided slices of the padded
    input; ``pads`` holds one (before, after) pair per spatial dimension."""
    nd = w.ndim - 2
    unbatched = x.ndim == nd + 1
    x = x[None] if unbatched else x
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    sizes = [_out_size(x.shape[2 + a], w.shape[2 + a], sum(pads[a]), stride[a], dilation[a])
             for a in range(nd)]
    o, cg = w.shape[:2]
    og = o // groups
    out = np.zeros((x.shape[0], o) + tuple(sizes))
    for g in range(groups):
        for tap in itertools.product(*(range(k) for k in w.shape[2:])):
            window = tuple(slice(t * d, t * d + s * (n - 1) + 1, s)
                           for t, d, s, n in zip(tap, dilation, stride, sizes))
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + window]
            out[:, g * og:(g + 1) * og] += np.einsum(
                "nc...,oc->no...", patch, w[(slice(g * og, (g + 1) * og), slice(None)) + tap])
    if b is not None:
        out += b.reshape((-1,) + (1,) * nd)
    return out[0] if unbatched else out


def conv_transpose_ref(x, w, b, stride, padding, output_padding, dilation, groups):
    """A transposed convolution as its definition: every input element adds ``x * w`` at
    ``y*s + t*d`` of a full output (one strided slice per kernel tap), which is then cropped
    by ``padding`` before and after, ``output_padding`` rows staying at the end."""
    nd = w.ndim - 2
    unbatched = x.ndim == nd + 1
    x = x[None] if unbatched else x
    c_in, cg = w.shape[:2]
    ig = c_in // groups
    sizes = x.shape[2:]
    full = [(n - 1) * s + d * (k - 1) + 1 + op for n, s, d, k, op in zip(
        sizes, stride, dilation, w.shape[2:], output_padding)]
    out = np.zeros((x.shape[0], cg * groups) + tuple(full))
    for g in range(groups):
        for tap in itertools.product(*(range(k) for k in w.shape[2:])):
            window = tuple(slice(t * d, t * d + s * (n - 1) + 1, s)
                           for t, d, s, n in zip(tap, dilation, stride, sizes))
            out[(slice(None), slice(g * cg, (g + 1) * cg)) + window] += np.einsum(
                "no...,oc->nc...", x[:, g * ig:(g + 1) * ig],
                w[(slice(g * ig, (g + 1) * ig), slice(None)) + tap])
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    out = out[(slice(None), slice(None)) + crop]
    if b is not None:
        out = out + b.reshape((-1,) + (1,) * nd)
    return out[0] if unbatched else out


def _nd_shapes(nd, stride, pad, dilation, groups, transposed, batched=True, same=False):
    """Shapes ``x, w, b`` of an ``nd``-d (transposed) convolution with a non-empty output."""
    def shapes(draw) -> list:
        cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        kernel = [draw(st.integers(1, 3)) for _ in range(nd)]
        sides = []
        for k, p, d in zip(kernel, pad, dilation):
            span = d * (k - 1) + 1
            low = max(1, (2 * p - span) // 2 + 2) if transposed else \
                max(1, span - (0 if same else 2 * p))
            sides.append(draw(st.integers(low, low + 2)))
        lead = (draw(st.integers(1, 2)),) if batched else ()
        if transposed:
            return [lead + (cg * groups, *sides), (cg * groups, og, *kernel), (og * groups,)]
        return [lead + (cg * groups, *sides), (og * groups, cg, *kernel), (og * groups,)]

    return shapes


def _conv_nd(nd, stride=1, padding=0, dilation=1, groups=1, batched=True):
    """conv1d or conv3d and the reference for one geometry; ``padding`` may be 'same'."""
    fn_nd = getattr(F, f"conv{nd}d")
    stride_t, dilation_t = (stride,) * nd, (dilation,) * nd
    same = padding == "same"

    def fn(x, w, b):
        return fn_nd(x, w, b, stride, padding, dilation, groups)

    def ref(x, w, b):
        if same:
            totals = [dilation * (k - 1) for k in w.shape[2:]]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            pads = [(padding, padding)] * nd
        return conv_nd_ref(x, w, b, stride_t, pads, dilation_t, groups)

    shapes = _nd_shapes(nd, stride_t, (0 if same else padding,) * nd, dilation_t, groups, False,
                        batched, same)
    return dict(fn=fn, ref=ref, n_inputs=3, shapes=shapes, covers=("conv2d",))


def _conv_transpose(nd, stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                    batched=True):
    """conv_transpose{nd}d and the reference for one geometry."""
    fn_nd = getattr(F, f"conv_transpose{nd}d")

    def fn(x, w, b):
        return fn_nd(x, w, b, stride, padding, output_padding, groups, dilation)

    def ref(x, w, b):
        return conv_transpose_ref(x, w, b, (stride,) * nd, (padding,) * nd,
                                  (output_padding,) * nd, (dilation,) * nd, groups)

    shapes = _nd_shapes(nd, (stride,) * nd, (padding,) * nd, (dilation,) * nd, groups, True,
                        batched)
    return dict(fn=fn, ref=ref, n_inputs=3, shapes=shapes, covers=("conv_transpose2d",))


# Sums of up to 18 products of values in [-3, 3]: float32 rounding reaches 1e-5 absolute.
_F32 = {"rtol": 1e-5, "atol": 1e-4}

SPECS = [
    Spec("conv2d", **_conv(), **_F32),
    Spec("conv2d_stride_padding", **_conv(stride=(2, 1), padding=(1, 2)), **_F32),
    Spec("conv2d_dilation_groups", **_conv(padding=(1, 0), dilation=(2, 1), groups=2), **_F32),
    Spec("conv2d_same", **_conv(padding="same", dilation=(1, 2)), **_F32),
    Spec("conv2d_unbatched_no_bias",
         **_conv(stride=(2, 2), padding=(1, 1), bias=False, batched=False), **_F32),
    Spec("conv1d_stride_dilation_groups", **_conv_nd(1, 2, 1, 2, 2), **_F32),
    Spec("conv1d_same_unbatched", **_conv_nd(1, padding="same", batched=False), **_F32),
    Spec("conv3d", **_conv_nd(3, 1, 1, 1, 1), **_F32),
    Spec("conv3d_stride_dilation_groups", **_conv_nd(3, 2, 0, 2, 2), **_F32),
    Spec("conv_transpose1d", **_conv_transpose(1, 2, 1, 1, 1, 2), **_F32),
    Spec("conv_transpose2d", **_conv_transpose(2), **_F32),
    Spec("conv_transpose2d_stride_padding_groups", **_conv_transpose(2, 2, 1, 1, 1, 2), **_F32),
    Spec("conv_transpose2d_dilation_unbatched",
         **_conv_transpose(2, 1, 1, 1, 2, batched=False), **_F32),
    Spec("conv_transpose3d", **_conv_transpose(3, 2, 1, 1, 2), **_F32),
    Spec("max_pool2d", **_max_pool((2, 2), None)),
    Spec("max_pool2d_padding_dilation_ceil",
         **_max_pool((3, 2), (2, 1), (1, 1), (1, 2), ceil_mode=True)),
    Spec("max_pool2d_unbatched_overlapping", **_max_pool((3, 3), (1, 1), (1, 1), batched=False)),
    Spec("avg_pool2d", **_avg_pool((2, 2), None)),
    Spec("avg_pool2d_padding_ceil_exclude_pad",
         **_avg_pool((3, 2), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False)),
    Spec("avg_pool2d_ceil_include_pad", **_avg_pool((3, 3), (2, 2), (1, 1), ceil_mode=True)),
    Spec("avg_pool2d_unbatched_divisor",
         **_avg_pool((3, 2), (1, 2), (1, 0), divisor_override=4, batched=False)),
]
