"""``numbagrad.nn.functional``: the layers' computations as functions, as torch's ``F``."""
from __future__ import annotations

import warnings

from numbagrad.ops import activation as _act
from numbagrad.ops import conv as _conv
from numbagrad.ops import elementwise as _ew
from numbagrad.ops import linalg as _linalg
from numbagrad.ops import nn_ops as _nn_ops
from numbagrad.ops.elementwise import leaky_relu as _leaky_relu
from numbagrad.ops.inplace import inplace as _inplace
from numbagrad.tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features, in_features),
    bias (out_features,) → (*, out_features)."""
    _ew.check_tensor("linear", input)
    _ew.check_tensor("linear", weight, "weight", 2)
    if bias is not None:
        _ew.check_tensor("linear", bias, "bias", 3)
    x, w = input._data, weight._data  # shapes read with positive indices (device arrays)
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"linear: both arguments to linear need to be at least 1D, but they "
                           f"are {x.ndim}D and {w.ndim}D")
    if w.ndim == 1:
        return _linalg.linear(input, weight, bias)  # matmul's own rules and messages
    if x.shape[x.ndim - 1] != w.shape[w.ndim - 1]:
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
    if inplace:
        return leaky_relu_(input, negative_slope)
    return _leaky_relu(input, negative_slope)


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` written into ``input``."""
    return input.relu_()


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` written into ``input``."""
    return _inplace(input, _leaky_relu, negative_slope)


# The activations below are ``numbagrad.ops.activation``'s functions; ``inplace=True`` writes
# the result into ``input`` (recorded as torch's in-place ops are: a leaf that requires grad
# refuses it).


def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``, or its tanh approximation with ``approximate='tanh'``;
    see :func:`numbagrad.ops.activation.gelu`."""
    return _act.gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``; see :func:`numbagrad.ops.activation.silu`."""
    return _inplace(input, _act.silu) if inplace else _act.silu(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``; see :func:`numbagrad.ops.activation.mish`."""
    return _inplace(input, _act.mish) if inplace else _act.mish(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x if x > 0 else alpha * (exp(x) - 1)``; see :func:`numbagrad.ops.activation.elu`."""
    return elu_(input, alpha) if inplace else _act.elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`elu` written into ``input``."""
    return _inplace(input, _act.elu, alpha)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x if x > 0 else alpha * (exp(x / alpha) - 1)``; see
    :func:`numbagrad.ops.activation.celu`."""
    return _act.celu_(input, alpha) if inplace else _act.celu(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with SELU's constants; see
    :func:`numbagrad.ops.activation.selu`."""
    return _act.selu_(input) if inplace else _act.selu(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta`` (``x`` above the threshold); see
    :func:`numbagrad.ops.activation.softplus`."""
    return _act.softplus(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``, with no gradient at the bounds; see
    :func:`numbagrad.ops.activation.hardtanh`."""
    if inplace:
        return hardtanh_(input, min_val, max_val)
    return _act.hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """:func:`hardtanh` written into ``input``."""
    return _inplace(input, _act.hardtanh, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``: :func:`hardtanh` on ``[0, 6]``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x + 3, 0), 6) / 6``; see :func:`numbagrad.ops.activation.hardsigmoid`."""
    return _inplace(input, _act.hardsigmoid) if inplace else _act.hardsigmoid(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * min(max(x + 3, 0), 6) / 6``; see :func:`numbagrad.ops.activation.hardswish`."""
    return _inplace(input, _act.hardswish) if inplace else _act.hardswish(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value`` where ``x <= threshold``, else ``x``; see
    :func:`numbagrad.ops.activation.threshold`."""
    if inplace:
        return _act.threshold_(input, threshold, value)
    return _act.threshold(input, threshold, value)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (random slopes in training, their mean in evaluation); see
    :func:`numbagrad.ops.activation.rrelu`."""
    if inplace:
        return _act.rrelu_(input, lower, upper, training)
    return _act.rrelu(input, lower, upper, training)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` of ``input``'s halves along ``dim``; see
    :func:`numbagrad.ops.activation.glu`."""
    return _act.glu(input, dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-input)`` along ``dim``: entries along it are positive and sum to 1, the
    smallest input largest.

    ``dim=None`` picks a dimension as torch's deprecated implicit choice does (0 for 0-, 1- and
    3-d inputs, else 1) and warns.
    """
    _ew.check_tensor("softmin", input)
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning,
                      stacklevel=_stacklevel - 1)
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return _nn_ops.softmax(_ew.neg(input), dim, dtype=dtype)


# Defined in numbagrad.ops.activation (torch has them at the top level too).
from numbagrad.ops.activation import (celu_, hardshrink, logsigmoid, prelu, rrelu_,  # noqa: E402
                                      selu_, softshrink, softsign, tanhshrink, threshold_)


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


# Convolutions in other dimensions and transposed: defined in numbagrad.ops.conv_nd.
from numbagrad.ops.conv_nd import conv1d, conv3d  # noqa: E402
from numbagrad.ops.conv_nd import (conv_transpose1d, conv_transpose2d,  # noqa: E402
                                   conv_transpose3d)


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


# Padding and sliding blocks: defined in numbagrad.ops.pad and numbagrad.ops.fold.
from numbagrad.ops.fold import fold, unfold  # noqa: E402
from numbagrad.ops.pad import pad  # noqa: E402

# Pooling over 1 and 3 dimensions, adaptive pooling, unpooling, resampling: defined in
# numbagrad.ops.pooling, numbagrad.ops.unpooling and numbagrad.ops.interpolate.
from numbagrad.ops.interpolate import (interpolate, pixel_shuffle, pixel_unshuffle,  # noqa: E402
                                       upsample)
from numbagrad.ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: E402
                                   adaptive_avg_pool3d, adaptive_max_pool1d,
                                   adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d,
                                   avg_pool3d, max_pool1d, max_pool3d)
from numbagrad.ops.unpooling import lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d  # noqa: E402


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``interpolate(..., mode='nearest')``, as ``torch.nn.functional.upsample_nearest``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``interpolate(..., mode='bilinear', align_corners=True)``, as torch's."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

# Losses and dropout: defined in numbagrad.ops.loss and numbagrad.nn.dropout, exported here.
from numbagrad.nn.dropout import dropout  # noqa: E402
from numbagrad.nn.dropout import (alpha_dropout, dropout1d, dropout2d, dropout3d,  # noqa: E402
                                 feature_alpha_dropout)
from numbagrad.ops.embedding import embedding, embedding_bag, one_hot  # noqa: E402
from numbagrad.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: E402
                                cross_entropy, l1_loss, mse_loss, nll_loss)
from numbagrad.ops.loss_extra import (cosine_embedding_loss, cosine_similarity,  # noqa: E402
                                      gaussian_nll_loss, hinge_embedding_loss, huber_loss,
                                      kl_div, margin_ranking_loss, multi_margin_loss,
                                      multilabel_margin_loss, multilabel_soft_margin_loss,
                                      pairwise_distance, pdist, poisson_nll_loss,
                                      smooth_l1_loss, soft_margin_loss, triplet_margin_loss,
                                      triplet_margin_with_distance_loss)
from numbagrad.ops.ctc import ctc_loss  # noqa: E402

# Normalisation: defined in numbagrad.ops.normalization.
from numbagrad.ops.normalization import (batch_norm, group_norm, instance_norm,  # noqa: E402
                                        layer_norm, local_response_norm, normalize)

# Attention: defined in numbagrad.ops.attention.
from numbagrad.ops.attention import scaled_dot_product_attention  # noqa: E402
from numbagrad.nn.attention import multi_head_attention_forward  # noqa: E402
