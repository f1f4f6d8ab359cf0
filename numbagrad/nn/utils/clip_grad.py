"""Gradient clipping: by total norm (``clip_grad_norm_``) and by value (``clip_grad_value_``).

Written with tensor operations, so they run on every device; the gradients are scaled or clamped
in place, with gradient recording off, as torch does.
"""
from __future__ import annotations

import functools
import math
import types
import warnings
from typing import Iterable, Union

import numbagrad
from numbagrad.autograd.grad_mode import no_grad
from numbagrad.tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]

TensorOrTensors = Union[Tensor, Iterable[Tensor]]


def _no_grad(func):
    """``func`` run with gradient recording off."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)

    return wrapper


def _vector_norm(t: Tensor, ord: float) -> Tensor:
    """The ``ord``-norm of all of ``t``'s elements, as ``torch.linalg.vector_norm``."""
    a = t.abs()
    if ord == 2.0:
        return (a * a).sum().sqrt()
    if ord == 1.0:
        return a.sum()
    if ord == math.inf:
        return a.max() if a.numel() else numbagrad.zeros((), dtype=t.dtype, device=t.device)
    if ord == -math.inf:
        return a.min()
    if ord == 0.0:
        return (t != 0).sum().to(t.dtype)
    return (a ** ord).sum() ** (1.0 / ord)


@_no_grad
def get_total_norm(tensors: TensorOrTensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The norm of the norms of ``tensors``: their ``norm_type``-norm as if concatenated.

    Parameters
    ----------
    tensors : Tensor or iterable of Tensor
        Usually gradients.
    norm_type : float or str
        The order of the norm; ``'inf'`` or ``math.inf`` for the largest magnitude (default 2).
    error_if_nonfinite : bool
        Raise if the total is nan or infinite (default False).
    foreach : bool, optional
        Accepted for torch compatibility.

    Returns
    -------
    Tensor
        A 0-d tensor on the first tensor's device (``tensor(0.)`` when there is none).

    Raises
    ------
    RuntimeError
        If ``error_if_nonfinite`` and the total is not finite.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.utils.get_total_norm([torch.tensor([3.0]), torch.tensor([4.0])])
    tensor(5.)
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return numbagrad.tensor(0.0)
    first_device = tensors[0].device
    norms = [_vector_norm(t, norm_type) for t in tensors]
    dtype = functools.reduce(numbagrad.promote_types, [n.dtype for n in norms])
    total_norm = _vector_norm(numbagrad.stack([n.to(device=first_device, dtype=dtype)
                                               for n in norms]), norm_type)
    if error_if_nonfinite and bool(total_norm.isnan() | total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total_norm


@_no_grad
def clip_grads_with_norm_(parameters: TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm +
    1e-6))``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is scaled (those without a gradient are skipped).
    max_norm : float
        The largest total norm allowed.
    total_norm : Tensor
        The gradients' total norm (see :func:`get_total_norm`).
    foreach : bool, optional
        Accepted for torch compatibility.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = numbagrad.clamp(clip_coef, max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped.to(device=g.device))


@_no_grad
def clip_grad_norm_(parameters: TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their total norm is at most
    ``max_norm``.

    The total norm is that of all the gradients together, as if concatenated into one vector;
    each gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clipped (those without a gradient are skipped).
    max_norm : float
        The largest total norm allowed.
    norm_type : float or str
        The order of the norm; ``'inf'`` or ``math.inf`` for the largest magnitude (default 2).
    error_if_nonfinite : bool
        Raise if the total norm is nan or infinite instead of scaling by it (default False).
    foreach : bool, optional
        Accepted for torch compatibility.

    Returns
    -------
    Tensor
        The total norm before clipping (a 0-d tensor).

    Raises
    ------
    RuntimeError
        If ``error_if_nonfinite`` and the total norm is not finite.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.zeros(2, requires_grad=True)
    >>> w.grad = torch.tensor([3.0, 4.0])
    >>> torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters: TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (warns with a FutureWarning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters: TensorOrTensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clamped (those without a gradient are skipped).
    clip_value : float
        The largest magnitude allowed.
    foreach : bool, optional
        Accepted for torch compatibility.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.zeros(2, requires_grad=True)
    >>> w.grad = torch.tensor([3.0, -0.5])
    >>> torch.nn.utils.clip_grad_value_(w, 1.0)
    >>> w.grad
    tensor([ 1.0000, -0.5000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
