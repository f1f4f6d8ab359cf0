"""``numbagrad.nn.functional``: the layers' computations as functions, as torch's ``F``."""
from __future__ import annotations

from numbagrad.ops import conv as _conv
from numbagrad.ops import elementwise as _ew
from numbagrad.ops import linalg as _linalg
from numbagrad.ops import nn_ops as _nn_ops
from numbagrad.ops.elementwise import leaky_relu as _leaky_relu
from numbagrad.tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features, in_features),
    bias (out_features,) → (*, out_features)."""
    x, w = input._data, weight._data  # shapes read with positive indices (device arrays)
    if x.ndim == 0 or w.ndim == 0 or x.shape[x.ndim - 1] != w.shape[w.ndim - 1]:
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied "
            f"({'x'.join(map(str, input.shape)) or 'scalar'} and "
            f"{weight.shape[1]}x{weight.shape[0]}): the input has "
            f"{input.shape[-1] if input.dim() else 0} features, the layer expects {weight.shape[-1]}"
        )
    return _linalg.linear(input, weight, bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``."""
    return input.relu_() if inplace else _ew.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x if x > 0 else negative_slope * x``."""
    out = _leaky_relu(input, negative_slope)
    return input.copy_(out) if inplace else out


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``."""
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _ew.tanh(input)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """Softmax along ``dim``."""
    return _nn_ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """Log-softmax along ``dim``."""
    return _nn_ops.log_softmax(input, dim, dtype=dtype)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution: input (N, C, H, W) or (C, H, W), weight (O, C/groups, kH, kW),
    bias (O,) → (N, O, Ho, Wo); see :func:`numbagrad.ops.conv.conv2d`."""
    return _conv.conv2d(input, weight, bias, stride, padding, dilation, groups)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling: (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo) (and the indices of the
    maxima with ``return_indices``); see :func:`numbagrad.ops.conv.max_pool2d`."""
    return _conv.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
                            return_indices)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling: (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo); see
    :func:`numbagrad.ops.conv.avg_pool2d`."""
    return _conv.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                            divisor_override)


# Losses and dropout: defined in numbagrad.ops.loss and numbagrad.nn.dropout, exported here.
from numbagrad.nn.dropout import dropout  # noqa: E402
from numbagrad.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: E402
                                cross_entropy, l1_loss, mse_loss, nll_loss)
