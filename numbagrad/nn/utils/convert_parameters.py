"""Parameters to one flat vector and back (``parameters_to_vector``, ``vector_to_parameters``)."""
from __future__ import annotations

from typing import Iterable

import numbagrad
from numbagrad.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: Tensor, old_param_device):
    """The device of the first parameter; a TypeError for a parameter on another device."""
    device = param.device
    if old_param_device is None:
        return device
    if device != old_param_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return old_param_device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (recorded by autograd).

    Parameters
    ----------
    parameters : iterable of Tensor
        On one device.

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If the parameters are on different devices.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.utils.parameters_to_vector([torch.ones(2, 2), torch.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.reshape(-1))
    return numbagrad.cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set the data of each of ``parameters``, in order, from consecutive slices of ``vec``.

    Parameters
    ----------
    vec : Tensor
        A 1-D tensor with (at least) as many elements as the parameters together.
    parameters : iterable of Tensor
        On one device; their ``.data`` is replaced by views of ``vec``.

    Raises
    ------
    TypeError
        If ``vec`` is not a tensor, or the parameters are on different devices.

    Examples
    --------
    >>> import numbagrad as torch
    >>> a, b = torch.zeros(2), torch.zeros(1)
    >>> torch.nn.utils.vector_to_parameters(torch.tensor([1.0, 2.0, 3.0]), [a, b])
    >>> a, b
    (tensor([1., 2.]), tensor([3.]))
    """
    if not isinstance(vec, Tensor):
        cls = type(vec)
        name = (cls.__qualname__ if cls.__module__ == "builtins"
                else f"{cls.__module__}.{cls.__qualname__}")
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
