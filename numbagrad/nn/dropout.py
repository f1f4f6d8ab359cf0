"""Dropout: zero random elements while training, scaling the rest so the expectation is kept.

The channel-wise forms (``dropout1d/2d/3d``, ``Dropout1d/2d/3d``) draw one mask entry per
sample and channel, broadcast over the spatial dimensions; the alpha forms (``alpha_dropout``,
``feature_alpha_dropout``) set dropped values to SELU's negative saturation and rescale so that
mean and variance are kept.

A composite: ``input * mask``, where ``mask`` holds ``0`` or ``1 / (1 - p)``, so the gradient
is the same mask and needs no code of its own. On the CPU the mask is drawn as torch draws it
(``empty(shape).bernoulli_(1 - p)``, then divided by ``1 - p`` in the input's dtype), so after
the same ``manual_seed`` numbagrad and torch drop the same elements.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from numbagrad import dtypes
from numbagrad.nn.module import Module
from numbagrad.ops import elementwise as _ew
from numbagrad.tensor import Tensor


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep(shape: tuple, np_type: np.dtype, p: float, like: Tensor | None = None) -> np.ndarray:
    """torch's CPU noise ``empty(shape, dtype).bernoulli_(1 - p)`` (``empty_like(like)`` when
    ``like`` is given): ones (kept) and zeros, from the default generator, consumed as torch's
    kernel consumes it. ``empty_like`` keeps the layout of a dense permuted input (a transpose)
    and the kernel fills memory in order, so the draws then follow ``like``'s memory order."""
    from numbagrad.random import draw

    order = None if like is None else _memory_order(like)
    if order is None:
        return draw.bernoulli_scalar(draw.resolve(None), shape, np_type, 1.0 - p)
    stored = draw.bernoulli_scalar(draw.resolve(None), tuple(shape[d] for d in order), np_type,
                                   1.0 - p)
    return np.ascontiguousarray(stored.transpose(np.argsort(order)))


def _memory_order(input: Tensor) -> tuple | None:
    """The dimensions of a dense, non-overlapping, non-contiguous ``input`` from the outermost
    in memory to the innermost (where torch's ``empty_like`` copies its strides); None when
    ``empty_like`` gives a contiguous tensor."""
    if input.is_contiguous():
        return None
    shape, strides = tuple(input.shape), tuple(input.stride())
    order = sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: -strides[d])
    step = 1
    for d in reversed(order):
        if strides[d] != step:
            return None
        step *= shape[d]
    return tuple(order) + tuple(d for d in range(len(shape)) if shape[d] == 1)


def _noise(shape: tuple, np_type: np.dtype, p: float, like: Tensor | None, maps) -> list:
    """``map(keep, np_type, p)`` for each of ``maps``, ``keep`` the noise of :func:`_keep`: one
    array each, on ``like``'s device (the CPU when None). Each map is elementwise, so where the
    kernels can, one kernel draws the noise and writes the maps' values for 0 and 1 directly
    (a compiled step replays it; for a permuted ``like``, drawn in its memory order and
    copied); float16, a GPU and alpha dropout of a permuted ``like`` take the NumPy route,
    with the same values."""
    from numbagrad.random import draw

    on_cpu = like is None or like._device.type == "cpu"
    order = None if like is None or not on_cpu else _memory_order(like)
    if on_cpu and np_type != np.float16 and (len(maps) == 1 or order is None):
        gen, ends = draw.resolve(None), np.array([0, 1], dtype=np_type)
        pairs = [m(ends, np_type, p) for m in maps]
        if len(pairs) == 2:
            return list(draw.bernoulli_select2(gen, shape, np_type, 1.0 - p, *pairs))
        if order is not None:
            return [draw.bernoulli_select_ordered(gen, shape, order, np_type, 1.0 - p,
                                                  pairs[0])]
        return [draw.bernoulli_select(gen, shape, np_type, 1.0 - p, pairs[0])]
    keep = _keep(shape, np_type, p, like=like)
    be = like._backend() if like is not None else None
    arrays = [np.ascontiguousarray(m(keep, np_type, p)) for m in maps]
    return [be.from_host(a) for a in arrays] if be is not None else arrays


def _opmath(np_type: np.dtype):
    """The type torch computes a ``np_type`` op in (float32 for float16)."""
    return np.float32 if np_type.itemsize < 4 else np_type.type


def _scale(keep: np.ndarray, np_type: np.dtype, p: float) -> np.ndarray:
    """torch's ``noise.div_(1 - p)``: in the opmath type, ``1 - p`` rounded to it first
    (float32: ``1 / float32(1 - p)``), the result rounded to the dtype."""
    op = _opmath(np_type)
    return (keep.astype(op) / op(1.0 - p)).astype(np_type)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    ``out = input * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` elementwise, drawn from the
    default generator as torch draws it (the same mask after the same seed).
    Derivative: ``dx = g * m / (1 - p)``.

    Parameters
    ----------
    input : Tensor
        Floating, any shape.
    p : float
        Probability of zeroing an element, in ``[0, 1]``; ``p = 1`` gives zeros.
    training : bool
        When False (evaluation), ``input`` itself is returned, as torch does.
    inplace : bool
        Write the result into ``input``.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    RuntimeError
        For a non-floating input being dropped.

    Examples
    --------
    >>> import numbagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> out = torch.nn.functional.dropout(torch.ones(1000), p=0.5)
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    """
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{dtypes.scalar_name(input.dtype)}")
    be = input._backend()
    np_type = input._data.dtype
    if p == 1:
        # torch multiplies by zero (not fills), so inf and nan in the input give nan.
        noise = be.zeros((), np_type)
    elif input._device.type == "cuda":  # drawn on the GPU (numba.cuda.random)
        from numbagrad.backends.cuda.random import dropout_mask

        noise = dropout_mask(tuple(input.shape), np_type, p)
    else:
        noise = _noise(tuple(input.shape), np_type, p, input, (_scale,))[0]
    noise = Tensor._make(noise, input._device)
    return input.mul_(noise) if inplace else _ew.mul(input, noise)


class Dropout(Module):
    """During training, zero elements with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; in evaluation (``model.eval()``), pass the input through.

    Input and output: any shape, the same.

    Parameters
    ----------
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    inplace : bool
        Overwrite the input.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> drop = torch.nn.Dropout(p=0.2)
    >>> drop
    Dropout(p=0.2, inplace=False)
    >>> x = torch.ones(3)
    >>> drop.eval()(x) is x
    True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply dropout when ``self.training``."""
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


# SELU's negative saturation -scale * alpha, negated: where alpha dropout puts dropped values.
_ALPHA = 1.7580993408473766


def _noisy(input: Tensor, p: float, training: bool, inplace: bool, feature: bool,
           alpha: bool) -> Tensor:
    """torch's ``_dropout_impl``: ``input * noise`` (``+ b`` for alpha dropout), where
    ``noise ~ Bernoulli(1 - p)`` is drawn per element, or per ``(sample, channel)`` and
    broadcast over the rest when ``feature``. Plain: ``noise / (1 - p)``; alpha:
    ``a = 1 / sqrt((alpha^2 p + 1)(1 - p))``, ``out = x * noise * a + (noise - 1) alpha a +
    alpha a p``. Derivative: ``dx = g * (scaled noise)``, by the multiplication."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not input.dtype.is_floating_point:
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{dtypes.scalar_name(input.dtype)}")
    be = input._backend()
    np_type = input._data.dtype
    if p == 1:
        zero = Tensor._make(be.zeros((), np_type), input._device)
        return input.mul_(zero) if inplace else _ew.mul(input, zero)
    shape = tuple(input.shape)
    if feature:
        shape = shape[:2] + (1,) * (len(shape) - 2)
    like = None if feature else input  # the feature noise is contiguous, on the host
    noise = _noise(shape, np_type, p, like, (_alpha_scale, _alpha_shift) if alpha else (_scale,))
    if feature and input._device.type != "cpu":
        noise = [be.from_host(a) for a in noise]
    scale = Tensor._make(noise[0], input._device)
    out = input.mul_(scale) if inplace else _ew.mul(input, scale)
    if alpha:
        out = out.add_(Tensor._make(noise[1], input._device))
    return out


def _alpha_a(p: float) -> float:
    return 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))


# torch's alpha dropout: b = noise.add(-1).mul_(alpha a).add_(alpha a p); noise.mul_(a), each op
# in the opmath type, rounded to the dtype.
def _alpha_scale(keep: np.ndarray, np_type: np.dtype, p: float) -> np.ndarray:
    op = _opmath(np_type)
    return (keep.astype(op) * op(_alpha_a(p))).astype(np_type)


def _alpha_shift(keep: np.ndarray, np_type: np.dtype, p: float) -> np.ndarray:
    op, a = _opmath(np_type), _alpha_a(p)
    shift = (keep.astype(op) - op(1)).astype(np_type)
    shift = (shift.astype(op) * op(_ALPHA * a)).astype(np_type)
    return (shift.astype(op) + op(_ALPHA * a * p)).astype(np_type)


def _unbatched(fn, input: Tensor, batched: bool, inplace: bool) -> Tensor:
    """``fn`` on ``input`` given a batch dimension of one when it has none, as torch."""
    if batched:
        return fn(input)
    wide = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = fn(wide)
    return result.squeeze_(0) if inplace else result.squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p`` and
    scale the rest by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    RuntimeError
        For input that is not 2-D or 3-D.

    Examples
    --------
    >>> import numbagrad as torch
    >>> out = torch.nn.functional.dropout1d(torch.ones(4, 3), p=0.5)
    >>> all(len(set(row)) == 1 for row in out.tolist())
    True
    """
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. "
            "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
            "spatial dimension, a channel dimension, and an optional batch dimension "
            "(i.e. 2D or 3D inputs).")
    return _unbatched(lambda x: _noisy(x, p, training, inplace, True, False), input,
                      input.ndim == 3, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p`` and scale the rest
    by ``1 / (1 - p)``. Other ranks warn as torch's; 3-D input is read as ``(N, C, L)``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    """
    _check_p(p)
    ndim = input.ndim
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2)
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _noisy(input, p, training, inplace, True, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability
    ``p`` and scale the rest by ``1 / (1 - p)``. Other ranks warn as torch's.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    """
    _check_p(p)
    ndim = input.ndim
    if ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout3d "
            "exists to provide channel-wise dropout on inputs with 3 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2)
    return _unbatched(lambda x: _noisy(x, p, training, inplace, True, False), input,
                      ndim == 5, inplace)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements become SELU's negative saturation and the
    result is rescaled to keep zero mean and unit variance. Off unless ``training``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    """
    return _noisy(input, p, training, inplace, False, True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (one draw per sample and channel). Off unless
    ``training``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    RuntimeError
        For input of fewer than 2 dimensions.
    """
    return _noisy(input, p, training, inplace, True, True)


class _DropoutNd(Module):
    """The shared constructor and repr of the dropout modules."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Channel-wise dropout of ``(N, C, L)`` or ``(C, L)`` input while training
    (:func:`dropout1d`); the identity in evaluation.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.Dropout1d(0.3)
    Dropout1d(p=0.3, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`dropout1d` when ``self.training``."""
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Channel-wise dropout of ``(N, C, H, W)`` input while training (:func:`dropout2d`); the
    identity in evaluation."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`dropout2d` when ``self.training``."""
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Channel-wise dropout of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input while training
    (:func:`dropout3d`); the identity in evaluation."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`dropout3d` when ``self.training``."""
        return dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Alpha dropout (:func:`alpha_dropout`) while training, keeping SELU's self-normalisation;
    the identity in evaluation. Input and output: any shape."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`alpha_dropout` when ``self.training``."""
        return alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Channel-wise alpha dropout (:func:`feature_alpha_dropout`) while training; the
    identity in evaluation. Input: ``(N, C, *)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`feature_alpha_dropout` when ``self.training``."""
        return feature_alpha_dropout(input, self.p, self.training, self.inplace)
