"""In-place application of ops, and the wrappers that make Tensor methods and operators of them.

``inplace(x, op, ...)`` computes ``op(x, ...)`` and writes it into ``x``'s storage, recording
the graph so that gradients flow as torch's in-place ops do. Op families build their ``name_``
methods with :func:`inplace_method` and their dunders with :func:`operator_method`.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import _enabled, no_grad
from numbagrad.ops import elementwise as ew
from numbagrad.tensor import Tensor


def inplace(self: Tensor, op, *args, **kwargs) -> Tensor:
    """Compute ``op(self, *args)`` and write it into ``self``'s storage.

    When the graph is being recorded, the result's node takes this tensor's place in the graph
    and the old value (a copy) its old place; the version counter tells ``backward`` if a saved
    value was overwritten.
    """
    check_no_overlap(f"{op.__name__}_", self)
    recording = _enabled.get() and (
        self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)
    )
    if recording:
        if self.is_leaf and self.requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        if self._base is not None:
            raise RuntimeError(
                f"{op.__name__}_: numbagrad does not record in-place operations on a view "
                "(a slice, transpose, reshape ...) while gradients are being recorded; use the "
                "out-of-place form, or modify the base tensor"
            )
        old = Tensor._make(self._backend().copy(self._data), self._device)
        old._requires_grad, old.grad_fn, old._output_nr = self._requires_grad, self.grad_fn, self._output_nr
        result = op(old, *args, **kwargs)
    else:
        with no_grad():
            result = op(self, *args, **kwargs)
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(
            f"{op.__name__}_: output with shape {list(self.shape)} doesn't match the broadcast "
            f"shape {list(result.shape)}"
        )
    if result.dtype.category > self.dtype.category:
        raise RuntimeError(
            f"{op.__name__}_: result type {dtypes.scalar_name(result.dtype)} can't be cast to the "
            f"desired output type {dtypes.scalar_name(self.dtype)}"
        )
    if recording:
        result = ew.cast(result, self.dtype)
    self._backend().assign(self._data, result._data)
    self._version.value += 1
    if recording:
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, True
    return self


def check_no_overlap(op: str, self: Tensor) -> None:
    """torch's RuntimeError for writing into a tensor whose elements share memory (an
    ``expand``ed view: a stride of 0 along a dimension of several elements)."""
    strides = self._data.strides
    if 0 in strides and any(s == 0 and n > 1 for s, n in zip(strides, self.shape)):
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location. Please clone() the tensor before performing "
            "the operation."
        )


def inplace_method(fn, name: str | None = None):
    """The in-place method ``<name>_`` of op ``fn``: ``x.sin_()`` is ``inplace(x, sin)``."""
    def method(self, *args, **kwargs):
        return inplace(self, fn, *args, **kwargs)

    method.__name__ = (name or fn.__name__) + "_"
    method.__doc__ = f"``{fn.__name__}`` in place: the result is written into ``self``."
    return method


_OPERAND_TYPES = (Tensor, bool, int, float, np.number, np.bool_, np.ndarray)


def operator_method(fn, name: str, reflected: bool = False):
    """A binary dunder: NotImplemented for operands that are not tensors or numbers, so that
    Python raises its own TypeError (and ``t == None`` is False), as with torch tensors."""
    def op(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    op.__name__ = name
    return op


def inplace_operator(method, name: str):
    """An augmented-assignment dunder (``__iadd__``) calling the in-place ``method``."""
    def op(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return method(self, other)

    op.__name__ = name
    return op
