"""Normalisation: batch, layer, group and instance norm on one fused primitive; local response
norm and ``normalize`` as composites.

The primitive ``normalization`` sees its input as ``(P, G, K, S)`` with a per-``(g, k)`` affine
weight and bias, and takes statistics per ``g`` (over ``P``, ``K`` and ``S``) or per ``(p, g)``
(over ``K`` and ``S``):

=============== =============================== ============ ===================
op              layout (P, G, K, S)             statistics   weight (G, K)
=============== =============================== ============ ===================
batch norm      (N, C, 1, spatial)              per g        (C, 1)
layer norm      (rows, 1, prod(shape), 1)       per (p, g)   (1, prod(shape))
group norm      (N, groups, C/groups, spatial)  per (p, g)   (groups, C/groups)
instance norm   (N, C, 1, spatial)              per (p, g)   (C, 1)
=============== =============================== ============ ===================

Its kernels compute mean and variance in one pass with float64 sums, and its vjp gives the input,
weight and bias gradients from two passes over the input (``backends/*/normalization.py``).
Batch norm in evaluation mode uses running statistics: a per-channel affine map, composed from
elementwise ops. Running statistics are updated as torch does: ``(1 - momentum) * running +
momentum * batch``, with the unbiased batch variance, computed in float64.
"""
from __future__ import annotations

import math
import numbers

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import no_grad
from numbagrad.ops import elementwise as ew
from numbagrad.autograd.node_names import rename
from numbagrad.ops.registry import OpDef, apply, register


def _affine(be, arrays: list, has: bool, fill: float, shape: tuple, dtype):
    """The weight (or bias) as ``(G, K)``: the next array of ``arrays``, or ``fill``."""
    if not has:
        return be.full(shape, fill, dtype)
    return be.reshape(be.contiguous(arrays.pop(0)), shape)


def _normalization_forward(be, x, *params, shape4, per_sample, eps, has_weight, has_bias):
    gk = (shape4[1], shape4[2])
    params = list(params)
    w = _affine(be, params, has_weight, 1, gk, x.dtype)
    b = _affine(be, params, has_bias, 0, gk, x.dtype)
    y, mean, var, rstd = be.normalization(be.reshape(be.contiguous(x), shape4), w, b,
                                          per_sample, eps)
    return be.reshape(y, x.shape), (mean, var, rstd)


def _normalization_vjp(be, g, node):
    """``dx = rstd * (g w - mean(g w) - xh mean(g w xh))`` over each statistics group, with
    ``xh = (x - mean) * rstd``; ``dw = sum(g xh)`` and ``db = sum(g)`` over what each weight
    element scaled."""
    a = node.attrs
    shape4 = a["shape4"]
    gk = (shape4[1], shape4[2])
    x = node.inputs[0]
    w = _affine(be, list(node.inputs[1:2]), a["has_weight"], 1, gk, x.dtype)
    mean, _, rstd = node.extra
    dx, dw, db = be.normalization_vjp(be.reshape(be.contiguous(g), shape4),
                                      be.reshape(be.contiguous(x), shape4), w, mean, rstd,
                                      a["per_sample"], node.needs[0])
    grads = [be.reshape(dx, node.in_shapes[0]) if dx is not None else None]
    if a["has_weight"]:
        grads.append(be.reshape(dw, node.in_shapes[1]) if node.needs[1] else None)
    if a["has_bias"]:
        grads.append(be.reshape(db, node.in_shapes[-1]) if node.needs[-1] else None)
    return tuple(grads)


NORMALIZATION = register(OpDef(
    "normalization", _normalization_forward, _normalization_vjp,
    kernels=("normalization", "normalization_vjp", "full", "reshape", "contiguous"),
    saves_inputs=True))


def _normalize(x, weight, bias, shape4: tuple, per_sample: bool, eps: float,
               node: str = "NativeBatchNormBackward0") -> tuple:
    """``(y, mean, var)``: the primitive on tensors, recorded when needed as torch's ``node``;
    ``mean`` and the biased ``var`` are float64 tensors of shape ``(P or 1, G)``."""
    from numbagrad.tensor import Tensor, grad_enabled

    half = x.dtype is dtypes.float16
    work = dtypes.float32 if half else x.dtype
    x = ew.cast(x, work)
    params = tuple(ew.cast(p, work) for p in (weight, bias) if p is not None)
    attrs = dict(shape4=shape4, per_sample=per_sample, eps=float(eps),
                 has_weight=weight is not None, has_bias=bias is not None)
    inputs = (x,) + params
    if grad_enabled() and any(t.requires_grad for t in inputs):
        y = rename(apply(NORMALIZATION, inputs, **attrs), NORMALIZATION, node)
        mean, var, _ = y.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the statistics with the node: run the forward.
        array, (mean, var, _) = NORMALIZATION.forward(x._backend(), *[t._data for t in inputs],
                                                      **attrs)
        y = Tensor._make(array, x._device)
    if half:
        y = ew.cast(y, dtypes.float16)
    return y, Tensor._make(mean, x._device), Tensor._make(var, x._device)


def _check_input(op: str, input) -> None:
    ew.check_tensor(op, input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")


def _update(running, batch, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in float64, in place."""
    if running is None:
        return
    with no_grad():
        new = ew.add(ew.mul(running.double(), 1.0 - momentum), ew.mul(batch, float(momentum)))
        running.copy_(new.reshape(running.shape))


def _size_list(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _verify_batch_size(size) -> None:
    prod = size[0]
    for n in size[2:]:
        prod *= n
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}")


def _check_numel(name: str, t, expected: int) -> None:
    if t is not None and t.numel() != expected:
        raise RuntimeError(f"{name} should contain {expected} elements not {t.numel()}")


def _channel_affine(x, mean, var, weight, bias, eps: float):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with per-channel (dim 1) vectors."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    scale = ew.add(var, eps).rsqrt()
    if weight is not None:
        scale = ew.mul(scale, weight)
    y = ew.mul(ew.sub(x, mean.reshape(shape)), scale.reshape(shape))
    return y if bias is None else ew.add(y, bias.reshape(shape))


def _empty(input, weight, bias, shape: tuple):
    """The empty result of a normalisation of an empty ``input``, recorded so that the weight
    and bias get (zero) gradients, as torch's."""
    y = ew.mul(input, 1.0)
    if weight is not None:
        y = ew.mul(y, weight.reshape(shape))
    return y if bias is None else ew.add(y, bias.reshape(shape))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Batch normalisation of ``input`` (N, C, *) per channel.

    Training: statistics over N and every spatial position of each channel; ``running_mean``
    and ``running_var`` (when given) are updated in place with ``momentum`` and the unbiased
    batch variance. Evaluation: the running statistics normalise.

    Derivative (training): ``dx = rstd * (g w - mean(g w) - xh * mean(g w xh))`` per channel.

    Parameters
    ----------
    input : Tensor
        (N, C, *) floating.
    running_mean, running_var : Tensor or None
        (C,), required in evaluation.
    weight, bias : Tensor, optional
        (C,).
    training : bool
    momentum : float
    eps : float
        Added to the variance; positive in training.

    Returns
    -------
    Tensor
        ``input``'s shape.

    Raises
    ------
    ValueError
        With one value per channel in training, or a bad ``eps``.
    RuntimeError
        For missing running statistics in evaluation, or vectors of the wrong size.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> torch.nn.functional.batch_norm(x, None, None, training=True).tolist()
    [[-0.9999949932098389], [0.9999949932098389]]
    """
    _check_input("batch_norm", input)
    if training:
        _verify_batch_size(input.shape)
    if not isinstance(momentum, numbers.Real):
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not "
                        f"{type(momentum).__name__}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_numel(name, t, channels)
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm: expected an input of at least 2 dimensions, got "
                           f"{input.ndim}")
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
        return _channel_affine(input, running_mean, running_var, weight, bias, eps)
    n, spatial = input.shape[0], math.prod(input.shape[2:])
    if n * spatial == 0:
        return _empty(input, weight, bias, (-1,) + (1,) * (input.ndim - 2))
    y, mean, var = _normalize(input, weight, bias, (n, channels, 1, spatial), False, eps)
    count = n * spatial
    _update(running_mean, mean, momentum)
    _update(running_var, ew.mul(var, count / (count - 1)), momentum)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Instance normalisation of ``input`` (N, C, *): statistics per sample and channel.

    With ``use_input_stats=False`` the running statistics normalise, as batch norm's
    evaluation. Running statistics, when given, are updated with the batch's per-instance
    means and unbiased variances averaged over N.

    Parameters
    ----------
    input : Tensor
        (N, C, *) floating.
    running_mean, running_var : Tensor, optional
        (C,).
    weight, bias : Tensor, optional
        (C,).
    use_input_stats : bool
    momentum, eps : float

    Returns
    -------
    Tensor
        ``input``'s shape.

    Raises
    ------
    ValueError
        With one spatial element when using input statistics.
    RuntimeError
        For vectors of the wrong size, or missing running statistics.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[[1.0, 3.0]]])
    >>> torch.nn.functional.instance_norm(x).tolist()
    [[[-0.9999949932098389, 0.9999949932098389]]]
    """
    _check_input("instance_norm", input)
    if input.ndim < 2:
        raise RuntimeError(f"instance_norm: expected an input of at least 2 dimensions, got "
                           f"{input.ndim}")
    n, channels, spatial = input.shape[0], input.shape[1], math.prod(input.shape[2:])
    if use_input_stats and spatial == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != channels:
            _check_numel(name, t, n * channels)  # torch checks the repeated vector
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return _channel_affine(input, running_mean, running_var, weight, bias, eps)
    if n * channels * spatial == 0:
        return _empty(input, weight, bias, (-1,) + (1,) * (input.ndim - 2))
    y, mean, var = _normalize(input, weight, bias, (n, channels, 1, spatial), True, eps)
    if running_mean is not None or running_var is not None:
        _update(running_mean, mean.mean(0), momentum)
        _update(running_var, ew.mul(var, spatial / (spatial - 1)).mean(0), momentum)
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Layer normalisation over the last ``len(normalized_shape)`` dimensions of ``input``.

    Derivative: ``dx = rstd * (g w - mean(g w) - xh * mean(g w xh))`` over each normalised
    slice; ``dw = sum(g xh)``, ``db = sum(g)`` over the leading dimensions.

    Parameters
    ----------
    input : Tensor
        (*, *normalized_shape) floating.
    normalized_shape : int or sequence of int
    weight, bias : Tensor, optional
        ``normalized_shape``.
    eps : float

    Returns
    -------
    Tensor
        ``input``'s shape.

    Raises
    ------
    RuntimeError
        When the trailing dimensions or the weight and bias shapes differ from
        ``normalized_shape``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.layer_norm(torch.tensor([1.0, 3.0]), (2,)).tolist()
    [-0.9999949932098389, 0.9999949932098389]
    """
    _check_input("layer_norm", input)
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else \
        tuple(int(n) for n in normalized_shape)
    d = len(shape)
    if d == 0 or input.ndim < d or tuple(input.shape[input.ndim - d:]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={_size_list(shape)}, expected input with shape "
            f"[*, {', '.join(str(n) for n in shape)}], but got input of size"
            f"{_size_list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {_size_list(t.shape)} and normalized_shape = {_size_list(shape)}")
    rows, size = math.prod(input.shape[:input.ndim - d]), math.prod(shape)
    if rows * size == 0:
        return _empty(input, weight, bias, shape)
    return _normalize(input, weight, bias, (rows, 1, size, 1), True, eps,
                      "NativeLayerNormBackward0")[0]


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Group normalisation: the channels of ``input`` (N, C, *) split into ``num_groups``
    groups, each normalised per sample; ``weight`` and ``bias`` (C,) per channel.

    Parameters
    ----------
    input : Tensor
        (N, C, *) floating.
    num_groups : int
        Divides C.
    weight, bias : Tensor, optional
        (C,).
    eps : float

    Returns
    -------
    Tensor
        ``input``'s shape.

    Raises
    ------
    RuntimeError
        For fewer than 2 dimensions, C not divisible by ``num_groups``, or vectors of the
        wrong size.
    ValueError
        With one value per group.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.group_norm(torch.tensor([[1.0, 3.0]]), 1).tolist()
    [[-0.9999949932098389, 0.9999949932098389]]
    """
    _check_input("group_norm", input)
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, channels, spatial = input.shape[0], input.shape[1], math.prod(input.shape[2:])
    if num_groups <= 0 or channels % num_groups != 0:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {_size_list(input.shape)} and num_groups={num_groups}")
    _verify_batch_size([n * channels // num_groups, num_groups] + list(input.shape[2:]))
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != channels):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {_size_list(t.shape)} and input of shape "
                f"{_size_list(input.shape)}")
    if n * channels * spatial == 0:
        return _empty(input, weight, bias, (-1,) + (1,) * (input.ndim - 2))
    shape4 = (n, num_groups, channels // num_groups, spatial)
    return _normalize(input, weight, bias, shape4, True, eps, "NativeGroupNormBackward0")[0]


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0):
    """``x / (k + alpha * mean of x**2 over a window of size channels) ** beta``.

    The window covers channels ``c - size // 2`` to ``c + (size - 1) // 2``, zero outside, and
    always divides by ``size`` (torch's average pooling with padding counted). A composite.

    Parameters
    ----------
    input : Tensor
        (N, C, *), at least 3 dimensions.
    size : int
        Channels in the window.
    alpha, beta, k : float

    Returns
    -------
    Tensor
        ``input``'s shape.

    Raises
    ------
    ValueError
        For fewer than 3 dimensions.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(1, 2, 1)
    >>> torch.nn.functional.local_response_norm(x, 2, alpha=1.0, beta=1.0, k=0.0).tolist()
    [[[2.0], [1.0]]]
    """
    from numbagrad.ops.shape import cat

    ew.check_tensor("local_response_norm", input)
    dim = input.ndim
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    n, c = input.shape[0], input.shape[1]
    sq = ew.mul(input, input).reshape(n, c, -1)
    before, after = size // 2, (size - 1) // 2
    parts = [sq]
    if before:
        parts.insert(0, sq.new_zeros((n, before, sq.shape[2])))
    if after:
        parts.append(sq.new_zeros((n, after, sq.shape[2])))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    total = padded[:, 0:c]
    for i in range(1, size):
        total = ew.add(total, padded[:, i:i + c])
    div = ew.pow(ew.add(ew.mul(ew.div(total, float(size)), alpha), k), beta)
    return ew.div(input, div.reshape(input.shape))


def normalize(input, p: float = 2.0, dim=1, eps: float = 1e-12, out=None):
    """``input / max(norm_p(input along dim), eps)``: unit vectors along ``dim``.

    Parameters
    ----------
    input : Tensor
    p : float
        The norm's order.
    dim : int or tuple of int
    eps : float
        The smallest divisor.
    out : Tensor, optional
        Written with the result (not differentiable).

    Returns
    -------
    Tensor
        ``input``'s shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.normalize(torch.tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    ew.check_tensor("normalize", input)
    denom = ew.clamp(input.norm(p, dim, keepdim=True), min=eps).expand_as(input)
    return ew.div(input, denom, out=out) if out is not None else ew.div(input, denom)
