"""Regression, divergence, margin and embedding losses, and the distances they use.

Every function here is a composite of existing ops, written in the order of torch's formulas, so
that its gradient and both devices come free: torch's kernels for these losses are single
elementwise passes whose derivatives are the derivatives of the formulas, except at a few kinks
and masked entries, which the comments below point out. Arguments are checked first, with
torch's exception classes and messages; class labels (which ``gather`` would use as indices)
are checked against the number of classes on the host.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import no_grad
from numbagrad.ops import reduce as red
from numbagrad.ops.activation import logsigmoid
from numbagrad.ops.comparison import minimum
from numbagrad.ops.elementwise import where
from numbagrad.ops.index import gather
from numbagrad.ops.loss import _REDUCTIONS, _shape_list, _tensor_arg, reduction_arg
from numbagrad.ops.norm import norm as _norm
from numbagrad.ops.norm import vector_norm
from numbagrad.ops.rearrange import broadcast_tensors


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return red.mean(loss)
    if reduction == "sum":
        return red.sum(loss)
    return loss


def _legacy(reduction: str, size_average, reduce) -> str:
    """``reduction``, or the one the deprecated flags name (with torch's warning); not checked."""
    if size_average is not None or reduce is not None:
        return reduction_arg("mean", size_average, reduce)
    return reduction


def _check_reduction(reduction: str, message: str = "{} is not a valid value for reduction"):
    if reduction not in _REDUCTIONS:
        raise ValueError(message.format(reduction))


def _size_warning(input, target) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _value_clamped(t, low: float):
    """``t`` with the values of ``clamp(t, min=low)`` and the gradient of ``t``: torch clamps
    these denominators in place under ``no_grad``, so the clamp passes the gradient unchanged."""
    with no_grad():
        shift = t.detach().clamp(min=low) - t.detach()
    return t + shift


def _check_sizes(a, b) -> None:
    """torch's error for shapes ``a`` and ``b`` (tensors or shapes) that do not broadcast, naming
    the rightmost clash as torch's ``infer_size`` does: checked before any op runs, so the
    message is torch's and names no inner op."""
    a = tuple(getattr(a, "shape", a))
    b = tuple(getattr(b, "shape", b))
    ndim = max(len(a), len(b))
    for d in range(ndim - 1, -1, -1):
        i, j = d - ndim + len(a), d - ndim + len(b)
        m = a[i] if i >= 0 else 1
        n = b[j] if j >= 0 else 1
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"The size of tensor a ({m}) must match the size of tensor b "
                               f"({n}) at non-singleton dimension {d}")


def _host(t) -> np.ndarray:
    return t._backend().to_host(t._data)


# ---------------------------------------------------------------------------- regression


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0):
    """Smooth L1 loss: ``0.5 d ** 2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, with
    ``d = input - target``; :func:`l1_loss` for ``beta = 0``.

    Derivative: ``d / beta`` inside the band, ``sign(d)`` outside.

    Parameters
    ----------
    input, target : Tensor
        The same shape (others broadcast, with torch's warning).
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}
    beta : float
        Where the quadratic turns linear; not negative.

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For a negative ``beta`` or shapes that do not broadcast.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0])).item()
    1.3125
    """
    _tensor_arg("smooth_l1_loss", "input", 1, input)
    _tensor_arg("smooth_l1_loss", "target", 2, target)
    _size_warning(input, target)
    reduction = _legacy(reduction, size_average, reduce)
    x, y = broadcast_tensors(input, target)
    _check_reduction(reduction)
    if beta == 0.0:
        return _reduce((x - y).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = x - y
    z = d.abs()
    return _reduce(where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """Huber loss: ``0.5 d ** 2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, with
    ``d = input - target`` (``delta`` times :func:`smooth_l1_loss` with ``beta = delta``).

    Derivative: ``d`` inside the band, ``delta sign(d)`` outside.

    Parameters
    ----------
    input, target : Tensor
        The same shape (others broadcast, with torch's warning).
    reduction : {"mean", "sum", "none"}
    delta : float
        Positive.
    weight : Tensor, optional
        ``input``'s shape; multiplies the loss before the reduction (``"mean"`` still divides
        by the number of elements, as torch).

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For ``delta <= 0`` or shapes that do not broadcast.
    ValueError
        For an unknown reduction or a weight of another shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), delta=2.0).item()
    2.0625
    """
    _tensor_arg("huber_loss", "input", 1, input)
    _tensor_arg("huber_loss", "target", 2, target)
    _size_warning(input, target)
    x, y = broadcast_tensors(input, target)
    if weight is not None:
        _tensor_arg("huber_loss", "weight", 5, weight)
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
    else:
        _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = x - y
    z = d.abs()
    loss = where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta))
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                         "'sum'.")
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- divergences


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False):
    """Kullback-Leibler divergence of ``target`` from the distribution whose log-probabilities
    are ``input``: ``y (log y - x)`` elementwise (``exp(y) (y - x)`` with ``log_target``).

    ``reduction="batchmean"`` divides the sum by the batch size (the first dimension), which is
    the divergence's definition; ``"mean"`` divides by the number of elements and warns, as
    torch does.

    Derivative: ``dx = -y``; ``dy = log y + 1 - x`` (nan at ``y == 0``, as torch's), or
    ``exp(y) (1 + y - x)`` with ``log_target``.

    Parameters
    ----------
    input : Tensor
        Log-probabilities.
    target : Tensor
        Probabilities (log-probabilities with ``log_target``), broadcast against ``input``.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "batchmean", "sum", "none"}
    log_target : bool

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    ValueError
        For an unknown reduction.
    RuntimeError
        For shapes that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[0.5, 0.5]]).log()
    >>> torch.nn.functional.kl_div(x, torch.tensor([[1.0, 0.0]]), reduction="batchmean").item()
    0.6931471824645996
    """
    _tensor_arg("kl_div", "input", 1, input)
    _tensor_arg("kl_div", "target", 2, target)
    _check_sizes(target, input)
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(reduction, size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            _check_reduction(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        total = red.sum(loss)
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input``.

    ``exp(x) - y x`` with ``log_input`` (``x`` is the log-rate), else ``x - y log(x + eps)``;
    ``full`` adds Stirling's ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``.

    Derivative: ``dx = exp(x) - y``, or ``1 - y / (x + eps)``.

    Parameters
    ----------
    input : Tensor
        The (log-)rates.
    target : Tensor
        Counts, broadcast against ``input``.
    log_input, full : bool
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    eps : float
        Keeps ``log`` off 0 when ``log_input`` is False.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.poisson_nll_loss(torch.tensor([0.0]), torch.tensor([2.0])).item()
    1.0
    """
    _tensor_arg("poisson_nll_loss", "input", 1, input)
    _tensor_arg("poisson_nll_loss", "target", 2, target)
    _check_sizes(target, input)
    reduction = _legacy(reduction, size_average, reduce)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # torch's order (and its nan target gradient at y == 0): the term, then the mask.
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    """Negative log-likelihood of ``target`` under Gaussians of mean ``input`` and variance
    ``var``: ``0.5 (log(max(var, eps)) + (x - y) ** 2 / max(var, eps))``, plus
    ``0.5 log(2 pi)`` with ``full``.

    ``var`` has ``input``'s shape, or that shape with the last dimension dropped or one
    dimension of size 1 (one variance shared along it), or is a float. The clamp at ``eps``
    changes the values only: the gradient flows to ``var`` as if unclamped, as in torch.

    Parameters
    ----------
    input, target : Tensor
        Means and samples (broadcast together).
    var : Tensor or float
        Variances, not negative.
    full : bool
    eps : float
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    ValueError
        For a negative variance, a ``var`` of another shape than those above, or an unknown
        reduction ("x is not valid").

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.gaussian_nll_loss(torch.tensor([1.0]), torch.tensor([3.0]), torch.tensor([1.0])).item()
    2.0
    """
    _tensor_arg("gaussian_nll_loss", "input", 1, input)
    _tensor_arg("gaussian_nll_loss", "target", 2, target)
    _check_sizes(input, target)
    if isinstance(var, (float, int)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    else:
        _tensor_arg("gaussian_nll_loss", "var", 3, var)
        if var.numel() and bool((var < 0).any().item()):
            raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim
                  and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    _check_reduction(reduction, "{} is not valid")
    var = _value_clamped(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- distances


def _check_floating(op: str, *tensors) -> None:
    dtype = dtypes.result_type(*tensors)
    if not dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{dtypes.scalar_name(dtype)}")


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    ``sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps))``.

    Each vector is normalised before the product (as torch: no overflow of ``<x1, x2>`` and
    ``|result| <= 1``); the clamps at ``eps`` change the values only, not the gradient path.

    Parameters
    ----------
    x1, x2 : Tensor
        Broadcast together; floating.
    dim : int
        The dimension of the vectors.
    eps : float

    Returns
    -------
    Tensor
        The broadcast shape without ``dim``.

    Raises
    ------
    RuntimeError
        For shapes that do not broadcast, or integer inputs.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.cosine_similarity(torch.tensor([[1.0, 0.0]]),
    ...                                       torch.tensor([[1.0, 1.0]])).item()
    0.7071067690849304
    """
    _tensor_arg("cosine_similarity", "x1", 1, x1)
    _tensor_arg("cosine_similarity", "x2", 2, x2)
    _check_sizes(x1, x2)
    _check_floating("cosine_similarity", x1, x2)
    a, b = broadcast_tensors(x1, x2)
    n1 = _value_clamped(vector_norm(a, 2, dim=dim, keepdim=True), eps)
    n2 = _value_clamped(vector_norm(b, 2, dim=dim, keepdim=True), eps)
    return ((a / n1) * (b / n2)).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """``p``-norm of ``x1 - x2 + eps`` along the last dimension (torch's ``eps`` keeps the
    norm's gradient finite where ``x1 == x2``).

    Parameters
    ----------
    x1, x2 : Tensor
        ``(N, D)`` or ``(D,)``, broadcast together.
    p : float
    eps : float
    keepdim : bool

    Returns
    -------
    Tensor
        ``(N,)`` (or ``()`` for vectors).

    Raises
    ------
    RuntimeError
        For shapes that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> round(F.pairwise_distance(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])).item(), 4)
    5.0
    """
    _tensor_arg("pairwise_distance", "x1", 1, x1)
    _tensor_arg("pairwise_distance", "x2", 2, x2)
    _check_sizes(x1, x2)
    dim = max(x1.ndim, x2.ndim) - 1
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        diff, dim = diff.reshape(1), 0
        return _norm(diff, p, dim, keepdim).reshape(())
    return _norm(diff, p, dim, keepdim)


def pdist(input, p: float = 2):
    """``p``-norm distances between every pair of rows ``i < j`` of an ``(N, M)`` input, in the
    order of the upper triangle: ``(N (N - 1) / 2,)``.

    Parameters
    ----------
    input : Tensor
        ``(N, M)``, floating.
    p : float
        Not negative.

    Returns
    -------
    Tensor

    Raises
    ------
    RuntimeError
        For an input that is not 2-D or a negative ``p``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.pdist(torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    _tensor_arg("pdist", "input", 1, input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    if n < 2:
        return input.new_zeros((0,))
    rows = _pairs(n, input.device)
    diff = input.index_select(0, rows[0]) - input.index_select(0, rows[1])
    return _norm(diff, p, 1)


def _pairs(n: int, device):
    """The ``(2, n (n - 1) / 2)`` int64 tensor of row pairs ``i < j``, in pdist's order: made
    from ``n`` alone (a compiled step keeps it as a constant, its shapes being guarded)."""
    from numbagrad.creation import tensor

    return tensor(np.stack(np.triu_indices(n, 1)), device=device)


# ---------------------------------------------------------------------------- margins


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (0 for other targets), with ``cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)
    (|x2|^2 + 1e-12))`` as torch.

    Parameters
    ----------
    input1, input2 : Tensor
        ``(N, D)`` with a ``(N,)`` target, or ``(D,)`` with a 0-d target.
    target : Tensor
        1 or -1.
    margin : float
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the target's shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For a target of more than one dimension or inputs of the wrong rank.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.cosine_embedding_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]),
    ...                         torch.tensor([1.0])).item()
    1.0
    """
    for k, (name, t) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        _tensor_arg("cosine_embedding_loss", name, k + 1, t)
    reduction = _legacy(reduction, size_average, reduce)
    tdim = target.ndim
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {_shape_list(input1.shape)} and {_shape_list(input2.shape)}.")
    if tdim == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {_shape_list(input1.shape)} and {_shape_list(input2.shape)}.")
    _check_sizes(input1, input2)
    _check_sizes(target, input1.shape[:tdim])
    _check_reduction(reduction)
    prod_sum = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + 1e-12
    mag2 = (input2 * input2).sum(tdim) + 1e-12
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = cos.new_zeros(cos.shape)
    loss = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp(min=0),
                                                      zeros)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean"):
    """``max(0, -y (x1 - x2) + margin)``: ``x1`` should rank above ``x2`` where ``y = 1`` and
    below where ``y = -1``.

    Parameters
    ----------
    input1, input2, target : Tensor
        The same number of dimensions, broadcast together.
    margin : float
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For tensors of different ranks or shapes that do not broadcast.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.margin_ranking_loss(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0])).item()
    1.0
    """
    for k, (name, t) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        _tensor_arg("margin_ranking_loss", name, k + 1, t)
    reduction = _legacy(reduction, size_average, reduce)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    _check_sizes(input1, input2)
    _check_sizes(target, input1.shape if input1.ndim >= input2.ndim else input2.shape)
    _check_reduction(reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1`` (torch sums the two
    terms, so any other target gets both).

    Parameters
    ----------
    input, target : Tensor
        Broadcast together (typically distances and labels of 1 or -1).
    margin : float
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For shapes that do not broadcast.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> F.hinge_embedding_loss(torch.tensor([0.25, 2.0]), torch.tensor([-1.0, 1.0])).item()
    1.375
    """
    _tensor_arg("hinge_embedding_loss", "input", 1, input)
    _tensor_arg("hinge_embedding_loss", "target", 2, target)
    _check_sizes(target, input)
    reduction = _legacy(reduction, size_average, reduce)
    _check_reduction(reduction)
    zeros = input.new_zeros(input.shape)
    loss = (where(target != 1, (margin - input).clamp(min=0), zeros)
            + where(target != -1, input, zeros))
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Two-class logistic loss ``log(1 + exp(-y x))`` (labels ``y`` of 1 or -1), computed as
    torch does (``log1p(exp(.))``).

    Parameters
    ----------
    input, target : Tensor
        Broadcast together.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``"none"``.

    Raises
    ------
    RuntimeError
        For shapes that do not broadcast.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> round(F.soft_margin_loss(torch.tensor([0.0]), torch.tensor([1.0])).item(), 4)
    0.6931
    """
    _tensor_arg("soft_margin_loss", "input", 1, input)
    _tensor_arg("soft_margin_loss", "target", 2, target)
    _check_sizes(input, target)
    reduction = _legacy(reduction, size_average, reduce)
    _check_reduction(reduction)
    return _reduce((-input * target).exp().log1p(), reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the :func:`pairwise_distance` of norm
    ``p``; ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance.

    Parameters
    ----------
    anchor, positive, negative : Tensor
        ``(N, D)`` or ``(D,)``, the same number of dimensions.
    margin, p, eps : float
    swap : bool
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or ``(N,)`` for ``"none"``.

    Raises
    ------
    RuntimeError
        For tensors of different ranks or shapes that do not broadcast.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> a, q = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    >>> round(F.triplet_margin_loss(a, a, q, margin=6.0, eps=0.0).item(), 4)
    1.0
    """
    names = (("anchor", anchor), ("positive", positive), ("negative", negative))
    for k, (name, t) in enumerate(names):
        _tensor_arg("triplet_margin_loss", name, k + 1, t)
    reduction = _legacy(reduction, size_average, reduce)
    _check_triplet_dims(anchor, positive, negative)
    _check_reduction(reduction)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def _check_triplet_dims(anchor, positive, negative) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.ndim}D, positive "
                           f"{positive.ndim}D, and negative {negative.ndim}D inputs")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):
    """:func:`triplet_margin_loss` with any distance: ``max(0, margin + d(a, p) - d(a, n))``.

    Parameters
    ----------
    anchor, positive, negative : Tensor
        The same number of dimensions.
    distance_function : callable, optional
        ``(x, y) -> distances``; :func:`pairwise_distance` by default.
    margin : float
        Positive.
    swap : bool
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the distances' shape for ``"none"``.

    Raises
    ------
    ValueError
        For an unknown reduction or ``margin <= 0``.
    RuntimeError
        For tensors of different ranks.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> a, q = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    >>> d = lambda x, y: (x - y).abs().sum(-1)
    >>> F.triplet_margin_with_distance_loss(a, a, q, distance_function=d, margin=8.0).item()
    1.0
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    if distance_function is None:
        distance_function = pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance_function(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def _labels(op: str, target, classes: int) -> np.ndarray:
    labels = _host(target)
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise RuntimeError(f"target out of range ({op}: label {int(labels[bad][0])} is not in "
                           f"[0, {classes}))")
    return labels


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean"):
    """Multi-class hinge loss: per sample ``sum_{j != t} w[t] max(0, margin - x[t] + x[j]) ** p
    / C``.

    Derivative: nonzero only where the hinge is active (strictly positive), as torch's kernel.

    Parameters
    ----------
    input : Tensor
        ``(N, C)`` or ``(C,)`` scores.
    target : Tensor
        int64 labels in ``[0, C)``: ``(N,)``, or ``()`` / ``(1,)`` for a vector input.
    p : int
        1 or 2.
    margin : float
    weight : Tensor, optional
        ``(C,)`` class weights.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or the target's shape for ``"none"``.

    Raises
    ------
    ValueError
        For ``p`` other than 1 or 2, a weight of more than one dimension, or an unknown
        reduction.
    RuntimeError
        For inputs of more than two dimensions, a target of the wrong size or dtype, a weight of
        the wrong length, or a label out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> round(F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3])).item(), 4)
    0.325
    """
    op = "multi_margin_loss"
    _tensor_arg(op, "input", 1, input)
    _tensor_arg(op, "target", 2, target)
    reduction = _legacy(reduction, size_average, reduce)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None:
        _tensor_arg(op, "weight", 5, weight)
        if weight.ndim != 1:
            raise ValueError("weight must be one-dimensional")
    if input.numel() == 0 or input.ndim > 2:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {_shape_list(input.shape)}")
    rows = 1 if input.ndim <= 1 else input.shape[0]
    classes = 1 if input.ndim == 0 else input.shape[-1]
    if target.ndim > 1 or target.numel() != rows:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{rows}], but got {_shape_list(target.shape)}. Input has shape "
                           f"{_shape_list(input.shape)}.")
    if target.dtype is not dtypes.int64:
        raise RuntimeError("expected scalar type Long but found "
                           f"{dtypes.scalar_name(target.dtype)}")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                           f"{_shape_list(weight.shape)}")
    labels = _labels(op, target, classes)
    x = input.reshape(rows, classes)
    t = target.reshape(rows, 1)
    z = margin - gather(x, 1, t) + x
    # torch's kernel counts only strictly positive hinges (relu's gradient at 0 is 0).
    z = z.relu()
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * gather(weight, 0, target.reshape(rows)).reshape(rows, 1)
    others = np.arange(classes)[None, :] != labels.reshape(rows, 1)
    from numbagrad.creation import tensor

    z = where(tensor(others, device=input.device), z, 0.0)
    loss = z.sum(1) / classes
    return _reduce(loss.reshape(target.shape), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean"):
    """Multi-label hinge loss: per sample ``sum_j sum_{k not a target} max(0, 1 - (x[y_j] -
    x[k])) / C``, over the target labels ``y_j`` listed before the first -1.

    Parameters
    ----------
    input : Tensor
        ``(N, C)`` or ``(C,)``.
    target : Tensor
        int64 of ``input``'s shape: labels in ``[0, C)``, padded with -1 after the last one.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or ``(N,)`` for ``"none"``.

    Raises
    ------
    RuntimeError
        For inputs of more than two dimensions, a target of another shape, or a label out of
        range.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1]])).item(), 4)
    0.85
    """
    op = "multilabel_margin_loss"
    _tensor_arg(op, "input", 1, input)
    _tensor_arg(op, "target", 2, target)
    reduction = _legacy(reduction, size_average, reduce)
    _check_reduction(reduction)
    if input.numel() == 0 or input.ndim > 2:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {_shape_list(input.shape)}")
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {_shape_list(target.shape)} for input of "
                           f"size: {_shape_list(input.shape)}")
    if target.dtype is not dtypes.int64:
        raise RuntimeError("expected scalar type Long but found "
                           f"{dtypes.scalar_name(target.dtype)}")
    rows = 1 if input.ndim <= 1 else input.shape[0]
    classes = 1 if input.ndim == 0 else input.shape[-1]
    labels = _host(target).reshape(rows, classes)
    # Only the labels before each row's first -1 count (torch stops there).
    listed = np.cumprod(labels != -1, axis=1).astype(bool)
    if ((labels[listed] < 0) | (labels[listed] >= classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    safe = np.where(listed, labels, 0)
    is_target = np.zeros((rows, classes), bool)
    is_target[np.nonzero(listed)[0], labels[listed]] = True
    pairs = listed[:, :, None] & ~is_target[:, None, :]
    from numbagrad.creation import tensor

    x = input.reshape(rows, classes)
    picked = gather(x, 1, tensor(safe, device=input.device))
    # torch's kernel counts only strictly positive hinges (relu's gradient at 0 is 0).
    z = (1 - picked.unsqueeze(2) + x.unsqueeze(1)).relu()
    z = where(tensor(pairs, device=input.device), z, 0.0)
    loss = z.sum((1, 2)) / classes
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    """One-vs-all logistic loss: per sample
    ``-mean_c w[c] (y[c] log sigmoid(x[c]) + (1 - y[c]) log sigmoid(-x[c]))``.

    Parameters
    ----------
    input : Tensor
        ``(N, C)`` (or ``(C,)``) logits.
    target : Tensor
        0 or 1 per class, broadcast against ``input``.
    weight : Tensor, optional
        Class weights, broadcast against the loss.
    size_average, reduce : bool, optional
        Deprecated (as in torch): use ``reduction``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        0-d, or ``(N,)`` for ``"none"``.

    Raises
    ------
    ValueError
        For an unknown reduction ("x is not valid").

    Examples
    --------
    >>> import numbagrad as torch
    >>> F = torch.nn.functional
    >>> round(F.multilabel_soft_margin_loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """
    _tensor_arg("multilabel_soft_margin_loss", "input", 1, input)
    _tensor_arg("multilabel_soft_margin_loss", "target", 2, target)
    _check_sizes(target, input)
    reduction = _legacy(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    _check_reduction(reduction, "{} is not valid")
    return _reduce(loss, reduction)
