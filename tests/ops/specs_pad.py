"""Specs of ``numbagrad/ops/pad.py`` (pad in its four modes) and ``numbagrad/ops/fold.py``
(unfold and fold), against NumPy references: ``np.pad`` for padding, loops over kernel taps for
the sliding blocks."""
import numpy as np
from hypothesis import strategies as st

import numbagrad.nn.functional as F
from tests.ops.spec import Spec

_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
             "circular": "wrap"}


def pad_ref(x, pad, mode="constant", value=0.0):
    """torch's pad with ``np.pad``: negative pads crop first (circular wraps what is left)."""
    k = len(pad) // 2
    pairs = [(0, 0)] * (x.ndim - k) + [(pad[2 * (k - 1 - t)], pad[2 * (k - 1 - t) + 1])
                                       for t in range(k)]
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pairs))
    kwargs = {"constant_values": value} if mode == "constant" else {}
    if mode != "circular":  # reflect and replicate map around the whole dimension
        grown = np.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pairs], _NP_MODES[mode],
                       **kwargs)
        keep = tuple(slice(max(-lo, 0), grown.shape[d] - max(-hi, 0))
                     for d, (lo, hi) in enumerate(pairs))
        return grown[keep]
    return np.pad(x[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in pairs], "wrap")


def unfold_ref(x, kernel, dilation, padding, stride):
    """im2col as a loop over the kernel taps of strided slices of the padded input."""
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    ho = (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    wo = (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c, kernel[0], kernel[1], ho, wo))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            y0, x0 = i * dilation[0], j * dilation[1]
            out[:, :, i, j] = xp[:, :, y0:y0 + stride[0] * (ho - 1) + 1:stride[0],
                                 x0:x0 + stride[1] * (wo - 1) + 1:stride[1]]
    out = out.reshape(n, c * kernel[0] * kernel[1], ho * wo)
    return out[0] if unbatched else out


def fold_ref(cols, size, kernel, dilation, padding, stride):
    """col2im: each column entry added to its pixel of the padded image, the padding cut."""
    unbatched = cols.ndim == 2
    cols = cols[None] if unbatched else cols
    n = cols.shape[0]
    c = cols.shape[1] // (kernel[0] * kernel[1])
    ho = (size[0] + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    wo = (size[1] + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    blocks = cols.reshape(n, c, kernel[0], kernel[1], ho, wo)
    out = np.zeros((n, c, size[0] + 2 * padding[0], size[1] + 2 * padding[1]))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            y0, x0 = i * dilation[0], j * dilation[1]
            out[:, :, y0:y0 + stride[0] * (ho - 1) + 1:stride[0],
                x0:x0 + stride[1] * (wo - 1) + 1:stride[1]] += blocks[:, :, i, j]
    out = out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]
    return out[0] if unbatched else out


def _shape(lead: int, least: tuple, batch_optional: bool = True):
    """Shapes with ``lead`` leading dimensions (one more sometimes, when ``batch_optional``)
    of 1..3 and trailing dimensions of at least ``least``."""
    def draw_shape(draw):
        extra = draw(st.integers(0, 1)) if batch_optional else 0
        head = tuple(draw(st.integers(1, 3)) for _ in range(lead + extra))
        tail = tuple(draw(st.integers(m, m + 2)) for m in least)
        return [head + tail]
    return draw_shape


_UNFOLD = dict(kernel_size=(2, 3), dilation=(1, 2), padding=(1, 0), stride=(2, 1))
_FOLD = dict(kernel_size=(2, 2), dilation=(2, 1), padding=(0, 1), stride=(1, 2))
_FOLD_SIZE = (4, 5)
# Blocks of _FOLD over _FOLD_SIZE: ((4 - 2 - 1) // 1 + 1) * ((5 + 2 - 1 - 1) // 2 + 1) = 2 * 3.
_FOLD_L = 6


def _fold_shapes(draw):
    channels = draw(st.integers(1, 2)) * 4
    head = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()
    return [head + (channels, _FOLD_L)]


def _pair_args(args):
    return (args["kernel_size"], args["dilation"], args["padding"], args["stride"])


SPECS = [
    Spec("pad", lambda x: F.pad(x, (1, 2, -1, 0), value=0.5),
         lambda x: pad_ref(x, (1, 2, -1, 0), value=0.5), shapes=_shape(0, (2, 1))),
    Spec("pad_constant_3_dims_crop", lambda x: F.pad(x, (0, -1, 2, 0, 1, 1)),
         lambda x: pad_ref(x, (0, -1, 2, 0, 1, 1)), covers=("pad",), shapes=_shape(0, (1, 1, 2))),
    Spec("pad_reflect_1d", lambda x: F.pad(x, (2, 1), mode="reflect"),
         lambda x: pad_ref(x, (2, 1), "reflect"), covers=("pad",), shapes=_shape(1, (3,))),
    Spec("pad_reflect_2d_crop", lambda x: F.pad(x, (2, -1, 1, 2), mode="reflect"),
         lambda x: pad_ref(x, (2, -1, 1, 2), "reflect"), covers=("pad",),
         shapes=_shape(1, (3, 3))),
    Spec("pad_replicate_1d", lambda x: F.pad(x, (3, 1), mode="replicate"),
         lambda x: pad_ref(x, (3, 1), "replicate"), covers=("pad",), shapes=_shape(1, (1,))),
    Spec("pad_replicate_3d", lambda x: F.pad(x, (1, 0, 0, 2, 2, -1), mode="replicate"),
         lambda x: pad_ref(x, (1, 0, 0, 2, 2, -1), "replicate"), covers=("pad",),
         shapes=_shape(1, (2, 1, 1))),
    Spec("pad_circular_2d", lambda x: F.pad(x, (1, 2, 2, 0), mode="circular"),
         lambda x: pad_ref(x, (1, 2, 2, 0), "circular"), covers=("pad",),
         shapes=_shape(1, (2, 2))),
    Spec("pad_circular_3d_crop", lambda x: F.pad(x, (-1, 1, 1, 1, 0, 2), mode="circular"),
         lambda x: pad_ref(x, (-1, 1, 1, 1, 0, 2), "circular"), covers=("pad",),
         shapes=_shape(1, (2, 1, 3))),
    Spec("im2col", lambda x: F.unfold(x, **_UNFOLD), lambda x: unfold_ref(x, *_pair_args(_UNFOLD)),
         shapes=_shape(1, (1, 5))),
    Spec("col2im", lambda x: F.fold(x, _FOLD_SIZE, **_FOLD),
         lambda x: fold_ref(x, _FOLD_SIZE, *_pair_args(_FOLD)), shapes=_fold_shapes),
]
