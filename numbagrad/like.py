"""Tensors made after another tensor: the ``*_like`` functions (its shape, dtype and device) and
``Tensor.new_*`` (its dtype and device), each a call of the matching function of ``creation.py``
or ``sampling.py``.
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad.creation import _size, check_fill_value, empty, full, ones, tensor, zeros
from numbagrad.ops.elementwise import check_tensor
from numbagrad.sampling import rand, randint, randn
from numbagrad.tensor import Tensor


def _new(self: Tensor, dtype, device, requires_grad: bool) -> dict:
    """The keyword arguments that make a tensor of ``self``'s dtype and device unless given."""
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device,
            "requires_grad": requires_grad}


def _like(op: str, input: Tensor, dtype, device, requires_grad: bool) -> dict:
    """The keyword arguments that make a tensor like ``input``: its shape, and its dtype and
    device unless given."""
    check_tensor(op, input)
    return {"size": input.shape, **_new(input, dtype, device, requires_grad)}


_FLOATS_ONLY = """
    NotImplementedError
        For integer and bool dtypes, as torch."""


def _like_function(make, what: str, raises: str = ""):
    """The public function ``<make>_like(input, *, dtype=None, device=None, requires_grad=False,
    memory_format=None)``: ``make`` given the shape, and by default the dtype and device, of
    ``input``; ``raises`` adds to the docstring's Raises section."""
    name = make.__name__ + "_like"

    def function(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
                 memory_format=None) -> Tensor:
        return make(**_like(name, input, dtype, device, requires_grad))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""{what}, with the shape (and by default dtype and device) of ``input``.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.{raises}
    """
    return function


zeros_like = _like_function(zeros, "Zeros")
ones_like = _like_function(ones, "Ones")
empty_like = _like_function(empty, "Uninitialised values")
rand_like = _like_function(rand, "Uniform samples on [0, 1)", _FLOATS_ONLY)
randn_like = _like_function(randn, "Standard normal samples", _FLOATS_ONLY)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype) of ``input``.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    """
    check_fill_value("full_like", fill_value)
    return full(fill_value=fill_value, **_like("full_like", input, dtype, device, requires_grad))


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``), with the shape (and by default dtype) of ``input``.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor.
    RuntimeError
        If ``low >= high``.
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, **_like("randint_like", input, dtype, device, requires_grad))


# ---------------------------------------------------------------------------- Tensor.new_*


def new_tensor(self: Tensor, data, *, dtype=None, device=None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor copying ``data``, of ``self``'s dtype and device unless given."""
    if not isinstance(data, (Tensor, list, tuple, np.ndarray, np.generic, numbers.Number)):
        # torch.tensor(None) is a RuntimeError, but new_tensor's is a TypeError
        raise TypeError(f"new_tensor(): must be real number, not {type(data).__name__}")
    return tensor(data, **_new(self, dtype, device, requires_grad))


def _new_function(make, what: str):
    """The method ``new_<make>(self, *size, dtype=None, device=None, requires_grad=False)``:
    ``make`` given ``self``'s dtype and device unless given."""
    name = "new_" + make.__name__

    def function(self: Tensor, *size, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
        return make(_size(size, name), **_new(self, dtype, device, requires_grad))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""{what} of shape ``size``, of ``self``'s dtype and device unless given.

    Raises
    ------
    TypeError, RuntimeError
        For sizes that :func:`{make.__name__}` refuses.
    """
    return function


new_zeros = _new_function(zeros, "Zeros")
new_ones = _new_function(ones, "Ones")
new_empty = _new_function(empty, "An uninitialised tensor")


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` in a tensor of shape ``size``, of ``self``'s dtype and device unless
    given."""
    check_fill_value("new_full", fill_value)
    return full(size, fill_value, **_new(self, dtype, device, requires_grad))
