"""Loss functions: cross-entropy and NLL (one fused primitive), binary cross-entropy (two
elementwise primitives), and the mean squared and absolute errors (composites).

Cross-entropy is a primitive rather than ``nll_loss(log_softmax(x))``: one kernel takes each
row's log-sum-exp and its weighted loss, and one kernel writes the input's gradient
``w[t] (softmax(x) - onehot(t))``, without materialising the log-probabilities. ``nll_loss``
runs the same kernels with the log-sum-exp left out. Binary cross-entropy and its logits form
are elementwise formulas (below, each with its derivative) compiled by the backend's ``map``,
because a composite would lose the clamped logs (torch's -100) and the stable softplus. The
mean squared error of same-shaped tensors is one primitive too (it ends the regression
tutorials, where its three composite nodes were most of the step); with a weight or a broadcast
target it is the composite, as the absolute error always is.

Every argument is checked here, before a kernel runs: in particular class labels, which the
kernels use as indices without bounds checks.
"""
from __future__ import annotations

import math
import warnings
from functools import partial

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import reduce as red
from numbagrad.ops import scalar as F
from numbagrad.ops.elementwise import _binary, cast
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------------------- cross-entropy


def _cross_entropy_forward(be, x, target, *weight, reduction, ignore_index, label_smoothing,
                           normalize):
    return be.cross_entropy(x, target, weight[0] if weight else None, reduction, ignore_index,
                            label_smoothing, normalize)


def _cross_entropy_vjp(be, g, node):
    """``dx = g w[t] (softmax(x) - onehot(t))`` per row (plus the smoothing term), from the
    saved log-sum-exps; for probability targets ``dx = g (sum(w y) softmax(x) - w y)`` and
    ``dy = -g w log_softmax(x)``."""
    x, target = node.inputs[0], node.inputs[1]
    weight = node.inputs[2] if len(node.inputs) > 2 else None
    a = node.attrs
    gx, gt = be.cross_entropy_vjp(g, x, target, weight, node.extra, a["reduction"],
                                  a["ignore_index"], a["label_smoothing"], a["normalize"],
                                  want_target=node.needs[1])
    return (gx if node.needs[0] else None, gt) + ((None,) * (len(node.inputs) - 2))


CROSS_ENTROPY = register(OpDef("cross_entropy", _cross_entropy_forward, _cross_entropy_vjp,
                               kernels=("cross_entropy", "cross_entropy_vjp"),
                               saves_inputs=True, nondiff=(2,)))
NLL_LOSS = register(OpDef("nll_loss", _cross_entropy_forward, _cross_entropy_vjp,
                          kernels=("cross_entropy", "cross_entropy_vjp"),
                          saves_inputs=True, nondiff=(1, 2)))


def _tensor_arg(op: str, name: str, position: int, value) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def reduction_arg(reduction: str, size_average=None, reduce=None) -> str:
    """The reduction to use: ``reduction``, or the one named by the legacy flags (with torch's
    deprecation warning). Raises ValueError, as torch, for an unknown name."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_class_target(op: str, input, target) -> None:
    """torch's checks of an index target against ``input`` (N, C, d1, ...), in torch's order."""
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"{op}: \"{op}\" not implemented for '{dtypes.scalar_name(input.dtype)}'; convert "
            "the input with .float()"
        )
    if target.dtype is not dtypes.int64 and target.dtype is not dtypes.uint8:
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{dtypes.scalar_name(target.dtype)}")
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        return
    batch = target.shape[0] if target.ndim else 0
    if input.shape[0] != batch:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({batch}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        raise RuntimeError(f"Expected target size {_shape_list(expected)}, got "
                           f"{_shape_list(target.shape)}")


def _check_labels(op: str, target, classes: int, ignore_index: int) -> None:
    """IndexError naming the first label outside ``[0, classes)`` that is not ignored."""
    labels = target._backend().to_host(target._data)
    if labels.size == 0 or (labels.min() >= 0 and labels.max() < classes):
        return
    bad = ((labels < 0) | (labels >= classes)) & (labels != ignore_index)
    if bad.any():
        value = int(labels[bad].flat[0])
        raise IndexError(f"Target {value} is out of bounds. ({op}: class labels must lie in "
                         f"[0, {classes}) or equal ignore_index={ignore_index})")


def _check_weight(op: str, weight, classes: int, input_dtype, prefix: str = "") -> None:
    _tensor_arg(op, "weight", 3, weight)
    if weight.shape != (classes,):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {classes} "
                           "classes or no classes but got weight tensor of shape: "
                           f"{_shape_list(weight.shape)}")
    if input_dtype is not None and weight.dtype is not input_dtype:
        raise RuntimeError(f"expected scalar type {dtypes.scalar_name(input_dtype)} but found "
                           f"{dtypes.scalar_name(weight.dtype)}")


def _class_loss(op: OpDef, input, target, weight, ignore_index: int, reduction: str,
                label_smoothing: float):
    """Checks, then the fused kernel, for class-index targets."""
    _check_class_target(op.name, input, target)
    if target.dtype is dtypes.uint8:  # torch takes Byte labels too; the kernels read int64
        target = target.long()
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None:
        _check_weight(op.name, weight, classes, input.dtype)
    _check_labels(op.name, target, classes, int(ignore_index))
    # torch smooths only for label_smoothing > 0: a negative value is no smoothing.
    label_smoothing = max(float(label_smoothing), 0.0)
    inputs = (input, target) if weight is None else (input, target, weight)
    return apply(op, inputs, reduction=reduction, ignore_index=int(ignore_index),
                 label_smoothing=float(label_smoothing), normalize=op is CROSS_ENTROPY)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """Cross-entropy between the softmax of the scores ``input`` and ``target``, fused and stable.

    For class indices ``t`` and class weights ``w`` (ones by default), the loss of one sample is
    ``l = w[t] * (logsumexp(x) - x[t])``; with label smoothing ``s`` it is
    ``(1 - s) * l + s / C * sum_c w[c] * (logsumexp(x) - x[c])``. ``"mean"`` divides the summed
    losses by the summed ``w[t]`` of the samples not ignored (torch's weighted mean). For
    probability targets ``y`` the loss is ``-sum_c w[c] y'[c] log_softmax(x)[c]`` with
    ``y' = (1 - s) y + s / C``, and ``"mean"`` divides by the number of samples.

    Derivative: ``dx = w[t] (softmax(x) - onehot(t))`` per sample (times the reduction's factor).

    Parameters
    ----------
    input : Tensor
        Unnormalised scores (logits), ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; floating.
    target : Tensor
        Class indices, int64, ``()``, ``(N,)`` or ``(N, d1, ...)``, each in ``[0, C)`` or equal to
        ``ignore_index``; or class probabilities, floating, of ``input``'s shape.
    weight : Tensor, optional
        ``(C,)`` class weights, of ``input``'s dtype for index targets.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    ignore_index : int
        Index targets equal to it contribute nothing (nor to the mean's denominator).
    reduction : {"mean", "sum", "none"}
    label_smoothing : float
        In ``[0, 1]``: the weight of the uniform distribution mixed into the targets.

    Returns
    -------
    Tensor
        0-d, or the target's shape without the class axis for ``reduction="none"``. The mean
        over no counted samples is nan, as in torch.

    Raises
    ------
    IndexError
        For a label outside ``[0, C)`` that is not ``ignore_index`` ("Target 10 is out of bounds.").
    ValueError
        For an unknown reduction, or input and target batch sizes that differ.
    RuntimeError
        For a float target of another shape than ``input``, an integer target of the wrong
        type or shape, a weight of the wrong shape, ``label_smoothing > 1``, or
        ``ignore_index`` with probability targets.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[1000.0, 0.0], [0.0, 0.0]])
    >>> round(torch.nn.functional.cross_entropy(x, torch.tensor([0, 1])).item(), 4)
    0.3466
    """
    _tensor_arg("cross_entropy_loss", "input", 1, input)
    _tensor_arg("cross_entropy_loss", "target", 2, target)
    reduction = reduction_arg(reduction, size_average, reduce)
    if input.shape != target.shape:
        if label_smoothing > 1.0:
            raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        return _class_loss(CROSS_ENTROPY, input, target, weight, ignore_index, reduction,
                           label_smoothing)
    if not target.dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {dtypes.scalar_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    label_smoothing = max(float(label_smoothing), 0.0)  # torch: no smoothing below 0
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None:
        _check_weight("cross_entropy", weight, classes, None, "cross_entropy: ")
    dtype = dtypes.result_type(input, target, *(() if weight is None else (weight,)))
    return apply(CROSS_ENTROPY, (cast(input, dtype), cast(target, dtype))
                 + (() if weight is None else (weight,)), reduction=reduction,
                 ignore_index=int(ignore_index), label_smoothing=float(label_smoothing),
                 normalize=True)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean"):
    """Negative log-likelihood of class-index targets, for log-probabilities ``input``.

    Per sample ``l = -w[t] * input[t]``; ``"mean"`` divides the summed losses by the summed
    ``w[t]`` of the samples not ignored. ``nll_loss(log_softmax(x, 1), t)`` equals
    ``cross_entropy(x, t)``.

    Derivative: ``dx[t] = -w[t] g`` (0 elsewhere and for ignored samples).

    Parameters
    ----------
    input : Tensor
        Log-probabilities ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; floating.
    target : Tensor
        int64 class indices, ``()``, ``(N,)`` or ``(N, d1, ...)``.
    weight : Tensor, optional
        ``(C,)`` class weights, of ``input``'s dtype.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    ignore_index : int
        Targets equal to it contribute nothing.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the target's shape for ``reduction="none"``.

    Raises
    ------
    IndexError, ValueError, RuntimeError
        As :func:`cross_entropy` for index targets.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.nll_loss(torch.tensor([[-1.0, -2.0]]), torch.tensor([1])).item()
    2.0
    """
    _tensor_arg("nll_loss_nd", "input", 1, input)
    _tensor_arg("nll_loss_nd", "target", 2, target)
    reduction = reduction_arg(reduction, size_average, reduce)
    return _class_loss(NLL_LOSS, input, target, weight, ignore_index, reduction, 0.0)


# ---------------------------------------------------------------------------- binary cross-entropy


def bce(x, y):
    """``-(y log(x) + (1 - y) log(1 - x))``, each log clamped at -100 as torch's."""
    # The clamp keeps x = 0 or x = 1 finite (a loss of at most 100) instead of inf or nan.
    log_x = max(math.log(x), -100.0) if x > 0.0 else -100.0
    log_1mx = max(math.log1p(-x), -100.0) if x < 1.0 else -100.0
    return (y - 1.0) * log_1mx - y * log_x


def bce_vjp(x, y, out, g):
    # torch's rule: the input's denominator x (1 - x) is kept off 0 by EPSILON, the float32
    # 1e-12 (not by the clamped logs, whose derivative would be 0); the target's gradient is
    # -logit(x), infinite at 0 and 1.
    gx = g * (x - y) / max((1.0 - x) * x, 9.999999960041972e-13)
    if x <= 0.0:
        gy = g * math.inf
    elif x >= 1.0:
        gy = -g * math.inf
    else:
        gy = g * (math.log1p(-x) - math.log(x))
    return gx, gy


def bce_with_logits(x, y):
    """``(1 - y) x + log(1 + exp(-x))``: the binary cross-entropy of ``sigmoid(x)``."""
    # log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)): exp never overflows, so x = +-1000 is
    # exact where log(sigmoid(x)) would give log(0).
    return (1.0 - y) * x + max(-x, 0.0) + math.log1p(math.exp(-abs(x)))


def bce_with_logits_vjp(x, y, out, g):
    # sigmoid(x) in the form that never overflows for either sign of x.
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return g * (s - y), -g * x


def _bce_forward(be, x, y):
    """``bce`` over the pair, then the range check of both in a kernel: eager mode checked on
    the host first (with the values found), and a compiled step repeats the kernel on each
    call's values. The map runs first so that it, not the raising check, is the first kernel a
    capture sees reading an array made outside the step."""
    loss = be.map(bce, [x, y], x.dtype)
    be.unit_range_check(x, 0)
    be.unit_range_check(y, 1)
    return loss


BINARY_CROSS_ENTROPY = register(OpDef("binary_cross_entropy", _bce_forward,
                                      partial(ew._binary_vjp, bce_vjp),
                                      kernels=("map", "unit_range_check"), saves_inputs=True))
BINARY_CROSS_ENTROPY_WITH_LOGITS = _binary("binary_cross_entropy_with_logits", bce_with_logits,
                                           bce_with_logits_vjp)


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return red.mean(loss)
    if reduction == "sum":
        return red.sum(loss)
    return loss


def _weighted(op: str, loss, target, weight):
    """``loss * weight``, the weight broadcast to the target's shape (never the other way)."""
    if weight is None:
        return loss
    _tensor_arg(op, "weight", 3, weight)
    try:
        shape = tuple(target._backend().broadcast_shape(tuple(target.shape),
                                                        tuple(weight.shape)))
    except ValueError:
        shape = None
    if shape != tuple(target.shape):
        raise RuntimeError(f"{op}: the weight of shape {_shape_list(weight.shape)} does not "
                           f"broadcast to the target's shape {_shape_list(target.shape)}")
    return ew.mul(loss, weight)


def _check_range(op: str, name: str, t) -> None:
    # Read through the backend (a capture refuses ``.item()`` and ``np.asarray(tensor)``); the
    # op's forward repeats the check in a kernel, which is what a compiled step runs.
    if t.numel() == 0:
        return
    values = t._backend().to_host(t._data)
    low, high = float(np.min(values)), float(np.max(values))
    if not (low >= 0.0 and high <= 1.0):  # written so that nan fails too
        raise RuntimeError(f"all elements of {name} should be between 0 and 1 ({op}: found "
                           f"values in [{low}, {high}])")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """Binary cross-entropy between probabilities ``input`` and targets ``target``.

    ``l = -w (y log(x) + (1 - y) log(1 - x))`` elementwise, each log clamped at -100 (torch's
    convention: a confident wrong prediction costs 100, not inf).

    Derivative: ``dx = w (x - y) / max(x (1 - x), 1e-12)``, ``dy = -w logit(x)``.

    Parameters
    ----------
    input : Tensor
        Probabilities in ``[0, 1]``, any shape.
    target : Tensor
        ``input``'s shape and dtype, values in ``[0, 1]``.
    weight : Tensor, optional
        Broadcast to ``target``'s shape.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or ``input``'s shape for ``reduction="none"``.

    Raises
    ------
    ValueError
        For an unknown reduction or a target of another shape.
    RuntimeError
        For values outside ``[0, 1]`` (nan included), a target of another dtype, or a weight that
        does not broadcast to the target.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.binary_cross_entropy(torch.tensor([0.0]), torch.tensor([1.0])).item()
    100.0
    """
    _tensor_arg("binary_cross_entropy", "input", 1, input)
    _tensor_arg("binary_cross_entropy", "target", 2, target)
    reduction = reduction_arg(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {dtypes.scalar_name(target.dtype)} but expected "
                           f"{dtypes.scalar_name(input.dtype)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError("binary_cross_entropy: expected a floating input, got "
                           f"{dtypes.scalar_name(input.dtype)}")
    _check_range("binary_cross_entropy", "input", input)
    _check_range("binary_cross_entropy", "target", target)
    loss = apply(BINARY_CROSS_ENTROPY, (input, target))
    return _reduce(_weighted("binary_cross_entropy", loss, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Binary cross-entropy of ``sigmoid(input)``, computed from the logits, stably.

    ``l = w ((1 - y) x + (1 + (p - 1) y) log(1 + exp(-x)))`` elementwise, with ``p`` the
    ``pos_weight`` (1 by default); ``log(1 + exp(-x))`` is evaluated as
    ``max(-x, 0) + log1p(exp(-|x|))``, finite for logits like +-1000.

    Derivative (``p = 1``): ``dx = w (sigmoid(x) - y)``, ``dy = -w x``.

    Parameters
    ----------
    input : Tensor
        Logits, any shape.
    target : Tensor
        ``input``'s shape; floating.
    weight : Tensor, optional
        Broadcast to ``target``'s shape.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor, optional
        Weight of the positive term, broadcast against the target (typically ``(C,)``).

    Returns
    -------
    Tensor
        0-d, or ``input``'s shape for ``reduction="none"``.

    Raises
    ------
    ValueError
        For an unknown reduction or a target of another shape.
    RuntimeError
        For an integer target, or weights that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.binary_cross_entropy_with_logits(torch.tensor([-1000.0]), torch.tensor([1.0])).item()
    1000.0
    """
    op = "binary_cross_entropy_with_logits"
    _tensor_arg(op, "input", 1, input)
    _tensor_arg(op, "target", 2, target)
    reduction = reduction_arg(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{dtypes.scalar_name(target.dtype)}")
    x, y = ew.operands(op, input, target)
    loss = apply(BINARY_CROSS_ENTROPY_WITH_LOGITS, (x, y))
    if pos_weight is not None:
        _tensor_arg(op, "pos_weight", 6, pos_weight)
        # The loss of a positive target is log(1 + exp(-x)): the extra (p - 1) y copies of it.
        _check_pos_weight(pos_weight, target)
        softplus_neg = apply(BINARY_CROSS_ENTROPY_WITH_LOGITS, (x, _ones_like(y)))
        loss = ew.add(loss, ew.mul(ew.mul(ew.sub(pos_weight, 1), y), softplus_neg))
    return _reduce(_weighted(op, loss, target, weight), reduction)


def _check_pos_weight(pos_weight, target) -> None:
    """torch writes ``pos_weight * y`` into a tensor of the target's shape: a pos_weight that
    broadcasts to a larger shape is an error there, not a larger loss."""
    try:
        shape = tuple(target._backend().broadcast_shape(tuple(target.shape),
                                                        tuple(pos_weight.shape)))
    except ValueError:
        return  # the product below raises torch's broadcasting error
    if shape != tuple(target.shape):
        raise RuntimeError(f"output with shape {_shape_list(target.shape)} doesn't match the "
                           f"broadcast shape {_shape_list(shape)}")


def _ones_like(t):
    be = t._backend()
    return Tensor._make(be.full(tuple(t.shape), 1, t._data.dtype), t._device)


# ---------------------------------------------------------------------------- regression losses


def squared_error(x, y):
    """``(x - y) ** 2`` of one element, as torch: the difference times itself."""
    d = x - y
    return d * d


def squared_error_grad(x, y, g, norm):
    """The squared error's input gradient ``norm (x - y) g`` (``norm`` is 2, or ``2 / n`` for a
    mean), rounded step by step in the order of torch's ``mse_backward`` kernel."""
    return norm * (x - y) * g


def _mse_forward(be, x, y, reduction):
    """The errors, or their sum or mean in one pass (``map_sum``: no array of errors)."""
    if reduction == "none":
        return be.map(squared_error, [x, y], x.dtype)
    return be.map_sum(squared_error, [x, y], x.dtype, x.size if reduction == "mean" else 1)


def _mse_vjp(be, g, node):
    """``grad_x = norm (x - y) g`` with ``norm = 2`` (``2 / n`` for a mean), in one pass;
    ``grad_y = -grad_x``."""
    x, y = node.inputs
    dtype = x.dtype
    norm = 2 / max(x.size, 1) if node.attrs["reduction"] == "mean" else 2
    gx = be.map(squared_error_grad, [x, y, g, be.full((), norm, dtype)], dtype)
    return gx, be.map(F.neg, [gx], dtype) if node.needs[1] else None


MSE_LOSS = register(OpDef("mse_loss", _mse_forward, _mse_vjp, kernels=("map", "map_sum", "full"),
                          saves_inputs=True))


def _pointwise(op: str, input, target, weight, reduction, size_average, reduce, error):
    """Shared body of mse_loss and l1_loss, in torch's order of checks."""
    _tensor_arg(op, "input", 1, input)
    _tensor_arg(op, "target", 2, target)
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(reduction, size_average, reduce)
    if op == "mse_loss" and not (input.dtype.is_floating_point
                                 or target.dtype.is_floating_point):
        raise ew.not_implemented("mse_cpu", dtypes.promote_types(input.dtype, target.dtype))
    loss = error(ew.sub(input, target))
    if weight is None:
        return _reduce(loss, reduction_arg(reduction))
    _tensor_arg(op, "weight", 6, weight)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = ew.mul(loss, weight)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return red.sum(loss)
    if reduction == "mean":
        return ew.div(red.sum(loss), red.sum(weight))
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None):
    """Mean squared error: ``(x - y) ** 2`` elementwise, then reduced.

    One primitive (``MseLossBackward0``) for same-shaped floating tensors of one dtype without a
    weight: its gradient is ``2 (x - y)``, divided by the count for ``"mean"``. Otherwise a
    composite of ``sub`` and ``mul`` (broadcast shapes, mixed dtypes). With ``weight`` the loss
    is ``w (x - y) ** 2`` and ``"mean"`` divides by ``sum(w)``.

    Parameters
    ----------
    input, target : Tensor
        The same shape (other shapes broadcast, with torch's warning).
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}
    weight : Tensor, optional
        ``input``'s shape.

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``reduction="none"``; the mean of nothing is nan.

    Raises
    ------
    ValueError
        For an unknown reduction, or a weight of another shape than ``input``.
    RuntimeError
        For shapes that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0])).item()
    5.0
    """
    if (weight is None and size_average is None and reduce is None
            and isinstance(input, Tensor) and isinstance(target, Tensor)):
        x, y = input._data, target._data
        if x.shape == y.shape and x.dtype == y.dtype and x.dtype.kind == "f":
            return apply(MSE_LOSS, (input, target), reduction=reduction_arg(reduction))
    return _pointwise("mse_loss", input, target, weight, reduction, size_average, reduce,
                      _square)


def _square(d):
    return ew.mul(d, d)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None):
    """Mean absolute error: ``|x - y|`` elementwise, then reduced.

    A composite; its gradient is ``sign(x - y)`` (0 where ``x == y``, as torch's).

    Parameters
    ----------
    input, target : Tensor
        The same shape (other shapes broadcast, with torch's warning).
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}
    weight : Tensor, optional
        ``input``'s shape; ``"mean"`` then divides by ``sum(weight)``.

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``reduction="none"``.

    Raises
    ------
    ValueError
        For an unknown reduction, or a weight of another shape than ``input``.
    RuntimeError
        For shapes that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.l1_loss(torch.tensor([1.0, -3.0]), torch.tensor([0.0, 0.0])).item()
    2.0
    """
    return _pointwise("l1_loss", input, target, weight, reduction, size_average, reduce, ew.abs)
